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
from typing import Annotated

from pydantic import StringConstraints, field_validator

from ose.core.problems import Problem, ProblemsFound, display_path
from ose.core.schema import Record, validate
from ose.core.yamldata import read_mapping
from ose.project import Project

MANIFEST_NAME = "versions.yaml"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
RESERVED_NAMES = frozenset({"stable", "latest", "_versions"})


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


class VersionEntry(Record):
    """One entry of ``versions:`` as written."""

    name: Annotated[str, StringConstraints(min_length=1)]
    ref: Annotated[str, StringConstraints(min_length=1)]
    label: str | None = None
    preferred: bool = False
    dev: bool = False

    @field_validator("name")
    @classmethod
    def _allowed_name(cls, name: str) -> str:
        if not NAME_PATTERN.match(name) or name in RESERVED_NAMES:
            raise ValueError(
                "allowed: lower-case letters, digits, '.', '_', '-'; "
                f"not {', '.join(sorted(RESERVED_NAMES))}"
            )
        return name


class ManifestFile(Record):
    """The whole of ``versions.yaml`` as written."""

    base_url: str = "/"
    versions: list[VersionEntry]


def ref_exists(repo: Path, ref: str) -> bool:
    result = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


def load_manifest(path: Path, root: Path | None = None, repo: Path | None = None) -> Manifest:
    """Parse and validate the manifest; raise :class:`ProblemsFound` with every problem."""
    data, lines = read_mapping(path, root)
    if not data.get("versions"):
        raise ProblemsFound([lines.problem("versions", "no versions (a list under 'versions:')")])
    written = validate(ManifestFile, data, lines)
    base_url = written.base_url if written.base_url.endswith("/") else written.base_url + "/"
    versions = [
        Version(
            name=entry.name,
            ref=entry.ref,
            label=entry.label or entry.name,
            preferred=entry.preferred,
            dev=entry.dev,
            line=line,
        )
        for entry, line in zip(written.versions, lines.items("versions"), strict=True)
    ]
    shown = display_path(path, root)
    problems: list[Problem] = []
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
