"""Read ``curriculum/workshops/<slug>/workshop.md`` into plans, and report every rule broken.

One file's rules (types, clock times, a break's length) live on the records in ``model``; the
rules that need the curriculum or the whole day live here: lessons that exist, prerequisites
taught first or assumed, sessions that do not overlap, days that end when they say.
"""

from __future__ import annotations

import re
from pathlib import Path

from ose.core.frontmatter import FrontMatter, required_front_matter, title_problems
from ose.core.problems import Problem
from ose.core.schema import missing, required_keys, unknown_name, validated
from ose.core.yamldata import Loc, dotted
from ose.curriculum.load import (
    COURSES_DIR,
    prerequisite_problems,
    read_curriculum,
)
from ose.curriculum.model import Curriculum, Lesson
from ose.project import Project
from ose.workshops.blocks import lesson_blocks
from ose.workshops.model import (
    SLUG,
    WORKSHOP_KEYS,
    Block,
    PlannedDay,
    PlannedSession,
    Session,
    Workshop,
    WorkshopPlan,
    Workshops,
    clock,
    clock_minutes,
    day_date,
)

#: Where workshops live, relative to the project root.
WORKSHOPS_DIR = "curriculum/workshops"
#: The file that describes a workshop, and is its page.
WORKSHOP_FILE = "workshop.md"


def _lesson_files(root: Path) -> set[str]:
    """``course/stem`` of every lesson file and the id of every course folder, readable or
    not: a reference to one whose own front matter is broken is reported there, not here."""
    folder = root / COURSES_DIR
    if not folder.is_dir():
        return set()
    files = {course.name for course in folder.iterdir() if course.is_dir()}
    files |= {f"{path.parent.name}/{path.stem}" for path in folder.glob("*/*.md")}
    return files


def _assumed(curriculum: Curriculum, workshop: Workshop, files: set[str]) -> set[str] | None:
    """Docnames of the lessons that the workshop's prerequisites name, directly or by course;
    ``None`` when one names a lesson or course whose file is there but broken (what it covers is
    unknown, and the curriculum's check reports the file)."""
    assumed: set[str] = set()
    for item in workshop.prerequisites:
        targets = curriculum.resolve(item)
        if not targets and any(f == item or f.endswith(f"/{item}") for f in files):
            return None
        for target in targets:
            if isinstance(target, Lesson):
                assumed.add(target.docname)
            else:
                assumed |= {lesson.docname for lesson in curriculum.lessons_of(target)}
    return assumed


