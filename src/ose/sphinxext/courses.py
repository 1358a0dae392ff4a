"""Course and lesson pages, generated from the curriculum's front matter.

The lesson header (course, level, duration, prerequisites, objectives), the previous/next links,
a course's syllabus (``{course-syllabus}``) and the list of every course (``{course-list}``).
The curriculum is read once per build (:mod:`ose.curriculum`); its problems become warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ose.curriculum.load import read_curriculum
from ose.curriculum.model import Course, Curriculum, Lesson
from ose.project import Project
from ose.sphinxext.base import metadata
from ose.sphinxext.nodes import (
    Cell,
    bullet_list,
    doc_link,
    field_list,
    first_section,
    insert_under_title,
    joined,
    table,
    toctree,
)
from ose.sphinxext.problems import ConcernDirective
from ose.sphinxext.state import ose_state

CONCERN = "curriculum"
#: Pages that list every course: read again when a course appears or goes away.
COURSE_LISTS = "course-lists"
#: The stamp of what other pages show of each lesson: its front matter.
LESSON_FACTS = "lesson-facts"


def project_of(app: Sphinx) -> Project:
    """The project; its build folder is the parent of the output folder, as myst-nb assumes."""
    return Project.at(app.srcdir, Path(app.outdir).parent)


def curriculum_of(env: BuildEnvironment) -> Curriculum:
    return cast(Curriculum, ose_state(env).facts(CONCERN) or Curriculum())


def lesson_of(env: BuildEnvironment, docname: str) -> Lesson | None:
    return curriculum_of(env).lessons.get(docname)


def _read(app: Sphinx) -> None:
    curriculum, problems = read_curriculum(project_of(app))
    ose_state(app.env).set_facts(CONCERN, curriculum, problems)


def lesson_fact(lesson: Lesson) -> str:
    """The key of a lesson's front matter among the facts a page shows."""
    return f"lesson:{lesson.path}"


def show_lessons(env: BuildEnvironment, lessons: Iterable[Lesson]) -> None:
    """The page being read shows these lessons' front matter (titles, minutes, objectives): it
    is read again when that changes, not at every edit of the lessons' text and code."""
    ose_state(env).note_shown(env.current_document.docname, *map(lesson_fact, lessons))


