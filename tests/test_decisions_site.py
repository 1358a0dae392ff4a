"""Decision records on the built site: index, banners, supersede links, feed and JSON."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup, Tag

from conftest import REPO
from ose.decisions.lint import RULES
from ose.decisions.records import STATUSES, Decision, load_decisions
from ose.sphinxext.decisions import banner

ATOM = "{http://www.w3.org/2005/Atom}"
RECORDS = load_decisions(REPO)


def page(site, relative: str) -> BeautifulSoup:
    return BeautifulSoup(site.page(relative), "html.parser")


def smart(text: str) -> str:
    """Text as Sphinx's smart quotes print it."""
    return text.replace("'", "\u2019")


def texts(elements: list[Tag]) -> list[str]:
    return [" ".join(e.get_text().split()) for e in elements]


@pytest.mark.site
def test_index_table_is_generated_from_the_records(real_site):
    html = page(real_site, "decisions/index.html")
    rows = html.select(".ose-decision-index table tbody tr")
    assert len(rows) == len(RECORDS) >= 10
    for row, record in zip(rows, RECORDS, strict=True):
        cells = texts(row.select("td"))
        assert cells == [
            record.label,
            smart(record.title),
            record.status.capitalize(),
            record.date.isoformat() if record.date else "",
            ", ".join(record.tags),
        ]
        assert f"ose-status-{record.status}" in row["class"]
        link = row.select("td a")[0].get("href")
        assert link == f"{record.stem}.html"
    headers = texts(html.select(".ose-decision-index table thead th"))
    assert headers == ["Number", "Title", "Status", "Date", "Tags"]


@pytest.mark.site
def test_index_status_filter_is_links_to_anchors(real_site):
    html = page(real_site, "decisions/index.html")
    nav = html.select(".ose-decision-filter")[0]
    for status in STATUSES:
        count = sum(r.status == status for r in RECORDS)
        anchors = nav.select(f"a#status-{status}")
        if count:
            assert texts(anchors) == [f"{status} ({count})"]
            assert anchors[0].get("href") == f"#status-{status}"
        else:
            assert anchors == []
    css = (real_site.html / "_static" / "decisions.css").read_text()
    for status in STATUSES:
        assert (
            f".ose-decision-index:has(#status-{status}:target) tbody tr:not(.ose-status-{status})"
        ) in css
    links = {a.get_text(): a.get("href") for a in html.select(".ose-decision-feeds a")}
    assert links == {"Atom feed": "../decisions/atom.xml", "decisions.json": "../decisions.json"}


@pytest.mark.site
def test_every_record_page_has_a_banner_derived_from_its_status(real_site):
    for record in RECORDS:
        html = page(real_site, f"decisions/{record.stem}.html")
        banners = html.select(".ose-decision-banner")
        assert len(banners) == 1, record.stem
        assert f"ose-status-{record.status}" in banners[0]["class"]
        title = texts(banners[0].select(".admonition-title"))
        assert title == [f"Status: {record.status.capitalize()}"]
        # the banner comes right after the page's heading
        assert banners[0].find_previous_sibling().name == "h1"
    for path in (REPO / "decisions").glob("0*.md"):
        assert "Status:" not in path.read_text(), "banners are generated, never written"


@pytest.mark.site
def test_superseded_record_links_to_its_successor_and_back(real_site):
    chains = [(r, s) for r in RECORDS if r.status == "superseded" for s in r.superseded_by]
    assert chains, "the records include a superseded chain"
    by_number = {r.number: r for r in RECORDS}
    for old, successor_number in chains:
        new = by_number[successor_number]
        html = page(real_site, f"decisions/{old.stem}.html")
        forward = html.select(".ose-decision-successor a")
        assert [a.get("href") for a in forward] == [f"{new.stem}.html"]
        assert texts(forward) == [smart(f"{new.number}. {new.title}")]
        back = page(real_site, f"decisions/{new.stem}.html").select(".ose-decision-banner dd a")
        assert f"{old.stem}.html" in [a.get("href") for a in back]


@pytest.mark.site
def test_decisions_json_lists_every_record(real_site):
    data = json.loads((real_site.html / "decisions.json").read_text())
    assert data["version"] == 1
    assert [r["id"] for r in data["records"]] == [r.label for r in RECORDS]
    first = data["records"][0]
    assert set(first) == {
        "number",
        "id",
        "slug",
        "title",
        "status",
        "date",
        "deciders",
        "tags",
        "supersedes",
        "superseded-by",
        "discussion",
        "resolution",
        "url",
    }
    for entry, record in zip(data["records"], RECORDS, strict=True):
        assert entry["status"] == record.status
        assert entry["url"].endswith(f"/decisions/{record.stem}.html")
        assert entry["supersedes"] == list(record.supersedes)


