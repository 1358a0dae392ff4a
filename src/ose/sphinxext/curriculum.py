"""The curriculum's Sphinx layer: lesson pages, course syllabi, badges and the execution report.

Everything shown is generated from the data layer (:mod:`ose.curriculum`): the lesson header
(objectives, duration, level, prerequisites), previous/next links, the course syllabus, the list
of courses, and the "verified with" badge read from the execution records. Exercises are
admonitions; solutions are sphinx-design dropdowns (a native ``<details>``, collapsed without
JavaScript); instructor notes carry the HTML ``hidden`` attribute and a small local script shows
them when the reader switches the instructor view on.

Records change without their lesson's source changing (an upgrade re-executes every lesson), so
badges and the report are placeholders filled when a page is written, and a changed record marks
its page for writing again.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.writers.html5 import HTML5Translator
from sphinx_design.dropdown import DropdownDirective

from ose.core.problems import Problem
from ose.curriculum.load import read_curriculum
from ose.curriculum.model import Curriculum, Lesson
from ose.curriculum.verification import Verification, guard_figures, guard_verdict, verify
from ose.execution.records import ExecutionRecord, load_records
from ose.project import Project

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "curriculum"

COLAB = "https://colab.research.google.com/github/{repository}/blob/{branch}/{path}"
BINDER = "https://mybinder.org/v2/gh/{repository}/{branch}?labpath={path}"


# --------------------------------------------------------------------------------------------
# nodes


class instructor_note(nodes.Admonition, nodes.Element):
    """A note for whoever teaches the lesson; hidden from learners."""


class verified_badge(nodes.General, nodes.Element):
    """Placeholder for a lesson's "verified with" badge, filled when the page is written."""


class lesson_launch(nodes.General, nodes.Element):
    """Placeholder for the download, Colab and Binder links of a lesson."""


class execution_report(nodes.General, nodes.Element):
    """Placeholder for the site-wide table of execution records."""


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


# --------------------------------------------------------------------------------------------
# state: the curriculum and the execution records of this build


def _project(app: Sphinx) -> Project:
    """The project; its build folder is the parent of the output folder, as myst-nb assumes."""
    return Project.at(app.srcdir, Path(app.outdir).parent)


#: Pages generated from the whole curriculum, tracked so that they are refreshed when it changes.
PAGE_KINDS = ("ose_report_docs", "ose_course_list_docs")


def _curriculum(env: BuildEnvironment) -> Curriculum:
    return getattr(env, "ose_curriculum", None) or Curriculum()


def _records(env: BuildEnvironment) -> dict[str, ExecutionRecord]:
    return getattr(env, "ose_records", None) or {}


def load_state(app: Sphinx) -> None:
    """Read the curriculum and the records once per build; report curriculum problems."""
    project = _project(app)
    curriculum, problems = read_curriculum(project)
    app.env.ose_curriculum = curriculum  # type: ignore[attr-defined]
    app.env.ose_records = load_records(project.records_path)  # type: ignore[attr-defined]
    for kind in PAGE_KINDS:
        if not hasattr(app.env, kind):
            setattr(app.env, kind, set())
    for problem in problems:
        _warn(problem)


def _warn(problem: Problem) -> None:
    location = (problem.path.removesuffix(".md"), problem.line or None)
    logger.warning(problem.message, location=location, type="ose", subtype="curriculum")


def records_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Lessons whose execution record changed since their page was written, and the report."""
    stamps: dict[str, str] = getattr(env, "ose_record_stamps", {})
    records = _records(env)
    current = {
        docname: records[f"{docname}.md"].model_dump_json() if f"{docname}.md" in records else ""
        for docname in _curriculum(env).lessons
    }
    changed = [docname for docname, stamp in current.items() if stamps.get(docname) != stamp]
    env.ose_record_stamps = current  # type: ignore[attr-defined]
    if changed or set(stamps) != set(current):
        changed.extend(getattr(env, "ose_report_docs", set()))
    return sorted(docname for docname in set(changed) if docname in env.found_docs)


def courses_changed(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages listing every course, when a course appeared or went away since they were read."""
    courses = sorted(course.docname for course in _curriculum(env).courses)
    before = getattr(env, "ose_course_stamp", None)
    env.ose_course_stamp = courses  # type: ignore[attr-defined]
    if before is None or before == courses:
        return []
    return sorted(getattr(env, "ose_course_list_docs", set()) - removed)


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    for kind in PAGE_KINDS:
        getattr(env, kind, set()).discard(docname)


def merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: Iterable[str], other: BuildEnvironment
) -> None:
    for kind in PAGE_KINDS:
        setattr(env, kind, getattr(env, kind, set()) | getattr(other, kind, set()))


# --------------------------------------------------------------------------------------------
# small node builders


def doc_link(docname: str, text: str) -> addnodes.pending_xref:
    """A reference to a page, resolved (and checked under -W) by Sphinx."""
    ref = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype="doc",
        reftarget=f"/{docname}",
        refexplicit=True,
        refwarn=True,
    )
    ref += nodes.inline(text, text)
    return ref


def resolved_link(app: Sphinx, fromdoc: str, todoc: str, text: str) -> nodes.reference:
    """A reference built after resolution (in placeholders filled at write time)."""
    uri = app.builder.get_relative_uri(fromdoc, todoc)
    return nodes.reference(text, text, internal=True, refuri=uri)


def minutes(total: int) -> str:
    """``95`` as ``1 h 35 min``."""
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def field_list(fields: Sequence[tuple[str, nodes.Node | str]]) -> nodes.field_list:
    result = nodes.field_list()
    for name, value in fields:
        body = value if isinstance(value, nodes.Node) else nodes.Text(value)
        result += nodes.field(
            "", nodes.field_name(name, name), nodes.field_body("", nodes.paragraph("", "", body))
        )
    return result


def bullet_list(items: Iterable[nodes.Node | str]) -> nodes.bullet_list:
    result = nodes.bullet_list()
    for item in items:
        body = item if isinstance(item, nodes.Node) else nodes.Text(item)
        result += nodes.list_item("", nodes.paragraph("", "", body))
    return result


def table(
    headers: Sequence[str], rows: Sequence[Sequence[nodes.Node | str]], classes: list[str]
) -> nodes.table:
    """A plain docutils table (header row, body rows)."""
    result = nodes.table(classes=classes)
    group = nodes.tgroup(cols=len(headers))
    result += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    row = nodes.row()
    for header in headers:
        row += nodes.entry("", nodes.paragraph(header, header))
    head += row
    group += head
    body = nodes.tbody()
    for values in rows:
        row = nodes.row()
        for value in values:
            if isinstance(value, str):
                value = nodes.paragraph(value, value)
            elif not isinstance(value, nodes.Body):
                value = nodes.paragraph("", "", value)
            row += nodes.entry("", value)
        body += row
    group += body
    return result


def prerequisite_nodes(curriculum: Curriculum, items: Sequence[str]) -> list[nodes.Node]:
    """Each prerequisite: a link where it names a lesson or course, else its text."""
    result: list[nodes.Node] = []
    for item in items:
        found = curriculum.resolve(item)
        if len(found) == 1:
            target = found[0]
            result.append(doc_link(target.docname, target.title))
        else:
            result.append(nodes.Text(item))
    return result


def _joined(parts: Sequence[nodes.Node]) -> nodes.inline:
    result = nodes.inline()
    for index, part in enumerate(parts):
        if index:
            result += nodes.Text("; ")
        result += part
    return result


def toctree(docname: str, entries: Sequence[str], *, hidden: bool) -> nodes.compound:
    """A toctree node, as the ``toctree`` directive builds it."""
    node = addnodes.toctree()
    node["parent"] = docname
    node["entries"] = [(None, entry) for entry in entries]
    node["includefiles"] = list(entries)
    node["maxdepth"] = 1
    node["caption"] = None
    node["glob"] = False
    node["hidden"] = hidden
    node["includehidden"] = False
    node["numbered"] = 0
    node["titlesonly"] = False
    wrapper = nodes.compound(classes=["toctree-wrapper"])
    wrapper += node
    return wrapper


# --------------------------------------------------------------------------------------------
# directives


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
        title = f"Exercise: {self.arguments[0]}" if self.arguments else "Exercise"
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
        title = f"Instructor note: {self.arguments[0]}" if self.arguments else "Instructor note"
        node = instructor_note("\n".join(self.content), classes=["instructor-note"])
        self.set_source_info(node)
        title_nodes, messages = self.parse_inline(title, lineno=self.lineno)
        node += nodes.title(title, "", *title_nodes)
        node += messages
        node.extend(self.parse_content_to_nodes(allow_section_headings=False))
        return [node]


