"""The blog and the community pages, built by Sphinx on a fixture site (lessons not executed).

What a reader checks: the Atom feed's links work from a feed reader (absolute), no sidebar
heading sits over an empty list, there is one blog index, and a post says it belongs to the blog.
A ``{post}`` outside the blog's folder is refused by ``ose check`` in one line.
"""

from __future__ import annotations

import html
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_ose, sphinx_unexecuted
from ose.blog import POSTS_DIR, check_blog
from ose.check import CHECKS
from ose.project import Project

ATOM = "{http://www.w3.org/2005/Atom}"

LINKING_POST = """\
---
blogpost: true
date: 2026-11-20
author: Fixture
category: Announcements
---

# A post that links

Read the {doc}`lessons </lessons/index>` and [the first post](first.md).
"""


def sphinx_build(root: Path) -> None:
    """Sphinx on ``root`` as ``ose build`` runs it, lessons not executed."""
    result = sphinx_unexecuted(root, "1796169600")  # 2026-12-02
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("community") / "site"
    shutil.copytree(FIXTURES / "site", root)
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    (root / POSTS_DIR / "linking.md").write_text(LINKING_POST, encoding="utf-8")
    sphinx_build(root)
    return root / "_build" / "html"


def read(html: Path, relative: str) -> str:
    return (html / relative).read_text(encoding="utf-8")


