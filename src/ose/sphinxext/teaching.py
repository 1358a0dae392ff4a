"""Teaching markup: exercises, solutions, instructor notes and the instructor-view switch.

Exercises are admonitions; solutions are sphinx-design dropdowns (a native ``<details>``,
collapsed without JavaScript); instructor notes carry the HTML ``hidden`` attribute, and a small
local script (``curriculum.js``) shows them when the reader switches the instructor view on,
and opens every solution while the page is printed.

A solution's code is a code cell tagged ``solution`` right after the ``{solution}`` block (an
instructor note's, one tagged ``instructor-note`` after the note): the cell, its input and its
outputs, figures included, move into the block, so nothing of the answer shows before the
learner opens it.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective
from sphinx.writers.html5 import HTML5Translator
from sphinx_design.dropdown import DropdownDirective

from ose.sphinxext.base import metadata
from ose.sphinxext.nodes import insert_under_title
from ose.sphinxext.problems import location_of, warn_at


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


class _TitledBlock(SphinxDirective):
    """A block with a title ("Exercise: ...") and parsed content (no section headings)."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    label: ClassVar[str]

    def fill(self, node: nodes.Element) -> nodes.Element:
        self.assert_has_content()
        title = f"{self.label}: {self.arguments[0]}" if self.arguments else self.label
        self.set_source_info(node)
        title_nodes, messages = self.parse_inline(title, lineno=self.lineno)
        heading = nodes.title(title, "", *title_nodes)
        self.set_source_info(heading)
        node += heading
        node += messages
        self.add_name(node)
        node.extend(self.parse_content_to_nodes(allow_section_headings=False))
        return node


class ExerciseDirective(_TitledBlock):
    """``:::{exercise} Short name``: a task for the learner, shown as an admonition."""

    label = "Exercise"
    option_spec: ClassVar[dict[str, Any]] = {
        "name": directives.unchanged,
        "class": directives.class_option,
    }

    def run(self) -> list[nodes.Node]:
        classes = ["exercise", *self.options.get("class", [])]
        return [self.fill(nodes.admonition("\n".join(self.content), classes=classes))]


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


class InstructorNoteDirective(_TitledBlock):
    """``:::{instructor-note}``: timing hints, common mistakes, what to draw on the board."""

    label = "Instructor note"

    def run(self) -> list[nodes.Node]:
        content = "\n".join(self.content)
        return [self.fill(instructor_note(content, classes=["instructor-note"]))]


def _is_solution(node: nodes.Node) -> bool:
    """A ``{solution}`` dropdown as sphinx-design leaves it at read time (its classes are
    applied later, when it becomes ``<details>``)."""
    return isinstance(node, nodes.container) and "solution" in (
        node.get("container_classes", []) + node.get("classes", [])
    )


#: A code cell's tag -> the block it belongs to: (what the block is, whether a node is one).
CELL_OWNERS: dict[str, tuple[str, Any]] = {
    "solution": ("{solution}", lambda node: _is_solution(node)),
    "instructor-note": ("{instructor-note}", lambda node: isinstance(node, instructor_note)),
}


def _owner(cell: nodes.Element, is_owner: Any) -> nodes.Element | None:
    """The block right before ``cell`` (cells of the same block may sit between them)."""
    parent = cell.parent
    for sibling in reversed(parent.children[: parent.index(cell)]):
        if is_owner(sibling):
            return cast(nodes.Element, sibling)
        return None
    return None


def fold_cells_into_blocks(app: Sphinx, doctree: nodes.document) -> None:
    """Move each code cell tagged ``solution`` (``instructor-note``) into the block before it,
    input shown (the block is the fold), outputs with it; warn where no such block is."""
    for cell in list(doctree.findall(nodes.container)):
        if "cell" not in cell["classes"] or cell.parent is None:
            continue
        for tag, (block, is_owner) in CELL_OWNERS.items():
            if f"tag_{tag}" not in cell["classes"]:
                continue
            owner = _owner(cell, is_owner)
            if owner is None:
                docname = app.env.current_document.docname
                # myst-nb makes its 1-based source-map line 1-based again, then docutils
                # adds one: a code cell's node line is two past its ``{code-cell}`` fence
                fence = max((cell.line or 0) - 2, 0)
                location = location_of(app.env, app.env.doc2path(docname), fence)
                message = (
                    f"a code cell tagged {tag} does not follow a {block} block (allowed: "
                    f"the cell right after its {block} block, or the tag removed)"
                )
                warn_at(location, message, "teaching")
                break
            cell.parent.remove(cell)
            cell.attributes.pop("hide_mode", None)  # the block is the fold: no second one
            owner += cell
            break


SWITCH_HTML = (
    '<button type="button" class="ose-instructor-switch" aria-pressed="false" hidden>'
    'Instructor view: <span class="ose-instructor-switch-state">off</span></button>'
)


class InstructorSwitch(SphinxPostTransform):
    """Put the instructor-view switch at the top of every page that has instructor notes."""

    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        if any(self.document.findall(instructor_note)):
            insert_under_title(self.document, nodes.raw("", SWITCH_HTML, format="html"))


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
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
    app.add_post_transform(InstructorSwitch)
    app.connect("doctree-read", fold_cells_into_blocks)
    app.add_css_file("curriculum.css")
    app.add_js_file("curriculum.js", loading_method="defer")
    return metadata()