class CourseSyllabusDirective(SphinxDirective):
    """``{course-syllabus}`` in a course's index: lessons, objectives, minutes, prerequisites."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        docname = self.env.current_document.docname
        curriculum = _curriculum(self.env)
        course = next((c for c in curriculum.courses if c.docname == docname), None)
        if course is None:
            logger.warning(
                "course-syllabus is only allowed in a course's index.md "
                "(curriculum/courses/<course>/index.md with valid front matter)",
                location=(docname, self.lineno),
                type="ose",
                subtype="curriculum",
            )
            return []
        lessons = curriculum.lessons_of(course)
        for lesson in lessons:
            self.env.note_dependency(self.env.srcdir / lesson.path)
        container = nodes.container(classes=["course-syllabus"])
        total = curriculum.total_minutes(course)
        container += field_list(
            [
                ("Level", course.level.capitalize()),
                ("For", course.audience),
                ("Lessons", str(len(lessons))),
                ("Total time", minutes(total) if total < 60 else f"{minutes(total)} ({total} min)"),
            ]
        )
        rows: list[list[nodes.Node | str]] = []
        for number, lesson in enumerate(lessons, start=1):
            rows.append(
                [
                    nodes.paragraph("", f"{number}. ", doc_link(lesson.docname, lesson.title)),
                    bullet_list(lesson.objectives),
                    str(lesson.duration.teaching),
                    str(lesson.duration.exercises),
                ]
            )
        teaching = sum(lesson.duration.teaching for lesson in lessons)
        exercises = sum(lesson.duration.exercises for lesson in lessons)
        rows.append(
            [
                nodes.paragraph("", "", nodes.strong("Total", "Total")),
                nodes.paragraph("", "", nodes.strong(minutes(total), minutes(total))),
                str(teaching),
                str(exercises),
            ]
        )
        container += nodes.rubric("Syllabus", "Syllabus")
        container += table(
            ["Lesson", "Objectives", "Teaching (min)", "Exercises (min)"],
            rows,
            classes=["course-syllabus"],
        )
        container += nodes.rubric("Prerequisites", "Prerequisites")
        if course.prerequisites:
            container += bullet_list(prerequisite_nodes(curriculum, course.prerequisites))
        else:
            container += nodes.paragraph("", "None: this course starts from the beginning.")
        return [container, toctree(docname, [lesson.docname for lesson in lessons], hidden=True)]


class CourseListDirective(SphinxDirective):
    """``{course-list}`` on the Learn page: every course, generated from its front matter."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        docname = self.env.current_document.docname
        self.env.ose_course_list_docs.add(docname)  # type: ignore[attr-defined]
        curriculum = _curriculum(self.env)
        result: list[nodes.Node] = []
        for course in curriculum.courses:
            self.env.note_dependency(self.env.srcdir / course.path)
            lessons = curriculum.lessons_of(course)
            for lesson in lessons:
                self.env.note_dependency(self.env.srcdir / lesson.path)
            card = nodes.container(classes=["course-card"])
            card += nodes.rubric("", "", doc_link(course.docname, course.title))
            card += nodes.paragraph(course.summary, course.summary)
            card += field_list(
                [
                    ("Level", course.level.capitalize()),
                    ("For", course.audience),
                    (
                        "Length",
                        f"{len(lessons)} lesson{'' if len(lessons) == 1 else 's'}, "
                        f"{minutes(curriculum.total_minutes(course))}",
                    ),
                ]
            )
            result.append(card)
        if not curriculum.courses:
            result.append(nodes.paragraph("", "No course has been published yet."))
        result.append(toctree(docname, [c.docname for c in curriculum.courses], hidden=True))
        return result


