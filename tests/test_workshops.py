"""Workshops as data: the fixture workshop's plan, and every schedule rule broken with its line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_ose
from ose.check import CHECKS, check_sources
from ose.core.problems import ProblemsFound
from ose.project import Project
from ose.workshops.load import check_workshops, read_workshops
from ose.workshops.manifest import manifest_path, read_manifest
from ose.workshops.model import MAX_BREAK_MINUTES

WORKSHOP = "curriculum/workshops/demo-day/workshop.md"
SESSIONS = """\
      - {start: "09:00", activity: Welcome and setup check, minutes: 20}
      - {start: "09:20", lesson: demo/first}
      - {start: "09:35", break: Coffee, minutes: 15}
      - {start: "09:50", lesson: demo/second}
"""


def site(
    tmp_path: Path,
    edits: list[tuple[str, str]] | None = None,
    files: dict[str, str | None] | None = None,
) -> Project:
    """The curriculum fixture with the workshop fixture laid over it, then ``old -> new``
    replacements in the workshop file and added (or removed) files."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "curriculum" / "site", root)
    shutil.copytree(FIXTURES / "workshops" / "site", root, dirs_exist_ok=True)
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    path = root / WORKSHOP
    text = path.read_text(encoding="utf-8")
    for old, new in edits or []:
        assert old in text, f"fixture edit does not apply: {old!r}"
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    for relative, content in (files or {}).items():
        target = root / relative
        if content is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    return Project.at(root)


def messages(project: Project) -> list[str]:
    return [str(problem) for problem in check_workshops(project)]


def test_the_fixture_workshop_is_planned_from_the_lessons_durations(tmp_path):
    workshops, problems = read_workshops(site(tmp_path))
    assert problems == []
    (plan,) = workshops.plans
    assert plan.slug == "demo-day"
    (day,) = plan.days
    assert [(s.kind, s.title, s.start, s.end) for s in day.sessions] == [
        ("activity", "Welcome and setup check", 9 * 60, 9 * 60 + 20),
        ("lesson", "The first lesson", 9 * 60 + 20, 9 * 60 + 35),
        ("break", "Coffee", 9 * 60 + 35, 9 * 60 + 50),
        ("lesson", "The second lesson", 9 * 60 + 50, 10 * 60 + 35),
    ]
    assert (day.total("teaching"), day.total("exercises"), day.minutes) == (30, 30, 95)
    assert str(day.date) == "2027-03-01"
    notes = workshops.blocks_of("curriculum/courses/demo/first", "instructor-note")
    assert [note.content for note in notes] == ["INSTRUCTOR-NOTE-TEXT: give learners two minutes."]
    (exercise,) = workshops.blocks_of("curriculum/courses/demo/first", "exercise")
    assert (exercise.title, exercise.content) == ("Add", "Add two and two.")
    assert "SOLUTION" not in exercise.content


def test_the_check_is_registered_and_silent_without_workshops(tmp_path):
    assert check_workshops in CHECKS
    project = site(tmp_path)
    shutil.rmtree(project.root / "curriculum" / "workshops")
    assert check_workshops(project) == []


TWO_SESSIONS = """\
      - {start: "09:00", lesson: demo/second}
      - {start: "09:45", lesson: demo/first}
"""

