"""Built workshop pages: the schedule, the instructor guide, the handout and the downloads.

The curriculum fixture with the workshop fixture over it is built once by Sphinx (``-W``, the
lessons not executed: these pages show no output), with a bundles' manifest written as the
bundle stage would write it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, sphinx_unexecuted

pytestmark = pytest.mark.site

PAGES = "curriculum/workshops/demo-day"
SHA = {"learner": "a" * 64, "instructor": "b" * 64}


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def tables(page: str, cls: str) -> list[list[list[str]]]:
    """The rows of every table of class ``cls``, each row its cells' text."""
    found = []
    for match in re.finditer(rf'<table class="[^"]*\b{cls}\b[^"]*"[^>]*>(.*?)</table>', page, re.S):
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)
        found.append(
            [[text_of(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)] for r in rows]
        )
    return found


def sphinx_build(root: Path, check: bool = True) -> tuple[int, str]:
    """Sphinx on ``root`` as ``ose build`` runs it, but with the lessons left unexecuted."""
    result = sphinx_unexecuted(root)
    if check:
        assert result.returncode == 0, result.stderr
    return result.returncode, result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workshops") / "site"
    shutil.copytree(FIXTURES / "curriculum" / "site", root)
    shutil.copytree(FIXTURES / "workshops" / "site", root, dirs_exist_ok=True)
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    manifest = root / "_build" / "bundles" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(
        json.dumps(
            {
                "demo-day": [
                    {
                        "kind": kind,
                        "file": f"downloads/workshops/demo-day-{kind}.zip",
                        "bytes": size,
                        "sha256": SHA[kind],
                    }
                    for kind, size in (("learner", 2_340_000), ("instructor", 12_500_000))
                ]
            }
        ),
        encoding="utf-8",
    )
    sphinx_build(root)
    return root / "_build" / "html"


def page(html_dir: Path, name: str) -> str:
    return (html_dir / PAGES / f"{name}.html").read_text(encoding="utf-8")


def test_the_schedule_has_clock_times_minutes_and_totals(built):
    (schedule,) = tables(page(built, "workshop"), "workshop-schedule")
    assert schedule[0] == ["Time", "Session", "Minutes", "Teaching (min)", "Exercises (min)"]
    assert schedule[1:] == [
        ["09:00-09:20", "Welcome and setup check", "20", "", ""],
        ["09:20-09:35", "The first lesson (demo)", "15", "10", "5"],
        ["09:35-09:50", "Coffee", "15", "", ""],
        ["09:50-10:35", "The second lesson (demo)", "45", "20", "25"],
        [
            "09:00-10:35",
            "Day 1 total (the day ends by 11:00; breaks 15 min, activities 20 min)",
            "95",
            "30",
            "30",
        ],
    ]
    text = text_of(page(built, "workshop"))
    assert "Day 1: Morning (Monday 1 March 2027)" in text
    assert "In all: 30 min of teaching, 30 min of exercises" in text


def test_the_schedule_links_each_lesson_to_its_page(built):
    workshop = page(built, "workshop")
    assert 'href="../../courses/demo/first.html"' in workshop
    assert 'href="../../courses/demo/second.html"' in workshop


def test_the_workshop_page_summarises_and_lists_the_setup(built):
    text = text_of(page(built, "workshop"))
    for expected in (
        "For : The workshop tests.",
        "Format : Hybrid",
        "Level : Introductory",
        "times in Europe/Berlin",
        "Print a line and add two numbers",
        "SETUP-STEP-ONE install the pinned environment",
        "SETUP-PROSE",
    ):
        assert expected in text


def test_the_downloads_table_comes_from_the_manifest(built):
    (downloads,) = tables(page(built, "workshop"), "workshop-downloads")
    assert downloads[0] == ["Bundle", "Size", "SHA-256", "Download"]
    assert [row[1:] for row in downloads[1:]] == [
        ["2.3 MB", SHA["learner"], "demo-day-learner.zip"],
        ["12.5 MB", SHA["instructor"], "demo-day-instructor.zip"],
    ]
    assert downloads[1][0].startswith("Learner bundle")
    assert 'href="../../../downloads/workshops/demo-day-learner.zip"' in page(built, "workshop")


def test_the_guide_shows_every_instructor_note_the_timing_and_the_checklist(built):
    guide = page(built, "guide")
    text = text_of(guide)
    assert "INSTRUCTOR-NOTE-TEXT: give learners two minutes." in text
    assert "GUIDE-PROSE" in text
    assert "SETUP-STEP-TWO run check_setup.py" in text
    assert "The first lesson : Add" in text
    (timing,) = tables(guide, "workshop-schedule")
    assert timing[-1][2:] == ["95", "30", "30"]
    # the note is the guide's content: not hidden behind the instructor switch
    note = re.search(r"<div[^>]*workshop-instructor-note[^>]*>", guide)
    assert note is not None and "hidden" not in note.group(0)
    assert "SOLUTION-PROSE" not in text