class ExecutionReportDirective(SphinxDirective):
    """``{execution-report}``: every lesson's last execution, with its guard figures."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        docname = self.env.current_document.docname
        self.env.ose_report_docs.add(docname)  # type: ignore[attr-defined]
        for lesson in _curriculum(self.env).lessons.values():
            self.env.note_dependency(self.env.srcdir / lesson.path)
        return [execution_report()]


# --------------------------------------------------------------------------------------------
# the lesson page: header, launch links, pager (read time); badge and links (write time)


def _lesson(env: BuildEnvironment, docname: str) -> Lesson | None:
    return _curriculum(env).lessons.get(docname)


def lesson_header(app: Sphinx, doctree: nodes.document) -> None:
    """Add the generated header and the previous/next links to a lesson page."""
    env = app.env
    docname = env.current_document.docname
    lesson = _lesson(env, docname)
    if lesson is None:
        return
    curriculum = _curriculum(env)
    course = curriculum.course_of(lesson)
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    if course is not None:
        env.note_dependency(env.srcdir / course.path)
    before, after = curriculum.neighbours(lesson)
    for neighbour in (before, after):
        if neighbour is not None:
            env.note_dependency(env.srcdir / neighbour.path)

    header = nodes.container(classes=["lesson-meta"])
    fields: list[tuple[str, nodes.Node | str]] = []
    if course is not None:
        order = curriculum.lessons_of(course)
        number = next(i for i, item in enumerate(order, 1) if item.docname == docname)
        fields.append(
            (
                "Course",
                nodes.inline(
                    "",
                    "",
                    doc_link(course.docname, course.title),
                    nodes.Text(f", lesson {number} of {len(order)}"),
                ),
            )
        )
    fields.append(("Level", lesson.level.capitalize()))
    duration = lesson.duration
    fields.append(
        (
            "Duration",
            f"{minutes(duration.total)}: {duration.teaching} min teaching, "
            f"{duration.exercises} min exercises",
        )
    )
    prerequisites = prerequisite_nodes(curriculum, lesson.prerequisites)
    fields.append(("Prerequisites", _joined(prerequisites) if prerequisites else "none"))
    header += field_list(fields)
    header += nodes.rubric("Objectives", "Objectives")
    header += nodes.paragraph("", "After this lesson you will be able to:")
    header += bullet_list(lesson.objectives)
    header += verified_badge(docname=docname)
    header += lesson_launch(docname=docname)

    title_index = 1 if section.children and isinstance(section[0], nodes.title) else 0
    section.insert(title_index, header)

    pager = nodes.container(classes=["lesson-pager"])

    def step(label: str, docname: str, title: str, cls: str) -> nodes.paragraph:
        return nodes.paragraph("", "", nodes.Text(label), doc_link(docname, title), classes=[cls])

    if before is not None:
        pager += step("Previous: ", before.docname, before.title, "lesson-pager-previous")
    if after is not None:
        pager += step("Next: ", after.docname, after.title, "lesson-pager-next")
    elif course is not None:
        pager += step("Back to the course: ", course.docname, course.title, "lesson-pager-next")
    section += pager


def badge_nodes(verification: Verification) -> nodes.container:
    """The "verified with" badge of one lesson."""
    badge = nodes.container(classes=["verified-badge", f"verified-{verification.status}"])
    if verification.status == "missing":
        text = (
            "Not verified: this page was built without an execution record for the lesson "
            "(ose build executes every lesson and records the run)."
        )
        badge += nodes.paragraph(text, text)
        return badge
    label, verb = ("Verified:", "executed") if verification.status == "ok" else ("Failed:", "ran")
    seconds = f"{verification.seconds:.1f} s" if verification.seconds is not None else "n/a"
    badge += nodes.paragraph(
        "",
        "",
        nodes.strong(label, label),
        nodes.Text(
            f" {verb} {verification.executed_at} on {verification.device} "
            f"with {verification.versions_text}, in {seconds}."
        ),
    )
    if verification.device_note:
        badge += nodes.paragraph(
            verification.device_note, verification.device_note, classes=["verified-device-note"]
        )
    if verification.error:
        badge += nodes.paragraph("", "", nodes.literal(verification.error, verification.error))
    if verification.guards:
        items = [
            nodes.inline(
                "",
                "",
                nodes.literal(guard.model, guard.model),
                nodes.Text(f": {guard_figures(guard)}; {guard_verdict(guard)}"),
            )
            for guard in verification.guards
        ]
        badge += nodes.paragraph("", "Convergence guard (every sampled model):")
        badge += bullet_list(items)
    else:
        badge += nodes.paragraph("", "Convergence guard: no sampled model was recorded.")
    return badge


def _published_path(app: Sphinx, docname: str) -> str:
    prefix = app.config.curriculum_published_path.strip("/")
    return posixpath.join(prefix, f"{docname}.ipynb") if prefix else f"{docname}.ipynb"


def launch_nodes(app: Sphinx, docname: str) -> nodes.paragraph:
    """Download the executed notebook, or open the published one in Colab or Binder."""
    page = app.builder.get_target_uri(docname)
    href = posixpath.relpath(f"{docname}.ipynb", posixpath.dirname(page) or ".")
    name = posixpath.basename(docname) + ".ipynb"
    links = nodes.paragraph(classes=["lesson-launch"])
    download = nodes.raw(
        "",
        f'<a class="reference download" href="{quote(href)}" download="{name}">'
        f"Download the executed notebook ({name})</a>",
        format="html",
    )
    links += download
    repository = app.config.curriculum_repository
    if repository:
        values = {
            "repository": repository,
            "branch": app.config.curriculum_published_branch,
            "path": quote(_published_path(app, docname)),
        }
        for text, pattern in (("Open in Colab", COLAB), ("Launch on Binder", BINDER)):
            uri = pattern.format(**values)
            links += nodes.reference(text, text, refuri=uri, classes=["lesson-launch-link"])
    return links


def report_table(app: Sphinx, fromdoc: str) -> list[nodes.Node]:
    """The execution report: a summary line, then one table per course, lessons in order."""
    curriculum = _curriculum(app.env)
    records = _records(app.env)
    headers = ["Lesson", "Status", "Executed", "Seconds", "Device", "Versions", "Guard"]
    status_text = {"ok": "ok", "failed": "failed", "missing": "not executed"}
    result: list[nodes.Node] = []
    counts = {"lessons": 0, "ok": 0}
    total = 0.0
    for course in curriculum.courses:
        rows: list[list[nodes.Node | str]] = []
        for lesson in curriculum.lessons_of(course):
            facts = verify(lesson, records.get(lesson.path))
            counts["lessons"] += 1
            counts["ok"] += facts.status == "ok"
            total += facts.seconds or 0.0
            guards: nodes.Node | str = (
                bullet_list(
                    nodes.Text(f"{g.model}: {guard_figures(g)}; {guard_verdict(g)}")
                    for g in facts.guards
                )
                if facts.guards
                else ("no sampled model recorded" if facts.status == "ok" else "")
            )
            rows.append(
                [
                    nodes.paragraph(
                        "", "", resolved_link(app, fromdoc, lesson.docname, lesson.title)
                    ),
                    status_text[facts.status],
                    facts.executed_at,
                    f"{facts.seconds:.1f}" if facts.seconds is not None else "",
                    facts.device,
                    facts.versions_text,
                    guards,
                ]
            )
        if rows:
            title = nodes.paragraph(
                "",
                "",
                nodes.strong("", "", resolved_link(app, fromdoc, course.docname, course.title)),
            )
            result += [title, table(headers, rows, classes=["execution-report"])]
    if not counts["lessons"]:
        return [nodes.paragraph("", "No lesson has been published yet.")]
    lessons = counts["lessons"]
    summary = (
        f"{lessons} lesson{'' if lessons == 1 else 's'}, {counts['ok']} executed successfully, "
        f"{total:.0f} s of execution in all (summed over lessons, not wall-clock time)."
    )
    return [nodes.paragraph(summary, summary, classes=["execution-report-summary"]), *result]


def fill_placeholders(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Write-time content: badges, launch links, the report, the instructor switch."""
    env = app.env
    records = _records(env)
    for node in list(doctree.findall(verified_badge)):
        lesson = _lesson(env, node["docname"])
        record = records.get(lesson.path) if lesson else None
        node.replace_self(badge_nodes(verify(lesson, record)) if lesson else [])
    for node in list(doctree.findall(lesson_launch)):
        if app.builder.format == "html":
            node.replace_self(launch_nodes(app, node["docname"]))
        else:
            node.replace_self([])
    for node in list(doctree.findall(execution_report)):
        container = nodes.container(classes=["execution-report"])
        container.extend(report_table(app, docname))
        node.replace_self(container)
    add_instructor_switch(app, doctree)


