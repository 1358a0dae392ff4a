"""The bundles' manifest: which zips ``ose build`` made for each workshop, their size and hash.

The bundle stage writes ``_build/bundles/manifest.json``::

    {"<slug>": [{"kind": "learner", "file": "downloads/workshops/<slug>-learner.zip",
                 "bytes": 123456, "sha256": "<64 hex digits>"}, ...]}

``file`` is relative to the site's root. The workshop pages list what it names; without the
file (a build that made no bundle yet) there is nothing to list, which is not an error.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import Field, field_validator

from ose.core.problems import Problem, ProblemsFound
from ose.core.schema import Record, validated
from ose.core.text import read_text
from ose.core.yamldata import LineMap
from ose.project import Project

BundleKind = Literal["learner", "instructor"]


class BundleFile(Record):
    """One zip of one workshop."""

    kind: BundleKind
    file: str
    size: int = Field(alias="bytes", ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("file")
    @classmethod
    def _inside_the_site(cls, value: str) -> str:
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or not value.endswith(".zip"):
            raise ValueError("allowed: a .zip path relative to the site's root, without '..'")
        return value

    @property
    def megabytes(self) -> float:
        return self.size / 1_000_000


def manifest_path(project: Project) -> Path:
    return project.build_dir / "bundles" / "manifest.json"


def read_manifest(project: Project) -> dict[str, list[BundleFile]]:
    """The bundles of each workshop by slug; empty when no manifest was written."""
    path = manifest_path(project)
    if not path.is_file():
        return {}
    root = project.root
    text = read_text(path, root)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProblemsFound(
            [Problem.at(path, error.lineno, f"not valid JSON ({error.msg})", root)]
        ) from None
    lines = LineMap(path, root)
    if not isinstance(data, dict):
        raise ProblemsFound(
            [lines.problem((), "the manifest is not a mapping of workshop slugs to lists")]
        )
    bundles: dict[str, list[BundleFile]] = {}
    problems: list[Problem] = []
    for slug, files in data.items():
        if not isinstance(files, list):
            problems.append(lines.problem((), f"{slug} is not a list of bundle files"))
            continue
        for index, item in enumerate(files):
            record, found = validated(BundleFile, item, lines, at=(slug, index))
            problems.extend(found)
            if record is not None:
                bundles.setdefault(slug, []).append(record)
    if problems:
        raise ProblemsFound(problems)
    return bundles
