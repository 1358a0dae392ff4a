"""Accessible names where the theme and pandas write markup without them.

tests/test_accessibility.py runs axe-core over one page of every type; what it found in markup
that is not ours is fixed here, the rest in the templates folder and the CSS:

- The theme's section navigation opens a page's sub-pages with a ``<summary>`` that holds only a
  chevron icon, a control with no name. The site's override of that sidebar
  (templates/sidebar-nav-bs.html) passes the navigation through the ``ose_name_toggles`` filter,
  which names each one after the page whose sub-pages it shows.
- pandas writes a DataFrame's header row with an empty cell over the row labels, a column header
  announced as nothing. Lessons print DataFrames (ArviZ summaries above all), which myst-nb keeps
  as raw HTML in the doctree; each gets a visually hidden label in that cell: "Parameter" over an
  ArviZ summary's variables, "Row" otherwise. Text cannot come from CSS, and the outputs are the
  executed notebooks' own, so the HTML is amended when the page is written.
- site.css: the theme's search-result highlight in dark mode, whose link text on the highlight
  colour falls under 3:1.
"""

from __future__ import annotations

import html
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from ose.sphinxext.base import metadata

#: A sidebar link followed by its sub-pages' toggle: ``<a ...>Title</a><details><summary>``.
_TOGGLE = re.compile(
    r"(?P<link><a\b[^>]*>(?P<title>(?:(?!</a>).)*)</a>\s*<details(?:\s[^>]*)?>\s*)<summary>",
    re.DOTALL,
)
_TAG = re.compile(r"<[^>]*>")

#: pandas' header cell over the row labels, left empty when the index has no name.
_EMPTY_INDEX_HEADER = re.compile(
    r"(<table\b[^>]*\bclass=\"[^\"]*\bdataframe\b[^>]*>\s*<thead>\s*<tr\b[^>]*>\s*)<th></th>"
)
#: The columns of an ArviZ summary, one of which marks a table of parameters.
_ARVIZ_COLUMNS = ("<th>r_hat</th>", "<th>ess_bulk</th>", "<th>mcse_mean</th>")


def name_toggles(navigation: object) -> str:
    """Give each sub-page toggle of the theme's navigation HTML (a string, or the soup the theme
    returns) the name of its page."""

    def named(match: re.Match[str]) -> str:
        title = " ".join(html.unescape(_TAG.sub("", match["title"])).split())
        label = html.escape(f"Pages under {title}" if title else "Sub-pages", quote=True)
        return f'{match["link"]}<summary aria-label="{label}">'

    return _TOGGLE.sub(named, str(navigation))


def label_index_headers(markup: str) -> str:
    """Label the empty header cell over a DataFrame's row labels, visually hidden."""

    def labelled(match: re.Match[str]) -> str:
        rest = markup[match.end() : markup.find("</thead>", match.end())]
        label = "Parameter" if any(column in rest for column in _ARVIZ_COLUMNS) else "Row"
        return f'{match[1]}<th><span class="visually-hidden">{label}</span></th>'

    return _EMPTY_INDEX_HEADER.sub(labelled, markup)


def _label_output_tables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for raw in doctree.findall(nodes.raw):
        text = raw.astext()
        if "html" in raw.get("format", "").split() and "dataframe" in text:
            labelled = label_index_headers(text)
            if labelled != text:
                raw.children = [nodes.Text(labelled)]


def _add_filters(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is not None:
        environment.filters["ose_name_toggles"] = name_toggles


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.connect("builder-inited", _add_filters)
    # myst-nb picks each output's MIME type in a post-transform, after which the raw HTML exists
    app.connect("doctree-resolved", _label_output_tables)
    app.add_css_file("site.css")
    return metadata()
