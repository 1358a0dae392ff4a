"""Workshop pages: the list, each workshop's summary, schedule, setup and downloads, its
instructor guide and its exercise handout, all rendered from :mod:`ose.workshops`.

The workshops are read once per build (``builder-inited``) with the exercises and instructor
notes of their lessons; a page that shows a lesson's minutes or blocks is read again when they
change (not at every edit of the lesson). The downloads table is a placeholder filled when the page
is written, from the bundles' manifest: ``ose build`` makes the bundles from the pages Sphinx
wrote, then builds once more with the same application, which writes the pages that list them
(:func:`ose.sphinx_run.run_sphinx`); the manifest is read again before that second build.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any, cast
from urllib.parse import quote

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ose.core.problems import ProblemsFound
from ose.sphinxext.base import metadata
from ose.sphinxext.courses import (
    curriculum_of,
    minutes,
    prerequisite_nodes,
    project_of,
    show_lessons,
)
from ose.sphinxext.nodes import (
    Cell,
    bullet_list,
    doc_link,
    entry,
    field_list,
    row,
    table,
    toctree,
)
from ose.sphinxext.problems import ConcernDirective
from ose.sphinxext.state import ose_state
from ose.workshops.load import WORKSHOPS_DIR, read_workshops
from ose.workshops.manifest import BundleFile, read_manifest
from ose.workshops.model import Block, PlannedDay, WorkshopPlan, Workshops, clock

CONCERN = "workshops"
BUNDLES = "workshop-bundles"
#: Pages that list every workshop, and pages that show a workshop's downloads.
WORKSHOP_LISTS = "workshop-lists"
DOWNLOADS = "workshop-downloads"
#: The stamp of what workshop pages show of each lesson's text: its exercises and notes.
BLOCK_FACTS = "lesson-blocks"

FORMAT_LABEL = {"in person": "In person", "online": "Online", "hybrid": "Hybrid"}
KIND_LABEL = {
    "learner": "Learner bundle (notebooks with exercises, data, pinned environment, setup check)",
    "instructor": "Instructor bundle (adds solutions, notes, the guide and an offline copy)",
}


class workshop_downloads(nodes.General, nodes.Element):
    """Placeholder for a workshop's bundles, filled when the page is written."""


def workshops_of(env: BuildEnvironment) -> Workshops:
    return cast(Workshops, ose_state(env).facts(CONCERN) or Workshops())


def _read(app: Sphinx) -> None:
    project = project_of(app)
    workshops, problems = read_workshops(project)
    ose_state(app.env).set_facts(CONCERN, workshops, problems)


def _read_manifest(app: Sphinx, *_: Any) -> None:
    """At every build of the application: the second one comes after the bundles were made."""
    try:
        bundles = read_manifest(project_of(app))
        found = []
    except ProblemsFound as error:
        bundles, found = {}, error.problems
    ose_state(app.env).set_facts(BUNDLES, bundles, found)


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages listing every workshop, when a workshop appeared, went away or was retitled."""
    state = ose_state(env)
    current = [(plan.docname, plan.workshop.model_dump_json()) for plan in workshops_of(env).plans]
    before = state.stamp("workshops")
    state.set_stamp("workshops", current)
    if before is None or before == current:
        return []
    return sorted(set(state.pages(WORKSHOP_LISTS)) - removed)


def _bundles_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages showing downloads, to be written again when the manifest changed."""
    state = ose_state(env)
    bundles = cast(dict[str, list[BundleFile]], state.facts(BUNDLES) or {})
    current = {slug: [b.model_dump_json() for b in files] for slug, files in bundles.items()}
    before = state.stamp("bundles")
    state.set_stamp("bundles", current)
    if before == current:
        return []
    return sorted(name for name in state.pages(DOWNLOADS) if name in env.found_docs)


# -- shared pieces -----------------------------------------------------------------------------


def length(plan: WorkshopPlan) -> str:
    days = len(plan.days)
    teaching, exercises = plan.total("teaching"), plan.total("exercises")
    return (
        f"{days} day{'' if days == 1 else 's'}: {minutes(teaching)} of teaching and "
        f"{minutes(exercises)} of exercises"
    )


def day_heading(plan: WorkshopPlan, day: PlannedDay) -> str:
    text = f"Day {day.number}"
    if day.title:
        text += f": {day.title}"
    if day.date is not None:
        text += f" ({day.date:%A} {day.date.day} {day.date:%B %Y})"
    return text


def session_cell(session: Any) -> Cell:
    if session.docname is None:
        return nodes.paragraph("", session.title, classes=[f"workshop-{session.kind}"])
    return nodes.paragraph(
        "",
        "",
        doc_link(session.docname, session.title),
        nodes.inline("", f" ({session.course})", classes=["workshop-course"]),
    )


