"""Each page loads the stylesheets and scripts it uses, and no other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import make_fixture_site, sphinx_unexecuted
from ose.assets import THIRD_PARTY, AssetNeed, page_classes, stylesheet_classes, unused

CSS = """
/* .commented-out { color: red } */
@media (max-width: 40em) {
  .lesson-meta dt, table.execution-report > td { display: block; }
}
.admonition.exercise:hover { color: var(--x); }
a { text-decoration: none; }
"""


def test_a_stylesheet_needs_the_classes_its_selectors_name():
    assert stylesheet_classes(CSS) == {"lesson-meta", "execution-report", "admonition", "exercise"}


def test_an_asset_is_dropped_only_when_a_need_of_it_is_unmet():
    needs = (AssetNeed("curriculum.css", ("exercise",)), *THIRD_PARTY)
    lesson = page_classes('<div class="admonition exercise"><div class="highlight"></div></div>')
    plain = page_classes('<p class="lead">Text</p>')
    assert not unused("_static/curriculum.css", lesson, needs)
    assert unused("_static/curriculum.css", plain, needs)
    assert unused("_static/copybutton.js", plain, needs)
    assert not unused("_static/copybutton.js", lesson, needs)
    assert unused("mystnb.0123abcd.css", plain, needs)
    assert not unused("_static/unknown.js", plain, needs)  # nothing says a page can do without


def _loaded(page: str) -> set[str]:
    links = re.findall(r'<(?:link rel="stylesheet"[^>]*href|script[^>]*src)="([^"?]+)', page)
    return {link.rsplit("/", 1)[-1] for link in links}


@pytest.mark.site
def test_pages_of_the_fixture_site_load_what_they_use(tmp_path: Path):
    root = make_fixture_site(tmp_path / "site")
    result = sphinx_unexecuted(root)
    assert result.returncode == 0, result.stderr
    html = root / "_build" / "html"
    lesson = _loaded((html / "lessons" / "table-and-figure.html").read_text(encoding="utf-8"))
    home = _loaded((html / "index.html").read_text(encoding="utf-8"))
    assert {"copybutton.js", "clipboard.min.js"} <= lesson  # it has code cells
    assert any(name.startswith("mystnb.") for name in lesson)
    for name in ("copybutton.js", "design-tabs.js", "workshops.css", "decisions.css"):
        assert name not in home, name
    assert not any(name.startswith("mystnb.") for name in home)
    assert "searchindex.js" not in lesson | home  # only the search page loads the index
    search = _loaded((html / "search.html").read_text(encoding="utf-8"))
    assert "searchindex.js" in search