SWITCH_HTML = (
    '<button type="button" class="ose-instructor-switch" aria-pressed="false" hidden>'
    'Instructor view: <span class="ose-instructor-switch-state">off</span></button>'
)


def add_instructor_switch(app: Sphinx, doctree: nodes.document) -> None:
    """Put the instructor-view switch at the top of every page that has instructor notes."""
    if app.builder.format != "html" or not any(doctree.findall(instructor_note)):
        return
    switch = nodes.raw("", SWITCH_HTML, format="html")
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, switch)
    else:
        doctree.insert(0, switch)


# --------------------------------------------------------------------------------------------
# the executed notebooks, next to their pages


def executed_notebook(app: Sphinx, lesson: Lesson) -> dict[str, Any] | None:
    """The lesson as executed: its text notebook merged with the jupyter-cache's outputs.

    Read from the cache rather than from myst-nb's ``jupyter_execute`` copy, whose stream
    outputs myst-nb duplicates when it merges them for display. Streams are merged here the same
    way on a fresh copy, so the download shows what the page shows.
    """
    from jupyter_cache import get_cache
    from myst_nb.core.utils import coalesce_streams

    from ose.execution.notebooks import read_notebook

    cache_path = app.config.nb_execution_cache_path
    if not cache_path or not Path(cache_path).is_dir():
        return None
    try:
        _, notebook = get_cache(cache_path).merge_match_into_notebook(
            read_notebook(app.srcdir / lesson.path)
        )
    except KeyError:
        return None
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    notebook.metadata.pop("source_map", None)
    return json.loads(json.dumps(notebook))


