"""Workshop bundles: what a learner and an instructor unzip, and why they can trust it.

One fixture site (two tiny lessons that read data files, one workshop) is built for real by
``ose build``, which makes the bundles as its last stage; a second build into another folder
checks that the zips are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser import open_browser, require_browser
from conftest import FIXTURES, IN_CI, REPO, make_fixture_site, run_ose

pytestmark = pytest.mark.site

SLUG = "demo-day"
DOWNLOADS = "downloads/workshops"
EPOCH = "1767225600"  # 2026-01-01 00:00:00 UTC
#: Text of the fixture lessons' solutions and instructor notes (prose and code output).
ANSWERS = ("SOLUTION-PROSE", "SECOND-SOLUTION-PROSE")
NOTES = ("INSTRUCTOR-NOTE-TEXT", "SECOND-INSTRUCTOR-NOTE")
BOOTSTRAP_UV = REPO / ".nox" / "_bootstrap" / "bin"


def _environment() -> None:
    """uv exports the pinned environment: put the one tools/nox.py installs on PATH."""
    if shutil.which("uv") is None:
        for folder in (BOOTSTRAP_UV, Path("/work/main/.nox/_bootstrap/bin")):
            if (folder / "uv").is_file():
                os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ['PATH']}"
                return


def make_site(destination: Path) -> Path:
    """The fixture site with the project's lock, which the bundles pin."""
    site = make_fixture_site(destination, base="bundles/site")
    shutil.copy2(REPO / "uv.lock", site / "uv.lock")
    shutil.copy2(REPO / "pyproject.toml", site / "pyproject.toml")
    return site


