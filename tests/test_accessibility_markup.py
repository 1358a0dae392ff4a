"""The accessibility fixes in the site's own output, without a browser: the names and labels that
tests/test_accessibility.py's axe-core run needs, written by the templates and extensions."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, sphinx_unexecuted
from ose.sphinxext.accessibility import label_index_headers, name_toggles

NAVIGATION = (
    '<li class="toctree-l1 has-children"><a class="reference internal" href="a.html">A &amp; '
    '<code>b</code></a><details><summary><span class="toctree-toggle" role="presentation">'
    '<i class="fa-solid fa-chevron-down"></i></span></summary><ul><li class="toctree-l2">'
    '<a class="reference internal" href="c.html">C</a></li></ul></details></li>\n'
    '<li class="toctree-l1 current active has-children"><a aria-current="page" '
    'class="current reference internal" href="#">"Quoted"</a><details open="open"><summary>'
)


def dataframe(columns: list[str]) -> str:
    """pandas' HTML for a frame with an unnamed index."""
    head = "".join(f"\n      <th>{column}</th>" for column in columns)
    return (
        '<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n'
        f"      <th></th>{head}\n    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <th>alpha</th>"
        "\n    </tr>\n  </tbody>\n</table>"
    )


def test_each_sidebar_toggle_is_named_after_its_page():
    named = name_toggles(NAVIGATION)
    assert named.count("<summary>") == 0
    assert '<summary aria-label="Pages under A &amp; b">' in named
    assert '<summary aria-label="Pages under &quot;Quoted&quot;">' in named
    # the links themselves are untouched
    assert (
        named.replace(' aria-label="Pages under A &amp; b"', "").replace(
            ' aria-label="Pages under &quot;Quoted&quot;"', ""
        )
        == NAVIGATION
    )


def test_a_dataframe_s_empty_index_header_gets_a_hidden_label():
    summary = label_index_headers(dataframe(["mean", "sd", "ess_bulk", "r_hat"]))
    assert '<th><span class="visually-hidden">Parameter</span></th>' in summary
    plain = label_index_headers(dataframe(["draw", "value"]))
    assert '<th><span class="visually-hidden">Row</span></th>' in plain
    # two frames in one output: each gets its own label
    both = label_index_headers(dataframe(["draw"]) + dataframe(["mean", "r_hat"]))
    assert re.findall(r"visually-hidden\">(\w+)<", both) == ["Row", "Parameter"]
    # a named index has no empty cell, and other tables are not touched
    named = dataframe(["draw"]).replace("<th></th>", "<th>chain</th>")
    assert label_index_headers(named) == named
    other = "<table><thead><tr><th></th></tr></thead></table>"
    assert label_index_headers(other) == other


def stored_output_notebook(tables: list[str]) -> str:
    cells = [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# Summaries"}]
    for number, table in enumerate(tables, 1):
        cells.append(
            {
                "cell_type": "code",
                "id": f"cell-{number}",
                "execution_count": number,
                "metadata": {},
                "source": "summary",
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": number,
                        "metadata": {},
                        "data": {"text/html": f"<div>{table}</div>", "text/plain": "summary"},
                    }
                ],
            }
        )
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4}
    return json.dumps({**notebook, "nbformat_minor": 5})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site with a notebook of stored DataFrame outputs, lessons not executed."""
    root = tmp_path_factory.mktemp("accessibility") / "site"
    shutil.copytree(FIXTURES / "site", root)
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    notebook = stored_output_notebook([dataframe(["mean", "r_hat"]), dataframe(["value"])])
    (root / "lessons" / "summaries.ipynb").write_text(notebook, encoding="utf-8")
    # a page with sub-pages, so that the sidebar has a toggle
    (root / "lessons" / "more").mkdir()
    (root / "lessons" / "more" / "index.md").write_text(
        "# More\n\n```{toctree}\nchild\n```\n", encoding="utf-8"
    )
    (root / "lessons" / "more" / "child.md").write_text("# Child\n", encoding="utf-8")
    index = root / "lessons" / "index.md"
    toctree = "table-and-figure\nsummaries\nmore/index\n"
    index.write_text(
        index.read_text(encoding="utf-8").replace("table-and-figure\n", toctree), encoding="utf-8"
    )
    result = sphinx_unexecuted(root, "1796169600")  # 2026-12-02
    assert result.returncode == 0, result.stderr
    return root / "_build" / "html"


@pytest.mark.site
def test_built_pages_carry_the_names(built):
    lesson = (built / "lessons" / "summaries.html").read_text(encoding="utf-8")
    assert "<th></th>" not in lesson
    labels = re.findall(r'<th><span class="visually-hidden">(\w+)</span></th>', lesson)
    assert labels == ["Parameter", "Row"]
    # the sidebar's toggle of a page's sub-pages has that page's name
    assert "<summary>" not in lesson
    assert '<summary aria-label="Pages under More">' in lesson
    # the search button is named by its visible text, not by a shorter aria-label
    button = re.search(r"<button[^>]*search-button-field[^>]*>", lesson)
    assert button and "aria-label" not in button[0] and 'aria-keyshortcuts="Control+K"' in button[0]

    post = (built / "docs" / "posts" / "first.html").read_text(encoding="utf-8")
    card = re.search(r'<aside class="ablog-sidebar-item ablog__postcard".*?</aside>', post, re.S)
    assert card, "the post card is an aside"
    items = re.search(r"<ul[^>]*>(.*?)</ul>", card[0], re.S)
    assert items
    # a valid list: only <li> children, no ids with spaces, each line names itself
    assert re.sub(r"<li\b.*?</li>", "", items[1], flags=re.S).strip() == ""
    assert 'id="ablog-sidebar-item' not in post
    assert '<span class="visually-hidden">Author:</span>' in card[0]
