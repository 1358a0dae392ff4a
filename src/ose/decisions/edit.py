"""Scaffold and rewrite records: what ``ose decision new|status|supersede|number`` do.

Why drafts carry no number: two pull requests opened at the same time would both take the next
free number, and since their file names differ, git would merge both without a conflict, leaving
two records numbered alike. So a new record is ``decisions/draft-<slug>.md`` with no ``number``,
and numbers are handed out only on the main branch, one push at a time, by ``ose decision
number`` (run by the decisions workflow after a merge). It renames each decided draft to
``NNNN-slug.md`` and rewrites every link to it. Slugs are unique (the lint checks it), and two
drafts with the same slug are the same file to git: a real conflict that review must settle.

Edits are made line by line in the front matter, so that comments, key order and the body stay
as the author wrote them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ose.core.frontmatter import split_front_matter
from ose.core.problems import Problem, ProblemsFound, display_path
from ose.core.text import read_text
from ose.decisions.lint import check_decisions
from ose.decisions.records import (
    FIELDS,
    FOLDER,
    MAX_TITLE,
    STATUSES,
    TRANSITIONS,
    Decision,
    Ref,
    load_decisions,
    parse_ref,
)
from ose.project import Project

TEMPLATE = "template.md"
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_H1 = re.compile(r"^#\s+\S")


# -- front matter, edited in place ----------------------------------------------------------


def yaml_value(value: Any) -> str:
    """``value`` in YAML flow style, on one line (lists as ``[a, b]``)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    dumped = yaml.safe_dump([value], default_flow_style=True, width=10_000, allow_unicode=True)
    return dumped.strip()[1:-1]