def schedule_table(plan: WorkshopPlan, day: PlannedDay) -> nodes.table:
    """One day: each session's clock times and minutes, and the day's totals."""
    rows: list[nodes.row] = []
    for session in day.sessions:
        lesson = session.kind == "lesson"
        rows.append(
            row(
                [
                    f"{clock(session.start)}-{clock(session.end)}",
                    session_cell(session),
                    str(session.minutes),
                    str(session.teaching) if lesson else "",
                    str(session.exercises) if lesson else "",
                ],
                classes=[f"workshop-row-{session.kind}"],
            )
        )
    strong = [
        f"{clock(day.start)}-{clock(day.sessions[-1].end if day.sessions else day.end)}",
        f"Day {day.number} total (the day ends by {clock(day.end)}; breaks "
        f"{day.total('break')} min, activities {day.total('activity')} min)",
        str(day.minutes),
        str(day.total("teaching")),
        str(day.total("exercises")),
    ]
    rows.append(
        row(
            [entry(nodes.paragraph("", "", nodes.strong(text, text))) for text in strong],
            classes=["workshop-row-total"],
        )
    )
    return table(
        ["Time", "Session", "Minutes", "Teaching (min)", "Exercises (min)"],
        rows,
        caption=day_heading(plan, day),
        classes=["workshop-schedule"],
    )


def _blocks_fact(docname: str) -> str:
    """The key of a lesson's exercises and notes among the facts a page shows."""
    return f"blocks:{docname}"


def depend_on_lessons(env: BuildEnvironment, plan: WorkshopPlan) -> None:
    """The page shows the lessons' minutes or blocks: read it again when those change."""
    curriculum = curriculum_of(env)
    show_lessons(env, [curriculum.lessons[d] for d in plan.lessons if d in curriculum.lessons])
    docname = env.current_document.docname
    ose_state(env).note_shown(docname, *map(_blocks_fact, plan.lessons))


