"""One decision record: its file name, front matter and sections, parsed into a typed record.

A record is ``decisions/NNNN-slug.md`` once it is numbered, or ``decisions/draft-slug.md`` before
(see :mod:`.edit` for why drafts carry no number). Parsing is lenient: :class:`RecordFile` keeps
what the file says, with lines, for the lint; :func:`to_decision` coerces it into a
:class:`Decision` that the site and the commands use once the lint is satisfied.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ose.core.frontmatter import FrontMatter, parse_front_matter
from ose.core.problems import Problem, ProblemsFound

#: The folder of records, relative to the project root.
FOLDER = "decisions"

#: Every status, in lifecycle order, and what it means to a reader (the site's banners say it).
STATUS_MEANING: dict[str, str] = {
    "proposed": "Under review in a pull request. Not in force until the TSC votes to accept it.",
    "accepted": "Accepted by the deciders. This decision is in force.",
    "rejected": "Voted down by the deciders. Kept so that the reasoning is not lost.",
    "withdrawn": "Withdrawn by its authors before a vote. Kept for the record.",
    "superseded": "Replaced by a later decision, which is now in force instead.",
    "deprecated": "No longer in force, and not replaced by another decision.",
}
STATUSES: tuple[str, ...] = tuple(STATUS_MEANING)

#: The lifecycle: which status may follow which. Other statuses are final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("accepted", "rejected", "withdrawn"),
    "accepted": ("superseded", "deprecated"),
}

#: Statuses of a record that was accepted at some point, and so may supersede another one.
ONCE_ACCEPTED = frozenset({"accepted", "superseded", "deprecated"})

FIELDS: tuple[str, ...] = (
    "number",
    "title",
    "status",
    "date",
    "proposed",
    "deciders",
    "tags",
    "supersedes",
    "superseded-by",
    "discussion",
    "resolution",
)
REQUIRED: tuple[str, ...] = ("title", "status", "date", "deciders", "tags")
LINK_FIELDS: tuple[str, ...] = ("supersedes", "superseded-by")
URL_FIELDS: tuple[str, ...] = ("discussion", "resolution")
REQUIRED_SECTIONS: tuple[str, ...] = ("Context", "Decision", "Consequences")
MAX_TITLE = 80

#: Markdown files in the folder that are not records.
NOT_RECORDS = frozenset({"index.md", "guide.md", "template.md"})

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
NUMBERED_NAME = re.compile(rf"^(\d{{4}})-({SLUG})\.md$")
DRAFT_NAME = re.compile(rf"^draft-({SLUG})\.md$")
DRAFT_REF = re.compile(rf"^draft-({SLUG})$")
SLUG_PATTERN = re.compile(rf"^{SLUG}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: A reference to a record: its number, or ``draft-<slug>`` while it has none.
Ref = int | str

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def parse_ref(value: Any) -> Ref | None:
    """``value`` as a record reference, or None when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        if value.isdigit() and int(value) > 0:
            return int(value)
        if DRAFT_REF.match(value):
            return value
    return None


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass
class RecordFile:
    """What one file under ``decisions/`` says, with lines, before anything is validated."""

    path: Path
    #: number from the file name (None for a draft or a badly named file)
    file_number: int | None
    slug: str | None
    is_draft: bool
    front: FrontMatter | None = None
    #: the front matter could not be read (already a problem)
    unreadable: list[Problem] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    #: H2 section title -> whether it has content (anything but blank lines and comments)
    filled: dict[int, bool] = field(default_factory=dict)

    @property
    def well_named(self) -> bool:
        return self.slug is not None

    @property
    def data(self) -> dict[str, Any]:
        return self.front.data if self.front is not None else {}

    @property
    def key(self) -> Ref | None:
        """How other records refer to this one: its file number, or ``draft-<slug>``."""
        if self.file_number is not None:
            return self.file_number
        if self.is_draft and self.slug:
            return f"draft-{self.slug}"
        return None

    def line_of(self, key: str) -> int:
        return self.front.line_of(key) if self.front is not None else 1


