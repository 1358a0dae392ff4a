"""Built curriculum pages: what a learner sees on a lesson, a course, the Learn page, the report.

A small fixture course (three tiny lessons, one of them a GPU lesson) is built once with
``ose build``; its pages are read as HTML. The repository's own course is checked through the
session's ``real_site`` build.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from conftest import REPO, BuiltSite, make_fixture_site, run_ose
from ose.cli import main
from ose.curriculum.load import load_curriculum
from ose.environment import accelerator_name, execution_cache_dir
from ose.execution.notebooks import read_notebook
from ose.execution.records import load_records
from ose.execution.runner import GUARD_DATA
from ose.project import Project

pytestmark = pytest.mark.site

DEMO = "curriculum/courses/demo"
REPOSITORY = os.environ.get("GITHUB_REPOSITORY", "pymc-devs/pymc-foundation")

GPU_LESSON = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {name: pymc-jax, display_name: "PyMC (JAX backend, numpyro)", language: python}
title: The GPU lesson
objectives: [Run on whatever device there is]
prerequisites: [second]
duration: {teaching: 5, exercises: 5}
level: introductory
accelerator: gpu
tags: [fixture]
---

# The GPU lesson

```{code-cell} ipython3
print("GPU-LESSON-OUTPUT")
```
"""


