"""The lint of decision records: every rule fails its fixture with its exact one-line message.

Each folder under tests/fixtures/decisions/ is the ``decisions/`` folder of a small project
(with the fixture roster as governance/roster.yaml) that breaks exactly one rule.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO
from ose.cli import main
from ose.decisions.lint import RULES, check_decisions, load_deciders
from ose.decisions.records import load_decisions
from ose.project import Project

DECISIONS = FIXTURES / "decisions"
TODAY = date(2026, 11, 26)
R1 = "decisions/0001-keep-one-pipeline.md"
R2 = "decisions/0002-keep-one-pipeline-per-language.md"

#: (fixture folder, rule it breaks, the exact lines ``ose check`` prints)
CASES: list[tuple[str, str, list[str]]] = [
    (
        "file-name",
        "file-name",
        [
            "decisions/Keep_One.md:0: file name is not a record's (allowed: NNNN-slug.md once "
            "numbered, draft-slug.md before; the slug in lower-case letters, digits and hyphens)"
        ],
    ),
    (
        "front-matter",
        "front-matter",
        [f"{R1}:8: front matter is not valid YAML (expected ',' or ']', but got ':')"],
    ),
    (
        "field-missing",
        "field-missing",
        [f"{R1}:1: tags is missing (required)"],
    ),
    (
        "field-unknown",
        "field-unknown",
        [
            f"{R1}:10: author is not a known key (allowed: number, title, status, date, "
            "proposed, deciders, tags, supersedes, superseded-by, discussion, resolution)"
        ],
    ),
    (
        "status-value",
        "status-value",
        [
            f"{R1}:4: status is 'approved' (allowed: proposed, accepted, rejected, withdrawn, "
            "superseded, deprecated)"
        ],
    ),
    (
        "date-format",
        "date-format",
        [f"{R1}:5: date is '26 November 2026' (allowed: an ISO date, YYYY-MM-DD)"],
    ),
    (
        "date-real",
        "date-real",
        [
            f"{R1}:5: date 2026-02-30 is not a real date: day is out of range for month "
            "(allowed: an ISO date, YYYY-MM-DD)"
        ],
    ),
    (
        "date-future",
        "date-future",
        [f"{R1}:5: date 2999-01-01 is in the future (allowed: today or earlier)"],
    ),
    (
        "proposed-format",
        "proposed-format",
        [
            f"{R1}:6: proposed is '10 November 2026' (allowed: an ISO date, YYYY-MM-DD, the day "
            "the draft was opened)"
        ],
    ),
    (
        "proposed-order",
        "proposed-order",
        [
            f"{R1}:6: proposed 2026-11-20 is after date 2026-11-10 (allowed: the day the draft "
            "was opened, on or before date)"
        ],
    ),
    (
        "proposed-future",
        "proposed-future",
        [f"{R1}:6: proposed 2999-01-01 is in the future (allowed: today or earlier)"],
    ),
    (
        "number-value",
        "number-value",
        [f"{R1}:2: number is 'one' (allowed: a positive whole number)"],
    ),
    (
        "number-filename",
        "number-filename",
        [f"{R1}:2: number is 2 but the file name says 0001 (they must agree)"],
    ),
    (
        "number-unique",
        "number-unique",
        [
            "decisions/0001-sign-every-release.md:2: number 1 is also used by "
            f"{R1} (allowed: each number once)"
        ],
    ),
    (
        "number-draft",
        "number-draft",
        [
            "decisions/draft-keep-one-pipeline.md:2: a draft carries no number (allowed: none; "
            "'ose decision number' assigns one once the record is decided)"
        ],
    ),
    (
        "number-proposed",
        "number-proposed",
        [
            f"{R1}:4: status is 'proposed' but the record is numbered (allowed: a proposal is a "
            "draft, named draft-slug.md, until the TSC decides it)"
        ],
    ),
    (
        "title-value",
        "title-value",
        [f"{R1}:3: title is '' (allowed: text of at most 80 characters)"],
    ),
    (
        "title-length",
        "title-length",
        [f"{R1}:3: title is 85 characters long (allowed: at most 80)"],
    ),
    (
        "heading",
        "heading",
        [
            f"{R1}:12: first heading is '# Keep one pipeline' (expected '# 1. Keep one "
            "pipeline', from the number and the title)"
        ],
    ),
    (
        "deciders-value",
        "deciders-value",
        [
            f"{R1}:6: deciders is [] (allowed: a non-empty list of body or seat ids from "
            "governance/roster.yaml)"
        ],
    ),
    (
        "decider-unknown",
        "decider-unknown",
        [
            f"{R1}:6: decider is 'council', not a body or seat of governance/roster.yaml "
            "(allowed: board, board-chair, tsc, tsc-chair)"
        ],
    ),
    (
        "tags-value",
        "tags-value",
        [f"{R1}:7: tags is 'ci' (allowed: a list of tags, e.g. [governance, ci])"],
    ),
    (
        "tag-format",
        "tag-format",
        [f"{R1}:7: tag 'Site Build' is not a lower-case slug (allowed: a-z, 0-9 and hyphens)"],
    ),
    (
        "link-value",
        "link-value",
        [
            f"{R1}:8: supersedes entry 'first' is not a record reference (allowed: a record's "
            "number, or draft-slug for a record without one)"
        ],
    ),
    (
        "link-target",
        "link-target",
        [f"{R1}:8: supersedes 9, which is not a record (no decisions/0009-*.md)"],
    ),
    (
        "link-both-ways",
        "link-both-ways",
        [f"{R2}:8: supersedes 1, but {R1} does not list 2 in superseded-by (links go both ways)"],
    ),
    (
        "link-both-ways-back",
        "link-both-ways",
        [f"{R1}:9: superseded-by 2, but {R2} does not list 1 in supersedes (links go both ways)"],
    ),
    (
        "link-cycle",
        "link-cycle",
        [
            f"{R1}:8: supersede links form a cycle between records 1 and 2 (allowed: a chain "
            "from older to newer records)"
        ],
    ),
    (
        "status-superseded",
        "status-superseded",
        [
            f"{R1}:4: status is 'superseded' but superseded-by is empty (allowed: name the "
            "record that replaces it in superseded-by)"
        ],
    ),
    (
        "superseded-by-status",
        "superseded-by-status",
        [f"{R1}:9: superseded-by is set but status is 'accepted' (allowed: superseded)"],
    ),
    (
        "supersedes-status",
        "supersedes-status",
        [
            "decisions/draft-keep-one-pipeline-per-language.md:7: supersedes 1 but status is "
            "'proposed' (allowed: only an accepted record supersedes another)"
        ],
    ),
    (
        "url-format",
        "url-format",
        [
            f"{R1}:10: discussion is not a well-formed URL: 'htp//example.org/forum' (allowed: "
            "an absolute http or https URL)"
        ],
    ),
    (
        "section-missing",
        "section-missing",
        [f"{R1}:12: missing section '## Consequences' (required: Context, Decision, Consequences)"],
    ),
    (
        "section-order",
        "section-order",
        [
            f"{R1}:18: section '## Consequences' comes before '## Decision' (order: Context, "
            "Decision, Consequences)"
        ],
    ),
    (
        "section-duplicate",
        "section-duplicate",
        [f"{R1}:26: section '## Context' appears twice (first at line 14; allowed: once)"],
    ),
    (
        "section-empty",
        "section-empty",
        [
            f"{R1}:26: section '## Alternatives' is empty (allowed: a section with text; "
            "remove an optional one instead)"
        ],
    ),
    (
        "slug-unique",
        "slug-unique",
        [
            "decisions/draft-keep-one-pipeline.md:0: slug 'keep-one-pipeline' is also used by "
            f"{R1} (allowed: each slug once, so that numbering a draft cannot clash)"
        ],
    ),
]


def make_project(destination: Path, case: str, roster: bool = True) -> Path:
    """A project whose decisions/ is the fixture ``case``, with the fixture roster."""
    shutil.copytree(DECISIONS / case, destination / "decisions")
    if roster:
        (destination / "governance").mkdir()
        shutil.copy(DECISIONS / "roster.yaml", destination / "governance" / "roster.yaml")
    return destination


def lint(root: Path) -> list[str]:
    return [str(problem) for problem in check_decisions(Project.at(root), today=TODAY)]


@pytest.mark.parametrize(("case", "rule", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_fails_its_fixture_with_its_message(tmp_path, case, rule, expected):
    assert lint(make_project(tmp_path, case)) == expected


def test_every_rule_has_a_fixture_and_every_fixture_a_test():
    assert {rule.name for rule in RULES} == {rule for _, rule, _ in CASES}
    assert len(RULES) >= 15
    folders = {path.name for path in DECISIONS.iterdir() if path.is_dir()}
    assert folders == {case for case, _, _ in CASES} | {"valid"}


def test_the_valid_fixture_passes(tmp_path):
    root = make_project(tmp_path, "valid")
    assert lint(root) == []
    records = load_decisions(root)
    assert [str(r.key) for r in records] == ["1", "2", "3", "draft-sign-every-release"]


def test_the_repository_records_pass():
    assert check_decisions(Project.at(REPO)) == []


def test_the_repository_has_the_required_content():
    records = load_decisions(REPO)
    assert len([r for r in records if r.number is not None]) >= 10
    statuses = {r.status for r in records}
    assert {"accepted", "rejected", "superseded"} <= statuses
    superseded = [r for r in records if r.status == "superseded"]
    assert all(r.superseded_by for r in superseded)
    deciders = load_deciders(REPO)
    assert deciders is not None
    assert all(d in deciders for r in records for d in r.deciders)


def test_no_decisions_folder_is_a_no_op(tmp_path):
    (tmp_path / "docs").mkdir()
    assert lint(tmp_path) == []


def test_without_a_roster_deciders_are_not_checked(tmp_path):
    root = make_project(tmp_path, "decider-unknown", roster=False)
    assert lint(root) == []


def test_a_future_date_is_judged_against_today(tmp_path):
    root = make_project(tmp_path, "valid")
    problems = [str(p) for p in check_decisions(Project.at(root), today=date(2026, 11, 23))]
    assert problems == [
        f"{R1}:5: date 2026-11-24 is in the future (allowed: today or earlier)",
        f"{R2}:5: date 2026-11-24 is in the future (allowed: today or earlier)",
    ]


def test_a_self_supersede_is_a_cycle(tmp_path):
    root = make_project(tmp_path, "valid")
    path = root / R2
    text = path.read_text().replace("status: accepted", "status: superseded")
    text = text.replace("supersedes: [1]", "supersedes: [1, 2]")
    path.write_text(text.replace("superseded-by: []", "superseded-by: [2]"))
    assert lint(root) == [
        f"{R2}:8: supersede links form a cycle: record 2 supersedes itself (allowed: a chain "
        "from older to newer records)"
    ]


def test_ose_check_prints_the_problem_and_fails(tmp_path, capsys):
    root = make_project(tmp_path, "status-value")
    (root / "conf.py").write_text("")
    status = main(["--root", str(root), "check"])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err.splitlines() == [
        f"{R1}:4: status is 'approved' (allowed: proposed, accepted, rejected, withdrawn, "
        "superseded, deprecated)"
    ]
