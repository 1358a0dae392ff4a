"""Every kind of file the project reads, broken every way a person breaks files.

Each case mutates one file of a copy of the repository's own sources and runs ``ose check``: the
user must see exactly one line ``path:line: what is wrong (what is allowed)`` and exit status 1,
never a traceback and never a cascade of lines caused by the first.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, run_ose

#: One file of each kind the project reads.
FILES = {
    "charter": "governance/board.md",
    "roster": "governance/roster.yaml",
    "rules": "governance/rules.yaml",
    "budget": "governance/budget.yaml",
    "record": "decisions/0002-form-the-foundation-as-a-501c3-non-profit.md",
    "lesson": "curriculum/courses/bayes-intro/priors.md",
    "course": "curriculum/courses/bayes-intro/index.md",
    "manifest": "versions.yaml",
    "workshop": "curriculum/workshops/bayes-university/workshop.md",
    "event": "docs/events/pymcon/pymcon-2027.md",
    "metrics": "governance/metrics.yaml",
}
MARKDOWN = {kind for kind, path in FILES.items() if path.endswith(".md")}
SOURCES_IGNORED = shutil.ignore_patterns(
    "_build", ".nox", ".venv", ".git", "src", "tests", "benchmarks", "tools", "node_modules"
)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's sources, shared by the cases (each restores its file)."""
    root = tmp_path_factory.mktemp("bad-input") / "site"
    shutil.copytree(REPO, root, ignore=SOURCES_IGNORED)
    return root