def publish_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Write each lesson's executed notebook next to its HTML page, as ``<stem>.ipynb``.

    The copy names a generic ``python3`` kernel, so that it opens in Colab, Binder or a learner's
    own Jupyter; the kernel the site ran it in is kept under ``metadata.ose``.
    """
    if exception is not None or app.builder.format != "html":
        return
    for docname, lesson in _curriculum(app.env).lessons.items():
        notebook = executed_notebook(app, lesson)
        if notebook is None:
            logger.warning(
                f"{lesson.path} has no executed notebook in the jupyter-cache "
                "(run ose build; its download link would be broken)",
                type="ose",
                subtype="curriculum",
            )
            continue
        metadata = notebook.setdefault("metadata", {})
        metadata["ose"] = {
            "source": lesson.path,
            "kernel": lesson.kernel,
            "accelerator": lesson.accelerator,
        }
        metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
        target = Path(app.outdir) / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".ipynb.tmp")
        tmp.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(target)


def _add_static_path(app: Sphinx) -> None:
    app.config.html_static_path = [*app.config.html_static_path, str(STATIC_DIR)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx_design")
    app.add_config_value("curriculum_repository", "", "html", str)
    app.add_config_value("curriculum_published_branch", "gh-pages", "html", str)
    app.add_config_value("curriculum_published_path", "", "html", str)
    app.add_node(
        instructor_note,
        html=(visit_instructor_note_html, depart_instructor_note_html),
        latex=(visit_instructor_note, depart_instructor_note),
        text=(visit_instructor_note, depart_instructor_note),
        man=(visit_instructor_note, depart_instructor_note),
        texinfo=(visit_instructor_note, depart_instructor_note),
    )
    for node in (verified_badge, lesson_launch, execution_report):
        app.add_node(node)
    app.add_directive("exercise", ExerciseDirective)
    app.add_directive("solution", SolutionDirective)
    app.add_directive("instructor-note", InstructorNoteDirective)
    app.add_directive("course-syllabus", CourseSyllabusDirective)
    app.add_directive("course-list", CourseListDirective)
    app.add_directive("execution-report", ExecutionReportDirective)
    app.connect("builder-inited", _add_static_path)
    app.connect("builder-inited", load_state)
    app.connect("env-get-outdated", courses_changed)
    app.connect("env-get-updated", records_changed)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("doctree-read", lesson_header)
    app.connect("doctree-resolved", fill_placeholders)
    app.connect("build-finished", publish_notebooks)
    app.add_css_file("curriculum.css")
    app.add_js_file("curriculum.js", loading_method="defer")
    # env_version: raise it when the doctrees this extension writes change shape
    return {"env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
