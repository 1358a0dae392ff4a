"""The versions manifest (``versions.yaml``): which refs are published, under which names.

Each entry names a version, the git ref it is built from (a commit SHA for releases, since only
the main branch is published and tags may be missing from a clone; a branch for ``dev``) and a
label. Exactly one entry is ``preferred`` (the stable release) and at most one is ``dev``. The
aliases ``stable`` and ``latest`` are derived: stable is the preferred version, latest is dev.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ose.core.problems import Problem, ProblemsFound, display_path
from ose.project import Project

MANIFEST_NAME = "versions.yaml"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
RESERVED_NAMES = frozenset({"stable", "latest", "_versions"})
ENTRY_KEYS = frozenset({"name", "ref", "label", "preferred", "dev"})


@dataclass(frozen=True)
class Version:
    name: str
    ref: str
    label: str
    preferred: bool = False
    dev: bool = False
    line: int = 0


@dataclass(frozen=True)
class Manifest:
    path: Path
    base_url: str
    versions: tuple[Version, ...]

    @property
    def stable(self) -> Version:
        return next(v for v in self.versions if v.preferred)

    @property
    def dev(self) -> Version | None:
        return next((v for v in self.versions if v.dev), None)

    @property
    def aliases(self) -> dict[str, str]:
        """Alias -> version name: stable -> the preferred version, latest -> dev."""
        aliases = {"stable": self.stable.name}
        if self.dev is not None:
            aliases["latest"] = self.dev.name
        return aliases

    def url(self, name: str) -> str:
        return f"{self.base_url}{name}/"


def _lines(node: yaml.Node) -> list[int]:
    """1-based line of each entry of the ``versions`` sequence."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "versions" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def ref_exists(repo: Path, ref: str) -> bool:
    result = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


def _entry(raw: Any, line: int, shown: str) -> tuple[Version | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(shown, line, "a version must be a mapping (keys: name, ref, label)")]
    problems = []
    for key in sorted(set(raw) - ENTRY_KEYS):
        allowed = ", ".join(sorted(ENTRY_KEYS))
        problems.append(Problem(shown, line, f"unknown key {key!r} (allowed: {allowed})"))
    for key in ("name", "ref"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            problems.append(Problem(shown, line, f"version has no {key} (a non-empty string)"))
    name = str(raw.get("name", ""))
    if name and (not NAME_PATTERN.match(name) or name in RESERVED_NAMES):
        problems.append(
            Problem(
                shown,
                line,
                f"version name {name!r} is not allowed (lower-case letters, digits, '.', '_', "
                f"'-'; not {', '.join(sorted(RESERVED_NAMES))})",
            )
        )
    for flag in ("preferred", "dev"):
        if flag in raw and not isinstance(raw[flag], bool):
            problems.append(Problem(shown, line, f"{flag} is {raw[flag]!r} (allowed: true, false)"))
    if problems:
        return None, problems
    version = Version(
        name=name,
        ref=raw["ref"],
        label=str(raw.get("label") or name),
        preferred=bool(raw.get("preferred", False)),
        dev=bool(raw.get("dev", False)),
        line=line,
    )
    return version, []


def load_manifest(path: Path, root: Path | None = None, repo: Path | None = None) -> Manifest:
    """Parse and validate the manifest; raise :class:`ProblemsFound` with every problem."""
    shown = display_path(path, root)
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ProblemsFound(
            [Problem(shown, mark.line + 1 if mark else 1, f"not valid YAML ({error})")]
        ) from None
    raw_versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(raw_versions, list) or not raw_versions:
        raise ProblemsFound([Problem(shown, 1, "no versions (a list under 'versions:')")])
    base_url = str(data.get("base-url", "/"))
    if not base_url.endswith("/"):
        base_url += "/"
    lines = _lines(node) or [1] * len(raw_versions)
    problems: list[Problem] = []
    versions: list[Version] = []
    for raw, line in zip(raw_versions, lines, strict=True):
        version, found = _entry(raw, line, shown)
        problems.extend(found)
        if version is not None:
            versions.append(version)
    seen: dict[str, int] = {}
    for version in versions:
        if version.name in seen:
            problems.append(
                Problem(
                    shown,
                    version.line,
                    f"duplicate version name {version.name!r} (first at line {seen[version.name]})",
                )
            )
        seen.setdefault(version.name, version.line)
        if repo is not None and not ref_exists(repo, version.ref):
            problems.append(
                Problem(
                    shown,
                    version.line,
                    f"ref {version.ref!r} of version {version.name!r} is not a commit in this "
                    "repository (allowed: a commit SHA, a branch or a tag that exists)",
                )
            )
    preferred = [v for v in versions if v.preferred]
    if len(preferred) != 1 and not problems:
        where = ", ".join(f"{v.name} (line {v.line})" for v in preferred) or "none"
        problems.append(
            Problem(
                shown,
                1,
                f"exactly one version must be preferred: true (the stable release); found {where}",
            )
        )
    devs = [v for v in versions if v.dev]
    if len(devs) > 1:
        problems.append(
            Problem(shown, devs[1].line, f"two versions are dev: {devs[0].name}, {devs[1].name}")
        )
    if problems:
        raise ProblemsFound(problems)
    return Manifest(path=path, base_url=base_url, versions=tuple(versions))


def _shallow(repo: Path) -> bool:
    """A shallow clone (CI's default checkout) lacks old commits: refs cannot be checked."""
    result = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() == "true"


def check_versions(project: Project) -> list[Problem]:
    """The ``ose check`` rule set: the manifest, when the project has one."""
    path = project.root / MANIFEST_NAME
    if not path.is_file():
        return []
    repo = project.root if (project.root / ".git").exists() and not _shallow(project.root) else None
    try:
        load_manifest(path, project.root, repo)
    except ProblemsFound as found:
        return found.problems
    return []