#: (case, edits to the workshop file, line, message)
CASES = [
    (
        "unknown lesson",
        [("lesson: demo/second}", "lesson: demo/secnd}")],
        22,
        "schedule[0].sessions[3].lesson is 'demo/secnd', not a lesson of "
        "curriculum/courses/demo (did you mean 'demo/second'?)",
    ),
    (
        "unknown course",
        [("lesson: demo/first}", "lesson: dmo/first}")],
        20,
        "schedule[0].sessions[1].lesson's course is 'dmo', not a course of curriculum/courses "
        "(did you mean 'demo'?)",
    ),
    (
        "not course/lesson",
        [("lesson: demo/first}", "lesson: first}")],
        20,
        "schedule[0].sessions[1].lesson is 'first' (allowed: course/lesson, e.g. "
        "bayes-intro/priors)",
    ),
    (
        "scheduled before its prerequisite",
        [(SESSIONS, TWO_SESSIONS)],
        19,
        "schedule[0].sessions[0].lesson 'demo/second' is scheduled before its prerequisite "
        "'demo/first' (day 1, 09:45) (schedule 'demo/first' first)",
    ),
    (
        "prerequisite neither scheduled nor assumed",
        [("lesson: demo/first}", "activity: Stretch, minutes: 15}")],
        22,
        "schedule[0].sessions[3].lesson 'demo/second' needs 'demo/first', which this workshop "
        "neither schedules before it nor lists in its prerequisites (add it to either)",
    ),
    (
        "overlapping sessions",
        [('{start: "09:35", break', '{start: "09:30", break')],
        21,
        "schedule[0].sessions[2] starts at 09:30, before the previous session (The first "
        "lesson, 09:20 + 15 min) ends at 09:35 (start it at 09:35 or later)",
    ),
    (
        "a day that overruns its end",
        [('end: "11:00"', 'end: "10:30"')],
        22,
        "schedule[0].sessions[3] (The second lesson, 45 min) ends at 10:35, after the day's "
        "end at 10:30 (end the day later, or move or drop a session)",
    ),
    (
        "a lesson scheduled twice",
        [(SESSIONS, SESSIONS + '      - {start: "10:35", lesson: demo/first}\n')],
        23,
        "schedule[0].sessions[4].lesson 'demo/first' is already scheduled (day 1, 09:20) "
        "(each lesson once)",
    ),
    (
        "a break longer than allowed",
        [("break: Coffee, minutes: 15", "break: Coffee, minutes: 90")],
        21,
        f"schedule[0].sessions[2]: the break is 90 minutes (allowed: at most "
        f"{MAX_BREAK_MINUTES}; a longer gap splits the day in two)",
    ),
    (
        "a clock time that is not HH:MM",
        [('"09:50"', '"9:50"')],
        22,
        "schedule[0].sessions[3].start is '9:50' (allowed: a time of day, HH:MM from 00:00 to "
        "23:59, in quotes)",
    ),
    (
        "an unquoted time YAML reads as a number",
        [('"09:50"', "10:50")],
        22,
        "schedule[0].sessions[3].start is 10:50, which YAML reads as the number 650 (allowed: "
        'text; put it in quotes: "10:50")',
    ),
    (
        "a session that is nothing",
        [("activity: Welcome and setup check, minutes: 20", "minutes: 20")],
        19,
        "schedule[0].sessions[0]: a session is one of a lesson, a break or an activity (give "
        "one of lesson: course/lesson, break: <name>, activity: <title>)",
    ),
    (
        "a lesson given minutes",
        [("lesson: demo/first}", "lesson: demo/first, minutes: 30}")],
        20,
        "schedule[0].sessions[1]: a lesson takes its minutes from its own duration "
        "(remove minutes)",
    ),
    (
        "an activity without minutes",
        [("activity: Welcome and setup check, minutes: 20", "activity: Welcome")],
        19,
        "schedule[0].sessions[0]: a break or an activity needs minutes (a positive whole number)",
    ),
    (
        "an unknown time zone",
        [("Europe/Berlin", "Europe/Berlim")],
        14,
        "dates.time-zone is 'Europe/Berlim' (allowed: an IANA time zone name, e.g. "
        "Europe/Berlin or America/New_York)",
    ),
    (
        "an unknown format",
        [("format: hybrid", "format: remote")],
        5,
        "format is 'remote' (allowed: 'in person', 'online' or 'hybrid')",
    ),
    (
        "a misspelt key",
        [("outcomes:", "outcome:")],
        7,
        "outcome is not a known key (did you mean 'outcomes'?)",
    ),
    (
        "a missing key",
        [("audience: The workshop tests.\n", "")],
        1,
        "audience is missing (required)",
    ),
    (
        "a title that differs from the heading",
        [("title: A demonstration day", "title: A demo day")],
        2,
        "title 'A demo day' differs from the page heading 'A demonstration day' on line 25 "
        "(make them the same)",
    ),
    (
        "a prerequisite that is not a lesson",
        [("prerequisites: [Python basics]", "prerequisites: [Python basics, demo/frist]")],
        10,
        "prerequisite 'demo/frist' is not a lesson or course (did you mean 'first'?)",
    ),
]