def _lessons_changed(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages showing a lesson whose front matter changed, appeared or went away."""
    lessons = curriculum_of(env).lessons.values()
    current = {lesson_fact(lesson): lesson.model_dump_json() for lesson in lessons}
    pages = ose_state(env).pages_showing_changed(LESSON_FACTS, current)
    return sorted(name for name in pages - removed if name in env.found_docs)


def _courses_changed(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages listing every course, when a course appeared or went away since they were read."""
    state = ose_state(env)
    courses = sorted(course.docname for course in curriculum_of(env).courses)
    before = state.stamp("courses")
    state.set_stamp("courses", courses)
    if before is None or before == courses:
        return []
    return sorted(set(state.pages(COURSE_LISTS)) - removed)


def minutes(total: int) -> str:
    """``95`` as ``1 h 35 min``."""
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def prerequisite_nodes(curriculum: Curriculum, items: Sequence[str]) -> list[nodes.Node]:
    """Each prerequisite: a link where it names a lesson or course, else its text."""
    result: list[nodes.Node] = []
    for item in items:
        found = curriculum.resolve(item)
        if len(found) == 1:
            result.append(doc_link(found[0].docname, found[0].title))
        else:
            result.append(nodes.Text(item))
    return result


# -- directives --------------------------------------------------------------------------------


class CourseSyllabusDirective(ConcernDirective):
    """``{course-syllabus}`` in a course's index: lessons, objectives, minutes, prerequisites."""

    concern = CONCERN
    has_content = False

    def run(self) -> list[nodes.Node]:
        docname = self.env.current_document.docname
        curriculum = curriculum_of(self.env)
        course = next((c for c in curriculum.courses if c.docname == docname), None)
        if course is None:
            self.warn(
                "course-syllabus is only allowed in a course's index.md "
                "(curriculum/courses/<course>/index.md with valid front matter)"
            )
            return []
        lessons = curriculum.lessons_of(course)
        show_lessons(self.env, lessons)
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
        container += nodes.rubric("Syllabus", "Syllabus")
        container += table(
            ["Lesson", "Objectives", "Teaching (min)", "Exercises (min)"],
            self._rows(lessons, total),
            classes=["course-syllabus"],
        )
        container += nodes.rubric("Prerequisites", "Prerequisites")
        if course.prerequisites:
            container += bullet_list(prerequisite_nodes(curriculum, course.prerequisites))
        else:
            container += nodes.paragraph("", "None: this course starts from the beginning.")
        return [container, toctree(docname, [lesson.docname for lesson in lessons], hidden=True)]

    @staticmethod
    def _rows(lessons: list[Lesson], total: int) -> list[list[Cell]]:
        rows: list[list[Cell]] = [
            [
                nodes.paragraph("", f"{number}. ", doc_link(lesson.docname, lesson.title)),
                bullet_list(lesson.objectives),
                str(lesson.duration.teaching),
                str(lesson.duration.exercises),
            ]
            for number, lesson in enumerate(lessons, start=1)
        ]
        rows.append(
            [
                nodes.paragraph("", "", nodes.strong("Total", "Total")),
                nodes.paragraph("", "", nodes.strong(minutes(total), minutes(total))),
                str(sum(lesson.duration.teaching for lesson in lessons)),
                str(sum(lesson.duration.exercises for lesson in lessons)),
            ]
        )
        return rows


class CourseListDirective(ConcernDirective):
    """``{course-list}`` on the Learn page: every course, generated from its front matter."""

    concern = CONCERN
    has_content = False

    def run(self) -> list[nodes.Node]:
        docname = self.env.current_document.docname
        ose_state(self.env).note_page(COURSE_LISTS, docname)
        curriculum = curriculum_of(self.env)
        result: list[nodes.Node] = [self._card(curriculum, course) for course in curriculum.courses]
        if not curriculum.courses:
            result.append(nodes.paragraph("", "No course has been published yet."))
        result.append(toctree(docname, [c.docname for c in curriculum.courses], hidden=True))
        return result

    def _card(self, curriculum: Curriculum, course: Course) -> nodes.container:
        self.env.note_dependency(self.env.srcdir / course.path)
        lessons = curriculum.lessons_of(course)
        show_lessons(self.env, lessons)
        card = nodes.container(classes=["course-card"])
        card += nodes.rubric("", "", doc_link(course.docname, course.title))
        card += nodes.paragraph(course.summary, course.summary)
        length = (
            f"{len(lessons)} lesson{'' if len(lessons) == 1 else 's'}, "
            f"{minutes(curriculum.total_minutes(course))}"
        )
        card += field_list(
            [("Level", course.level.capitalize()), ("For", course.audience), ("Length", length)]
        )
        return card


# -- the lesson page ---------------------------------------------------------------------------


def lesson_fields(curriculum: Curriculum, lesson: Lesson) -> list[tuple[str, Cell]]:
    """Course (with the lesson's place in it), level, duration and prerequisites."""
    fields: list[tuple[str, Cell]] = []
    course = curriculum.course_of(lesson)
    if course is not None:
        order = curriculum.lessons_of(course)
        number = next(i for i, item in enumerate(order, 1) if item.docname == lesson.docname)
        place = nodes.Text(f", lesson {number} of {len(order)}")
        fields.append(
            ("Course", nodes.inline("", "", doc_link(course.docname, course.title), place))
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
    fields.append(
        (
            "Prerequisites",
            nodes.inline("", "", *joined(prerequisites, "; ")) if prerequisites else "none",
        )
    )
    return fields


def pager(curriculum: Curriculum, lesson: Lesson) -> nodes.container:
    """Links to the previous and next lessons of the course (back to the course at its end)."""
    before, after = curriculum.neighbours(lesson)
    course = curriculum.course_of(lesson)
    result = nodes.container(classes=["lesson-pager"])

    def step(label: str, target: Lesson | Course, cls: str) -> nodes.paragraph:
        link = doc_link(target.docname, target.title)
        return nodes.paragraph("", "", nodes.Text(label), link, classes=[cls])

    if before is not None:
        result += step("Previous: ", before, "lesson-pager-previous")
    if after is not None:
        result += step("Next: ", after, "lesson-pager-next")
    elif course is not None:
        result += step("Back to the course: ", course, "lesson-pager-next")
    return result


def lesson_header(app: Sphinx, doctree: nodes.document) -> None:
    """Add the generated header under a lesson's title, and the pager at its end."""
    env = app.env
    lesson = lesson_of(env, env.current_document.docname)
    section = first_section(doctree)
    if lesson is None or section is None:
        return
    curriculum = curriculum_of(env)
    course = curriculum.course_of(lesson)
    if course is not None:
        env.note_dependency(env.srcdir / course.path)
    show_lessons(env, [related for related in curriculum.neighbours(lesson) if related is not None])
    header = nodes.container(classes=["lesson-meta"])
    header += field_list(lesson_fields(curriculum, lesson))
    header += nodes.rubric("Objectives", "Objectives")
    header += nodes.paragraph("", "After this lesson you will be able to:")
    header += bullet_list(lesson.objectives)
    insert_under_title(doctree, header)
    section += pager(curriculum, lesson)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.add_directive("course-syllabus", CourseSyllabusDirective)
    app.add_directive("course-list", CourseListDirective)
    app.connect("builder-inited", _read)
    app.connect("env-get-outdated", _courses_changed)
    app.connect("env-get-outdated", _lessons_changed)
    app.connect("doctree-read", lesson_header)
    app.add_css_file("curriculum.css")
    return metadata()