def _quiet_build(root: Path) -> BuiltSite:
    """``ose build`` in this process, leaving no ablog state behind for the next site.

    ablog keeps its blog in a process-wide singleton that the first site to build fills in; a
    later site in the same process (the session's ``real_site``) would render another's blog.
    """
    from ablog.blog import Blog

    out, err = io.StringIO(), io.StringIO()
    Blog._dict.clear()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["--root", str(root), "build", "--jobs", "2"])
    finally:
        Blog._dict.clear()
    return BuiltSite(root, root / "_build", status, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The fixture course plus a GPU lesson, built with ``ose build``."""
    root = make_fixture_site(
        tmp_path_factory.mktemp("curriculum") / "site",
        {f"{DEMO}/gpu.md": GPU_LESSON},
        base="curriculum/site",
    )
    index = root / DEMO / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace("  - second\n", "  - second\n  - gpu\n"),
        encoding="utf-8",
    )
    site = _quiet_build(root)
    assert site.status == 0, f"the fixture site failed to build:\n{site.out}\n{site.err}"
    return site


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text inside chosen elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, cls: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and cls in (attrs.get("class") or "").split()
        ]


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def element_text(html: str, tag: str, cls: str) -> str:
    """The text of the first ``tag`` whose class list holds ``cls`` (nesting-aware)."""
    opening = re.compile(rf'<{tag}\b[^>]*\bclass="([^"]*)"[^>]*>')
    match = next(m for m in opening.finditer(html) if cls in m.group(1).split())
    depth, position = 0, match.start()
    for tag_match in re.finditer(rf"<(/?){tag}\b[^>]*>", html[match.start() :]):
        depth += -1 if tag_match.group(1) else 1
        if depth == 0:
            position = match.start() + tag_match.end()
            break
    return text_of(html[match.start() : position])


def text_of(html: str) -> str:
    """Visible text: inline tags vanish, block tags separate words."""
    inline = re.sub(r"</?(?:span|a|strong|em|code|abbr)\b[^>]*>", "", html)
    return re.sub(r"<[^>]+>", " ", inline)


def words(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# the fixture course


def test_lesson_header_shows_objectives_duration_level_and_course(demo):
    page = demo.page(f"{DEMO}/first.html")
    header = words(element_text(page, "div", "lesson-meta"))
    assert "Course: A demonstration course, lesson 1 of 3" in header
    assert "Level: Introductory" in header
    assert "Duration: 15 min: 10 min teaching, 5 min exercises" in header
    assert (
        "Objectives After this lesson you will be able to: Print a line Add two numbers" in header
    )


def test_badge_names_date_device_versions_and_seconds(demo):
    page = demo.page(f"{DEMO}/first.html")
    badge = words(element_text(page, "div", "verified-badge"))
    record = load_records(Project.at(demo.root).records_path)[f"{DEMO}/first.md"]
    pymc = importlib.metadata.version("pymc")
    pytensor = importlib.metadata.version("pytensor")
    when = record.executed_at[:10]
    assert badge.startswith(f"Verified: executed {when} ")
    assert f"on CPU with PyMC {pymc}, PyTensor {pytensor}, in {record.seconds:.1f} s." in badge
    assert "JAX" not in badge  # a CPU lesson that does not import jax
    assert "verified-ok" in elements(page).find("div", "verified-badge")[0]["class"]


@pytest.mark.skipif(accelerator_name() != "cpu", reason="this machine has a GPU")
def test_a_gpu_lesson_built_without_a_gpu_says_it_ran_on_cpu_jax(demo):
    badge = words(element_text(demo.page(f"{DEMO}/gpu.html"), "div", "verified-badge"))
    jax = importlib.metadata.version("jax")
    assert " on CPU (JAX) with PyMC " in badge
    assert f"JAX {jax}, in " in badge
    assert (
        "This is a GPU lesson, but no GPU was present when this site was built: "
        "it ran on CPU JAX, so its timings are CPU timings."
    ) in badge


def test_a_solution_folds_with_its_code_and_its_output(demo):
    page = demo.page(f"{DEMO}/first.html")
    solutions = elements(page).find("details", "solution")
    assert len(solutions) == 1
    assert "open" not in solutions[0]
    solution = element_text(page, "details", "solution")
    assert "SOLUTION-PROSE: it is four." in solution
    # the solution's code cell sits inside the closed <details>: its code and its output
    # ("4") are part of the answer, shown plainly once it is opened (no second fold)
    assert "print(2 + 2)" in words(solution)
    assert re.search(r"\b4\b", solution.split("print(2 + 2)", 1)[1])
    start = page.index('<details class="sd-sphinx-override sd-dropdown')
    end = page.index("</details>", page.index("tag_solution", start)) + len("</details>")
    assert "tag_solution" not in page[:start] + page[end:]
    assert "above-input" not in page[start:end]


def test_a_solution_cell_away_from_its_solution_is_one_line(tmp_path, capsys):
    root = make_fixture_site(tmp_path / "site", base="curriculum/site")
    lesson = root / DEMO / "first.md"
    text = lesson.read_text(encoding="utf-8")
    text = text.replace(
        "::::\n\n```{code-cell} ipython3\n:tags: [hide-input, solution]",
        "::::\n\nA STRAY PARAGRAPH.\n\n```{code-cell} ipython3\n:tags: [hide-input, solution]",
    )
    lesson.write_text(text, encoding="utf-8")
    line = text.splitlines().index("A STRAY PARAGRAPH.") + 3
    status, _out, err = run_ose(["--root", str(root), "check"], capsys)
    assert status == 1
    assert (
        f"{DEMO}/first.md:{line}: a code cell tagged solution does not follow a {{solution}} "
        "block (allowed: the cell right after its {solution} block, or the tag removed) "
        "[ose.teaching]"
    ) in err.splitlines()


def test_instructor_note_is_hidden_by_default(demo):
    page = demo.page(f"{DEMO}/first.html")
    notes = elements(page).find("div", "instructor-note")
    assert len(notes) == 1
    assert notes[0]["hidden"] == "hidden"
    assert "INSTRUCTOR-NOTE-TEXT" in element_text(page, "div", "instructor-note")
    switch = elements(page).find("button", "ose-instructor-switch")
    assert len(switch) == 1 and "hidden" in switch[0] and switch[0]["aria-pressed"] == "false"
    assert "_static/curriculum.js" in page
    script = (demo.html / "_static" / "curriculum.js").read_text(encoding="utf-8")
    assert "localStorage" in script
    css = (demo.html / "_static" / "curriculum.css").read_text(encoding="utf-8")
    assert ".instructor-note[hidden]" in css
    # a lesson without notes has no switch
    assert not elements(demo.page(f"{DEMO}/second.html")).find("button", "ose-instructor-switch")


def test_download_link_resolves_to_the_executed_notebook(demo):
    page_path = demo.html / DEMO / "first.html"
    links = elements(page_path.read_text(encoding="utf-8")).find("a", "download")
    assert len(links) == 1
    target = (page_path.parent / unquote(links[0]["href"] or "")).resolve()
    assert target.is_file()
    assert links[0]["download"] == "first.ipynb"
    notebook = json.loads(target.read_text(encoding="utf-8"))
    outputs = [
        "".join(output.get("text", ""))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for output in cell["outputs"]
    ]
    assert outputs == ["FIRST-LESSON-OUTPUT\nSTREAM-ONE\nSTREAM-TWO\n", "4\n"]  # executed, merged
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert notebook["metadata"]["ose"] == {
        "source": f"{DEMO}/first.md",
        "kernel": "pymc-cpu",
        "accelerator": "cpu",
    }


def test_colab_and_binder_links_point_at_the_published_notebook(demo):
    page = demo.page(f"{DEMO}/first.html")
    hrefs = [attrs["href"] for attrs in elements(page).find("a", "lesson-launch-link")]
    assert hrefs == [
        f"https://colab.research.google.com/github/{REPOSITORY}/blob/gh-pages/{DEMO}/first.ipynb",
        f"https://mybinder.org/v2/gh/{REPOSITORY}/gh-pages?labpath={DEMO}/first.ipynb",
    ]


def test_previous_and_next_follow_the_course_order(demo):
    first = words(element_text(demo.page(f"{DEMO}/first.html"), "div", "lesson-pager"))
    second = words(element_text(demo.page(f"{DEMO}/second.html"), "div", "lesson-pager"))
    last = words(element_text(demo.page(f"{DEMO}/gpu.html"), "div", "lesson-pager"))
    assert first == "Next: The second lesson"
    assert second == "Previous: The first lesson Next: The GPU lesson"
    assert last == "Previous: The second lesson Back to the course: A demonstration course"
    assert 'href="second.html"' in demo.page(f"{DEMO}/first.html")


def test_course_page_has_the_generated_syllabus(demo):
    page = demo.page(f"{DEMO}/index.html")
    syllabus = words(element_text(page, "div", "course-syllabus"))
    assert "Total time: 1 h 10 min (70 min)" in syllabus
    rows = re.findall(r"<tr class=\"row-(?:odd|even)\">(.*?)</tr>", page, re.S)
    cells = [words(text_of(row)) for row in rows]
    assert cells == [
        "Lesson Objectives Teaching (min) Exercises (min)",
        "1. The first lesson Print a line Add two numbers 10 5",
        "2. The second lesson Multiply two numbers 20 25",
        "3. The GPU lesson Run on whatever device there is 5 5",
        "Total 1 h 10 min 35 35",
    ]
    assert "Prerequisites Python basics" in syllabus
    # the lessons are in the site's navigation, in course order
    sidebar = page[page.index('<nav class="bd-docs-nav') :]
    nav = re.findall(r'href="(first|second|gpu)\.html"', sidebar)
    assert nav[:3] == ["first", "second", "gpu"]


def test_second_lesson_links_its_prerequisite_lesson(demo):
    header = element_text(demo.page(f"{DEMO}/second.html"), "div", "lesson-meta")
    assert "Prerequisites: The first lesson; Some patience" in words(header)
    assert 'href="first.html"' in demo.page(f"{DEMO}/second.html")


def test_learn_page_lists_the_course_from_its_metadata(demo):
    page = demo.page("curriculum/index.html")
    card = words(element_text(page, "div", "course-card"))
    assert card == (
        "A demonstration course Two short lessons that exercise every part of the curriculum "
        "tooling. Level: Introductory For: The curriculum\u2019s tests. "
        "Length: 3 lessons, 1 h 10 min"
    )


def test_report_lists_every_lesson_with_status_time_device_and_versions(demo):
    page = demo.page("curriculum/report.html")
    records = load_records(Project.at(demo.root).records_path)
    pymc = importlib.metadata.version("pymc")
    rows = [
        words(text_of(row))
        for row in re.findall(r"<tr class=\"row-(?:odd|even)\">(.*?)</tr>", page, re.S)
    ][1:]
    titles = ["The first lesson", "The second lesson", "The GPU lesson"]
    assert len(rows) == 3
    for row, stem, title in zip(rows, ["first", "second", "gpu"], titles, strict=True):
        record = records[f"{DEMO}/{stem}.md"]
        assert row.startswith(f"{title} ok {record.executed_at[:10]} ")
        assert f" {record.seconds:.1f} " in row
        assert f"PyMC {pymc}" in row
    assert row.endswith("no sampled model recorded clean")  # the guard, then the output check
    assert "3 lessons, 3 executed successfully" in words(page)
    assert 'href="courses/demo/index.html"' in page  # each course's table is headed by its link


def test_changed_records_reach_badges_and_report_without_touching_sources(demo):
    """Guard figures that a run of the lesson left in the cache show on the next build: the
    runner judges them again and rewrites the record; the badge and the report read it."""
    project = Project.at(demo.root)
    cache = get_cache(str(execution_cache_dir(project)))
    cached = cache.match_cache_notebook(read_notebook(demo.root / DEMO / "second.md"))
    figures = [
        {"model": "idata", "cell": 1, "max_r_hat": 1.004, "min_ess_bulk": 812.0, "divergences": 0},
        {"model": "traces[0]", "max_r_hat": 1.002, "min_ess_bulk": 450.0, "divergences": 0},
    ]
    cache.cache_notebook_bundle(
        CacheBundleIn(
            cache.get_cache_bundle(cached.pk).nb,
            cached.uri,
            data={**(cached.data or {}), GUARD_DATA: figures},
        ),
        check_validity=False,
        overwrite=True,
    )
    rebuilt = _quiet_build(demo.root)
    assert rebuilt.status == 0, rebuilt.err
    assert "executed 0 of 3 lessons (3 from cache)" in rebuilt.out
    guards = load_records(project.records_path)[f"{DEMO}/second.md"].guards
    assert [(g.model, g.passed, g.ess_floor) for g in guards] == [
        ("idata", True, 400),
        ("traces[0]", True, 400),
    ]
    badge = words(element_text(rebuilt.page(f"{DEMO}/second.html"), "div", "verified-badge"))
    assert (
        "Convergence guard (every sampled model): "
        "idata: max r_hat 1.004, min bulk ESS 812 (floor 400), 0 divergences; passed "
        "traces[0]: max r_hat 1.002, min bulk ESS 450 (floor 400), 0 divergences; passed"
    ) in badge
    report = words(rebuilt.page("curriculum/report.html"))
    assert "idata: max r_hat 1.004, min bulk ESS 812 (floor 400), 0 divergences" in report


# ---------------------------------------------------------------------------------------------
# the repository's own introductory course


def test_every_real_lesson_has_a_verified_badge_and_a_notebook(real_site):
    curriculum = load_curriculum(Project.at(REPO))
    assert curriculum.course("bayes-intro") is not None
    for docname in curriculum.lessons:
        page = real_site.page(f"{docname}.html")
        assert "verified-ok" in page, f"{docname} is not verified"
        assert (real_site.html / f"{docname}.ipynb").is_file()
        # the output hygiene check: nothing stray, at most what the lesson declares it teaches
        badge = words(element_text(page, "div", "verified-badge"))
        assert re.search(r"Output: (clean \(no warning|\d+ taught \(see taught-output\))", badge), (
            docname
        )
        assert "stray" not in badge


def test_real_introductory_course_has_five_lessons_each_with_exercise_solution_figure(real_site):
    curriculum = load_curriculum(Project.at(REPO))
    course = curriculum.course("bayes-intro")
    assert [lesson.stem for lesson in curriculum.lessons_of(course)] == [
        "bayes-rule",
        "first-model",
        "priors",
        "regression",
        "diagnostics",
    ]
    for lesson in curriculum.lessons_of(course):
        page = real_site.page(f"{lesson.docname}.html")
        assert elements(page).find("div", "exercise"), lesson.stem
        assert elements(page).find("details", "solution"), lesson.stem
        assert 'src="data:image/png' in page or "<img" in page, f"{lesson.stem} has no figure"


def test_a_new_course_reaches_the_learn_page_on_the_next_build(demo):
    """Runs last on the fixture: adding a course re-reads the pages that list every course."""
    folder = demo.root / "curriculum/courses/extra"
    folder.mkdir()
    (folder / "index.md").write_text(
        "---\ntitle: An extra course\nlevel: advanced\nsummary: Added after the first build.\n"
        "audience: Testers.\nprerequisites: [demo]\nlessons: [only]\n---\n\n# An extra course\n\n"
        "```{course-syllabus}\n```\n",
        encoding="utf-8",
    )
    (folder / "only.md").write_text(
        (demo.root / DEMO / "second.md")
        .read_text(encoding="utf-8")
        .replace("The second lesson", "The only lesson")
        .replace("  - first\n", "  - demo/first\n")
        .replace("level: introductory", "level: advanced")
        .replace("print(6 * 7)", "print(6 * 8)"),  # new code: executed, not a cache hit
        encoding="utf-8",
    )
    rebuilt = _quiet_build(demo.root)
    assert rebuilt.status == 0, rebuilt.err
    cards = [
        words(text_of(card))
        for card in re.findall(
            r'<div class="course-card.*?</dl>', rebuilt.page("curriculum/index.html"), re.S
        )
    ]
    assert [card.split(" Level")[0].split(" ", 3)[:3] for card in cards] == [
        ["A", "demonstration", "course"],
        ["An", "extra", "course"],
    ]
    syllabus = words(
        element_text(rebuilt.page("curriculum/courses/extra/index.html"), "div", "course-syllabus")
    )
    assert "Prerequisites A demonstration course" in syllabus
    assert "4 lessons, 4 executed successfully" in words(rebuilt.page("curriculum/report.html"))


def test_real_diagnostics_lesson_shows_the_failures_it_teaches(real_site):
    page = real_site.page("curriculum/courses/bayes-intro/diagnostics.html")
    badge = words(element_text(page, "div", "verified-badge"))
    assert "idata_good: max r_hat " in badge
    for model in ("idata_short", "idata_funnel", "idata_funnel_careful"):
        assert re.search(rf"{model}: max r_hat [\d.]+, .*?; fails as the lesson intends", badge)
    report = words(real_site.page("curriculum/report.html"))
    assert "idata_funnel_nc: max r_hat" in report
