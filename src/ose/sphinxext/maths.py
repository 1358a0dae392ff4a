"""Maths as MathML, rendered when the site is built (the ``mathml`` HTML math renderer).

Replaces Sphinx's default MathJax renderer: no page loads a script for its formulas, and a page
without formulas loads nothing either. Numbered equations keep their number and permalink, as
with MathJax; a formula the converter refuses fails the build at its line.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.locale import _
from sphinx.util.math import get_node_equation_number
from sphinx.writers.html5 import HTML5Translator

from ose.maths import MathsError, to_mathml
from ose.sphinxext.base import metadata
from ose.sphinxext.problems import warn_at

RENDERER = "mathml"


def _rendered(self: HTML5Translator, node: nodes.Element, display: bool) -> str:
    try:
        return to_mathml(node.astext(), display)
    except MathsError as error:
        warn_at(node, str(error), "maths")
        return f"<code>{self.encode(node.astext())}</code>"


def visit_math(self: HTML5Translator, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math"))
    self.body.append(_rendered(self, node, display=False) + "</span>")
    raise nodes.SkipNode


def visit_math_block(self: HTML5Translator, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_rendered(self, node, display=True) + "</div>\n")
    raise nodes.SkipNode


def _use_mathml(app: Sphinx, config: Config) -> None:
    config.html_math_renderer = config.html_math_renderer or RENDERER


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.connect("config-inited", _use_mathml)
    app.add_html_math_renderer(RENDERER, (visit_math, None), (visit_math_block, None))
    app.add_css_file("maths.css")
    return metadata()
