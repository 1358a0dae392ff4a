"""Curriculum front matter: every rule, broken in a copy of the fixture, with its exact message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_ose
from ose.check import CHECKS, check_sources
from ose.core.problems import ProblemsFound
from ose.curriculum.load import check_curriculum, load_curriculum
from ose.project import Project

BASE = FIXTURES / "curriculum" / "site"
DEMO = "curriculum/courses/demo"
FIRST = f"{DEMO}/first.md"
SECOND = f"{DEMO}/second.md"
INDEX = f"{DEMO}/index.md"

LESSON_KEYS = "title, objectives, prerequisites, duration, level, accelerator, tags"
COURSE_KEYS = "title, level, summary, audience, prerequisites, lessons"
DURATION = "{teaching: <minutes>, exercises: <minutes>}"


def site(
    tmp_path: Path,
    edits: dict[str, tuple[str, str]] | None = None,
    files: dict[str, str | None] | None = None,
) -> Project:
    """A copy of the fixture with ``old -> new`` replacements and added (or removed) files."""
    root = tmp_path / "site"
    shutil.copytree(BASE, root)
    for relative, (old, new) in (edits or {}).items():
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture edit does not apply: {old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    for relative, text in (files or {}).items():
        path = root / relative
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return Project.at(root)


def messages(project: Project) -> list[str]:
    return [str(problem) for problem in check_curriculum(project)]


def lesson(stem: str, title: str, prerequisites: str = "[]") -> str:
    return (
        "---\n"
        "kernelspec: {name: pymc-cpu, display_name: PyMC, language: python}\n"
        f"title: {title}\n"
        "objectives: [Learn one thing]\n"
        f"prerequisites: {prerequisites}\n"
        "duration: {teaching: 5, exercises: 5}\n"
        "level: introductory\n"
        "accelerator: cpu\n"
        "tags: []\n"
        "---\n\n"
        f"# {title}\n"
    )


def course(title: str, lessons: str) -> str:
    return (
        "---\n"
        f"title: {title}\n"
        "level: intermediate\n"
        "summary: A second course.\n"
        "audience: Testers.\n"
        "prerequisites: []\n"
        f"lessons: {lessons}\n"
        "---\n\n"
        f"# {title}\n"
    )


def test_the_fixture_is_valid(tmp_path):
    project = site(tmp_path)
    assert messages(project) == []
    curriculum = load_curriculum(project)
    assert [c.id for c in curriculum.courses] == ["demo"]
    first, second = curriculum.lessons_of(curriculum.courses[0])
    assert (first.stem, second.stem) == ("first", "second")
    assert curriculum.neighbours(first) == (None, second)
    assert curriculum.neighbours(second) == (first, None)
    assert curriculum.total_minutes(curriculum.courses[0]) == 60
    assert curriculum.resolve("first") == [first]
    assert curriculum.resolve("demo/second") == [second]
    assert curriculum.resolve("Some patience") == []


def test_the_check_is_registered_and_a_no_op_without_courses(tmp_path):
    assert check_curriculum in CHECKS
    shutil.copytree(FIXTURES / "site", tmp_path / "plain")
    assert check_curriculum(Project.at(tmp_path / "plain")) == []


def test_the_repository_curriculum_is_valid():
    assert check_curriculum(Project.at(REPO)) == []


CASES = {
    # required keys
    "lesson missing objectives": (
        {FIRST: ("objectives:\n  - Print a line\n  - Add two numbers\n", "")},
        {},
        [f"{FIRST}:1: objectives is missing (required)"],
    ),
    "lesson missing accelerator": (
        {SECOND: ("accelerator: cpu\n", "")},
        {},
        [f"{SECOND}:1: accelerator is missing (required)"],
    ),
    "course missing audience": (
        {INDEX: ("audience: The curriculum's tests.\n", "")},
        {},
        [f"{INDEX}:1: audience is missing (required)"],
    ),
    "typo in a key": (
        {SECOND: ("tags: [fixture]", "tag: [fixture]")},
        {},
        [
            f"{SECOND}:1: tags is missing (required)",
            f"{SECOND}:14: tag is not a known key (did you mean 'tags'?)",
        ],
    ),
    # text
    "empty title": (
        {SECOND: ("title: The second lesson", 'title: ""')},
        {},
        [f"{SECOND}:5: title is '' (allowed: a non-empty line of text)"],
    ),
    "course summary not text": (
        {
            INDEX: (
                "summary: Two short lessons that exercise every part of the curriculum tooling.",
                "summary: [one, two]",
            )
        },
        {},
        [f"{INDEX}:4: summary is a list (allowed: a non-empty line of text)"],
    ),
    # objectives
    "objectives empty": (
        {SECOND: ("objectives:\n  - Multiply two numbers", "objectives: []")},
        {},
        [
            f"{SECOND}:6: objectives is [] (allowed: a non-empty list of sentences "
            "saying what a learner will be able to do)"
        ],
    ),
    "objectives a string": (
        {SECOND: ("objectives:\n  - Multiply two numbers", "objectives: Multiply")},
        {},
        [
            f"{SECOND}:6: objectives is 'Multiply' (allowed: a non-empty list of sentences "
            "saying what a learner will be able to do)"
        ],
    ),
    "objective not text": (
        {SECOND: ("  - Multiply two numbers", "  - 42")},
        {},
        [
            f"{SECOND}:6: objectives has the item 42 (allowed: a non-empty list of sentences "
            "saying what a learner will be able to do)"
        ],
    ),
    # duration
    "duration not a mapping": (
        {SECOND: ("duration: {teaching: 20, exercises: 25}", "duration: 45")},
        {},
        [f"{SECOND}:11: duration is 45 (allowed: {DURATION})"],
    ),
    "duration unknown part": (
        {SECOND: ("exercises: 25}", "exercise: 25}")},
        {},
        [f"{SECOND}:11: duration has the unknown key 'exercise' (allowed: {DURATION})"],
    ),
    "duration missing part": (
        {SECOND: ("{teaching: 20, exercises: 25}", "{teaching: 20}")},
        {},
        [f"{SECOND}:11: duration has no 'exercises' (allowed: {DURATION})"],
    ),
    "duration zero minutes": (
        {SECOND: ("{teaching: 20,", "{teaching: 0,")},
        {},
        [f"{SECOND}:11: duration.teaching is 0 (allowed: a positive whole number of minutes)"],
    ),
    "duration fractional minutes": (
        {SECOND: ("exercises: 25}", "exercises: 7.5}")},
        {},
        [f"{SECOND}:11: duration.exercises is 7.5 (allowed: a positive whole number of minutes)"],
    ),
    "duration negative minutes": (
        {SECOND: ("exercises: 25}", "exercises: -5}")},
        {},
        [f"{SECOND}:11: duration.exercises is -5 (allowed: a positive whole number of minutes)"],
    ),
    # enums
    "lesson level": (
        {SECOND: ("level: introductory", "level: beginner")},
        {},
        [f"{SECOND}:12: level is 'beginner' (allowed: introductory, intermediate, advanced)"],
    ),
    "course level": (
        {INDEX: ("level: introductory", "level: expert")},
        {},
        [f"{INDEX}:3: level is 'expert' (allowed: introductory, intermediate, advanced)"],
    ),
    "accelerator": (
        {SECOND: ("accelerator: cpu", "accelerator: tpu")},
        {},
        [f"{SECOND}:13: accelerator is 'tpu' (allowed: cpu, gpu)"],
    ),
    # accelerator and kernel
    "gpu lesson in the cpu kernel": (
        {SECOND: ("accelerator: cpu", "accelerator: gpu")},
        {},
        [
            f"{SECOND}:4: kernelspec.name is 'pymc-cpu' but accelerator is 'gpu' "
            "(accelerator gpu runs in kernel 'pymc-jax')"
        ],
    ),
    "lesson without kernelspec": (
        {
            SECOND: (
                'kernelspec: {name: pymc-cpu, display_name: "PyMC (CPU, C backend)", '
                "language: python}\n",
                "",
            )
        },
        {},
        [
            f"{SECOND}:12: a lesson is a text notebook but this file has no kernelspec "
            "(accelerator cpu runs in kernel 'pymc-cpu')"
        ],
    ),
    # lists
    "tags not a list": (
        {SECOND: ("tags: [fixture]", "tags: fixture")},
        {},
        [f"{SECOND}:14: tags is 'fixture' (allowed: a list of words)"],
    ),
    "prerequisites not a list": (
        {FIRST: ("prerequisites: [Python basics]", "prerequisites: Python basics")},
        {},
        [
            f"{FIRST}:9: prerequisites is 'Python basics' "
            "(allowed: a list of lesson stems or items of text)"
        ],
    ),
    # prerequisites that look like references
    "prerequisite misspelt": (
        {SECOND: ("  - first\n", "  - frist\n")},
        {},
        [f"{SECOND}:9: prerequisite 'frist' is not a lesson or course (did you mean 'first'?)"],
    ),
    "prerequisite unknown": (
        {SECOND: ("  - first\n", "  - zebra\n")},
        {},
        [
            f"{SECOND}:9: prerequisite 'zebra' is not a lesson or course (a lesson stem, "
            "course/stem or course id; free text has a space or a capital)"
        ],
    ),
    "prerequisite unknown course/stem": (
        {SECOND: ("  - first\n", "  - other/first\n")},
        {},
        [
            f"{SECOND}:9: prerequisite 'other/first' is not a lesson or course "
            "(did you mean 'first'?)"
        ],
    ),
    "prerequisite itself": (
        {SECOND: ("  - first\n", "  - second\n")},
        {},
        [f"{SECOND}:9: prerequisite 'second' is this page itself (name what comes before it)"],
    ),
    "prerequisite ambiguous": (
        {},
        {
            "curriculum/courses/more/index.md": course("More", "[first]"),
            "curriculum/courses/more/first.md": lesson("first", "Another first"),
        },
        [f"{SECOND}:9: prerequisite 'first' is ambiguous (write one of: demo/first, more/first)"],
    ),
    "course prerequisite unknown": (
        {INDEX: ("  - Python basics", "  - python-basics")},
        {},
        [
            f"{INDEX}:7: prerequisite 'python-basics' is not a lesson or course (a lesson stem, "
            "course/stem or course id; free text has a space or a capital)"
        ],
    ),
    # lesson order
    "listed lesson missing": (
        {INDEX: ("  - second\n", "  - second\n  - third\n")},
        {},
        [
            f"{INDEX}:11: lessons lists 'third' but there is no {DEMO}/third.md "
            "(list the stems of the lesson files beside index.md)"
        ],
    ),
    "lesson listed twice": (
        {INDEX: ("  - second\n", "  - second\n  - first\n")},
        {},
        [f"{INDEX}:11: lessons lists 'first' twice (each lesson once)"],
    ),
    "lesson file not listed": (
        {},
        {f"{DEMO}/third.md": lesson("third", "The third lesson")},
        [f"{DEMO}/third.md:1: lesson is not listed in {INDEX} (add 'third' to its lessons)"],
    ),
    "course without lessons": (
        {INDEX: ("lessons:\n  - first\n  - second\n", "lessons: []\n")},
        {},
        [
            f"{INDEX}:8: lessons is [] (allowed: a non-empty list of lesson file stems, "
            "in teaching order)",
        ],
    ),
    "course folder without index": (
        {},
        {"curriculum/courses/empty/notes.md": lesson("notes", "Notes")},
        ["curriculum/courses/empty:0: course folder has no index.md (a course is described there)"],
    ),
    # title and heading
    "title differs from heading": (
        {SECOND: ("# The second lesson", "# Lesson two")},
        {},
        [
            f"{SECOND}:5: title 'The second lesson' differs from the page heading "
            "'Lesson two' on line 17 (make them the same)"
        ],
    ),
    "no heading": (
        {SECOND: ("# The second lesson\n", "")},
        {},
        [
            f"{SECOND}:5: the lesson has no '# ' heading "
            "(write '# The second lesson' after the front matter)"
        ],
    ),
    "course title differs from heading": (
        {INDEX: ("# A demonstration course", "# Demo")},
        {},
        [
            f"{INDEX}:2: title 'A demonstration course' differs from the page heading "
            "'Demo' on line 13 (make them the same)"
        ],
    ),
    # unreadable front matter
    "invalid yaml": (
        {SECOND: ("tags: [fixture]", "tags: [fixture")},
        {},
        [
            f"{SECOND}:15: front matter is not valid YAML "
            "(expected ',' or ']', but got '<stream end>')"
        ],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_rule_reports_one_exact_line(tmp_path, name):
    edits, files, expected = CASES[name]
    assert messages(site(tmp_path, edits, files)) == expected


def test_ose_check_prints_the_lines_and_fails(tmp_path, capsys):
    project = site(tmp_path, {SECOND: ("level: introductory", "level: beginner")})
    shutil.copy2(REPO / "conf.py", project.root / "conf.py")
    status, _, err = run_ose(["--root", str(project.root), "check"], capsys)
    assert status == 1
    assert err.splitlines() == [
        f"{SECOND}:12: level is 'beginner' (allowed: introductory, intermediate, advanced)"
    ]


def test_load_curriculum_raises_every_problem(tmp_path):
    project = site(
        tmp_path,
        {
            SECOND: ("level: introductory", "level: beginner"),
            FIRST: ("accelerator: cpu", "accelerator: tpu"),
        },
    )
    with pytest.raises(ProblemsFound) as found:
        load_curriculum(project)
    assert [p.path for p in found.value.problems] == [FIRST, SECOND]


GUARD_CASES = {
    "unknown key": (
        "{ess_floor: 200}",
        "convergence-guard.ess_floor is not a known key (did you mean 'ess-floor'?)",
    ),
    "floor not positive": (
        "{ess-floor: 0}",
        "convergence-guard.ess-floor is 0 (allowed: a positive number)",
    ),
    "not a mapping": (
        "relaxed",
        "convergence-guard is 'relaxed' (allowed: a mapping of keys to values)",
    ),
}


@pytest.mark.parametrize("name", list(GUARD_CASES))
def test_guard_keys_are_reported_once(tmp_path, name):
    """The runner's notebook check owns convergence-guard; the curriculum adds no second line."""
    value, message = GUARD_CASES[name]
    guard = f"tags: [fixture]\nconvergence-guard: {value}\n"
    project = site(tmp_path, {SECOND: ("tags: [fixture]\n", guard)})
    assert messages(project) == []
    assert [str(p) for p in check_sources(project) if p.path == SECOND] == [
        f"{SECOND}:15: {message}"
    ]


def test_a_typo_of_the_guard_key_is_caught(tmp_path):
    guard = "tags: [fixture]\nconvergence_guard: {ess-floor: 200}\n"
    project = site(tmp_path, {SECOND: ("tags: [fixture]\n", guard)})
    assert messages(project) == [
        f"{SECOND}:15: convergence_guard is not a known key (did you mean 'convergence-guard'?)"
    ]


def test_an_unknown_kernel_is_reported_once(tmp_path):
    project = site(tmp_path, {SECOND: ("{name: pymc-cpu,", "{name: python3,")})
    assert messages(project) == []
    lines = [str(p) for p in check_sources(project) if p.path == SECOND]
    assert lines == [
        f"{SECOND}:4: kernelspec.name is 'python3', not a kernel of the build "
        "(allowed: pymc-cpu, pymc-jax)"
    ]