class _Planner:
    """Resolves one workshop's schedule and collects the problems found on the way."""

    def __init__(
        self, curriculum: Curriculum, front: FrontMatter, files: set[str], root: Path
    ) -> None:
        self.curriculum = curriculum
        self.front = front
        self.files = files
        self.root = root
        self.problems: list[Problem] = []
        #: a lesson reference did not resolve: it may be the prerequisite another one needs
        self.unresolved = False

    def problem(self, loc: Loc, message: str) -> None:
        self.problems.append(self.front.lines.problem(loc, message))

    def lesson(self, loc: Loc, reference: str) -> Lesson | None:
        """The lesson ``course/stem`` names, or ``None`` (and a problem unless its file is
        there but broken, which the curriculum's check reports)."""
        course_id, stem = reference.split("/", 1)
        where = dotted(loc)
        found = [
            lesson
            for lesson in self.curriculum.lessons.values()
            if lesson.course == course_id and lesson.stem == stem
        ]
        if found:
            return found[0]
        if reference in self.files:
            return None
        course = self.curriculum.course(course_id)
        if course is None and course_id not in self.files:
            self.problem(
                loc,
                unknown_name(
                    f"{where}'s course",
                    course_id,
                    "a course",
                    [c.id for c in self.curriculum.courses],
                    COURSES_DIR,
                ),
            )
        elif course is not None:
            known = [f"{course_id}/{lesson.stem}" for lesson in self.curriculum.lessons_of(course)]
            self.problem(
                loc,
                unknown_name(where, reference, "a lesson", known, f"{COURSES_DIR}/{course_id}"),
            )
        return None

    def plan(self, slug: str, path: str, workshop: Workshop) -> WorkshopPlan:
        days: list[PlannedDay] = []
        #: docname -> (position, the loc of its lesson key, clock) of every scheduled lesson
        scheduled: dict[str, tuple[tuple[int, int], Loc, str]] = {}
        lessons_in_order: list[tuple[tuple[int, int], Loc, Lesson]] = []
        for day_index, day in enumerate(workshop.schedule):
            sessions: list[PlannedSession] = []
            previous: PlannedSession | None = None
            overran = False
            for index, session in enumerate(day.sessions):
                loc: Loc = ("schedule", day_index, "sessions", index)
                planned = self._session(loc, session, scheduled, (day_index, index))
                if planned is None:  # an unknown lesson: its end is unknown too
                    previous = None
                    continue
                if planned.kind == "lesson" and planned.docname is not None:
                    lesson = self.curriculum.lessons[planned.docname]
                    lessons_in_order.append(((day_index, index), (*loc, "lesson"), lesson))
                if previous is not None and planned.start < previous.end:
                    self.problem(
                        loc,
                        f"{dotted(loc)} starts at {session.start}, before the previous session "
                        f"({previous.title}, {clock(previous.start)} + {previous.minutes} min) "
                        f"ends at {clock(previous.end)} (start it at {clock(previous.end)} "
                        "or later)",
                    )
                end = clock_minutes(day.end)
                if not overran and planned.end > end:
                    overran = True
                    self.problem(
                        loc,
                        f"{dotted(loc)} ({planned.title}, {planned.minutes} min) ends at "
                        f"{clock(planned.end)}, after the day's end at {day.end} (end the day "
                        "later, or move or drop a session)",
                    )
                sessions.append(planned)
                previous = planned
            days.append(
                PlannedDay(
                    number=day_index + 1,
                    title=day.title,
                    date=day_date(workshop.dates, day_index),
                    end=clock_minutes(day.end),
                    sessions=sessions,
                )
            )
        self._order(workshop, scheduled, lessons_in_order)
        return WorkshopPlan(slug=slug, path=path, workshop=workshop, days=days)

    def _session(
        self,
        loc: Loc,
        session: Session,
        scheduled: dict[str, tuple[tuple[int, int], Loc, str]],
        position: tuple[int, int],
    ) -> PlannedSession | None:
        start = session.start_minutes
        if session.lesson is None:
            title = session.break_ or session.activity or ""
            return PlannedSession(
                kind=session.kind, title=title, start=start, minutes=session.minutes or 0
            )
        lesson_loc = (*loc, "lesson")
        lesson = self.lesson(lesson_loc, session.lesson)
        if lesson is None:
            self.unresolved = True
            return None
        if lesson.docname in scheduled:
            first = scheduled[lesson.docname][2]
            self.problem(
                lesson_loc,
                f"{dotted(lesson_loc)} {session.lesson!r} is already scheduled ({first}) "
                "(each lesson once)",
            )
        else:
            scheduled[lesson.docname] = (
                position,
                lesson_loc,
                f"day {position[0] + 1}, {session.start}",
            )
        duration = lesson.duration
        return PlannedSession(
            kind="lesson",
            title=lesson.title,
            start=start,
            minutes=duration.total,
            teaching=duration.teaching,
            exercises=duration.exercises,
            docname=lesson.docname,
            course=lesson.course,
            reference=session.lesson,
        )

    def _order(
        self,
        workshop: Workshop,
        scheduled: dict[str, tuple[tuple[int, int], Loc, str]],
        lessons: list[tuple[tuple[int, int], Loc, Lesson]],
    ) -> None:
        """Each lesson's prerequisite lessons come earlier in the workshop, or are assumed."""
        assumed = _assumed(self.curriculum, workshop, self.files)
        for position, loc, lesson in lessons:
            reference = f"{lesson.course}/{lesson.stem}"
            for item in lesson.prerequisites:
                found = self.curriculum.resolve(item)
                if len(found) != 1 or not isinstance(found[0], Lesson):
                    continue  # free text, a course, or a fault the curriculum reports
                needed = found[0]
                name = f"{needed.course}/{needed.stem}"
                if needed.docname in scheduled:
                    when, _loc, at = scheduled[needed.docname]
                    if when > position:
                        self.problem(
                            loc,
                            f"{dotted(loc)} {reference!r} is scheduled before its prerequisite "
                            f"{name!r} ({at}) (schedule {name!r} first)",
                        )
                elif assumed is not None and needed.docname not in assumed and not self.unresolved:
                    self.problem(
                        loc,
                        f"{dotted(loc)} {reference!r} needs {name!r}, which this workshop "
                        "neither schedules before it nor lists in its prerequisites "
                        "(add it to either)",
                    )


