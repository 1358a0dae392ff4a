"""The curriculum's Sphinx layer: exercises, solutions and instructor notes.

Exercises are admonitions; solutions are sphinx-design dropdowns (a native ``<details>``, so they
stay collapsed without JavaScript); instructor notes carry the HTML ``hidden`` attribute and a
small local script shows them when the reader switches the instructor view on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.writers.html5 import HTML5Translator
from sphinx_design.dropdown import DropdownDirective

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "curriculum"


class instructor_note(nodes.Admonition, nodes.Element):
    """A note for whoever teaches the lesson; hidden from learners."""


def visit_instructor_note_html(self: HTML5Translator, node: instructor_note) -> None:
    self.body.append(
        self.starttag(node, "div", CLASS="admonition instructor-note", hidden="hidden")
    )


def depart_instructor_note_html(self: HTML5Translator, node: instructor_note) -> None:
    self.body.append("</div>\n")


def visit_instructor_note(self: Any, node: instructor_note) -> None:
    self.visit_admonition(node)


def depart_instructor_note(self: Any, node: instructor_note) -> None:
    self.depart_admonition(node)


class ExerciseDirective(SphinxDirective):
    """``:::{exercise} Short name``: a task for the learner, shown as an admonition."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "name": directives.unchanged,
        "class": directives.class_option,
    }

    def run(self) -> list[nodes.Node]:
        self.assert_has_content()
        title = "Exercise"
        if self.arguments:
            title = f"Exercise: {self.arguments[0]}"
        node = nodes.admonition(
            "\n".join(self.content), classes=["exercise", *self.options.get("class", [])]
        )
        self.set_source_info(node)
        title_nodes, messages = self.parse_inline(title, lineno=self.lineno)
        heading = nodes.title(title, "", *title_nodes)
        self.set_source_info(heading)
        node += heading
        node += messages
        self.add_name(node)
        node.extend(self.parse_content_to_nodes(allow_section_headings=False))
        return [node]


class SolutionDirective(DropdownDirective):
    """``::::{solution}``: the worked answer, collapsed until the learner opens it."""

    def run_with_defaults(self) -> list[nodes.Node]:
        if not self.arguments:
            self.arguments = ["Solution"]
        self.options["class-container"] = ["solution", *self.options.get("class-container", [])]
        self.options.setdefault("icon", "light-bulb")
        self.options.setdefault("color", "success")
        self.options.pop("open", None)  # a solution is never open by default
        return super().run_with_defaults()


class InstructorNoteDirective(SphinxDirective):
    """``:::{instructor-note}``: timing hints, common mistakes, what to draw on the board."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self) -> list[nodes.Node]:
        self.assert_has_content()
        title = "Instructor note"
        if self.arguments:
            title = f"Instructor note: {self.arguments[0]}"
        node = instructor_note("\n".join(self.content), classes=["instructor-note"])
        self.set_source_info(node)
        title_nodes, messages = self.parse_inline(title, lineno=self.lineno)
        node += nodes.title(title, "", *title_nodes)
        node += messages
        node.extend(self.parse_content_to_nodes(allow_section_headings=False))
        return [node]


SWITCH_HTML = (
    '<button type="button" class="ose-instructor-switch" aria-pressed="false" hidden>'
    'Instructor view: <span class="ose-instructor-switch-state">off</span></button>'
)


def add_instructor_switch(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Put the instructor-view switch at the top of every page that has instructor notes."""
    if app.builder.format != "html" or not any(doctree.findall(instructor_note)):
        return
    switch = nodes.raw("", SWITCH_HTML, format="html")
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, switch)
    else:
        doctree.insert(0, switch)


def _add_static_path(app: Sphinx) -> None:
    app.config.html_static_path = [*app.config.html_static_path, str(STATIC_DIR)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx_design")
    app.add_node(
        instructor_note,
        html=(visit_instructor_note_html, depart_instructor_note_html),
        latex=(visit_instructor_note, depart_instructor_note),
        text=(visit_instructor_note, depart_instructor_note),
        man=(visit_instructor_note, depart_instructor_note),
        texinfo=(visit_instructor_note, depart_instructor_note),
    )
    app.add_directive("exercise", ExerciseDirective)
    app.add_directive("solution", SolutionDirective)
    app.add_directive("instructor-note", InstructorNoteDirective)
    app.connect("builder-inited", _add_static_path)
    app.connect("doctree-resolved", add_instructor_switch)
    app.add_css_file("curriculum.css")
    app.add_js_file("curriculum.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