@dataclass(frozen=True)
class Decision:
    """A decision record as the site and the commands use it."""

    path: Path
    slug: str
    number: int | None
    title: str
    status: str
    date: date | None
    deciders: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    supersedes: tuple[Ref, ...] = ()
    superseded_by: tuple[Ref, ...] = ()
    discussion: str | None = None
    resolution: str | None = None
    #: the day the draft was opened (optional; records written before the field have none)
    proposed: date | None = None

    @property
    def key(self) -> Ref:
        return self.number if self.number is not None else f"draft-{self.slug}"

    @property
    def label(self) -> str:
        """``0007`` for a numbered record, ``draft`` for one that has no number yet."""
        return f"{self.number:04d}" if self.number is not None else "draft"

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def docname(self) -> str:
        """The Sphinx document name, relative to the project root."""
        return f"{FOLDER}/{self.stem}"

    @property
    def heading(self) -> str:
        """The page's first heading, from the number and the title."""
        return expected_heading(self.number, self.title)


def expected_heading(number: int | None, title: str) -> str:
    prefix = f"{number}. " if number is not None else ""
    return f"# {prefix}{title}"


def record_paths(folder: Path) -> Iterator[Path]:
    """Every Markdown file in ``folder`` that should be a record, in name order."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.md")):
        if path.name not in NOT_RECORDS:
            yield path


def _headings(front: FrontMatter) -> tuple[list[Heading], dict[int, bool]]:
    """ATX headings outside code fences, and whether each H2 section has any content."""
    headings: list[Heading] = []
    filled: dict[int, bool] = {}
    fence: str | None = None
    current: int | None = None
    for offset, line in enumerate(front.body.splitlines()):
        number = front.body_start_line + offset
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
        match = _HEADING.match(line)
        if match and fence is None:
            level = len(match.group(1))
            headings.append(Heading(level, match.group(2), number))
            if level <= 2:
                current = number if level == 2 else None
                if current is not None:
                    filled[current] = False
            continue
        stripped = line.strip()
        if current is not None and stripped and not stripped.startswith(("%", "<!--")):
            filled[current] = True
    return headings, filled


def read_record(path: Path, root: Path | None = None) -> RecordFile:
    """Parse the file at ``path`` without judging it."""
    numbered = NUMBERED_NAME.match(path.name)
    draft = DRAFT_NAME.match(path.name)
    if numbered:
        record = RecordFile(path, int(numbered.group(1)), numbered.group(2), is_draft=False)
    elif draft:
        record = RecordFile(path, None, draft.group(1), is_draft=True)
    else:
        record = RecordFile(path, None, None, is_draft=False)
    try:
        record.front = parse_front_matter(path, root=root)
    except ProblemsFound as found:
        record.unreadable = list(found.problems)
        return record
    record.headings, record.filled = _headings(record.front)
    return record


def as_date(value: Any) -> date | None:
    """A YAML date, or an ISO ``YYYY-MM-DD`` string; None for anything else (times included)."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def read_records(root: Path) -> list[RecordFile]:
    """Every record file of the project at ``root``."""
    return [read_record(path, root) for path in record_paths(root / FOLDER)]


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value if item is not None)
    return ()


def _refs(value: Any) -> tuple[Ref, ...]:
    if not isinstance(value, list):
        return ()
    refs = (parse_ref(item) for item in value)
    return tuple(ref for ref in refs if ref is not None)


def to_decision(record: RecordFile) -> Decision | None:
    """The typed record, coercing what the lint would reject; None for a badly named file."""
    if record.slug is None:
        return None
    data = record.data
    status = data.get("status")
    url = {key: data.get(key) if isinstance(data.get(key), str) else None for key in URL_FIELDS}
    return Decision(
        path=record.path,
        slug=record.slug,
        number=record.file_number,
        title=str(data.get("title") or record.slug.replace("-", " ").capitalize()),
        status=status if status in STATUSES else "proposed",
        date=as_date(data.get("date")),
        deciders=_strings(data.get("deciders")),
        tags=_strings(data.get("tags")),
        supersedes=_refs(data.get("supersedes")),
        superseded_by=_refs(data.get("superseded-by")),
        discussion=url["discussion"],
        resolution=url["resolution"],
        proposed=as_date(data.get("proposed")),
    )


def load_decisions(root: Path) -> list[Decision]:
    """Every record of the project, numbered ones first by number, then drafts by slug."""
    decisions = [d for d in map(to_decision, read_records(root)) if d is not None]
    return sort_decisions(decisions)


def sort_decisions(decisions: list[Decision]) -> list[Decision]:
    return sorted(decisions, key=lambda d: (d.number is None, d.number or 0, d.slug))


def by_key(decisions: list[Decision]) -> dict[Ref, Decision]:
    """Records by reference: number for numbered ones, ``draft-<slug>`` for drafts."""
    return {decision.key: decision for decision in decisions}