def _key_spans(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Each top-level key of a front matter block -> (first line, end line), 0-based, end
    excluded; a key's span runs over its indented or ``- `` continuation lines."""
    spans: dict[str, tuple[int, int]] = {}
    current: str | None = None
    for index, line in enumerate(lines):
        match = _TOP_KEY.match(line)
        if match:
            current = match.group(1)
            spans[current] = (index, index + 1)
        elif current is not None and (line.startswith((" ", "\t", "- ")) or line.strip() == "-"):
            spans[current] = (spans[current][0], index + 1)
        else:
            current = None
    return spans


def set_fields(text: str, values: dict[str, Any], remove: Iterable[str] = ()) -> str:
    """``text`` with top-level front matter keys set to ``values`` (in schema order when new)
    and the keys in ``remove`` deleted."""
    block, _block_lines, body = split_front_matter(text)
    if block is None:
        block, body = "", text
    lines = block.splitlines()
    for key in remove:
        spans = _key_spans(lines)
        if key in spans:
            start, end = spans[key]
            del lines[start:end]
    for key, value in values.items():
        spans = _key_spans(lines)
        line = f"{key}: {yaml_value(value)}"
        if key in spans:
            start, end = spans[key]
            lines[start:end] = [line]
            continue
        order = FIELDS.index(key) if key in FIELDS else len(FIELDS)
        before = [k for k in spans if k in FIELDS and FIELDS.index(k) < order]
        position = max((spans[k][1] for k in before), default=0)
        lines.insert(position, line)
    return "---\n" + "".join(f"{line}\n" for line in lines) + "---\n" + body


def set_heading(text: str, heading: str) -> str:
    """``text`` with its first ``# `` heading (after the front matter) replaced."""
    block, _block_lines, body = split_front_matter(text)
    head = text[: len(text) - len(body)] if block is not None else ""
    out = body.splitlines(keepends=True)
    fence = False
    for index, line in enumerate(out):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and _H1.match(line):
            out[index] = heading + "\n"
            return head + "".join(out)
    return head + heading + "\n\n" + body.lstrip("\n")


# -- finding records ------------------------------------------------------------------------


def slugify(title: str, limit: int = 60) -> str:
    """A file-name slug: ASCII lower case, words joined by hyphens, cut at a word."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit and slug:
            break
        slug = candidate
    return slug


def _records(root: Path) -> list[Decision]:
    folder = root / FOLDER
    if not folder.is_dir():
        raise ProblemsFound.single(FOLDER, "no decisions/ folder here (run ose in the site's root)")
    return load_decisions(root)


def find(root: Path, reference: str) -> Decision:
    """The record that ``reference`` names: ``7``, ``0007``, ``draft-slug``, a slug, a file
    name or a path."""
    records = _records(root)
    ref = parse_ref(reference)
    name = Path(reference).name
    stem = name.removesuffix(".md")
    for record in records:
        if ref is not None and record.key == ref:
            return record
        if stem in {record.stem, record.slug}:
            return record
    known = ", ".join(str(r.key) for r in records) or "none yet"
    raise ProblemsFound.single(FOLDER, f"no decision record {reference!r} (known: {known})")


def _fail(root: Path, decision: Decision, message: str, line: int = 0) -> ProblemsFound:
    return ProblemsFound([Problem.at(decision.path, line, message, root)])


# -- the commands ---------------------------------------------------------------------------


def new_draft(
    root: Path,
    title: str,
    today: date,
    deciders: list[str] | None = None,
    tags: list[str] | None = None,
) -> Path:
    """Scaffold ``decisions/draft-<slug>.md`` from the template; return its path."""
    folder = root / FOLDER
    template = folder / TEMPLATE
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise ProblemsFound.single(
            "ose decision new",
            f"title is {len(title)} characters long (allowed: 1 to {MAX_TITLE})",
        )
    if not template.is_file():
        raise ProblemsFound.single(
            display_path(template, root), "no template to scaffold from (it ships with the site)"
        )
    slug = slugify(title)
    if not slug:
        raise ProblemsFound.single(
            "ose decision new", f"title {title!r} has no letters or digits (a slug needs some)"
        )
    for record in load_decisions(root):
        if record.slug == slug:
            raise _fail(
                root, record, f"slug {slug!r} is taken by this record (choose another title)"
            )
    text = read_text(template)
    values: dict[str, Any] = {
        "title": title,
        "status": "proposed",
        "date": today,
        "proposed": today,
    }
    if deciders:
        values["deciders"] = deciders
    if tags:
        values["tags"] = tags
    text = set_fields(text, values, remove=["number", "supersedes", "superseded-by"])
    text = set_fields(text, {"supersedes": [], "superseded-by": []})
    text = set_heading(text, f"# {title}")
    path = folder / f"draft-{slug}.md"
    path.write_text(text, encoding="utf-8")
    return path


def set_status(root: Path, reference: str, status: str, today: date) -> Decision:
    """Move a record along the lifecycle and date the change."""
    record = find(root, reference)
    if status not in STATUSES:
        raise ProblemsFound.single(
            "ose decision status", f"status {status!r} is unknown (allowed: {', '.join(STATUSES)})"
        )
    allowed = TRANSITIONS.get(record.status, ())
    if status == "superseded":
        raise _fail(
            root, record, "a record is superseded by another one (use: ose decision supersede)"
        )
    if status not in allowed:
        options = ", ".join(a for a in allowed if a != "superseded") or "none, it is final"
        raise _fail(
            root,
            record,
            f"status {record.status!r} cannot become {status!r} (allowed: {options})",
        )
    text = read_text(record.path)
    record.path.write_text(set_fields(text, {"status": status, "date": today}), encoding="utf-8")
    return find(root, str(record.key))


def supersede(root: Path, old_reference: str, new_reference: str, today: date) -> tuple[Path, Path]:
    """Record that NEW replaces OLD, in both files: OLD becomes superseded."""
    old = find(root, old_reference)
    new = find(root, new_reference)
    if old.path == new.path:
        raise _fail(root, old, "a record cannot supersede itself")
    if old.status != "accepted":
        raise _fail(
            root,
            old,
            f"status is {old.status!r}; only an accepted record can be superseded",
        )
    if new.status != "accepted":
        raise _fail(
            root,
            new,
            f"status is {new.status!r}; accept it before it supersedes another record "
            f"(ose decision status {new.key} accepted)",
        )
    old_text = set_fields(
        read_text(old.path),
        {
            "status": "superseded",
            "date": today,
            "superseded-by": [*old.superseded_by, new.key],
        },
    )
    new_text = set_fields(read_text(new.path), {"supersedes": [*new.supersedes, old.key]})
    old.path.write_text(old_text, encoding="utf-8")
    new.path.write_text(new_text, encoding="utf-8")
    return old.path, new.path


@dataclass(frozen=True)
class Numbered:
    old: Path
    new: Path
    number: int


def number_drafts(root: Path, today: date | None = None) -> list[Numbered]:
    """Give every decided draft the next free number, oldest first; rewrite links to it."""
    problems = check_decisions(Project.at(root), today)
    if problems:
        raise ProblemsFound(problems)
    records = _records(root)
    taken = [r.number for r in records if r.number is not None]
    drafts = sorted(
        (r for r in records if r.number is None and r.status != "proposed"),
        key=lambda r: (r.date or date.min, r.slug),
    )
    mapping: dict[Ref, int] = {}
    moves: list[Numbered] = []
    next_number = max(taken, default=0) + 1
    for draft in drafts:
        mapping[draft.key] = next_number
        target = draft.path.with_name(f"{next_number:04d}-{draft.slug}.md")
        text = set_fields(read_text(draft.path), {"number": next_number})
        text = set_heading(text, f"# {next_number}. {draft.title}")
        target.write_text(text, encoding="utf-8")
        draft.path.unlink()
        moves.append(Numbered(draft.path, target, next_number))
        next_number += 1
    if mapping:
        _rewrite_links(root, mapping)
    return moves


def _rewrite_links(root: Path, mapping: dict[Ref, int]) -> None:
    """Point supersede links and page links at the numbered files."""
    for record in load_decisions(root):
        changed = {}
        links = (("supersedes", record.supersedes), ("superseded-by", record.superseded_by))
        for key, refs in links:
            if any(ref in mapping for ref in refs):
                changed[key] = [mapping.get(ref, ref) for ref in refs]
        if changed:
            text = read_text(record.path)
            record.path.write_text(set_fields(text, changed), encoding="utf-8")
    stems = {
        str(key): f"{number:04d}-{str(key).removeprefix('draft-')}"
        for key, number in mapping.items()
    }
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(stem) for stem in stems) + r")(?![\w-])"
    )
    for path in Project.at(root).markdown_sources():
        text = read_text(path)
        _block, _, body = split_front_matter(text)
        head = text[: len(text) - len(body)]
        new_body = pattern.sub(lambda m: stems[m.group(1)], body)
        if new_body != body:
            path.write_text(head + new_body, encoding="utf-8")