def _blocks_changed(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages showing a lesson whose exercises or notes changed."""
    current = {
        _blocks_fact(docname): json.dumps([block.model_dump(mode="json") for block in blocks])
        for docname, blocks in workshops_of(env).blocks.items()
    }
    pages = ose_state(env).pages_showing_changed(BLOCK_FACTS, current)
    return sorted(name for name in pages - removed if name in env.found_docs)


class WorkshopDirective(ConcernDirective):
    """A directive on one of a workshop's pages: it finds its workshop by the page's folder."""

    concern = CONCERN
    has_content = False

    def workshop(self) -> WorkshopPlan | None:
        docname = self.env.current_document.docname
        folder = docname.rsplit("/", 1)[0]
        plan = next((p for p in workshops_of(self.env).plans if p.folder == folder), None)
        if plan is None:
            self.warn(
                f"{self.name} is only allowed on a workshop's pages ({WORKSHOPS_DIR}/<slug>/ "
                "with a valid workshop.md)"
            )
            return None
        self.env.note_dependency(self.env.srcdir / plan.path)
        return plan

    def run(self) -> list[nodes.Node]:
        plan = self.workshop()
        return [] if plan is None else self.render(plan)

    def render(self, plan: WorkshopPlan) -> list[nodes.Node]:
        """The directive's nodes for the workshop of this page."""
        raise NotImplementedError

    def depend_on_lessons(self, plan: WorkshopPlan) -> None:
        depend_on_lessons(self.env, plan)

    def block_nodes(self, block: Block, label: str, classes: list[str]) -> nodes.admonition:
        """A lesson's exercise or note, parsed from its MyST text on this page."""
        title = f"{label}: {block.title}" if block.title else label
        node = nodes.admonition("", classes=classes)
        title_nodes, messages = self.parse_inline(title, lineno=self.lineno)
        node += nodes.title(title, "", *title_nodes)
        node += messages
        node.extend(self.parse_text_to_nodes(block.content, allow_section_headings=False))
        return node


class WorkshopListDirective(ConcernDirective):
    """``{workshop-list}``: every workshop as a card, and the hidden toctree of their pages."""

    concern = CONCERN
    has_content = False

    def run(self) -> list[nodes.Node]:
        docname = self.env.current_document.docname
        ose_state(self.env).note_page(WORKSHOP_LISTS, docname)
        plans = workshops_of(self.env).plans
        result: list[nodes.Node] = []
        for plan in plans:
            self.env.note_dependency(self.env.srcdir / plan.path)
            depend_on_lessons(self.env, plan)  # each card shows the workshop's minutes
            card = nodes.container(classes=["course-card", "workshop-card"])
            card += nodes.rubric("", "", doc_link(plan.docname, plan.workshop.title))
            card += nodes.paragraph(plan.workshop.summary, plan.workshop.summary)
            card += field_list(
                [
                    ("Format", FORMAT_LABEL[plan.workshop.format]),
                    ("Level", plan.workshop.level.capitalize()),
                    ("For", plan.workshop.audience),
                    ("Length", length(plan)),
                ]
            )
            result.append(card)
        if not plans:
            result.append(nodes.paragraph("", "No workshop has been published yet."))
        result.append(toctree(docname, [plan.docname for plan in plans], hidden=True))
        return result


class WorkshopSummaryDirective(WorkshopDirective):
    """``{workshop-summary}``: audience, format, level, length, dates, prerequisites, outcomes."""

    def render(self, plan: WorkshopPlan) -> list[nodes.Node]:
        self.depend_on_lessons(plan)  # the length sums the lessons' minutes
        workshop = plan.workshop
        curriculum = curriculum_of(self.env)
        dates = workshop.dates
        when: Cell = (
            f"from {dates.start.day} {dates.start:%B %Y}, times in {dates.time_zone}"
            if dates is not None
            else "not set yet (the schedule's times are a proposal)"
        )
        container = nodes.container(classes=["workshop-summary"])
        container += nodes.paragraph(workshop.summary, workshop.summary)
        container += field_list(
            [
                ("For", workshop.audience),
                ("Format", FORMAT_LABEL[workshop.format]),
                ("Level", workshop.level.capitalize()),
                ("Length", length(plan)),
                ("Dates", when),
            ]
        )
        container += nodes.rubric("Learning outcomes", "Learning outcomes")
        container += nodes.paragraph("", "After the workshop participants will be able to:")
        container += bullet_list(workshop.outcomes)
        container += nodes.rubric("Prerequisites", "Prerequisites")
        if workshop.prerequisites:
            container += bullet_list(prerequisite_nodes(curriculum, workshop.prerequisites))
        else:
            container += nodes.paragraph("", "None.")
        return [container]


class WorkshopScheduleDirective(WorkshopDirective):
    """``{workshop-schedule}``: a table per day, and the workshop's totals."""

    def render(self, plan: WorkshopPlan) -> list[nodes.Node]:
        self.depend_on_lessons(plan)
        container = nodes.container(classes=["workshop-schedule"])
        for day in plan.days:
            container += schedule_table(plan, day)
        totals = (
            f"In all: {minutes(plan.total('teaching'))} of teaching, "
            f"{minutes(plan.total('exercises'))} of exercises, "
            f"{minutes(plan.total('activity'))} of other activities and "
            f"{minutes(plan.total('break'))} of breaks."
        )
        container += nodes.paragraph(totals, totals, classes=["workshop-totals"])
        return [container]


class WorkshopSetupDirective(WorkshopDirective):
    """``{workshop-setup}``: the setup checklist, one step a participant can tick per item."""

    def render(self, plan: WorkshopPlan) -> list[nodes.Node]:
        return [self.checklist(plan)]

    def checklist(self, plan: WorkshopPlan) -> nodes.bullet_list:
        items = []
        for step in plan.workshop.setup:
            parsed, messages = self.parse_inline(step, lineno=self.lineno)
            items.append([*parsed, *messages])
        result = bullet_list(items)
        result["classes"].append("workshop-checklist")
        return result


class WorkshopDownloadsDirective(WorkshopDirective):
    """``{workshop-downloads}``: the workshop's bundles (filled in when the page is written)."""

    def render(self, plan: WorkshopPlan) -> list[nodes.Node]:
        ose_state(self.env).note_page(DOWNLOADS, self.env.current_document.docname)
        return [workshop_downloads("", workshop=plan.slug)]


class WorkshopGuideDirective(WorkshopSetupDirective):
    """``{workshop-guide}``: timing, setup checklist, every instructor note and every exercise
    of the workshop's lessons, in the order they are taught."""

    def render(self, plan: WorkshopPlan) -> list[nodes.Node]:
        self.depend_on_lessons(plan)
        workshops = workshops_of(self.env)
        curriculum = curriculum_of(self.env)
        result: list[nodes.Node] = [nodes.rubric("Timing", "Timing")]
        result += [schedule_table(plan, day) for day in plan.days]
        result += [nodes.rubric("Setup checklist", "Setup checklist"), self.checklist(plan)]
        result.append(nodes.rubric("Instructor notes", "Instructor notes"))
        exercises: list[Cell] = []
        for docname in plan.lessons:
            lesson = curriculum.lessons[docname]
            notes = workshops.blocks_of(docname, "instructor-note")
            section = nodes.container(classes=["workshop-guide-lesson"])
            section += nodes.paragraph(
                "", "", nodes.strong("", "", doc_link(docname, lesson.title))
            )
            if notes:
                for note in notes:
                    section += self.block_nodes(
                        note, "Instructor note", ["admonition", "workshop-instructor-note"]
                    )
            else:
                section += nodes.paragraph("", "This lesson has no instructor note.")
            result.append(section)
            titles = [
                block.title or "Exercise" for block in workshops.blocks_of(docname, "exercise")
            ]
            exercises.append(
                nodes.paragraph(
                    "",
                    "",
                    doc_link(docname, lesson.title),
                    nodes.Text(f": {'; '.join(titles)}" if titles else ": no exercise"),
                )
            )
        result.append(nodes.rubric("Exercises", "Exercises"))
        handout = f"{plan.folder}/handout"
        result.append(
            nodes.paragraph(
                "",
                "",
                nodes.Text("Every exercise of each lesson, in teaching order; the "),
                doc_link(handout, "exercise handout"),
                nodes.Text(" gives their text without solutions."),
            )
        )
        result.append(bullet_list(exercises))
        return result


class WorkshopHandoutDirective(WorkshopDirective):
    """``{workshop-handout}``: every exercise of the workshop's lessons, without solutions."""

    def render(self, plan: WorkshopPlan) -> list[nodes.Node]:
        self.depend_on_lessons(plan)
        workshops = workshops_of(self.env)
        curriculum = curriculum_of(self.env)
        result: list[nodes.Node] = []
        for docname in plan.lessons:
            lesson = curriculum.lessons[docname]
            exercises = workshops.blocks_of(docname, "exercise")
            if not exercises:
                continue
            result.append(nodes.rubric("", "", doc_link(docname, lesson.title)))
            result += [
                self.block_nodes(block, "Exercise", ["exercise", "workshop-exercise"])
                for block in exercises
            ]
        if not result:
            result.append(nodes.paragraph("", "The workshop's lessons have no exercise."))
        return result


# -- write time: the downloads -----------------------------------------------------------------


def downloads_nodes(app: Sphinx, docname: str, slug: str) -> list[nodes.Node]:
    bundles = cast(dict[str, list[BundleFile]], ose_state(app.env).facts(BUNDLES) or {})
    files = bundles.get(slug, [])
    if not files:
        text = "The bundles are built by "
        return [
            nodes.paragraph(
                "",
                text,
                nodes.literal("ose build", "ose build"),
                nodes.Text("; this build has not made them yet."),
                classes=["workshop-downloads-missing", "no-search"],
            )
        ]
    page = app.builder.get_target_uri(docname)
    rows = []
    for bundle in files:
        href = posixpath.relpath(bundle.file, posixpath.dirname(page) or ".")
        name = posixpath.basename(bundle.file)
        link = nodes.reference(name, name, refuri=quote(href), classes=["download"])
        rows.append(
            [
                KIND_LABEL[bundle.kind],
                f"{bundle.megabytes:.1f} MB",
                nodes.paragraph("", "", nodes.literal(bundle.sha256, bundle.sha256)),
                nodes.paragraph("", "", link),
            ]
        )
    # 'no-search': the hashes change with every bundle; in the search index, which the
    # instructor bundle carries, they would make each bundle depend on the previous one's hash
    return [
        table(
            ["Bundle", "Size", "SHA-256", "Download"],
            rows,
            classes=["workshop-downloads", "no-search"],
        )
    ]


def fill_downloads(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(workshop_downloads)):
        node.replace_self(downloads_nodes(app, docname, node["workshop"]))


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.setup_extension("ose.sphinxext.courses")
    app.add_node(workshop_downloads)
    app.add_directive("workshop-list", WorkshopListDirective)
    app.add_directive("workshop-summary", WorkshopSummaryDirective)
    app.add_directive("workshop-schedule", WorkshopScheduleDirective)
    app.add_directive("workshop-setup", WorkshopSetupDirective)
    app.add_directive("workshop-downloads", WorkshopDownloadsDirective)
    app.add_directive("workshop-guide", WorkshopGuideDirective)
    app.add_directive("workshop-handout", WorkshopHandoutDirective)
    app.connect("builder-inited", _read)
    app.connect("env-before-read-docs", _read_manifest, priority=400)  # warned at 500
    app.connect("env-get-outdated", _outdated)
    app.connect("env-get-outdated", _blocks_changed)
    app.connect("env-get-updated", _bundles_changed)
    app.connect("doctree-resolved", fill_downloads)
    app.add_css_file("workshops.css")
    return metadata()