def test_the_handout_has_the_exercises_and_no_solution(built):
    handout = page(built, "handout")
    text = text_of(handout)
    assert "Exercise: Add" in text
    assert "Add two and two." in text
    assert "SOLUTION-PROSE" not in text
    assert "print(2 + 2)" not in text
    assert "INSTRUCTOR-NOTE-TEXT" not in text


def test_the_list_links_every_workshop(built):
    listing = (built / "curriculum/workshops/index.html").read_text(encoding="utf-8")
    assert 'href="demo-day/workshop.html"' in listing
    assert "1 day: 30 min of teaching and 30 min of exercises" in text_of(listing)


def test_a_rebuild_follows_the_lessons_notes_and_the_manifest(built):
    """Runs last: it edits the built site's sources. The guide depends on its lessons' sources,
    and the downloads on the manifest, though neither page's own source changed."""
    root = built.parent.parent
    lesson = root / "curriculum/courses/demo/first.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("two minutes", "three minutes"), encoding="utf-8")
    manifest = root / "_build" / "bundles" / "manifest.json"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("2340000", "4560000"), encoding="utf-8"
    )
    sphinx_build(root)
    assert "give learners three minutes" in text_of(page(built, "guide"))
    (downloads,) = tables(page(built, "workshop"), "workshop-downloads")
    assert downloads[1][1] == "4.6 MB"


def test_a_workshop_directive_elsewhere_fails_the_build_with_its_line(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "curriculum" / "site", root)
    shutil.copytree(FIXTURES / "workshops" / "site", root, dirs_exist_ok=True)
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    (root / "elsewhere.md").write_text(
        "---\norphan: true\n---\n\n# Elsewhere\n\n```{workshop-schedule}\n```\n", encoding="utf-8"
    )
    status, err = sphinx_build(root, check=False)
    assert status != 0
    assert (
        "elsewhere.md:7: workshop-schedule is only allowed on a workshop's "
        "pages (curriculum/workshops/<slug>/ with a valid workshop.md) [ose.workshops]"
    ) in err.splitlines()


def _pages_read(root: Path) -> list[str]:
    """Sphinx on ``root`` as :func:`sphinx_build` runs it; the pages it read (again)."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--no-color", "--keep-going", "-b", "html",
         "-D", "nb_execution_mode=off",
         "-D", "suppress_warnings=mystnb.unknown_mime_type,ose.curriculum",
         str(root), str(root / "_build" / "html")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # Sphinx prints its progress one line each, or, where ``CI`` is set or the output is a colour
    # terminal, on one line rewritten with "\r" and an erase-line code: read both
    return sorted(re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", result.stdout))


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_lesson_edit_reads_again_only_the_pages_that_show_what_changed(tmp_path):
    """The course's syllabus, the neighbouring lesson's pager, the report and the workshop pages
    show a lesson's front matter (and the workshop pages its exercises): new code in the lesson
    leaves them unread, a new title reaches every one of them."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "curriculum" / "site", root)
    shutil.copytree(FIXTURES / "workshops" / "site", root, dirs_exist_ok=True)
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    _pages_read(root)
    lesson = root / "curriculum/courses/demo/first.md"
    text = lesson.read_text(encoding="utf-8")
    _edit(lesson, text, text + "\n```{code-cell} ipython3\nprint(3 * 3)\n```\n")
    assert _pages_read(root) == ["curriculum/courses/demo/first"]

    _edit(lesson, "title: The first lesson", "title: Renamed")
    read = _pages_read(root)
    showing = [
        "curriculum/courses/demo/index",  # the syllabus
        "curriculum/courses/demo/second",  # "previous: ..."
        f"{PAGES}/guide",
        f"{PAGES}/handout",
        f"{PAGES}/workshop",
    ]
    assert set(showing) <= set(read)
    html_dir = root / "_build" / "html"
    for docname in showing:
        shown = text_of((html_dir / f"{docname}.html").read_text(encoding="utf-8"))
        assert "Renamed" in shown, docname

    _edit(lesson, "Add two and two.", "Add three and three.")
    read = _pages_read(root)
    assert f"{PAGES}/handout" in read
    assert "curriculum/courses/demo/index" not in read
    assert "Add three and three." in text_of(page(html_dir, "handout"))
