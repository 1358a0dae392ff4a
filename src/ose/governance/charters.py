"""Charters: the MyST pages of ``governance/`` and the metadata each one must carry.

Every page under ``governance/`` except its index is a charter. Its front matter says what state
the text is in (draft, ratified, retired), which body owns it, when it is next reviewed and which
decision records amended it. The Sphinx layer shows those facts in a panel on every charter and
in the governance index; this module parses and checks them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PositiveInt
from pydantic_core import PydanticCustomError

from ose.core.frontmatter import FrontMatter, parse_front_matter
from ose.core.problems import Problem, ProblemsFound
from ose.core.schema import Record, unknown_name, validate
from ose.governance.roster import Id

GOVERNANCE_DIR = "governance"
INDEX_NAME = "index.md"
DECISIONS_DIR = "decisions"
_DECISION_FILE = re.compile(r"^(\d{4})-.+\.md$")

Status = Literal["draft", "ratified", "retired"]
ReviewCycle = Literal["quarterly", "semiannual", "annual", "biennial"]

#: Front matter keys that belong to Sphinx, MyST or the theme rather than to the charter.
PASSTHROUGH_KEYS = frozenset({"orphan", "nosearch", "tocdepth", "myst", "html_meta"})


def _version(value: str) -> str:
    if not re.fullmatch(r"\d+\.\d+", value):
        raise PydanticCustomError("version", 'allowed: MAJOR.MINOR in quotes, such as "1.0"')
    return value


Version = Annotated[str, AfterValidator(_version)]

#: Where a figure a charter states comes from: the Foundation's plan, or a proposal of the charter.
Source = Literal["plan", "proposal"]


class Figure(Record):
    """A figure the charter states (a seat count, a term, a majority, a deadline) and its source.

    Charters fill in what the plan leaves open; a reader must see which figures the plan gives
    and which are the charter's proposal, still to be confirmed.
    """

    figure: str = Field(min_length=1)
    source: Source


class CharterMeta(Record):
    """The front matter of a charter."""

    title: str = Field(min_length=1)
    status: Status
    version: Version
    ratified: date | None = None
    owner: Id
    review_cycle: ReviewCycle
    next_review: date
    amended_by: list[PositiveInt] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)

    def proposals(self) -> list[str]:
        """The figures the plan does not give."""
        return [f.figure for f in self.figures if f.source == "proposal"]

    def from_plan(self) -> list[str]:
        return [f.figure for f in self.figures if f.source == "plan"]


@dataclass(frozen=True)
class Charter:
    """One charter page: where it is and what its front matter says."""

    path: Path
    docname: str
    meta: CharterMeta
    front: FrontMatter

    def overdue(self, today: date) -> bool:
        """A charter still in force whose review date has passed."""
        return self.meta.status != "retired" and self.meta.next_review < today

    def problem(self, key: str, message: str, root: Path | None = None) -> Problem:
        return self.front.problem(key, message, root)


def charter_paths(root: Path) -> list[Path]:
    """Every charter source of the project at ``root`` (none when governance/ is absent)."""
    folder = root / GOVERNANCE_DIR
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.rglob("*.md")) if p != folder / INDEX_NAME]


def decision_files(root: Path) -> dict[int, Path]:
    """The decision records present, by number (from file names ``decisions/NNNN-slug.md``)."""
    folder = root / DECISIONS_DIR
    found = {}
    for path in sorted(folder.glob("[0-9][0-9][0-9][0-9]-*.md")) if folder.is_dir() else []:
        match = _DECISION_FILE.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return found


def load_charter(path: Path, root: Path) -> Charter:
    """The charter at ``path``; :class:`ProblemsFound` if its front matter is malformed."""
    front = parse_front_matter(path, root=root)
    if not front.data:
        required = [
            f.alias or name for name, f in CharterMeta.model_fields.items() if f.is_required()
        ]
        raise ProblemsFound(
            [
                Problem.at(
                    path,
                    1,
                    f"charter has no front matter (required: {', '.join(required)})",
                    root,
                )
            ]
        )
    data = {
        key: value
        for key, value in front.data.items()
        if key not in PASSTHROUGH_KEYS and "." not in key
    }
    meta = validate(CharterMeta, data, front.lines)
    docname = path.resolve().relative_to(root.resolve()).with_suffix("").as_posix()
    return Charter(path=path, docname=docname, meta=meta, front=front)


def charter_problems(
    charter: Charter, root: Path, bodies: Collection[str] | None, decisions: dict[int, Path]
) -> list[Problem]:
    """The rules that relate a charter's front matter to itself, the roster and the records.

    ``bodies`` are the roster's body ids, or None when the roster could not be read (its own
    problems are reported instead, so owners are not checked against it).
    """
    meta = charter.meta
    problems = []
    if meta.status == "ratified" and meta.ratified is None:
        problems.append(
            charter.problem(
                "status", "status is 'ratified' but no ratified date is given (required)", root
            )
        )
    if meta.ratified is not None and meta.next_review <= meta.ratified:
        problems.append(
            charter.problem(
                "next-review",
                f"next-review {meta.next_review} is not after the ratified date "
                f"{meta.ratified} (a review follows ratification)",
                root,
            )
        )
    if bodies is not None and meta.owner not in bodies:
        message = unknown_name(
            "owner", meta.owner, "a body", bodies, f"{GOVERNANCE_DIR}/roster.yaml"
        )
        problems.append(charter.problem("owner", message, root))
    for index, number in enumerate(meta.amended_by):
        if number not in decisions:
            known = [str(n) for n in sorted(decisions)]
            message = unknown_name(
                f"amended-by[{index}]", number, "a record number", known, f"{DECISIONS_DIR}/"
            )
            problems.append(charter.problem(("amended-by", index), message, root))
    return problems
