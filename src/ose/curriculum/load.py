"""Read ``curriculum/courses/`` into a :class:`Curriculum` and report every rule it breaks.

A course is a folder with an ``index.md``; every other ``.md`` file beside it is a lesson. Rules
that concern one file (required keys, enums, minutes) live on the records in ``model``; the rules
that relate files (lesson order, prerequisites, kernels, titles) live here.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from ose.core.frontmatter import FrontMatter, required_front_matter, title_problems
from ose.core.problems import Problem, ProblemsFound
from ose.core.schema import validated
from ose.curriculum.model import (
    COURSE_KEYS,
    KERNEL_FOR,
    LESSON_KEYS,
    LEVELS,
    REFERENCE,
    Course,
    Curriculum,
    Lesson,
)
from ose.execution.notebooks import EXECUTION_KEYS
from ose.kernels import KERNELS
from ose.project import Project

#: Where courses live, relative to the project root.
COURSES_DIR = "curriculum/courses"

_JAX = re.compile(
    r"^\s*(?:import|from)\s+(?:jax|numpyro|blackjax)\b"
    r"|nuts_sampler\s*=\s*[\"'](?:numpyro|blackjax)"
    r"|mode\s*=\s*[\"']JAX",
    re.MULTILINE,
)


def _line_of_item(front: FrontMatter, key: str, index: int) -> int:
    lines = front.item_lines(key)
    return lines[index] if index < len(lines) else front.line_of(key)


def _typos(front: FrontMatter, known: tuple[str, ...], root: Path) -> list[Problem]:
    """Keys that are almost a schema key: a typo would silently drop the value."""
    problems = []
    for key in front.data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.8)
        if close:
            problems.append(
                front.problem(
                    str(key), f"{key} is not a known key (did you mean {close[0]!r}?)", root
                )
            )
    return problems


def _kernel_problems(front: FrontMatter, root: Path) -> list[Problem]:
    """The accelerator picks the kernel: cpu runs in pymc-cpu, gpu in pymc-jax."""
    accelerator = front.data.get("accelerator")
    if accelerator not in KERNEL_FOR:
        return []
    expected = KERNEL_FOR[accelerator]
    spec = front.data.get("kernelspec")
    if not isinstance(spec, dict):
        return [
            front.problem(
                "accelerator",
                f"a lesson is a text notebook but this file has no kernelspec "
                f"(accelerator {accelerator} runs in kernel {expected!r})",
                root,
            )
        ]
    name = spec.get("name")
    if name not in KERNELS:
        return []  # ose.execution.notebooks reports an unknown kernel
    if name != expected:
        return [
            front.problem(
                "kernelspec",
                f"kernelspec.name is {name!r} but accelerator is {accelerator!r} "
                f"(accelerator {accelerator} runs in kernel {expected!r})",
                root,
            )
        ]
    return []


def _read_course(
    folder: Path, root: Path, problems: list[Problem]
) -> tuple[Course | None, FrontMatter | None]:
    index = folder / "index.md"
    if not index.is_file():
        problems.append(
            Problem.at(
                folder, 0, "course folder has no index.md (a course is described there)", root
            )
        )
        return None, None
    front = required_front_matter(index, root, "the course page", COURSE_KEYS, problems)
    if front is None:
        return None, None
    data = {**front.data, "id": folder.name, "path": Problem.at(index, 0, "", root).path}
    problems.extend(_typos(front, COURSE_KEYS, root))
    problems.extend(title_problems(front, "the course page", root))
    course, found = validated(Course, data, front.lines)
    problems.extend(found)
    return course, front


def _read_lesson(
    path: Path, course_id: str, root: Path, problems: list[Problem]
) -> tuple[Lesson | None, FrontMatter | None]:
    front = required_front_matter(path, root, "the lesson", LESSON_KEYS, problems)
    if front is None:
        return None, None
    spec = front.data.get("kernelspec")
    data = {
        **front.data,
        "path": Problem.at(path, 0, "", root).path,
        "course": course_id,
        "stem": path.stem,
        # the kernel's name is checked with the notebook's other execution settings
        "kernel": spec.get("name")
        if isinstance(spec, dict) and isinstance(spec.get("name"), str)
        else None,
        "uses_jax": front.data.get("accelerator") == "gpu" or bool(_JAX.search(front.body)),
    }
    problems.extend(_typos(front, (*LESSON_KEYS, *EXECUTION_KEYS), root))
    problems.extend(title_problems(front, "the lesson", root))
    problems.extend(_kernel_problems(front, root))
    lesson, found = validated(Lesson, data, front.lines)
    problems.extend(found)
    return lesson, front


def _order_problems(
    course: Course, front: FrontMatter, lesson_fronts: dict[str, FrontMatter], root: Path
) -> list[Problem]:
    """Every listed lesson exists, once; every lesson file is listed."""
    problems = []
    folder = front.path.parent
    existing = {path.stem for path in folder.glob("*.md")}
    seen: set[str] = set()
    for index, stem in enumerate(course.lessons):
        line = _line_of_item(front, "lessons", index)
        if stem in seen:
            problems.append(
                Problem.at(
                    front.path, line, f"lessons lists {stem!r} twice (each lesson once)", root
                )
            )
        seen.add(stem)
        if stem not in existing:
            expected = Problem.at(folder / f"{stem}.md", 0, "", root).path
            problems.append(
                Problem.at(
                    front.path,
                    line,
                    f"lessons lists {stem!r} but there is no {expected} "
                    "(list the stems of the lesson files beside index.md)",
                    root,
                )
            )
    index_path = Problem.at(front.path, 0, "", root).path
    for stem, lesson_front in lesson_fronts.items():
        if stem not in seen:
            problems.append(
                Problem.at(
                    lesson_front.path,
                    1,
                    f"lesson is not listed in {index_path} (add {stem!r} to its lessons)",
                    root,
                )
            )
    return problems


def prerequisite_problems(
    curriculum: Curriculum,
    name: str,
    front: FrontMatter,
    items: list[str],
    files: set[str],
    root: Path,
) -> list[Problem]:
    """Each prerequisite that looks like a reference (``stem``, ``course/stem``) resolves.

    ``files`` holds ``course/stem`` of every lesson file and the id of every course folder,
    valid or not: a reference to one whose own front matter is broken is not reported twice.
    """
    stems = sorted({lesson.stem for lesson in curriculum.lessons.values()})
    targets = stems + [course.id for course in curriculum.courses]
    problems = []
    for index, item in enumerate(items):
        if not REFERENCE.match(item):
            continue
        unreadable = {f for f in files if f == item or f.endswith(f"/{item}")}
        if unreadable and not curriculum.resolve(item) and item != name:
            continue
        line = _line_of_item(front, "prerequisites", index)
        found = curriculum.resolve(item)
        if item == name:
            message = f"prerequisite {item!r} is this page itself (name what comes before it)"
        elif not found:
            close = difflib.get_close_matches(item.rsplit("/", 1)[-1], targets, n=1, cutoff=0.7)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else "a lesson stem, course/stem or course id; free text has a space or a capital"
            )
            message = f"prerequisite {item!r} is not a lesson or course ({hint})"
        elif len(found) > 1:
            choices = ", ".join(
                f"{target.course}/{target.stem}" if isinstance(target, Lesson) else target.id
                for target in found
            )
            message = f"prerequisite {item!r} is ambiguous (write one of: {choices})"
        else:
            continue
        problems.append(Problem.at(front.path, line, message, root))
    return problems


def read_curriculum(project: Project) -> tuple[Curriculum, list[Problem]]:
    """Everything that could be read, and every problem found; empty without courses."""
    root = project.root
    folder = root / COURSES_DIR
    if not folder.is_dir():
        return Curriculum(), []
    problems: list[Problem] = []
    courses: list[tuple[Course, FrontMatter, dict[str, FrontMatter]]] = []
    lessons: dict[str, Lesson] = {}
    lesson_fronts: dict[str, FrontMatter] = {}
    files: set[str] = set()
    for course_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        if course_dir.name.startswith((".", "_")):
            continue
        course, front = _read_course(course_dir, root, problems)
        files.add(course_dir.name)  # a course whose page is broken is not reported again
        fronts: dict[str, FrontMatter] = {}
        for path in sorted(course_dir.glob("*.md")):
            if path.name == "index.md":
                continue
            lesson, lesson_front = _read_lesson(path, course_dir.name, root, problems)
            files.add(f"{course_dir.name}/{path.stem}")
            if lesson_front is not None:
                fronts[path.stem] = lesson_front
                if lesson is not None:
                    lessons[lesson.docname] = lesson
                    lesson_fronts[lesson.docname] = lesson_front
        if course is not None and front is not None:
            courses.append((course, front, fronts))
    order = {level: rank for rank, level in enumerate(LEVELS)}
    courses.sort(key=lambda entry: (order[entry[0].level], entry[0].id))
    curriculum = Curriculum(courses=[course for course, _, _ in courses], lessons=lessons)
    for course, front, fronts in courses:
        problems.extend(_order_problems(course, front, fronts, root))
        problems.extend(
            prerequisite_problems(curriculum, course.id, front, course.prerequisites, files, root)
        )
    for docname, lesson in lessons.items():
        problems.extend(
            prerequisite_problems(
                curriculum,
                lesson.stem,
                lesson_fronts[docname],
                lesson.prerequisites,
                files,
                root,
            )
        )
    return curriculum, sorted(set(problems))


def load_curriculum(project: Project) -> Curriculum:
    """The curriculum; raise :class:`ProblemsFound` if any rule is broken."""
    curriculum, problems = read_curriculum(project)
    if problems:
        raise ProblemsFound(problems)
    return curriculum


def check_curriculum(project: Project) -> list[Problem]:
    """The ``ose check`` rule set of this concern (nothing to do without curriculum/courses)."""
    return read_curriculum(project)[1]