def test_every_link_of_the_atom_feed_is_absolute(site):
    feed = ET.parse(site / "blog" / "atom.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    contents = "".join(entry.findtext(f"{ATOM}content") or "" for entry in entries)
    inside = re.findall(r'(?:href|src)="([^"]*)"', contents)
    assert "https://pymc-foundation.org/lessons/index.html" in inside
    assert "https://pymc-foundation.org/docs/posts/first.html" in inside
    for href in links + inside:
        assert href.startswith("https://pymc-foundation.org/"), href


def test_every_feed_is_dated_by_its_newest_post_not_by_the_build(site):
    """Two builds of one commit give the same feeds: ablog's build time is replaced."""
    for path in sorted((site / "blog").rglob("atom.xml")):
        feed = ET.parse(path).getroot()
        entries = [e.findtext(f"{ATOM}updated") for e in feed.findall(f"{ATOM}entry")]
        assert feed.findtext(f"{ATOM}updated") == max(entries), path


def test_the_archive_feeds_resolve_from_their_own_folder(site):
    feed = ET.parse(site / "blog" / "category" / "announcements" / "atom.xml").getroot()
    contents = "".join(e.findtext(f"{ATOM}content") or "" for e in feed.iter(f"{ATOM}entry"))
    assert 'href="https://pymc-foundation.org/lessons/index.html"' in contents


def test_no_sidebar_heading_sits_over_an_empty_list(site):
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        empty_nav = re.search(
            r'bd-links__title[^<]*</p>\s*<div class="bd-toc-item navbar-nav">\s*</div>', text
        )
        assert not empty_nav, page
        empty_recent = re.search(r"Recent Posts</a>\s*</h3>\s*<ul>\s*</ul>", text)
        assert not empty_recent, page
    # with two posts, each post lists the other
    assert "Recent Posts" in read(site, f"{POSTS_DIR}/first.html")


def test_there_is_one_blog_index(site):
    index = read(site, "docs/blog.html")
    assert "A post that links" in index and "A fixture post" in index
    generated = read(site, "blog.html")
    assert 'http-equiv="refresh" content="0; url=docs/blog.html"' in generated
    assert "A fixture post" not in generated


def breadcrumbs(page: str) -> list[str]:
    nav = re.search(r'<ul class="bd-breadcrumbs">(.*?)</ul>', page, re.S)
    assert nav, "no breadcrumb"
    return [re.sub(r"<[^>]+>|\s+", " ", item).strip() for item in nav.group(1).split("</li>")][:-1]


def test_a_post_and_an_archive_page_show_they_belong_to_the_blog(site):
    post = read(site, f"{POSTS_DIR}/first.html")
    assert breadcrumbs(post)[1:] == ["Blog", "A fixture post"]
    assert '<a href="../blog.html" class="nav-link">Blog</a>' in post
    assert breadcrumbs(read(site, "blog/2026.html"))[1] == "Blog"


def test_a_post_directive_outside_the_blog_is_one_line(tmp_path, capsys):
    root = shutil.copytree(FIXTURES / "site", tmp_path / "site")
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    lesson = root / "lessons" / "index.md"
    lines = lesson.read_text(encoding="utf-8").splitlines()
    lines[2:2] = ["", "```{post} 2026-11-01", "```"]
    lesson.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = (
        "lessons/index.md:4: a {post} directive outside the blog makes this page a post "
        "(allowed: posts under docs/posts/)"
    )
    assert check_blog in CHECKS
    assert [str(p) for p in check_blog(Project.at(root))] == [message]
    status, _out, err = run_ose(["--root", str(root), "check"], capsys)
    assert status != 0
    assert message in err.splitlines()


def test_blogpost_front_matter_outside_the_blog_is_one_line(tmp_path):
    root = shutil.copytree(FIXTURES / "site", tmp_path / "site")
    (root / "lessons" / "note.md").write_text(
        "---\nblogpost: true\n---\n\n# Note\n", encoding="utf-8"
    )
    assert [str(p) for p in check_blog(Project.at(root))] == [
        "lessons/note.md:2: 'blogpost: true' outside the blog makes this page a post "
        "(allowed: posts under docs/posts/)"
    ]


def test_posts_in_the_blog_folder_and_the_real_sources_pass():
    assert check_blog(Project.at(REPO)) == []


def test_the_real_posts_are_dated_no_later_than_today_and_link_their_events():
    from datetime import date

    from ose.core.frontmatter import parse_front_matter

    posts = sorted((REPO / POSTS_DIR).glob("*.md"))
    linked = set()
    for post in posts:
        front = parse_front_matter(post)
        assert front.data["blogpost"] is True
        assert front.data["date"] <= date.today(), post.name
        linked.update(re.findall(r"</docs/events/(\w+)", front.body))
    assert {"pymcon", "meetups", "webinars"} <= linked


# -- taking part: the real get-involved pages over the real governance data -------------------

#: Pages the get-involved and governance pages link to, outside this fixture: titled stand-ins.
STAND_INS = {
    "docs/events/index.md": "# Events\n",
    "docs/events/pymcon.md": "# PyMCon\n",
    "docs/how-this-site-is-built.md": "# How this site is built\n",
    "decisions/index.md": "# Decisions\n",
    "curriculum/courses/bayes-intermediate/privacy-preserving-analysis.md": (
        "# Analysing protected data\n"
    ),
}
#: Decision records the pages cite, copied as they are.
RECORDS = [
    "0001-myst-sources-and-executed-notebooks",
    "0003-compose-the-tsc-of-core-developers-from-both-projects",
    "0012-structure-the-mentorship-program",
]


@pytest.fixture(scope="module")
def community(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site with the real governance folder and get-involved pages, built with -W."""
    root = tmp_path_factory.mktemp("get-involved") / "site"
    shutil.copytree(FIXTURES / "site", root)
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    shutil.copytree(REPO / "governance", root / "governance")
    shutil.copytree(REPO / "docs" / "get-involved", root / "docs" / "get-involved")
    (root / "decisions").mkdir()
    for record in RECORDS:
        shutil.copy2(REPO / "decisions" / f"{record}.md", root / "decisions" / f"{record}.md")
    for relative, text in STAND_INS.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    index = root / "index.md"
    pages = [
        "docs/get-involved/index",
        "governance/index",
        *(p[:-3] for p in STAND_INS),
        *(f"decisions/{r}" for r in RECORDS),
    ]
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            "docs/blog\n", "docs/blog\n" + "\n".join(pages) + "\n"
        ),
        encoding="utf-8",
    )
    sphinx_build(root)
    return root / "_build" / "html"


def visible(page: str) -> str:
    """The text a reader sees: tags dropped, spaces collapsed, a field's name next to its colon."""
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    return re.sub(r" ([:;,.])", r"\1", text)


def test_get_involved_lists_every_working_group_and_routes_onwards(community):
    page = read(community, "docs/get-involved/index.html")
    for group in [
        "Core development",
        "Documentation",
        "Education",
        "Community engagement",
        "Infrastructure",
    ]:
        assert f">{group}<" in page, group
    for target in [
        "mentorship.html",
        "sponsorship.html",
        "jobs.html",
        "../../governance/contribution.html",
    ]:
        assert f'href="{target}' in page, target
    assert "anyone may take part in a group" in visible(page)


def test_the_application_forms_link_templates_that_exist(community):
    page = read(community, "docs/get-involved/mentorship.html")
    forms = re.findall(r'href="https://github.com/[^/]+/[^/]+/issues/new\?template=([^"]+)"', page)
    assert forms == ["mentee-application.yml", "mentor-application.yml"]
    sponsor = read(community, "docs/get-involved/sponsorship.html")
    forms += re.findall(r"issues/new\?template=([^\"]+)\"", sponsor)
    for form in forms:
        assert (REPO / ".github" / "ISSUE_TEMPLATE" / form).is_file(), form
    assert "six months" in visible(page) and "proposal" in visible(page)


def test_the_issue_templates_are_github_issue_forms():
    from ose.core.yamldata import read_mapping

    for name in ["mentee-application", "mentor-application", "sponsorship-enquiry"]:
        form, _lines = read_mapping(REPO / ".github" / "ISSUE_TEMPLATE" / f"{name}.yml")
        assert {"name", "description", "body"} <= set(form), name
        ids = [item["id"] for item in form["body"] if item["type"] != "markdown"]
        assert len(ids) == len(set(ids)) and ids, name
        assert any(item.get("validations", {}).get("required") for item in form["body"]), name


def test_sponsorship_and_jobs_show_the_budget_data(community):
    from ose.core.yamldata import read_mapping

    budget, _lines = read_mapping(REPO / "governance" / "budget.yaml")
    sponsor = visible(read(community, "docs/get-involved/sponsorship.html"))
    for tier in budget["sponsorship"]["tiers"]:
        assert tier["name"] in sponsor
    assert budget["sponsorship"]["tiers-source"] == "proposal"
    assert "the tiers are a proposal: the plan lists the benefits, not the tiers" in sponsor
    jobs = visible(read(community, "docs/get-involved/jobs.html"))
    for line in budget["sections"][0]["groups"][0]["lines"]:
        assert line["item"] in jobs
    assert "$75,000" in jobs and "$140,000" in jobs


def test_the_home_page_and_the_navigation_route_to_get_involved():
    home = (REPO / "index.md").read_text(encoding="utf-8")
    assert ":link: docs/get-involved/index" in home
    assert "Get involved <docs/get-involved/index>" in home


# -- what is settled and what is proposed ------------------------------------------------------


def charters() -> dict[str, object]:
    from ose.governance.charters import charter_paths, load_charter

    return {path.stem: load_charter(path, REPO) for path in charter_paths(REPO)}


def test_every_charter_page_counts_its_figures_and_lists_its_proposals(community):
    for name, charter in charters().items():
        meta = charter.meta
        page = visible(read(community, f"governance/{name}.html"))
        plan, proposed = len(meta.from_plan()), len(meta.proposals())
        if plan or proposed:
            noun = "proposal" if proposed == 1 else "proposals"
            assert f"Figures: {plan} from the plan, {proposed} {noun}" in page, name
        for figure in meta.proposals():
            assert visible(figure) in page, (name, figure)


def test_the_figures_the_reading_found_are_marked_as_proposals():
    proposed = {name: " | ".join(c.meta.proposals()) for name, c in charters().items()}
    assert "Nine seats" in proposed["board"]
    assert "Two thirds" in proposed["board"]
    assert "Seven seats" in proposed["tsc"]
    assert "Five seats per group" in proposed["working-groups"]
    assert "one year" in proposed["working-groups"]
    assert "two-thirds majority" in proposed["foundation"]
    assert "three days" in proposed["code-of-conduct"]
    assert "3 working days" in proposed["security"]
    assert "six months" in proposed["recognition"]
    assert "Supporter, Partner and Strategic partner" in proposed["sustainability"]


def test_the_charter_index_counts_proposals_per_charter(community):
    page = read(community, "governance/index.html")
    assert "Proposed figures" in page
    total = sum(len(c.meta.proposals()) for c in charters().values())
    assert f"{total} of the figures they state are proposals the plan does not give." in visible(
        page
    )
    board_row = re.search(
        r"<tr[^>]*>(?:(?!</tr>).)*Board of Directors(?:(?!</tr>).)*</tr>", page, re.S
    )
    assert board_row
    cells = re.findall(r"<td[^>]*>(.*?)</td>", board_row.group(0), re.S)
    assert visible(cells[-1]).strip() == str(len(charters()["board"].meta.proposals()))


def test_a_figure_of_unknown_source_is_one_line(tmp_path, capsys):
    root = tmp_path / "site"
    shutil.copytree(REPO / "governance", root / "governance")
    (root / "decisions").mkdir()
    for record in RECORDS:
        shutil.copy2(REPO / "decisions" / f"{record}.md", root / "decisions" / f"{record}.md")
    tsc = root / "governance" / "tsc.md"
    text = tsc.read_text(encoding="utf-8")
    tsc.write_text(
        text.replace("    source: proposal\n", "    source: rumour\n", 1), encoding="utf-8"
    )
    line = text.splitlines().index("    source: proposal") + 1
    from ose.governance.check import check_governance

    found = [str(p) for p in check_governance(Project.at(root))]
    assert len(found) == 1, found
    assert found[0].startswith(f"governance/tsc.md:{line}: figures[1].source")
    assert "plan" in found[0] and "proposal" in found[0]


def test_wording_fixes(community):
    tsc = visible(read(community, "governance/tsc.html"))
    assert "Amended by: Decision 0003" in tsc
    groups = visible(read(community, "governance/working-groups.html"))
    assert "Longest term: one year, then re-election or rotation" in groups
    assert "Longest term: year" not in groups
    record = (REPO / "decisions" / "0011-run-gpu-lessons-on-jax-with-a-cpu-fallback.md").read_text(
        encoding="utf-8"
    )
    assert "found days later" not in record


def test_records_the_board_accepted_say_who_decided():
    from ose.decisions.records import load_decisions

    board = [d for d in load_decisions(REPO) if "board" in d.deciders and d.status == "accepted"]
    assert len(board) >= 5
    for decision in board:
        text = decision.path.read_text(encoding="utf-8")
        assert "## Who decided" in text, decision.path.name
        assert "acting together on the TSC's behalf" in text, decision.path.name


def test_a_tiers_source_other_than_plan_or_proposal_is_one_line(tmp_path):
    from ose.governance.check import check_governance

    root = tmp_path / "site"
    shutil.copytree(REPO / "governance", root / "governance")
    shutil.copytree(REPO / "decisions", root / "decisions")
    budget = root / "governance" / "budget.yaml"
    text = budget.read_text(encoding="utf-8")
    budget.write_text(
        text.replace("tiers-source: proposal", "tiers-source: settled"), encoding="utf-8"
    )
    line = text.splitlines().index("  tiers-source: proposal") + 1
    found = [str(p) for p in check_governance(Project.at(root))]
    assert len(found) == 1, found
    assert found[0].startswith(f"governance/budget.yaml:{line}: sponsorship.tiers-source")


def test_social_cards_switched_on_are_refused_in_one_line(tmp_path):
    """The site loads sphinxext-opengraph without its card renderer (Matplotlib); conf.py asking
    for cards gets one line instead of pages silently left without them."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", root)
    conf = (REPO / "conf.py").read_text(encoding="utf-8")
    (root / "conf.py").write_text(conf + '\nogp_social_cards = {"enable": True}\n', "utf-8")
    result = sphinx_unexecuted(root)
    assert result.returncode != 0
    line = len(conf.splitlines()) + 2
    assert (
        f"conf.py:{line}: ogp_social_cards is {{'enable': True}}, but ose.sphinxext.opengraph "
        "loads sphinxext-opengraph without its card renderer, so no card would be drawn "
        "(allowed: {'enable': False}; to draw cards, list sphinxext.opengraph in extensions "
        "instead) [ose.opengraph]"
    ) in result.stderr.splitlines()
    assert "Traceback" not in result.stderr
