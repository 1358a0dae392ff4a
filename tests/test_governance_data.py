"""The governance data layer: the roster contract other concerns rely on, and the real figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import REPO
from ose.core.dates import add_years, build_date
from ose.core.problems import ProblemsFound
from ose.governance.budget import load_budget
from ose.governance.roster import load_roster

FIXTURE_ROSTER = Path(__file__).parent / "fixtures/governance/site/governance/roster.yaml"


def test_the_roster_contract_for_decision_records() -> None:
    roster = load_roster(REPO / "governance" / "roster.yaml")
    assert set(roster.bodies) == {
        "foundation",
        "board",
        "tsc",
        "wg-core",
        "wg-docs",
        "wg-education",
        "wg-community",
        "wg-infrastructure",
        "security-team",
        "coc-committee",
    }
    assert all(body.id == key for key, body in roster.bodies.items())
    chair = roster.seats["tsc-chair"]
    assert (chair.role, chair.holder, chair.vacant) == ("chair", None, True)
    assert {"tsc", "tsc-chair", "wg-docs-lead"} <= roster.known_ids


def test_no_real_person_is_named_while_the_foundation_is_formed() -> None:
    roster = load_roster(REPO / "governance" / "roster.yaml")
    assert [seat.id for seat in roster.seats.values() if seat.holder is not None] == []


def test_fixture_members_are_read_with_their_terms() -> None:
    roster = load_roster(FIXTURE_ROSTER)
    holder = roster.seats["board-1"].holder
    assert holder is not None
    assert (holder.name, holder.affiliation) == ("Ada Fixture", "Example University")
    assert (holder.term_start, holder.term_end) == (date(2026, 1, 1), date(2027, 12, 31))
    assert roster.body_of("wg-docs-lead").name == "Fixture documentation group"


def test_a_bad_roster_raises_problems_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text("bodies:\n  board:\n    name: B\n    kind: board\n    seats: 3\n")
    with pytest.raises(ProblemsFound) as found:
        load_roster(path, tmp_path)
    assert [str(p) for p in found.value.problems] == [
        "roster.yaml:5: bodies.board.seats is 3 (allowed: a list)"
    ]


def test_the_real_budget_matches_the_plan() -> None:
    budget = load_budget(REPO / "governance" / "budget.yaml")
    assert {s.id: s.subtotal for s in budget.sections} == {
        "personnel": 450_000,
        "events": 300_000,
        "infrastructure": 200_000,
        "community-programs": 200_000,
    }
    assert {s.id: s.sum for s in budget.sections} == {s.id: s.subtotal for s in budget.sections}
    assert budget.total == budget.sum == 1_150_000
    assert {s.id: (s.low, s.high) for s in budget.revenue} == {
        "sponsorship": (300_000, 400_000),
        "services": (200_000, 250_000),
        "events": (150_000, 200_000),
        "research": (200_000, 300_000),
    }


def test_the_build_date_follows_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795651200")
    assert build_date() == date(2026, 11, 26)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build_date() == date.today()


def test_add_years_keeps_leap_days_in_february() -> None:
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_years(date(2026, 1, 1), 2) == date(2028, 1, 1)