@pytest.mark.site
def test_atom_feed_has_an_entry_per_record_status(real_site):
    root = ElementTree.parse(real_site.html / "decisions" / "atom.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(RECORDS)
    ids = {e.findtext(f"{ATOM}id") for e in entries}
    assert ids == {
        f"https://pymc-foundation.org/decisions/{r.stem}.html#{r.status}" for r in RECORDS
    }
    newest = max(RECORDS, key=lambda r: (r.date, r.number))
    assert entries[0].findtext(f"{ATOM}title") == (
        f"{newest.label} {newest.title}: {newest.status}"
    )
    assert root.findtext(f"{ATOM}updated") == f"{newest.date.isoformat()}T00:00:00+00:00"
    head = page(real_site, f"decisions/{RECORDS[0].stem}.html").select(
        'link[rel="alternate"][type="application/atom+xml"]'
    )
    ours = [link.get("href") for link in head if "decision records" in link.get("title", "")]
    assert ours == ["atom.xml"]


@pytest.mark.site
def test_guide_renders_rules_and_lifecycle_from_the_code(real_site):
    html = page(real_site, "decisions/guide.html")
    rules = texts(html.select("table.ose-decision-rules tbody tr td:first-child"))
    assert rules == [rule.name for rule in RULES]
    lifecycle = texts(html.select("table.ose-decision-lifecycle tbody tr td:first-child"))
    assert lifecycle == [s.capitalize() for s in STATUSES]


def test_a_draft_banner_says_it_has_no_number():
    draft = Decision(
        path=Path("decisions/draft-adopt-signed-tags.md"),
        slug="adopt-signed-tags",
        number=None,
        title="Adopt signed tags",
        status="proposed",
        date=date(2026, 11, 26),
        deciders=("tsc", "tsc-chair"),
        tags=("releases",),
    )
    box = banner(draft, {}, {"tsc": "Technical Steering Committee"})
    text = " ".join(box.astext().split())
    assert text.startswith("Status: Proposed Under review in a pull request.")
    assert "Number none yet (a draft is numbered once decided)" in text
    assert "Deciders Technical Steering Committee, tsc-chair" in text


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium")
def test_status_filter_works_without_javascript(real_site):
    playwright = pytest.importorskip("playwright.sync_api")
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
    index = (real_site.html / "decisions" / "index.html").as_uri()
    rejected = [r.label for r in RECORDS if r.status == "rejected"]
    assert rejected
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which(CHROMIUM) or CHROMIUM, args=args)
        try:
            context = browser.new_context(java_script_enabled=False)
            tab = context.new_page()
            rows = ".ose-decision-index tbody tr"

            def visible() -> list[str]:
                return [
                    row.locator("td").first.inner_text()
                    for row in tab.locator(rows).all()
                    if row.is_visible()
                ]

            tab.goto(index)
            assert visible() == [r.label for r in RECORDS]
            tab.click("a#status-rejected")
            assert tab.url.endswith("#status-rejected")
            assert visible() == rejected
            tab.click("a.ose-filter-all")
            assert visible() == [r.label for r in RECORDS]
        finally:
            browser.close()


def _sphinx_site(fixture_site, case: str) -> Path:
    """The small fixture site with the decision fixture ``case`` and an index of it."""
    from conftest import FIXTURES

    index = (
        (FIXTURES / "site" / "index.md")
        .read_text()
        .replace("docs/blog\n", "docs/blog\ndecisions/index\n")
    )
    root = fixture_site(
        extra={
            "index.md": index,
            "decisions/index.md": "# Decisions\n\n```{decision-index}\n```\n\n"
            "```{toctree}\n:glob:\n\n*-*\n```\n",
        }
    )
    shutil.copytree(FIXTURES / "decisions" / case, root / "decisions", dirs_exist_ok=True)
    # files the real conf.py names (logo, favicon) come along with it
    static = REPO / "docs" / "_static"
    if static.is_dir():
        shutil.copytree(static, root / "docs" / "_static", dirs_exist_ok=True)
    (root / "governance").mkdir()
    shutil.copy(FIXTURES / "decisions" / "roster.yaml", root / "governance" / "roster.yaml")
    return root


@pytest.mark.site
@pytest.mark.parametrize("case", ["valid", "status-value"])
def test_sphinx_alone_warns_about_broken_records(fixture_site, capfd, case):
    from ose.project import Project
    from ose.sphinx_run import run_sphinx

    root = _sphinx_site(fixture_site, case)
    check = root / "_build" / "check"
    status = run_sphinx(
        Project.at(root), "dummy", check, check / "doctrees", {"nb_execution_mode": "off"}
    )
    err = capfd.readouterr().err
    if case == "valid":
        assert (status, err) == (0, "")
    else:
        assert status != 0
        assert (
            "decisions/0001-keep-one-pipeline.md:4: status is 'approved' "
            "(allowed: proposed, accepted, rejected, withdrawn, superseded, deprecated) "
            "[ose.decisions]"
        ) in err