_TYPO = re.compile(
    r"^(?P<where>.*?)(?P<key>[^.\]]+) is not a known key \(did you mean '(?P<meant>[^']+)'\?\)$"
)


def _without_cascade(problems: list[Problem]) -> list[Problem]:
    """A misspelt key is one fault: drop the "missing" line of the key it was meant to be."""
    meant = set()
    for problem in problems:
        if match := _TYPO.match(problem.message):
            meant.add(missing(f"{match.group('where')}{match.group('meant')}"))
    return [problem for problem in problems if problem.message not in meant]


def _slug_problems(folders: list[Path], root: Path) -> list[Problem]:
    """A slug is kebab-case and unique: it names the workshop's URL and its downloads, and two
    folders that differ only in case are one folder on macOS and Windows."""
    problems = []
    seen: dict[str, Path] = {}
    # a kebab-case folder is the workshop; its look-alikes are the ones reported
    for folder in sorted(folders, key=lambda f: (not SLUG.match(f.name), f.name)):
        at = folder / WORKSHOP_FILE
        key = folder.name.lower().replace("_", "-")
        if key in seen:
            first = Problem.at(seen[key], 0, "", root).path
            problems.append(
                Problem.at(
                    at,
                    1,
                    f"workshop slug {folder.name!r} is the slug of {first}/ written differently "
                    "(each workshop once, in its own folder)",
                    root,
                )
            )
        elif not SLUG.match(folder.name):
            problems.append(
                Problem.at(
                    at,
                    1,
                    f"workshop slug {folder.name!r} is not kebab-case (allowed: lowercase "
                    "letters, digits and hyphens, e.g. bayes-university; rename the folder)",
                    root,
                )
            )
        seen.setdefault(key, folder)
    return problems


def read_workshops(project: Project) -> tuple[Workshops, list[Problem]]:
    """Every workshop that could be planned, and every problem found; empty without the
    folder. The curriculum's own problems are not repeated here."""
    root = project.root
    folder = root / WORKSHOPS_DIR
    if not folder.is_dir():
        return Workshops(), []
    curriculum, _ = read_curriculum(project)
    files = _lesson_files(root)
    folders = sorted(
        p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )
    problems = _slug_problems(folders, root)
    plans: list[WorkshopPlan] = []
    for workshop_dir in folders:
        path = workshop_dir / WORKSHOP_FILE
        if not path.is_file():
            problems.append(
                Problem.at(
                    workshop_dir,
                    0,
                    f"workshop folder has no {WORKSHOP_FILE} (a workshop is described there)",
                    root,
                )
            )
            continue
        front = required_front_matter(path, root, "the workshop", required_keys(Workshop), problems)
        if front is None:
            continue
        problems.extend(title_problems(front, "the workshop page", root))
        workshop, found = validated(Workshop, front.data, front.lines)
        problems.extend(_without_cascade(found))
        if workshop is None:
            continue
        problems.extend(
            prerequisite_problems(
                curriculum, workshop_dir.name, front, workshop.prerequisites, files, root
            )
        )
        planner = _Planner(curriculum, front, files, root)
        relative = Problem.at(path, 0, "", root).path
        plans.append(planner.plan(workshop_dir.name, relative, workshop))
        problems.extend(planner.problems)
    blocks: dict[str, list[Block]] = {}
    for plan in plans:
        for docname in plan.lessons:
            if docname not in blocks:
                blocks[docname] = lesson_blocks(root / curriculum.lessons[docname].path, root)
    return Workshops(plans=plans, blocks=blocks), sorted(set(problems))


def check_workshops(project: Project) -> list[Problem]:
    """The ``ose check`` rule set of workshops (nothing to do without curriculum/workshops)."""
    return read_workshops(project)[1]


__all__ = ["WORKSHOPS_DIR", "WORKSHOP_FILE", "WORKSHOP_KEYS", "check_workshops", "read_workshops"]