def with_third_line(data: bytes, extra: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[2] += extra
    return b"\n".join(lines)


def repeat_first_key(data: bytes) -> bytes:
    """The first key given again right after it (front matter) or at the end (data files)."""
    text = data.decode()
    if text.startswith("---\n"):
        first = text.split("\n")[1]
        return ("---\n" + first + "\n" + text[4:]).encode()
    first = next(line for line in text.split("\n") if line and not line.startswith("#"))
    return (text + first + "\n").encode()


#: fault -> (mutation, the line expected, the line number it is on)
ENCODING_FAULTS: dict[str, tuple[Callable[[bytes], bytes], int, str]] = {
    "byte-order mark": (
        lambda data: b"\xef\xbb\xbf" + data,
        1,
        "the file starts with a byte-order mark (allowed: UTF-8 without BOM)",
    ),
    "CRLF": (
        lambda data: data.replace(b"\n", b"\r\n"),
        1,
        "the file has Windows (CRLF) line endings (allowed: LF line endings)",
    ),
    "invalid byte": (
        lambda data: with_third_line(data, b"\xff"),
        3,
        "byte 0xff is not UTF-8 (allowed: UTF-8 text; re-save the file as UTF-8)",
    ),
    "NUL byte": (
        lambda data: with_third_line(data, b"\x00"),
        3,
        "NUL byte in a text file (allowed: text)",
    ),
}

FRONT_MATTER_FAULTS: dict[str, tuple[Callable[[bytes], bytes], int, str]] = {
    "unclosed fence": (
        lambda data: data.replace(b"\n---\n", b"\n", 1),
        1,
        "front matter opened on line 1 is never closed (end it with a line '---')",
    ),
    "misplaced fence": (
        lambda data: b"\n" + data,
        2,
        "front matter must start on line 1 (it starts on line 2; remove what comes before "
        "the '---')",
    ),
}

EMPTY = {
    "charter": "charter has no front matter (required: title, status, version, owner, "
    "review-cycle, next-review)",
    "record": "the record has no front matter (required: number, title, status, date, "
    "deciders, tags)",
    "lesson": "the lesson has no front matter (required: title, objectives, prerequisites, "
    "duration, level, accelerator, tags)",
    "course": "the course page has no front matter (required: title, level, summary, audience, "
    "prerequisites, lessons)",
    "workshop": "the workshop has no front matter (required: title, summary, audience, format, "
    "level, outcomes, setup, schedule)",
    "event": "the event has no front matter (required: kind, title, status, summary, start, "
    "end, time-zone)",
}
DUPLICATE = {
    "charter": (3, "title is given twice (each key once)"),
    "roster": (257, "constituencies is given twice (each key once)"),
    "rules": (67, "bodies is given twice (each key once)"),
    "budget": (153, "currency is given twice (each key once)"),
    "record": (3, "number is given twice (each key once)"),
    "lesson": (3, "jupytext is given twice (each key once)"),
    "course": (3, "title is given twice (each key once)"),
    "manifest": (13, "base-url is given twice (each key once)"),
    "workshop": (3, "title is given twice (each key once)"),
    "event": (3, "kind is given twice (each key once)"),
    "metrics": (74, "metrics is given twice (each key once)"),
}


def check_one(sources: Path, kind: str, data: bytes, capsys: pytest.CaptureFixture[str]) -> str:
    """``ose check`` with one file replaced by ``data``; the one line it printed."""
    path = sources / FILES[kind]
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        status, _out, err = run_ose(["--root", str(sources), "check"], capsys)
    finally:
        path.write_bytes(original)
    assert "Traceback" not in err
    assert status == 1, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def cases() -> list[tuple[str, str]]:
    found = []
    for kind in FILES:
        found += [(kind, fault) for fault in ENCODING_FAULTS]
        if kind in MARKDOWN:
            found += [(kind, fault) for fault in FRONT_MATTER_FAULTS]
        found += [(kind, "empty file"), (kind, "duplicate key")]
    return found


@pytest.mark.parametrize(("kind", "fault"), cases())
def test_a_broken_file_is_one_line(sources, capsys, kind, fault):
    original = (sources / FILES[kind]).read_bytes()
    path = FILES[kind]
    if fault in ENCODING_FAULTS or fault in FRONT_MATTER_FAULTS:
        mutate, line, message = {**ENCODING_FAULTS, **FRONT_MATTER_FAULTS}[fault]
        data = mutate(original)
    elif fault == "empty file":
        data, line = b"", 1
        message = EMPTY.get(kind, "the file is empty (allowed: a mapping of keys)")
    else:
        data = repeat_first_key(original)
        line, message = DUPLICATE[kind]
    assert check_one(sources, kind, data, capsys) == f"{path}:{line}: {message}"


#: (kind, text replaced, replacement, line, message): values YAML retypes, wrong types anywhere
TYPED = [
    (
        "charter",
        'version: "0.1"',
        "version: 0.10",
        4,
        "version is 0.10, which YAML reads as the number 0.1 (allowed: text; put it in quotes: "
        '"0.10")',
    ),
    (
        "charter",
        "next-review: 2027-06-30",
        "next-review: 30/06/2027",
        7,
        "next-review is '30/06/2027' (allowed: a date, YYYY-MM-DD)",
    ),
    (
        "charter",
        "next-review: 2027-06-30",
        "next-review: 2027-06-31",
        7,
        "next-review 2027-06-31 is not a real date: day is out of range for month "
        "(allowed: an ISO date, YYYY-MM-DD)",
    ),
    (
        "charter",
        "amended-by: []",
        "amended-by: {a: 1}",
        8,
        "amended-by is a mapping (allowed: a list)",
    ),
    (
        "rules",
        "seats: {min: 1, max: 5}",
        "seats: {min: one, max: 5}",
        27,
        "kinds.foundation.seats.min is 'one' (allowed: a whole number)",
    ),
    (
        "rules",
        "max-per-affiliation: 2",
        "max-per-affiliation: [2]",
        35,
        "kinds.board.max-per-affiliation is a list (allowed: a whole number)",
    ),
    (
        "budget",
        "amount: 75000",
        "amount: 75k",
        18,
        "sections[0].groups[0].lines[0].amount is '75k' (allowed: a whole number)",
    ),
    (
        "record",
        "date: 2026-11-05",
        "date: 05.11.2026",
        5,
        "date is '05.11.2026' (allowed: an ISO date, YYYY-MM-DD)",
    ),
    (
        "lesson",
        "title: Priors and prior predictive checks",
        "title: 1.10",
        10,
        "title is 1.10, which YAML reads as the number 1.1 (allowed: a non-empty line of text)",
    ),
    (
        "lesson",
        "level: introductory",
        "level: yes",
        18,
        "level is yes, which YAML reads as true (allowed: introductory, intermediate, advanced)",
    ),
    (
        "lesson",
        "duration: {teaching: 25, exercises: 15}",
        "duration: {teaching: ten, exercises: 15}",
        17,
        "duration.teaching is 'ten' (allowed: a positive whole number of minutes)",
    ),
    (
        "lesson",
        "tags: [priors",
        "convergence-guard: {expected-failures: idata}\ntags: [priors",
        20,
        "convergence-guard.expected-failures is 'idata' (allowed: a list)",
    ),
    (
        "course",
        "level: introductory",
        "level: 2",
        3,
        "level is 2, which YAML reads as the number 2 (allowed: introductory, intermediate, "
        "advanced)",
    ),
    (
        "manifest",
        'name: "2026.11"',
        "name: 2026.11",
        9,
        "versions[1].name is 2026.11, which YAML reads as the number 2026.11 (allowed: text; "
        'put it in quotes: "2026.11")',
    ),
    (
        "manifest",
        "dev: true",
        "dev: maybe",
        8,
        "versions[0].dev is 'maybe' (allowed: true or false)",
    ),
    (
        "workshop",
        '{start: "10:05", lesson: bayes-intro/first-model}',
        "{start: 10:05, lesson: bayes-intro/first-model}",
        31,
        "schedule[0].sessions[2].start is 10:05, which YAML reads as the number 605 (allowed: "
        'text; put it in quotes: "10:05")',
    ),
    (
        "workshop",
        "format: in person",
        "format: [in person]",
        5,
        "format is a list (allowed: 'in person', 'online' or 'hybrid')",
    ),
    (
        "workshop",
        '      - {start: "10:45", break: Coffee, minutes: 15}',
        '      - {start: "10:45", break: Coffee, minutes: 15, minutes: 20}',
        32,
        "schedule[0].sessions[3].minutes is given twice (each key once)",
    ),
    (
        "event",
        "start: 2027-10-13 09:00",
        "start: 13/10/2027 09:00",
        8,
        "start is '13/10/2027 09:00' (allowed: a date and time, YYYY-MM-DD HH:MM)",
    ),
    (
        "event",
        "  deadline: 2027-07-01",
        "  deadline: 2027-07-32",
        19,
        "travel-grants.deadline 2027-07-32 is not a real date: day is out of range for month "
        "(allowed: an ISO date, YYYY-MM-DD)",
    ),
    (
        "metrics",
        'plan-section: "8.2"',
        "plan-section: 8.2",
        11,
        "metrics[0].plan-section is 8.2, which YAML reads as the number 8.2 (allowed: text; "
        'put it in quotes: "8.2")',
    ),
    (
        "metrics",
        "    value: null",
        "    value: 120000",
        13,
        "metrics[0].value is given without as-of and source (required with a value: as-of, the "
        "day it was measured, and source, where it comes from)",
    ),
    (
        "roster",
        "bodies:",
        "aliases: &a {x: 1}\nbodies:",
        None,
        "anchors and aliases (& and *) are not allowed here",
    ),
]


@pytest.mark.parametrize(
    ("kind", "old", "new", "line", "message"), TYPED, ids=[f"{c[0]}: {c[2]}" for c in TYPED]
)
def test_a_value_of_the_wrong_type_is_one_line(sources, capsys, kind, old, new, line, message):
    text = (sources / FILES[kind]).read_text(encoding="utf-8")
    assert old in text
    printed = check_one(sources, kind, text.replace(old, new, 1).encode(), capsys)
    path, at, said = printed.split(":", 2)
    assert path == FILES[kind]
    if line is not None:
        assert int(at) == line
    assert said.strip() == message
