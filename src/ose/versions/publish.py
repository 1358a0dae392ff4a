"""``ose publish``: build every version of the manifest and swap the new site in at once.

Each version is built from its own ref in its own git worktree, with that ref's sources,
``conf.py``, tooling (``src/``) and lock, into ``_build/versions/<name>/``. A version whose commit
and lock are those of its last successful build is reused, so adding or changing one version costs
one version's build. The site is then put together in a new folder under ``_build/sites/`` and
``_build/site`` (a symbolic link) is switched to it with one rename: a failed or interrupted
publish leaves the published tree as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ose.core.problems import Problem, ProblemsFound
from ose.project import Project
from ose.staging import new_tree_name, swap_in
from ose.versions import chrome
from ose.versions.manifest import MANIFEST_NAME, Manifest, Version, load_manifest

REPORT_NAME = "report.json"


class PublishFailed(Exception):
    """A version failed to build; the published site was not touched."""


@dataclass
class VersionOutcome:
    name: str
    commit: str
    action: str  # "built" or "reused"
    seconds: float = 0.0


@dataclass
class PublishReport:
    site: Path
    versions: list[VersionOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(
            {
                "seconds": round(self.seconds, 1),
                "versions": [vars(outcome) for outcome in self.versions],
            },
            indent=2,
        )


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise PublishFailed(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def _lock_hash(repo: Path, commit: str) -> str | None:
    """The sha256 of the ref's own uv.lock, or None when it has none."""
    result = subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:uv.lock"],
        capture_output=True,
        check=False,
    )
    return hashlib.sha256(result.stdout).hexdigest() if result.returncode == 0 else None


def _current_lock_hash(project: Project) -> str | None:
    lock = project.lock_file
    return hashlib.sha256(lock.read_bytes()).hexdigest() if lock else None


def _worktree(repo: Path, path: Path, commit: str) -> Path:
    """A detached worktree of ``commit`` at ``path`` (reused across publishes)."""
    if (path / ".git").exists():
        _git(path, "checkout", "--quiet", "--force", "--detach", commit)
        _git(path, "clean", "-fdxq", "-e", "_build")
    else:
        if path.exists():
            shutil.rmtree(path)
        _git(repo, "worktree", "prune")
        _git(repo, "worktree", "add", "--quiet", "--detach", str(path), commit)
    return path


def _python_for(project: Project, lock: str | None, source: Path, envs: Path) -> str:
    """This interpreter when the ref's lock is ours (or absent); else an env synced to it."""
    if lock is None or lock == _current_lock_hash(project):
        return sys.executable
    env_dir = envs / lock[:16]
    python = env_dir / "bin" / "python"
    if not python.exists():
        uv = shutil.which("uv")
        if uv is None:
            raise PublishFailed("this version pins another lock; installing it needs uv")
        subprocess.run(
            [uv, "sync", "--locked", "--no-install-project", "--compile-bytecode", "--quiet"],
            cwd=source,
            env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(env_dir)},
            check=True,
        )
    return str(python)


def build_version(
    project: Project,
    manifest: Manifest,
    version: Version,
    commit: str,
    jobs: int | None,
    scheduler: str | None = None,
) -> str:
    """Build one version from its own worktree into ``_build/versions/<name>/html``; say where
    its lessons ran: with ``scheduler``, on that Dask cluster's workers, unless the version pins
    another lock (the workers would refuse it) or its own tooling predates ``--scheduler``."""
    home = project.build_dir / "versions" / version.name
    source = _worktree(project.root, home / "source", commit)
    python = _python_for(
        project, _lock_hash(project.root, commit), source, project.build_dir / "versions" / "_envs"
    )
    build_dir = home / "build"
    _seed(project, build_dir)
    url = manifest.url(version.name)
    env = {
        **os.environ,
        "OSE_BASE_URL": url,
        "OSE_URL_PREFIX": urlsplit(url).path or "/",
        "OSE_VERSION": version.name,
    }
    own_tooling = (source / "src" / "ose").is_dir()
    if own_tooling:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(source / "src"), os.environ.get("PYTHONPATH")])
        )
    command = [python, "-m", "ose.cli", "--root", str(source), "--build-dir", str(build_dir)]
    command += ["build", *(["--jobs", str(jobs)] if jobs else [])]
    env.pop("OSE_SCHEDULER", None)  # where lessons run is said here, and only here
    where = "here"
    knows_dask = not own_tooling or (source / "src" / "ose" / "execution" / "cluster.py").is_file()
    if scheduler and python != sys.executable:  # workers run this checkout's lock: refused
        where = "here: it pins another lock than the Dask workers'"
    elif scheduler and knows_dask:
        command += ["--scheduler", scheduler]
        where = f"on the Dask cluster at {scheduler}"
    elif scheduler:
        where = "here: its tooling predates --scheduler"
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        log = home / "build.log"
        log.write_text(result.stdout + result.stderr, encoding="utf-8")
        problems = [line for line in result.stderr.splitlines() if line.strip()][-5:]
        raise PublishFailed(
            f"version {version.name!r} ({commit[:12]}) failed to build (log: {log}):\n"
            + "\n".join(f"  {line}" for line in problems)
        )
    _replace_dir(build_dir / "html", home / "html")
    return where


