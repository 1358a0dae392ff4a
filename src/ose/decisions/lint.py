"""The lint of every decision record at once: header rules (as python/peps checks PEP headers)
and the rules between records (as NumPy checks that NEP supersede links point both ways).

Each rule reports one line, ``path:line: what is wrong (what is allowed)``. :data:`RULES` names
them all; the authoring guide renders that list, and every rule has a failing fixture under
``tests/fixtures/decisions/``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ose.core.dates import build_date
from ose.core.problems import Problem, ProblemsFound
from ose.core.schema import missing, unknown_key, unknown_name
from ose.decisions.records import (
    FIELDS,
    FOLDER,
    LINK_FIELDS,
    MAX_TITLE,
    ONCE_ACCEPTED,
    REQUIRED,
    REQUIRED_SECTIONS,
    SLUG_PATTERN,
    STATUSES,
    URL_FIELDS,
    RecordFile,
    Ref,
    as_date,
    expected_heading,
    parse_ref,
    read_records,
)
from ose.project import Project

ROSTER = "governance/roster.yaml"


@dataclass(frozen=True)
class Rule:
    """One lint rule: a stable name (its fixture's folder) and what it asks of a record."""

    name: str
    summary: str


#: Every rule, in the order the guide lists them.
RULES: tuple[Rule, ...] = (
    Rule("file-name", "A record is named `NNNN-slug.md`, or `draft-slug.md` until numbered."),
    Rule("front-matter", "The front matter is valid YAML."),
    Rule("field-missing", "Every required field is present (and `number` in a numbered record)."),
    Rule("field-unknown", "No field outside the schema (a typo would otherwise go unnoticed)."),
    Rule("status-value", "`status` is one of the lifecycle's statuses."),
    Rule("date-format", "`date` is an ISO date, `YYYY-MM-DD`."),
    Rule("date-real", "`date` is a date that exists on the calendar."),
    Rule("date-future", "`date` is not in the future."),
    Rule("proposed-format", "`proposed`, when given, is an ISO date, `YYYY-MM-DD`."),
    Rule(
        "proposed-order", "`proposed` is not after `date`: a draft is opened before it is decided."
    ),
    Rule("proposed-future", "`proposed` is not in the future."),
    Rule("number-value", "`number` is a positive whole number."),
    Rule("number-filename", "`number` agrees with the number in the file name."),
    Rule("number-unique", "No two records share a number."),
    Rule("number-draft", "A draft carries no number; `ose decision number` assigns it."),
    Rule("number-proposed", "A numbered record is decided: a proposal is still a draft."),
    Rule("title-value", "`title` is non-empty text."),
    Rule("title-length", f"`title` is at most {MAX_TITLE} characters long."),
    Rule("heading", "The first heading is the number and the title (`# 7. Title`)."),
    Rule("deciders-value", "`deciders` is a non-empty list."),
    Rule("decider-unknown", "Every decider is a body or a seat of the roster."),
    Rule("tags-value", "`tags` is a list."),
    Rule("tag-format", "Every tag is a lower-case slug."),
    Rule("link-value", "`supersedes` and `superseded-by` list record references."),
    Rule("link-target", "Every supersede link points at an existing record."),
    Rule("link-both-ways", "Supersede links point both ways: the other record links back."),
    Rule("link-cycle", "Supersede links form no cycle."),
    Rule("status-superseded", "A superseded record names its successor in `superseded-by`."),
    Rule("superseded-by-status", "A record with a successor has the status `superseded`."),
    Rule("supersedes-status", "Only an accepted record supersedes another."),
    Rule("url-format", "`discussion` and `resolution` are absolute http(s) URLs."),
    Rule("section-missing", "The sections Context, Decision and Consequences are present."),
    Rule("section-order", "Context, Decision and Consequences come in that order."),
    Rule("section-duplicate", "No section appears twice."),
    Rule("section-empty", "No section is empty."),
    Rule("slug-unique", "No two records share a slug."),
)


@dataclass(frozen=True)
class Deciders:
    """Who may decide: the roster's body ids and seat ids, with a name for each to show."""

    bodies: tuple[str, ...]
    names: dict[str, str]

    def __contains__(self, value: object) -> bool:
        return value in self.names


def load_deciders(root: Path) -> Deciders | None:
    """The roster's ids, or None when there is no roster (or a broken one, which its own
    check reports)."""
    path = root / ROSTER
    if not path.is_file():
        return None
    from ose.governance.roster import load_roster

    try:
        roster = load_roster(path, root)
    except ProblemsFound:
        return None
    names = {body.id: body.name for body in roster.bodies.values()}
    for body in roster.bodies.values():
        for seat in body.seats:
            role = seat.role.replace("-", " ")
            names[seat.id] = f"{role[:1].upper()}{role[1:]}, {body.name}"
    return Deciders(tuple(sorted(roster.bodies)), names)


def _show(value: Any) -> str:
    """A front matter value as the user wrote it, quoted when it is text."""
    if isinstance(value, datetime):
        return repr(value.isoformat(sep=" "))
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def _label(ref: Ref) -> str:
    return str(ref)


class _Linter:
    """Collects the problems of one set of records."""

    def __init__(
        self, records: list[RecordFile], root: Path, deciders: Deciders | None, today: date
    ) -> None:
        self.records = records
        self.root = root
        self.deciders = deciders
        self.today = today
        self.problems: list[Problem] = []

    def report(self, record: RecordFile, line: int, message: str) -> None:
        self.problems.append(Problem.at(record.path, line, message, self.root))

    def at_key(self, record: RecordFile, key: str, message: str) -> None:
        self.report(record, record.line_of(key), message)

    def path_of(self, record: RecordFile) -> str:
        return Problem.at(record.path, 0, "", self.root).path

    # -- one record -----------------------------------------------------------------------

    def record(self, record: RecordFile) -> None:
        if not record.well_named:
            self.report(
                record,
                0,
                "file name is not a record's (allowed: NNNN-slug.md once numbered, "
                "draft-slug.md before; the slug in lower-case letters, digits and hyphens)",
            )
            return
        if record.unreadable:
            self.problems.extend(record.unreadable)
            return
        data = record.data
        required = ("number", *REQUIRED) if not record.is_draft else REQUIRED
        if not record.front or not record.front.present:
            self.report(
                record, 1, f"the record has no front matter (required: {', '.join(required)})"
            )
            return
        for key in required:
            if key not in data:
                self.report(record, 1, missing(key))
        for key in data:
            if key not in FIELDS:
                self.at_key(record, key, unknown_key(key, FIELDS))
        self.number(record)
        self.status(record)
        self.date(record)
        self.proposed(record)
        self.title(record)
        self.lists(record)
        self.urls(record)
        self.sections(record)

    def number(self, record: RecordFile) -> None:
        if "number" not in record.data:
            return
        value = record.data["number"]
        if record.is_draft:
            self.at_key(
                record,
                "number",
                "a draft carries no number (allowed: none; 'ose decision number' assigns one "
                "once the record is decided)",
            )
            return
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.at_key(
                record, "number", f"number is {_show(value)} (allowed: a positive whole number)"
            )
            return
        if value != record.file_number:
            self.at_key(
                record,
                "number",
                f"number is {value} but the file name says {record.file_number:04d} "
                "(they must agree)",
            )

    def status(self, record: RecordFile) -> None:
        if "status" not in record.data:
            return
        value = record.data["status"]
        if value not in STATUSES:
            self.at_key(
                record, "status", f"status is {_show(value)} (allowed: {', '.join(STATUSES)})"
            )
        elif value == "proposed" and not record.is_draft:
            self.at_key(
                record,
                "status",
                "status is 'proposed' but the record is numbered (allowed: a proposal is a "
                "draft, named draft-slug.md, until the TSC decides it)",
            )

    def date(self, record: RecordFile) -> None:
        if "date" not in record.data:
            return
        value = record.data["date"]
        when = as_date(value)
        if when is None:
            self.at_key(
                record, "date", f"date is {_show(value)} (allowed: an ISO date, YYYY-MM-DD)"
            )
        elif when > self.today:
            self.at_key(
                record,
                "date",
                f"date {when.isoformat()} is in the future (allowed: today or earlier)",
            )

    def proposed(self, record: RecordFile) -> None:
        if "proposed" not in record.data:
            return
        value = record.data["proposed"]
        when = as_date(value)
        if when is None:
            self.at_key(
                record,
                "proposed",
                f"proposed is {_show(value)} (allowed: an ISO date, YYYY-MM-DD, the day the "
                "draft was opened)",
            )
            return
        if when > self.today:
            self.at_key(
                record,
                "proposed",
                f"proposed {when.isoformat()} is in the future (allowed: today or earlier)",
            )
            return
        decided = as_date(record.data.get("date"))
        if decided is not None and when > decided:
            self.at_key(
                record,
                "proposed",
                f"proposed {when.isoformat()} is after date {decided.isoformat()} (allowed: "
                "the day the draft was opened, on or before date)",
            )

    def title(self, record: RecordFile) -> None:
        if "title" not in record.data:
            return
        value = record.data["title"]
        if not isinstance(value, str) or not value.strip():
            self.at_key(
                record,
                "title",
                f"title is {_show(value)} (allowed: text of at most {MAX_TITLE} characters)",
            )
            return
        if len(value) > MAX_TITLE:
            self.at_key(
                record,
                "title",
                f"title is {len(value)} characters long (allowed: at most {MAX_TITLE})",
            )
        number = record.data.get("number") if not record.is_draft else None
        if not isinstance(number, int) or isinstance(number, bool):
            number = record.file_number
        wanted = expected_heading(number, value)
        first = next((h for h in record.headings if h.level == 1), None)
        if first is None:
            self.report(
                record,
                record.front.body_start_line if record.front else 1,
                f"no '# ' heading (expected {wanted!r}, from the number and the title)",
            )
        elif f"# {first.text}" != wanted:
            self.report(
                record,
                first.line,
                f"first heading is {'# ' + first.text!r} (expected {wanted!r}, from the "
                "number and the title)",
            )

    def lists(self, record: RecordFile) -> None:
        data = record.data
        if "deciders" in data:
            value = data["deciders"]
            if not isinstance(value, list) or not value:
                self.at_key(
                    record,
                    "deciders",
                    f"deciders is {_show(value)} (allowed: a non-empty list of body or seat "
                    f"ids from {ROSTER})",
                )
            elif self.deciders is not None:
                lines = record.front.item_lines("deciders") if record.front else []
                for index, item in enumerate(value):
                    if item not in self.deciders:
                        line = lines[index] if index < len(lines) else record.line_of("deciders")
                        message = unknown_name(
                            "decider", item, "a body or seat", self.deciders.names, ROSTER
                        )
                        self.report(record, line, message)
        if "tags" in data:
            value = data["tags"]
            if not isinstance(value, list):
                self.at_key(
                    record,
                    "tags",
                    f"tags is {_show(value)} (allowed: a list of tags, e.g. [governance, ci])",
                )
            else:
                for item in value:
                    if not isinstance(item, str) or not SLUG_PATTERN.match(item):
                        self.at_key(
                            record,
                            "tags",
                            f"tag {_show(item)} is not a lower-case slug (allowed: a-z, 0-9 "
                            "and hyphens)",
                        )
        for key in LINK_FIELDS:
            if key not in data:
                continue
            value = data[key]
            if not isinstance(value, list):
                self.at_key(
                    record,
                    key,
                    f"{key} is {_show(value)} (allowed: a list of record references, e.g. [3])",
                )
                continue
            for item in value:
                if parse_ref(item) is None:
                    self.at_key(
                        record,
                        key,
                        f"{key} entry {_show(item)} is not a record reference (allowed: a "
                        "record's number, or draft-slug for a record without one)",
                    )

    def urls(self, record: RecordFile) -> None:
        for key in URL_FIELDS:
            if key not in record.data:
                continue
            value = record.data[key]
            if not _well_formed_url(value):
                self.at_key(
                    record,
                    key,
                    f"{key} is not a well-formed URL: {_show(value)} (allowed: an absolute "
                    "http or https URL)",
                )

    def sections(self, record: RecordFile) -> None:
        first_h1 = next((h.line for h in record.headings if h.level == 1), None)
        anchor = first_h1 or (record.front.body_start_line if record.front else 1)
        seen: dict[str, int] = {}
        for heading in record.headings:
            if heading.level != 2:
                continue
            if heading.text in seen:
                self.report(
                    record,
                    heading.line,
                    f"section '## {heading.text}' appears twice (first at line "
                    f"{seen[heading.text]}; allowed: once)",
                )
                continue
            seen[heading.text] = heading.line
            if not record.filled.get(heading.line, False):
                self.report(
                    record,
                    heading.line,
                    f"section '## {heading.text}' is empty (allowed: a section with text; "
                    "remove an optional one instead)",
                )
        for name in REQUIRED_SECTIONS:
            if name not in seen:
                self.report(
                    record,
                    anchor,
                    f"missing section '## {name}' (required: {', '.join(REQUIRED_SECTIONS)})",
                )
        present = [name for name in REQUIRED_SECTIONS if name in seen]
        for earlier, later in itertools.pairwise(present):
            if seen[later] < seen[earlier]:
                self.report(
                    record,
                    seen[later],
                    f"section '## {later}' comes before '## {earlier}' (order: "
                    f"{', '.join(REQUIRED_SECTIONS)})",
                )

    # -- between records ------------------------------------------------------------------

    def between(self) -> None:
        named = [r for r in self.records if r.well_named and not r.unreadable]
        by_key: dict[Ref, RecordFile] = {}
        by_slug: dict[str, RecordFile] = {}
        for record in named:
            key = record.key
            if key in by_key:
                if isinstance(key, int):
                    self.at_key(
                        record,
                        "number",
                        f"number {key} is also used by {self.path_of(by_key[key])} (allowed: "
                        "each number once)",
                    )
            else:
                assert key is not None
                by_key[key] = record
            slug = record.slug
            assert slug is not None
            if slug in by_slug:
                self.report(
                    record,
                    0,
                    f"slug {slug!r} is also used by {self.path_of(by_slug[slug])} (allowed: "
                    "each slug once, so that numbering a draft cannot clash)",
                )
            else:
                by_slug[slug] = record
        self.links(named, by_key)
        self.cycles(named, by_key)

    def links(self, named: list[RecordFile], by_key: dict[Ref, RecordFile]) -> None:
        backwards = {"supersedes": "superseded-by", "superseded-by": "supersedes"}
        for record in named:
            data = record.data
            status = data.get("status")
            refs = {key: _refs(data.get(key)) for key in LINK_FIELDS}
            for key, targets in refs.items():
                for target in targets:
                    other = by_key.get(target)
                    if other is None:
                        wanted = (
                            f"{FOLDER}/{target:04d}-*.md"
                            if isinstance(target, int)
                            else f"{FOLDER}/{target}.md"
                        )
                        self.at_key(
                            record,
                            key,
                            f"{key} {_label(target)}, which is not a record (no {wanted})",
                        )
                        continue
                    if other is record:
                        continue
                    back = backwards[key]
                    if record.key not in _refs(other.data.get(back)):
                        self.at_key(
                            record,
                            key,
                            f"{key} {_label(target)}, but {self.path_of(other)} does not list "
                            f"{_label(record.key)} in {back} (links go both ways)",
                        )
            if status not in STATUSES:
                continue
            if status == "superseded" and not refs["superseded-by"]:
                self.at_key(
                    record,
                    "status",
                    "status is 'superseded' but superseded-by is empty (allowed: name the "
                    "record that replaces it in superseded-by)",
                )
            if refs["superseded-by"] and status != "superseded":
                self.at_key(
                    record,
                    "superseded-by",
                    f"superseded-by is set but status is {status!r} (allowed: superseded)",
                )
            if refs["supersedes"] and status not in ONCE_ACCEPTED:
                first = _label(refs["supersedes"][0])
                self.at_key(
                    record,
                    "supersedes",
                    f"supersedes {first} but status is {status!r} (allowed: only an accepted "
                    "record supersedes another)",
                )

    def cycles(self, named: list[RecordFile], by_key: dict[Ref, RecordFile]) -> None:
        """Strongly connected groups of the graph 'successor -> predecessor' are cycles."""
        edges: dict[Ref, set[Ref]] = {}
        for record in named:
            key = record.key
            assert key is not None
            for target in _refs(record.data.get("supersedes")):
                if target in by_key:
                    edges.setdefault(key, set()).add(target)
            for target in _refs(record.data.get("superseded-by")):
                if target in by_key:
                    edges.setdefault(target, set()).add(key)
        for group in _strong_components(edges):
            if len(group) == 1 and group[0] not in edges.get(group[0], set()):
                continue
            ordered = sorted(group, key=_ref_order)
            first = by_key[ordered[0]]
            labels = [_label(ref) for ref in ordered]
            if len(labels) == 1:
                members = f": record {labels[0]} supersedes itself"
            else:
                members = f" between records {', '.join(labels[:-1])} and {labels[-1]}"
            self.at_key(
                first,
                "supersedes" if "supersedes" in first.data else "superseded-by",
                f"supersede links form a cycle{members} (allowed: a chain from older to "
                "newer records)",
            )


def _ref_order(ref: Ref) -> tuple[int, int, str]:
    return (0, ref, "") if isinstance(ref, int) else (1, 0, ref)


def _refs(value: Any) -> list[Ref]:
    if not isinstance(value, list):
        return []
    refs = (parse_ref(item) for item in value)
    return [ref for ref in refs if ref is not None]


def _well_formed_url(value: Any) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in {"http", "https"} and ("." in host or host == "localhost")


def _strong_components(edges: dict[Ref, set[Ref]]) -> Iterable[list[Ref]]:
    """Tarjan's algorithm, iteratively; the graph is small but may be deep."""
    index: dict[Ref, int] = {}
    low: dict[Ref, int] = {}
    stack: list[Ref] = []
    on_stack: set[Ref] = set()
    nodes = sorted(set(edges) | {t for ts in edges.values() for t in ts}, key=_ref_order)
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work: list[tuple[Ref, list[Ref]]] = [(start, sorted(edges.get(start, ()), key=_ref_order))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop(0)
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()), key=_ref_order)))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                yield group


def lint_records(
    records: list[RecordFile], root: Path, deciders: Deciders | None, today: date
) -> list[Problem]:
    """Every problem of ``records``, file by file and between them."""
    linter = _Linter(records, root, deciders, today)
    for record in records:
        linter.record(record)
    linter.between()
    return sorted(set(linter.problems))


def check_decisions(project: Project, today: date | None = None) -> list[Problem]:
    """``ose check``'s rules for ``decisions/``; nothing when the project has no such folder."""
    if not (project.root / FOLDER).is_dir():
        return []
    records = read_records(project.root)
    deciders = load_deciders(project.root)
    return lint_records(records, project.root, deciders, today or build_date())
