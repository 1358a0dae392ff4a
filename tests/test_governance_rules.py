"""Every governance rule, broken by one fixture, caught by ``ose check`` with its exact line.

Each folder under tests/fixtures/governance/broken/ overlays one file on the valid fixture site
(tests/fixtures/governance/site/) that breaks exactly one rule. ``ose check`` must exit non-zero
and print exactly one ``path:line: message`` line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_ose

GOVERNANCE = FIXTURES / "governance"
#: 2026-11-26, the build date of every test here: terms and reviews are measured from it
BUILD_DATE_EPOCH = "1795651200"

EXPECTED = {
    # the roster on its own
    "roster-not-yaml": "governance/roster.yaml:13: not valid YAML (expected ',' or ']', but "
    "got ':')",
    "roster-schema": "governance/roster.yaml:55: bodies.wg-docs.seats[0].selection is 'lottery' "
    "(allowed: 'election', 'appointment' or 'ex-officio')",
    "roster-duplicate-key": "governance/roster.yaml:14: bodies.board.name is given twice "
    "(each key once)",
    "roster-seat-id-twice": "governance/roster.yaml:46: seat id 'board-2' is used twice (also "
    "in board; seat ids are unique across the roster)",
    "roster-seat-id-is-body": "governance/roster.yaml:46: seat id 'wg-docs' is also a body id "
    "(seat ids must differ from body ids)",
    "roster-constituency-undefined": "governance/roster.yaml:34: bodies.board.seats[2]."
    "constituency is 'students', not a constituency of governance/roster.yaml (allowed: core, "
    "established, newcomers, users)",
    "roster-term-order": "governance/roster.yaml:60: seat 'wg-docs-lead': term ends 2026-05-31 "
    "before it starts 2026-06-01 (the end must come after the start)",
    # the roster against the rules
    "rules-body-missing": "governance/roster.yaml:11: body 'wg-docs' is missing (rules.yaml "
    "requires a working-group with that id)",
    "rules-body-kind-mismatch": "governance/roster.yaml:37: bodies.tsc.kind is 'working-group' "
    "(allowed: steering-committee, as rules.yaml requires)",
    "rules-kind-unknown": "governance/roster.yaml:37: bodies.extra.kind is 'task-force' "
    "(allowed: board, steering-committee, working-group)",
    "rules-seat-range": "governance/roster.yaml:15: board has 6 seats (allowed for a board: "
    "3 to 5)",
    "rules-role-not-allowed": "governance/roster.yaml:33: seat 'board-3' has role 'chair' "
    "(allowed for a board: director)",
    "rules-required-role": "governance/roster.yaml:51: wg-docs has no lead seat (every "
    "working-group has one)",
    "rules-constituency-unrepresented": "governance/roster.yaml:15: board has no seat for "
    "constituency 'core' (a board represents each of: core, users)",
    "rules-affiliation": "governance/roster.yaml:29: board has 2 seats held by people from "
    "'Example University' (allowed: at most 1 per affiliation)",
    "rules-person-twice": "governance/roster.yaml:28: 'Ada Fixture' holds two seats on board "
    "(board-1 and board-2; one seat per person)",
    "rules-term-expired": "governance/roster.yaml:23: seat 'board-1': the term of Ada Fixture "
    "ended on 2025-12-31 (renew the term, or make the seat vacant by removing its holder)",
    "rules-term-too-long": "governance/roster.yaml:23: seat 'board-1': a term from 2026-01-01 "
    "to 2028-06-30 is too long (allowed for a board: at most 2 years, ending by 2028-01-01)",
    # the rules file itself
    "rules-file-schema": "governance/rules.yaml:8: kinds.board.seats: min 6 is above max 5 "
    "(allowed: min <= max)",
    "rules-file-kind-without-rules": "governance/rules.yaml:2: bodies.board is of kind "
    "'council', which has no rules (allowed: board, steering-committee, working-group)",
    "rules-file-constituency-undefined": "governance/rules.yaml:10: kinds.board.constituencies "
    "names 'students', which roster.yaml does not define (allowed: core, established, "
    "newcomers, users)",
    "rules-file-required-role-not-a-role": "governance/rules.yaml:22: "
    "kinds.working-group.required-roles names 'chair', which is not one of its roles "
    "(allowed: lead, member)",
    # charters' front matter
    "charter-no-front-matter": "governance/steering.md:1: charter has no front matter "
    "(required: title, status, version, owner, review-cycle, next-review)",
    "charter-title-missing": "governance/steering.md:1: title is missing (required)",
    "charter-status": "governance/steering.md:3: status is 'approved' (allowed: 'draft', "
    "'ratified' or 'retired')",
    "charter-version": "governance/steering.md:4: version is 'v3' (allowed: MAJOR.MINOR in "
    'quotes, such as "1.0")',
    "charter-ratified-missing": "governance/steering.md:3: status is 'ratified' but no "
    "ratified date is given (required)",
    "charter-review-before-ratified": "governance/board.md:8: next-review 2026-02-01 is not "
    "after the ratified date 2026-03-01 (a review follows ratification)",
    "charter-owner": "governance/steering.md:5: owner is 'council', not a body of "
    "governance/roster.yaml (allowed: board, tsc, wg-docs)",
    "charter-review-cycle": "governance/steering.md:6: review-cycle is 'monthly' (allowed: "
    "'quarterly', 'semiannual', 'annual' or 'biennial')",
    "charter-next-review": "governance/steering.md:7: next-review is 'soon' (allowed: a date, "
    "YYYY-MM-DD)",
    "charter-amended-by": "governance/board.md:9: amended-by[1] is 7, not a record number of "
    "decisions/ (allowed: 1)",
    "charter-unknown-key": "governance/steering.md:6: reviewer is not a known key (allowed: "
    "title, status, version, ratified, owner, review-cycle, next-review, amended-by, figures)",
    # the budget and revenue plan
    "budget-schema": "governance/budget.yaml:25: sections[1].groups[0].lines[0].amount is "
    "-60000 (allowed: a positive number)",
    "budget-subtotal": "governance/budget.yaml:7: staff subtotal does not add up: expected "
    "$200,000, actual $195,000 (the sum of its 2 lines)",
    "budget-total": "governance/budget.yaml:2: total does not add up: expected $310,000, "
    "actual $300,000 (the sum of the 2 section subtotals)",
    "budget-revenue-range": "governance/budget.yaml:36: revenue stream 'grants' expects "
    "$160,000 to $150,000 (allowed: low <= high)",
    "budget-unfundable": "governance/budget.yaml:2: total $300,000 is more than the revenue "
    "plan can raise, $270,000 at best (allowed: at most the sum of the streams' high "
    "estimates)",
    "budget-tier-benefit": "governance/budget.yaml:50: sponsorship.tiers[1].benefits[2] is "
    "'swag', not a benefit of sponsorship.benefits (allowed: recognition, support)",
    "budget-tier-inclusion": "governance/budget.yaml:50: tier 'gold' lacks recognition, "
    "offered by a lower tier (each tier includes the benefits of the tiers below it)",
}


def governance_site(destination: Path, broken: str | None = None) -> Path:
    """The valid governance fixture site, with the files of one broken case laid over it."""
    shutil.copytree(GOVERNANCE / "site", destination)
    if broken is not None:
        shutil.copytree(GOVERNANCE / "broken" / broken, destination, dirs_exist_ok=True)
    shutil.copy2(REPO / "conf.py", destination / "conf.py")
    return destination


@pytest.fixture(autouse=True)
def _build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_DATE_EPOCH)


def test_every_broken_fixture_has_its_expected_message() -> None:
    on_disk = {path.name for path in (GOVERNANCE / "broken").iterdir()}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_check_reports_the_broken_rule(case: str, tmp_path: Path, capsys) -> None:
    root = governance_site(tmp_path / "site", case)
    status, _out, err = run_ose(["--root", str(root), "check"], capsys)
    assert status == 1
    assert err.splitlines() == [EXPECTED[case]]


def run_ose_apart(*args: str) -> subprocess.CompletedProcess[str]:
    """``ose`` in a fresh process. Sphinx runs in these; ablog keeps process-wide state, and a
    fixture site built in the test process would corrupt a later build of the real site."""
    return subprocess.run(
        [sys.executable, "-m", "ose.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": BUILD_DATE_EPOCH},
        check=False,
    )


def test_the_valid_fixture_site_passes_check(tmp_path: Path) -> None:
    root = governance_site(tmp_path / "site")
    result = run_ose_apart("--root", str(root), "check")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert "every source is valid" in result.stdout


def test_an_expired_term_passes_before_its_end(tmp_path: Path, capsys, monkeypatch) -> None:
    """The expiry rule is measured from the build date, not from a fixed day."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735603200")  # 2024-12-31
    root = governance_site(tmp_path / "site", "rules-term-expired")
    from ose.governance.check import check_governance
    from ose.project import Project

    assert check_governance(Project.at(root)) == []


def test_a_decision_record_added_later_satisfies_amended_by(tmp_path: Path, capsys) -> None:
    """amended-by needs only a decisions/NNNN-*.md file, whoever adds it."""
    root = governance_site(tmp_path / "site", "charter-amended-by")
    (root / "decisions" / "0007-later-record.md").write_text("# 7. Later\n", encoding="utf-8")
    from ose.governance.check import check_governance
    from ose.project import Project

    assert check_governance(Project.at(root)) == []


def test_check_is_a_no_op_without_a_governance_folder(tmp_path: Path) -> None:
    from ose.governance.check import check_governance
    from ose.project import Project

    (tmp_path / "index.md").write_text("# Site\n", encoding="utf-8")
    assert check_governance(Project.at(tmp_path)) == []