def _seed(project: Project, build_dir: Path) -> None:
    """Start a version's first build from the checkout's executed notebooks and their records.

    The jupyter-cache is keyed on each notebook's code and on the environment, so a seeded entry
    is used only where both match: lessons that did not change since the release run once."""
    cache, records = project.cache_dir / "jupyter", project.records_path
    if build_dir.exists() or not cache.is_dir():
        return
    shutil.copytree(cache, build_dir / "cache" / "jupyter")
    models = project.cache_dir / "inferencedata"  # the sampled models the cached lessons made
    if models.is_dir():
        shutil.copytree(models, build_dir / "cache" / "inferencedata")
    if records.is_file():
        (build_dir / "execution").mkdir(parents=True)
        shutil.copy2(records, build_dir / "execution" / "records.json")


def _replace_dir(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target``, replacing it only once the copy is complete."""
    fresh = target.with_name(target.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(source, fresh)
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _stamp(
    commit: str, lock: str | None, manifest: Manifest, version: Version
) -> dict[str, object]:
    return {"commit": commit, "lock": lock, "url": manifest.url(version.name)}


def _copy_with_chrome(
    source: Path,
    target: Path,
    manifest: Manifest,
    version: Version,
    pages: dict[str, set[str]],
) -> None:
    shutil.copytree(source, target)
    for page in pages[version.name]:
        path = target / page
        text = path.read_text(encoding="utf-8")
        path.write_text(chrome.inject(text, manifest, version, page, pages), encoding="utf-8")


def assemble(project: Project, manifest: Manifest) -> Path:
    """Put the whole site together in a new folder under ``_build/sites/``; return it."""
    versions_dir = project.build_dir / "versions"
    sites = project.build_dir / "sites"
    sites.mkdir(parents=True, exist_ok=True)
    target = sites / new_tree_name("site")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    htmls = {v.name: versions_dir / v.name / "html" for v in manifest.versions}
    pages = {name: chrome.pages_of(html) for name, html in htmls.items()}
    by_name = {v.name: v for v in manifest.versions}
    for version in manifest.versions:
        _copy_with_chrome(htmls[version.name], target / version.name, manifest, version, pages)
    for alias, name in manifest.aliases.items():
        shutil.copytree(target / name, target / alias)
        sitemap = target / alias / "sitemap.xml"
        if sitemap.is_file():
            text = sitemap.read_text(encoding="utf-8")
            sitemap.write_text(
                text.replace(manifest.url(name), manifest.url(alias)), encoding="utf-8"
            )
    (target / chrome.CHROME_DIR).mkdir()
    (target / chrome.CHROME_DIR / "versions.css").write_text(chrome.STYLE, encoding="utf-8")
    (target / "switcher.json").write_text(chrome.switcher_json(manifest), encoding="utf-8")
    (target / "index.html").write_text(chrome.root_redirect(manifest), encoding="utf-8")
    with_sitemap = [
        name for name in ("stable", *by_name) if (target / name / "sitemap.xml").is_file()
    ]
    (target / "sitemap.xml").write_text(
        chrome.sitemap_index(manifest, with_sitemap), encoding="utf-8"
    )
    page_map = {name: sorted(found) for name, found in pages.items()}
    (target / chrome.CHROME_DIR / "pages.json").write_text(
        json.dumps(page_map, indent=1) + "\n", encoding="utf-8"
    )
    not_found = target / "stable" / "404.html"
    if not_found.is_file():
        shutil.copy2(not_found, target / "404.html")
    (target / ".nojekyll").write_text("", encoding="utf-8")
    return target


def publish(
    project: Project, jobs: int | None = None, log: object = print, scheduler: str | None = None
) -> PublishReport:
    """Build what changed, assemble, swap. Raise ProblemsFound or PublishFailed on failure."""
    start = time.perf_counter()
    path = project.root / MANIFEST_NAME
    if not path.is_file():
        raise ProblemsFound([Problem(MANIFEST_NAME, 0, "no versions manifest to publish")])
    manifest = load_manifest(path, project.root, repo=project.root)
    report = PublishReport(site=project.build_dir / "site")
    for version in manifest.versions:
        commit = _git(project.root, "rev-parse", f"{version.ref}^{{commit}}")
        stamp = _stamp(commit, _lock_hash(project.root, commit), manifest, version)
        stamp_path = project.build_dir / "versions" / version.name / "stamp.json"
        html = stamp_path.parent / "html"
        if html.is_dir() and stamp_path.is_file() and json.loads(stamp_path.read_text()) == stamp:
            report.versions.append(VersionOutcome(version.name, commit, "reused"))
            log(f"  reused  {version.name} ({commit[:12]})")  # type: ignore[operator]
            continue
        log(f"  building {version.name} ({commit[:12]}) ...")  # type: ignore[operator]
        began = time.perf_counter()
        where = build_version(project, manifest, version, commit, jobs, scheduler)
        stamp_path.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        seconds = time.perf_counter() - began
        report.versions.append(VersionOutcome(version.name, commit, "built", round(seconds, 1)))
        log(f"  built   {version.name} in {seconds:.1f} s (lessons {where})")  # type: ignore[operator]
    tree = assemble(project, manifest)
    report.seconds = time.perf_counter() - start
    (tree / chrome.CHROME_DIR / REPORT_NAME).write_text(report.to_json() + "\n", encoding="utf-8")
    swap_in(project.build_dir / "site", tree)
    return report