@pytest.mark.parametrize(
    ("edits", "line", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_is_one_line_at_its_item(tmp_path, edits, line, message):
    assert messages(site(tmp_path, edits)) == [f"{WORKSHOP}:{line}: {message}"]


def test_a_prerequisite_the_workshop_assumes_is_not_a_fault(tmp_path):
    edits = [
        ("lesson: demo/first}", "activity: Stretch, minutes: 15}"),
        ("prerequisites: [Python basics]", "prerequisites: [Python basics, demo/first]"),
    ]
    assert messages(site(tmp_path, edits)) == []


def test_a_duplicate_slug_is_reported_on_the_look_alike(tmp_path):
    text = (FIXTURES / "workshops" / "site" / WORKSHOP).read_text(encoding="utf-8")
    project = site(tmp_path, files={"curriculum/workshops/Demo_Day/workshop.md": text})
    assert messages(project) == [
        "curriculum/workshops/Demo_Day/workshop.md:1: workshop slug 'Demo_Day' is the slug of "
        "curriculum/workshops/demo-day/ written differently (each workshop once, in its own "
        "folder)"
    ]


def test_a_slug_that_is_not_kebab_case(tmp_path):
    text = (FIXTURES / "workshops" / "site" / WORKSHOP).read_text(encoding="utf-8")
    project = site(tmp_path, files={"curriculum/workshops/Big Day/workshop.md": text})
    assert messages(project) == [
        "curriculum/workshops/Big Day/workshop.md:1: workshop slug 'Big Day' is not kebab-case "
        "(allowed: lowercase letters, digits and hyphens, e.g. bayes-university; rename the "
        "folder)"
    ]


def test_a_folder_without_workshop_md(tmp_path):
    project = site(tmp_path, files={"curriculum/workshops/empty/notes.md": "# Notes\n"})
    assert messages(project) == [
        "curriculum/workshops/empty:0: workshop folder has no workshop.md (a workshop is "
        "described there)"
    ]


def test_ose_check_prints_the_line_and_fails(tmp_path, capsys):
    project = site(tmp_path, [('end: "11:00"', 'end: "10:30"')])
    status, _out, err = run_ose(["--root", str(project.root), "check"], capsys)
    assert status == 1
    assert err.splitlines() == [
        f"{WORKSHOP}:22: schedule[0].sessions[3] (The second lesson, 45 min) ends at 10:35, "
        "after the day's end at 10:30 (end the day later, or move or drop a session)"
    ]


# -- the bundles' manifest ---------------------------------------------------------------------

SHA = "0" * 64


def write_manifest(project: Project, text: str) -> None:
    path = manifest_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_without_a_manifest_there_is_no_bundle(tmp_path):
    assert read_manifest(site(tmp_path)) == {}


def test_the_manifest_lists_each_workshops_bundles(tmp_path):
    project = site(tmp_path)
    entry = {"kind": "learner", "file": "downloads/workshops/demo-day-learner.zip"}
    write_manifest(
        project, json.dumps({"demo-day": [{**entry, "bytes": 2_500_000, "sha256": SHA}]})
    )
    (bundle,) = read_manifest(project)["demo-day"]
    assert (bundle.kind, bundle.file, bundle.size, bundle.megabytes) == (
        "learner",
        "downloads/workshops/demo-day-learner.zip",
        2_500_000,
        2.5,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            "_build/bundles/manifest.json:1: not valid JSON (Expecting property name enclosed "
            "in double quotes)",
        ),
        (
            json.dumps(
                {"demo-day": [{"kind": "teacher", "file": "a.zip", "bytes": 1, "sha256": SHA}]}
            ),
            "_build/bundles/manifest.json:1: demo-day[0].kind is 'teacher' (allowed: 'learner' or "
            "'instructor')",
        ),
        (
            json.dumps(
                {"demo-day": [{"kind": "learner", "file": "../a.zip", "bytes": 1, "sha256": SHA}]}
            ),
            "_build/bundles/manifest.json:1: demo-day[0].file is '../a.zip' (allowed: a .zip path "
            "relative to the site's root, without '..')",
        ),
    ],
)
def test_a_broken_manifest_is_one_line(tmp_path, text, message):
    project = site(tmp_path)
    write_manifest(project, text)
    with pytest.raises(ProblemsFound) as found:
        read_manifest(project)
    assert [str(problem) for problem in found.value.problems] == [message]


def test_a_broken_lesson_is_reported_by_the_curriculum_alone(tmp_path):
    project = site(tmp_path)
    lesson = project.root / "curriculum/courses/demo/first.md"
    lesson.write_bytes(b"\xef\xbb\xbf" + lesson.read_bytes())
    assert messages(project) == []
    assert [str(p) for p in check_sources(project)] == [
        "curriculum/courses/demo/first.md:1: the file starts with a byte-order mark "
        "(allowed: UTF-8 without BOM)"
    ]


def test_a_broken_course_the_workshop_assumes_causes_no_cascade(tmp_path):
    edits = [
        ("lesson: demo/first}", "activity: Stretch, minutes: 15}"),
        ("prerequisites: [Python basics]", "prerequisites: [Python basics, demo]"),
    ]
    project = site(tmp_path, edits)
    assert messages(project) == []
    index = project.root / "curriculum/courses/demo/index.md"
    index.write_bytes(b"\xef\xbb\xbf" + index.read_bytes())
    assert messages(project) == []
