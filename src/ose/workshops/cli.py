"""``ose bundle [WORKSHOP]``, and the bundle stage at the end of ``ose build``."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from ose.core.problems import ProblemsFound
from ose.project import Project
from ose.staging import published_tree
from ose.workshops.bundle import BundleFile, build_bundles, inputs_digest, max_bytes_from
from ose.workshops.load import WORKSHOPS_DIR
from ose.workshops.manifest import manifest_path, read_manifest
from ose.workshops.specs import workshop_specs


def make_bundles(
    project: Project, html_dir: Path, slug: str | None = None, max_mb: float | None = None
) -> list[BundleFile]:
    """Both bundles of every workshop (or of ``slug``) into the site being built at
    ``html_dir``, from the pages and executed notebooks there."""
    if not (project.root / WORKSHOPS_DIR).is_dir():
        return []
    specs = workshop_specs(project, slug)
    return build_bundles(
        project, specs, html_dir, max_bytes=max_bytes_from(max_mb), complete=slug is None
    )


#: Sphinx once more, in a process of its own: ablog and Sphinx keep state in the process that
#: already built the site once.
_SPHINX_AGAIN = (
    "import sys\n"
    "from pathlib import Path\n"
    "from ose.project import Project\n"
    "from ose.sphinx_run import run_sphinx\n"
    "project = Project.at(sys.argv[1], sys.argv[2])\n"
    "sys.exit(run_sphinx(project, 'html', Path(sys.argv[3]), project.doctrees_dir))\n"
)


def bundles_stamp(project: Project) -> Path:
    """The digest of what the published bundles were made from (:func:`inputs_digest`)."""
    return project.build_dir / "bundles" / "inputs.sha256"


def refresh_bundles(
    project: Project,
    html_dir: Path,
    slug: str | None = None,
    max_mb: float | None = None,
    *,
    reuse: bool = False,
) -> tuple[list[BundleFile], bool]:
    """The bundles made into the site being built at ``html_dir``, and whether the manifest
    changed (then the pages that list them must be written again).

    ``reuse``: keep the zips already in ``html_dir`` when nothing they are made from changed
    since they were made (the stamp :func:`stamp_bundles` wrote); a no-op build then costs no
    zipping."""
    path = manifest_path(project)
    stamp = bundles_stamp(project)
    if reuse and slug is None and path.is_file() and stamp.is_file():
        made = read_manifest(project)
        present = all((html_dir / b.file).is_file() for files in made.values() for b in files)
        if present and stamp.read_text(encoding="utf-8") == inputs_digest(project, html_dir):
            return [], False
    before = path.read_bytes() if path.is_file() else None
    bundles = make_bundles(project, html_dir, slug, max_mb)
    return bundles, bool(bundles) and path.read_bytes() != before


def stamp_bundles(project: Project, html_dir: Path) -> None:
    """Note what the bundles of ``html_dir`` were made from, once its pages list them."""
    bundles_stamp(project).write_text(inputs_digest(project, html_dir), encoding="utf-8")


def publish_bundles(
    project: Project, html_dir: Path, slug: str | None = None, max_mb: float | None = None
) -> list[BundleFile]:
    """``ose bundle``: the bundles, then Sphinx again, in a process of its own, for the pages
    that list them when the manifest changed, all into the site being built at ``html_dir``.
    (``ose build`` makes them between two builds of one Sphinx application instead.)"""
    from ose.build import SphinxFailed

    bundles, changed = refresh_bundles(project, html_dir, slug, max_mb)
    if changed:
        again = subprocess.run(
            [
                sys.executable,
                "-c",
                _SPHINX_AGAIN,
                str(project.root),
                str(project.build_dir),
                str(html_dir),
            ],
            check=False,
        )
        if again.returncode:
            raise SphinxFailed("Sphinx reported the problems above; _build/html is unchanged")
    if bundles and slug is None:
        stamp_bundles(project, html_dir)
    return bundles


def cmd_bundle(args: argparse.Namespace) -> int:
    from ose.build import staged_html
    from ose.cli import site_project

    project = site_project(args)
    if published_tree(project.html_dir) is None:
        raise ProblemsFound.single(
            project.html_dir, "no built site to bundle from (run ose build first)"
        )
    start = time.perf_counter()
    with staged_html(project) as staging:
        bundles = publish_bundles(project, staging, args.workshop, args.max_mb)
    if not bundles:
        print(f"no workshops under {WORKSHOPS_DIR}/: no bundles")
        return 0
    for bundle in bundles:
        print(f"{bundle.file}  {bundle.bytes / 1_000_000:6.2f} MB  sha256 {bundle.sha256}")
    print(
        f"{len(bundles)} bundles in {time.perf_counter() - start:.1f} s; "
        f"SHA256SUMS beside them; manifest {manifest_path(project)}"
    )
    return 0


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed (a positive number of MB)")
    return value


def add_bundle_command(commands: argparse._SubParsersAction) -> None:
    """Register ``ose bundle``."""
    bundle = commands.add_parser(
        "bundle",
        help="zip each workshop's learner and instructor bundles (after ose build)",
        description="Write downloads/workshops/<slug>-learner.zip and -instructor.zip into the "
        "built site, with SHA256SUMS beside them and _build/bundles/manifest.json. Reads the "
        "HTML and the executed notebooks that ose build left. Zips are byte-identical for one "
        "commit (times from SOURCE_DATE_EPOCH, else the commit).",
    )
    bundle.add_argument("workshop", nargs="?", help="one workshop's slug (default: every one)")
    bundle.add_argument(
        "--max-mb",
        type=_megabytes,
        default=None,
        help="the largest zip allowed, in MB (default: $OSE_BUNDLE_MAX_MB, else 25)",
    )
    bundle.set_defaults(func=cmd_bundle)


__all__ = [
    "add_bundle_command",
    "make_bundles",
    "publish_bundles",
    "refresh_bundles",
    "stamp_bundles",
]