def build(site: Path, build_dir: Path | None = None) -> Path:
    """``ose build`` in its own process, with the build time fixed as a release would."""
    _environment()
    args = ["--root", str(site)]
    if build_dir is not None:
        args += ["--build-dir", str(build_dir)]
    result = subprocess.run(
        [sys.executable, "-m", "ose.cli", *args, "build", "-j", "2"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    assert result.returncode == 0, f"ose build failed:\n{result.stdout}\n{result.stderr}"
    return build_dir or site / "_build"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build folder of the fixture site."""
    site = make_site(tmp_path_factory.mktemp("bundles") / "site")
    return build(site)


def unzip(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(into)
    (folder,) = into.iterdir()
    return folder


@pytest.fixture(scope="module")
def learner(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    zip_path = built / "html" / DOWNLOADS / f"{SLUG}-learner.zip"
    return unzip(zip_path, tmp_path_factory.mktemp("learner"))


@pytest.fixture(scope="module")
def instructor(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    zip_path = built / "html" / DOWNLOADS / f"{SLUG}-instructor.zip"
    return unzip(zip_path, tmp_path_factory.mktemp("instructor"))


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def notebook_texts(folder: Path, pattern: str) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.glob(pattern)}


def solution_cells(notebook: Path) -> list[dict]:
    cells = json.loads(notebook.read_text())["cells"]
    return [c for c in cells if "solution" in c.get("metadata", {}).get("tags", [])]


# -- what each bundle holds ---------------------------------------------------------------------


def test_learner_bundle_has_exercises_but_no_solution_or_note(learner):
    lessons = notebook_texts(learner, "courses/demo/*")
    assert sorted(lessons) == [
        "courses/demo/first.ipynb",
        "courses/demo/first.md",
        "courses/demo/second.ipynb",
        "courses/demo/second.md",
    ]
    for name, text in lessons.items():
        for hidden in (*ANSWERS, *NOTES, "{solution}", "{instructor-note}", "Instructor note"):
            assert hidden not in text, f"{name} shows {hidden!r} to learners"
        assert "{exercise}" in text and ":label: demo-" in text, name
    assert "Add two and two." in lessons["courses/demo/first.md"]
    # a {doc} link to a lesson in the bundle links its file; one to a page outside, plain text
    assert (
        "builds on [the first lesson](first.md) and its course."
        in (lessons["courses/demo/second.md"])
    )
    for name in ("first", "second"):
        notebook = learner / f"courses/demo/{name}.ipynb"
        assert solution_cells(notebook) == []
        cells = json.loads(notebook.read_text())["cells"]
        assert all(c.get("outputs", []) == [] for c in cells if c["cell_type"] == "code")
        assert json.loads(notebook.read_text())["metadata"]["kernelspec"]["name"] == "python3"
    assert not any(path.startswith("instructor/") for path in files_under(learner))


def test_instructor_bundle_has_solutions_notes_outputs_and_guide(instructor, learner):
    assert files_under(learner) <= files_under(instructor)
    first = instructor / "instructor/demo/first.ipynb"
    text = first.read_text()
    for shown in ("SOLUTION-PROSE", "INSTRUCTOR-NOTE-TEXT", "FIRST-LESSON-OUTPUT", "image/png"):
        assert shown in text
    (answer,) = solution_cells(first)
    assert answer["outputs"][0]["text"] == ["4\n"]
    # mystmd's forms: a solution names its exercise's label, a note is an admonition
    assert "{solution} instructor-demo-first-exercise-1" in text
    assert "{admonition} Instructor note" in text
    second = (instructor / "instructor/demo/second.ipynb").read_text()
    assert "SECOND-SOLUTION-PROSE" in second and "SECOND-INSTRUCTOR-NOTE" in second
    assert "[the first lesson](first.ipynb)" in second
    guide = (instructor / "instructor/guide.md").read_text()
    for shown in (
        "INSTRUCTOR-NOTE-TEXT",
        "SECOND-INSTRUCTOR-NOTE",
        "Add two and two.",
        "Teaching 10 min, exercises 5 min",
        "check_setup.py",
    ):
        assert shown in guide
    site = files_under(instructor / "instructor/site")
    for page in (
        "curriculum/workshops/demo-day/workshop.html",
        "curriculum/workshops/demo-day/guide.html",
        "curriculum/courses/demo/first.html",
        "search.html",
        "searchindex.js",
    ):
        assert page in site
    assert "curriculum/report.html" not in site  # a page the workshop does not use


def test_data_files_are_those_the_lessons_read_and_no_other(learner, instructor):
    assert (FIXTURES / "bundles/site/curriculum/data/unused.csv").is_file()  # read by none
    for bundle in (learner, instructor):
        data = {p for p in files_under(bundle) if p.startswith("data/")}
        assert data == {"data/points.csv", "data/extra/notes.csv"}
    assert (learner / "data/points.csv").read_text().startswith("x,y\n")


def test_schedule_calendar_readme_and_book_project(learner):
    schedule = (learner / "schedule.md").read_text()
    assert "| 09:20-09:35 | The first lesson (`demo/first`) | 15 (10 teaching, 5 exercises) |" in (
        schedule
    )
    calendar = (learner / "schedule.ics").read_bytes().decode()
    assert calendar.count("BEGIN:VEVENT") == 3  # two lessons and the welcome; no coffee break
    # 09:20 in Berlin on 1 March 2027 is 08:20 UTC
    assert "DTSTART:20270301T082000Z\r\nDTEND:20270301T083500Z" in calendar
    readme = (learner / "README.md").read_text()
    assert "pip install --require-hashes -r requirements.txt" in readme
    assert "SETUP-STEP-ONE" in readme
    requirements = (learner / "requirements.txt").read_text()
    assert "pymc==" in requirements and "--hash=sha256:" in requirements
    assert "sphinx==" not in requirements  # the site's tooling is not the learner's
    book = (learner / "myst.yml").read_text()
    assert '- file: "courses/demo/first.md"' in book


# -- check_setup.py -----------------------------------------------------------------------------


def run_check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "check_setup.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_check_setup_passes_here_and_fails_on_one_changed_pin(learner, tmp_path):
    result = run_check(learner)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines and all(line.startswith("PASS ") for line in lines), lines
    assert any(line.startswith("PASS pymc ") for line in lines)
    assert lines[-1].startswith("PASS sampled a tiny model")

    copy = tmp_path / "copy"
    shutil.copytree(learner, copy)
    pins = json.loads((copy / "pins.json").read_text())
    pins["packages"]["pymc"] = [{"version": "5.0.0", "marker": ""}]
    (copy / "pins.json").write_text(json.dumps(pins))
    result = run_check(copy)
    failed = [line for line in result.stdout.splitlines() if not line.startswith("PASS ")]
    installed = next(line.split()[2] for line in lines if line.startswith("PASS pymc "))
    assert result.returncode == 1
    assert failed == [
        f"FAIL pymc {installed} is installed, pinned 5.0.0 (install the pinned environment: "
        "python -m pip install --require-hashes -r requirements.txt)"
    ]


# -- trustworthy archives -----------------------------------------------------------------------


def test_manifest_sums_and_zip_entries(built):
    downloads = built / "html" / DOWNLOADS
    manifest = json.loads((built / "bundles" / "manifest.json").read_text())
    assert list(manifest) == [SLUG]
    assert [entry["kind"] for entry in manifest[SLUG]] == ["learner", "instructor"]
    sums = {}
    for line in (downloads / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        sums[name] = digest
    for entry in manifest[SLUG]:
        content = (built / "html" / entry["file"]).read_bytes()
        assert entry["file"] == f"{DOWNLOADS}/{SLUG}-{entry['kind']}.zip"
        assert entry["bytes"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert sums[f"{SLUG}-{entry['kind']}.zip"] == entry["sha256"]
        with zipfile.ZipFile(built / "html" / entry["file"]) as archive:
            infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert {info.date_time for info in infos} == {(2026, 1, 1, 0, 0, 0)}
        assert {info.external_attr >> 16 for info in infos} == {0o100644}


def zip_digests(archive: Path) -> dict[str, str]:
    with zipfile.ZipFile(archive) as zipped:
        return {i.filename: hashlib.sha256(zipped.read(i)).hexdigest() for i in zipped.infolist()}


def test_the_workshop_page_lists_both_bundles_and_its_offline_copy_does_not(built, instructor):
    """The build's pages list the bundles (Sphinx runs again once the manifest changed); the
    copy inside the instructor bundle says where to find them instead, since no zip can carry
    its own hash."""
    manifest = json.loads((built / "bundles" / "manifest.json").read_text())
    page = (built / "html/curriculum/workshops/demo-day/workshop.html").read_text()
    for entry in manifest[SLUG]:
        assert entry["sha256"] in page
    offline = (
        instructor / "instructor/site/curriculum/workshops/demo-day/workshop.html"
    ).read_text()
    assert "workshop-downloads-offline" in offline
    assert not any(entry["sha256"] in offline for entry in manifest[SLUG])
    assert "WORKSHOP-PAGE-TEXT" in offline


def test_two_builds_in_two_folders_give_identical_zips(built, tmp_path):
    """A second build of the same commit into another folder, with the execution cache a CI
    run restores (executing twice would rightly change the pages' "executed at" badges)."""
    second = tmp_path / "second-build"
    second.mkdir()
    # the execution cache: executed notebooks, and the models they sampled, kept as netCDF
    for part in ("jupyter", "inferencedata"):
        shutil.copytree(built / "cache" / part, second / "cache" / part)
    shutil.copytree(built / "execution", second / "execution")
    other = build(built.parent, second)
    for kind in ("learner", "instructor"):
        name = f"{DOWNLOADS}/{SLUG}-{kind}.zip"
        before, after = zip_digests(built / "html" / name), zip_digests(other / "html" / name)
        assert sorted(before) == sorted(after)
        assert [n for n in before if before[n] != after[n]] == [], kind
    first = (built / "html" / DOWNLOADS / "SHA256SUMS").read_text()
    assert (other / "html" / DOWNLOADS / "SHA256SUMS").read_text() == first
    assert len(first.splitlines()) == 2


def test_a_rebuild_in_the_same_folder_gives_the_same_zips(built):
    """The instructor bundle carries the workshop pages and their search index; the page lists
    the bundles' hashes, which must stay out of it, or each bundle would hold the last one's."""
    sums = built / "html" / DOWNLOADS / "SHA256SUMS"
    first = sums.read_text()
    zip_path = built / "html" / DOWNLOADS / f"{SLUG}-instructor.zip"
    made = zip_path.stat().st_mtime_ns
    build(built.parent)
    assert sums.read_text() == first
    # nothing they are made from changed: the build kept them instead of zipping them again
    assert (built / "html" / DOWNLOADS / f"{SLUG}-instructor.zip").stat().st_mtime_ns == made


def test_size_budget_names_the_largest_files(built, capsys):
    site = built.parent
    status, _out, err = run_ose(["--root", str(site), "bundle", SLUG, "--max-mb", "0.5"], capsys)
    assert status == 1
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{DOWNLOADS}/{SLUG}-instructor.zip:0: the bundle is "), lines[0]
    assert "over the budget of 0.5 MB (largest: instructor/site/" in lines[0]
    assert "raise it with OSE_BUNDLE_MAX_MB or ose bundle --max-mb)" in lines[0]


def test_unknown_workshop_is_one_line(built, capsys):
    status, _out, err = run_ose(["--root", str(built.parent), "bundle", "nope"], capsys)
    assert status == 1
    assert err == "curriculum/workshops:0: no workshop 'nope' (known: demo-day)\n"


DATA_READ = "print(open('{path}').read())\n"


def _site_reading(tmp_path: Path, path: str) -> Path:
    site = make_site(tmp_path / "site")
    lesson = site / "curriculum/courses/demo/second.md"
    text = lesson.read_text()
    lesson.write_text(text.replace("print(6 * 7)\n", f"print(6 * 7)\nprint(open({path!r}))\n"))
    return site


def test_a_path_that_climbs_out_is_refused(tmp_path, capsys):
    site = _site_reading(tmp_path, "../../../../../../../../etc/hostname")
    status, _out, err = run_ose(["--root", str(site), "check"], capsys)
    assert status == 1
    assert err == (
        "curriculum/courses/demo/second.md:25: the path '../../../../../../../../etc/hostname' "
        "climbs out of the repository (allowed: files under curriculum/data/, e.g. "
        "'../../data/file.csv')\n"
    )


def test_a_data_file_linking_out_of_the_repository_is_refused(tmp_path, capsys):
    outside = tmp_path / "secret.csv"
    outside.write_text("a,b\n")
    site = _site_reading(tmp_path, "../../data/linked.csv")
    (site / "curriculum/data/linked.csv").symlink_to(outside)
    status, _out, err = run_ose(["--root", str(site), "check"], capsys)
    assert status == 1
    assert err == (
        f"curriculum/courses/demo/second.md:25: curriculum/data/linked.csv is a symbolic link "
        f"to {outside}, outside the repository (allowed: a file kept in curriculum/data/)\n"
    )


# -- the offline copy, in a real browser --------------------------------------------------------


@pytest.mark.browser
def test_offline_copy_opens_from_file_with_figure_search_and_no_request_out(instructor):
    chromium = require_browser(IN_CI)
    folder = instructor.resolve()
    inside = folder.as_uri() + "/"
    requests: list[str] = []
    with open_browser(chromium) as browser:
        page = browser.new_page()
        page.on("request", lambda request: requests.append(request.url))
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        page.goto((folder / "instructor/offline.html").as_uri())
        page.wait_for_url("**/curriculum/workshops/demo-day/workshop.html")
        assert "WORKSHOP-PAGE-TEXT" in page.inner_text("body")

        page.goto((folder / "instructor/site/curriculum/courses/demo/first.html").as_uri())
        figure = page.locator("img[src*='_images/']").first
        figure.wait_for()
        assert figure.evaluate("image => image.complete && image.naturalWidth > 0")

        page.goto((folder / "instructor/site/search.html").as_uri() + "?q=lesson")
        results = page.locator("#search-results ul.search li")
        results.first.wait_for(timeout=20_000)
        found = sorted(results.locator("a").evaluate_all("links => links.map(a => a.href)"))
        assert found and all(url.startswith(inside) for url in found), found
        assert any(url.endswith("curriculum/courses/demo/first.html") for url in found)

    assert errors == []
    outside = {url for url in requests if not url.startswith(inside)}
    assert outside == set(), f"the offline copy asked for {sorted(outside)}"
    assert {urlsplit(url).scheme for url in requests} == {"file"}


# -- Jupyter Book 2 reads the bundle's project --------------------------------------------------


def _jupyter_book() -> str:
    found = shutil.which("jupyter-book") or next(
        (str(p) for p in [Path(sys.executable).parent / "jupyter-book"] if p.is_file()), None
    )
    if found is None or shutil.which("node") is None:
        reason = "jupyter-book (uv sync --group book) or Node.js is not installed"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.mark.parametrize("kind", ["learner", "instructor"])
def test_jupyter_book_reads_the_bundle_with_no_error(kind, learner, instructor, tmp_path):
    """mystmd parses every page of myst.yml's toc; its site build needs a theme from the
    network, so the offline Markdown export is the test. Messages about the exported files
    (the Markdown exporter has no form for an exercise) are not about the bundle."""
    jupyter_book = _jupyter_book()
    folder = tmp_path / kind
    shutil.copytree(learner if kind == "learner" else instructor, folder)
    toc = [
        line.split('"')[1]
        for line in (folder / "myst.yml").read_text().splitlines()
        if line.strip().startswith("- file:")
    ]
    result = subprocess.run(
        [jupyter_book, "build", "--md", "--force", "--ci", *toc],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for name in toc:
        assert f"Built {name}" in output, output
    problems = [
        line
        for line in output.splitlines()
        if ("⛔" in line or "⚠" in line) and "_build/exports/" not in line
    ]
    assert problems == [], output


def test_the_locks_facts_are_kept_and_read_again_when_unreadable(tmp_path):
    """What the bundles need of uv.lock is kept per content of the lock; a kept file that
    cannot be read is made again, the same."""
    from ose.project import Project
    from ose.workshops import bundle

    _environment()
    site = make_site(tmp_path / "site")
    project = Project.at(site)
    uv = shutil.which("uv")
    assert uv is not None and project.lock_file is not None
    facts = bundle._lock_facts(project, project.lock_file, uv)
    (kept,) = (project.cache_dir / "uv-lock").glob("*.json")
    assert bundle._lock_facts(project, project.lock_file, uv) == facts
    assert "pymc" in facts["packages"] and "pymc==" in facts["export"]
    kept.write_text("{", encoding="utf-8")
    assert bundle._lock_facts(project, project.lock_file, uv) == facts
