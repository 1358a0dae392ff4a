"""Governance pages as a reader sees them: panels, the charter index, rosters, budget, charts.

One small fixture site (filled and vacant seats, a ratified and an overdue draft charter) is
built once for this module; the repository's own site is checked through ``real_site``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO, BuiltSite
from test_governance_rules import governance_site, run_ose_apart

CHARTERS = [
    "board",
    "budget",
    "code-of-conduct",
    "contribution",
    "evaluation",
    "foundation",
    "privacy",
    "recognition",
    "security",
    "sustainability",
    "tsc",
    "working-groups",
]
BODIES = [
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
]


def text_of(html: str) -> str:
    """The visible text of some HTML, whitespace collapsed: what a reader would search for."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([:;,.])", r"\1", text)


def panel_of(html: str) -> str:
    start = html.index('class="ose-charter-panel')
    return html[start : html.index("</dl>", start)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The fixture site, built once, in its own process (see ``run_ose_apart``)."""
    root = governance_site(tmp_path_factory.mktemp("governance") / "site")
    result = run_ose_apart("--root", str(root), "build")
    built = BuiltSite(root, root / "_build", result.returncode, result.stdout, result.stderr)
    assert result.returncode == 0, built.err
    return built


def test_a_ratified_charter_shows_its_record_in_the_panel(site: BuiltSite) -> None:
    html = site.page("governance/board.html")
    panel = panel_of(html)
    text = text_of(panel)
    assert "Status: Ratified on 2026-03-01" in text
    assert "Version: 1.2" in text
    assert "Owner: Fixture board" in text
    assert 'href="#roster-board"' in panel
    assert "Review: Annual; next by 2027-03-01" in text
    assert 'href="../decisions/0001-adopt-charters.html"' in panel
    assert "Amended by: Decision 0001" in text
    assert "overdue" not in text


def test_an_overdue_draft_is_flagged_in_its_panel(site: BuiltSite) -> None:
    text = text_of(panel_of(site.page("governance/steering.html")))
    assert "Status: Draft (not yet ratified)" in text
    assert "Review: Quarterly; next by 2026-06-30 review overdue" in text
    assert "Amended by: no amendments yet" in text


def test_the_index_lists_every_charter_and_flags_overdue_reviews(site: BuiltSite) -> None:
    html = site.page("governance/index.html")
    assert "2 charters as of 2026-11-26; 1 overdue for review." in text_of(html)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)
    board = text_of(next(row for row in rows if "Fixture board charter" in row))
    steering = next(row for row in rows if "Fixture steering charter" in row)
    # the last column counts the figures the charter proposes (this fixture states none)
    assert board.strip() == "Fixture board charter Fixture board Ratified 1.2 2027-03-01 0"
    assert "ose-overdue" in steering
    assert "Draft 0.3 2026-06-30 review overdue" in text_of(steering)


def test_roster_tables_show_filled_and_vacant_seats(site: BuiltSite) -> None:
    html = site.page("governance/board.html")
    table = html[
        html.index('id="roster-board"') : html.index("</table>", html.index("roster-board"))
    ]
    text = text_of(table)
    assert "Fixture board: 3 seats, 2 filled" in text
    assert (
        "board-1 Director Core developers Ada Fixture Example University 2026-01-01 to 2027-12-31"
        in text
    )
    assert "board-3 Director Institutional users Vacant, to be elected" in text
    steering = text_of(site.page("governance/steering.html"))
    assert "wg-docs-lead Lead Established contributors Emmy Fixture Independent" in steering
    assert "wg-docs-newcomer Member Newcomers Vacant, to be elected" in steering


def test_seat_rules_come_from_the_rules_file(site: BuiltSite) -> None:
    text = text_of(site.page("governance/board.html"))
    assert "Seats: 3 to 5" in text
    assert "Seats per affiliation: at most 1" in text
    assert "Longest term: 2 years, then re-election or rotation" in text


def test_budget_tables_and_charts_are_built(site: BuiltSite) -> None:
    html = site.page("governance/board.html")
    text = text_of(html)
    assert "Staff $200,000 66.7% Events $100,000 33.3% Total $300,000 100.0%" in text
    assert "Salaries Coordinator $150,000 Runs the fixture programs." in text
    assert "Subtotal $200,000" in text
    assert "Sponsorship $100,000 $200,000" in text
    assert "All streams $200,000 $350,000" in text
    assert "Gold Recognition at events Priority support" in text
    images = re.findall(r'<img alt="([^"]+)" src="([^"]+)"', html)
    sources = {Path(src).name: alt for alt, src in images}
    assert set(sources) == {"budget.svg", "revenue.svg"}
    assert sources["budget.svg"].startswith("Bar chart of the annual budget of $300,000")
    for name in sources:
        chart = site.html / "_images" / name
        assert chart.read_text(encoding="utf-8").lstrip().startswith("<?xml")


# -- the repository's own site --------------------------------------------------------------


def test_every_real_charter_has_its_panel(real_site: BuiltSite) -> None:
    for name in CHARTERS:
        text = text_of(panel_of(real_site.page(f"governance/{name}.html")))
        assert "Status: Draft (not yet ratified)" in text, name
        assert "Version: 0.1" in text, name


def test_the_real_index_lists_the_twelve_charters(real_site: BuiltSite) -> None:
    html = real_site.page("governance/index.html")
    for name in CHARTERS:
        assert f'href="{name}.html"' in html, name
    assert re.search(r"12 charters as of \d{4}-\d{2}-\d{2}", text_of(html))


def test_every_body_has_a_roster_table_on_the_real_site(real_site: BuiltSite) -> None:
    pages = "".join(real_site.page(f"governance/{name}.html") for name in CHARTERS)
    for body in BODIES:
        assert f'id="roster-{body}"' in pages, body
    assert "Board of Directors: 9 seats, 0 filled" in text_of(pages)


def test_the_real_budget_page_has_its_table_and_chart(real_site: BuiltSite) -> None:
    html = real_site.page("governance/budget.html")
    text = text_of(html)
    for row in (
        "Personnel $450,000 39.1%",
        "Events $300,000 26.1%",
        "Infrastructure $200,000 17.4%",
        "Community programs $200,000 17.4%",
        "Total $1,150,000 100.0%",
    ):
        assert row in text
    assert '<img alt="Bar chart of the annual budget of $1,150,000' in html
    assert (real_site.html / "_images" / "budget.svg").is_file()


def test_the_real_governance_data_passes_check() -> None:
    from ose.governance.check import check_governance
    from ose.project import Project

    assert check_governance(Project.at(REPO)) == []
