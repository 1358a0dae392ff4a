"""Two zips per workshop, one for learners and one for instructors, that anyone can verify.

A bundle is put together as a mapping of archive paths to bytes, then written as a zip with
sorted entries, one fixed time (``SOURCE_DATE_EPOCH``, else the commit's time) and fixed
permissions, so two builds of one commit give the same bytes and the published SHA-256 means
something. The learner bundle holds what a learner runs (notebooks without answers, the data
they read, the pinned environment and a set-up check); the instructor bundle adds the executed
notebooks with answers and notes, the guide, and an offline copy of the pages.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast

from ose.core.dates import build_date
from ose.core.problems import Problem, ProblemsFound
from ose.core.text import file_version, write_atomically
from ose.curriculum.model import Lesson
from ose.project import Project
from ose.workshops.blocks import lesson_blocks
from ose.workshops.data import DataFile, lesson_data
from ose.workshops.manifest import manifest_path
from ose.workshops.notebooks import (
    instructor_notebook,
    ipynb_bytes,
    learner_notebook,
    text_notebook_bytes,
)
from ose.workshops.offline import offline_copy

Kind = Literal["learner", "instructor"]
KINDS: tuple[Kind, ...] = ("learner", "instructor")

#: Where the zips are published, relative to the HTML root.
DOWNLOADS = "downloads/workshops"
#: The largest zip allowed, unless ``OSE_BUNDLE_MAX_MB`` or ``ose bundle --max-mb`` says otherwise.
DEFAULT_MAX_MB = 25.0
MAX_MB_VARIABLE = "OSE_BUNDLE_MAX_MB"
#: The earliest time a zip entry can carry (1980-01-01 UTC).
ZIP_EPOCH = 315532800

#: Packages a learner's environment is made of; JAX's only when a lesson needs it. Everything
#: they depend on in ``uv.lock`` comes along, and nothing of the site's own tooling.
LEARNER_ROOTS = (
    "pymc",
    "pytensor",
    "arviz",
    "numpy",
    "scipy",
    "matplotlib",
    "ipykernel",
    "jupytext",
    "packaging",
)
JAX_ROOTS = ("jax", "jaxlib", "numpyro")


@dataclass(frozen=True)
class CalendarEvent:
    """One session with a date: a line in the workshop's ``.ics`` calendar."""

    start: datetime
    end: datetime
    summary: str
    description: str = ""


@dataclass(frozen=True)
class BundleSpec:
    """What a workshop puts in its bundles; the workshop layer fills it in.

    ``pages`` are the docnames of the offline copy (the workshop page, its guide, its lessons),
    ``entry`` the one it opens on; ``events`` is empty when the workshop has no dates.
    """

    slug: str
    title: str
    lessons: list[Lesson]
    schedule_markdown: str
    summary: str = ""
    setup_markdown: str = ""
    events: list[CalendarEvent] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    entry: str | None = None
    guide_markdown: str | None = None


@dataclass(frozen=True)
class BundleFile:
    """A zip as published: where it is, how big, and its SHA-256."""

    slug: str
    kind: Kind
    path: Path
    file: str
    bytes: int
    sha256: str

    def manifest_entry(self) -> dict[str, object]:
        return {"kind": self.kind, "file": self.file, "bytes": self.bytes, "sha256": self.sha256}


# -- time and size ------------------------------------------------------------------------------


def inputs_digest(project: Project, html_dir: Path) -> str:
    """One hash of everything a bundle is made from: the curriculum's sources and data, the
    lock, the built curriculum pages (outputs included), assets and search index, this code and
    the epoch.

    Equal digests mean equal zips, so a build that changed none of it keeps the last ones
    instead of spending seconds making the same bytes again."""
    digest = hashlib.sha256(f"{bundle_epoch(project)}\n".encode())
    lock = project.lock_file
    if lock is not None:
        digest.update(lock.read_bytes())
    built = [html_dir / name for name in ("curriculum", "_static", "_images")]
    files = [html_dir / "searchindex.js", html_dir / "search.html"]
    for base in (project.root / "curriculum", *built, Path(__file__).parent):
        # not Python's byte code, which any process importing this code may write at any time
        files += sorted(p for p in base.rglob("*") if p.is_file() and p.suffix != ".pyc")
    for path in files:
        if path.is_file():  # the site's feeds and other pages, which no bundle holds, are left out
            digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def bundle_epoch(project: Project) -> int:
    """``SOURCE_DATE_EPOCH`` when set (validated as the build date is), else the time of the
    commit being built, else 1980-01-01: never the time of day of the build."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        build_date()  # one line for a value that is not a number of seconds
        return max(int(os.environ["SOURCE_DATE_EPOCH"].strip()), ZIP_EPOCH)
    try:
        result = subprocess.run(
            ["git", "-C", str(project.root), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ZIP_EPOCH
    text = result.stdout.strip()
    return max(int(text), ZIP_EPOCH) if result.returncode == 0 and text.isdigit() else ZIP_EPOCH


def max_bytes_from(value: float | str | None) -> int:
    """The size budget in bytes, from ``--max-mb``, else ``OSE_BUNDLE_MAX_MB``, else 25 MB."""
    source = "--max-mb"
    if value is None:
        value, source = (
            os.environ.get(MAX_MB_VARIABLE, "").strip() or DEFAULT_MAX_MB,
            MAX_MB_VARIABLE,
        )
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not megabytes > 0:
        raise ProblemsFound.single(
            source, f"the size budget is {value!r} (allowed: a positive number of megabytes)"
        )
    return int(megabytes * 1_000_000)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


# -- the environment ----------------------------------------------------------------------------


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _uv() -> str | None:
    """uv: on PATH, beside this Python, or the one ``tools/nox.py`` installs."""
    found = shutil.which("uv")
    if found:
        return found
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else None


_IMPORT = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def _imported(project: Project, lessons: Iterable[Lesson]) -> set[str]:
    """The top-level modules the lessons import (``numba``, ``threadpoolctl``), as package
    names; and Numba when a lesson compiles with PyTensor's NUMBA mode without importing it."""
    found: set[str] = set()
    for lesson in lessons:
        text = (project.root / lesson.path).read_text(encoding="utf-8")
        found |= {_normal(name) for name in _IMPORT.findall(text)}
        if re.search(r"[\"']NUMBA[\"']", text):
            found.add("numba")
    return found


@dataclass(frozen=True)
class Environment:
    """The pinned environment of a bundle: requirements with hashes, and the versions to check."""

    requirements: bytes
    pins: dict[str, object]


def _lock_facts(project: Project, lock: Path, uv: str) -> dict[str, Any]:
    """What the bundles need of ``uv.lock``: each package's name and dependencies, the Python it
    requires, and uv's export of the whole lock (each bundle keeps its part). Kept in the build
    folder per content of the lock, of pyproject.toml and per uv: parsing the lock's TOML and
    running uv cost a second at every build that makes bundles."""
    content = lock.read_bytes()
    digest = hashlib.sha256(content)
    pyproject = lock.parent / "pyproject.toml"
    digest.update(pyproject.read_bytes() if pyproject.is_file() else b"")
    digest.update(f"{uv}\0{file_version(Path(uv))}".encode())
    kept = project.cache_dir / "uv-lock" / f"{digest.hexdigest()[:32]}.json"
    try:
        return cast(dict[str, Any], json.loads(kept.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass
    result = subprocess.run(
        [
            uv,
            "export",
            "--frozen",
            "--format",
            "requirements-txt",
            "--no-emit-project",
            "--no-dev",
            "--no-header",
            "--no-annotate",
        ],
        cwd=lock.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["no message"])[0]
        raise ProblemsFound.single(lock.name, f"uv export failed: {first}")
    data = tomllib.loads(content.decode("utf-8"))
    facts = {
        "requires_python": str(data.get("requires-python", ">=3")),
        "packages": {
            _normal(package["name"]): {
                "name": package["name"],
                "dependencies": [_normal(d["name"]) for d in package.get("dependencies", [])],
            }
            for package in data.get("package", [])
        },
        "export": result.stdout,
    }
    write_atomically(kept, json.dumps(facts).encode())
    return facts


def learner_environment(project: Project, lessons: Iterable[Lesson]) -> Environment:
    """The part of ``uv.lock`` a learner needs, exported by uv with every hash."""
    lock = project.lock_file
    if lock is None:
        raise ProblemsFound.single("uv.lock", "no uv.lock found (a bundle pins its environment)")
    uv = _uv() or next(
        (str(p) for p in [lock.parent / ".nox/_bootstrap/bin/uv"] if p.is_file()), None
    )
    if uv is None:
        raise ProblemsFound.single(
            lock.name,
            "exporting the pinned environment needs uv (run python3 tools/nox.py once, "
            "or pip install uv)",
        )
    facts = _lock_facts(project, lock, uv)
    packages: dict[str, dict[str, Any]] = facts["packages"]
    lessons = list(lessons)
    roots = list(LEARNER_ROOTS)
    if any(lesson.uses_jax for lesson in lessons):
        roots += JAX_ROOTS
    for name in sorted(_imported(project, lessons)):
        if name in packages and name not in roots:
            roots.append(name)
    wanted: set[str] = set()
    todo = [_normal(root) for root in roots if _normal(root) in packages]
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        todo.extend(packages[name]["dependencies"])
    blocks: list[str] = []
    pinned: dict[str, list[dict[str, str]]] = {}
    roots_normal = {_normal(root) for root in roots}
    for block in re.split(r"\n(?=\S)", facts["export"].strip()):
        head = re.match(
            r"([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]*?))?\s*\\?\s*$",
            block.split("\n", 1)[0],
        )
        if head is None or _normal(head.group(1)) not in wanted:
            continue
        blocks.append(block)
        name = _normal(head.group(1))
        if name in roots_normal:
            pinned.setdefault(packages[name]["name"], []).append(
                {"version": head.group(2), "marker": (head.group(3) or "").strip()}
            )
    header = (
        "# The environment of this workshop, pinned from the site's uv.lock with every hash.\n"
        "# Install: python -m pip install --require-hashes -r requirements.txt\n"
    )
    pins = {"python": facts["requires_python"], "packages": pinned}
    return Environment((header + "\n".join(blocks) + "\n").encode(), pins)


# -- the texts ----------------------------------------------------------------------------------


def _escape_ics(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 lines are at most 75 octets; longer ones continue after CRLF and a space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def calendar(spec: BundleSpec, epoch: int) -> bytes:
    """The workshop's sessions as an iCalendar file (RFC 5545), times in UTC."""

    def stamp(moment: datetime) -> str:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//PyMC Foundation//ose bundle//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape_ics(spec.title)}",
    ]
    created = datetime.fromtimestamp(epoch, tz=UTC)
    for number, event in enumerate(spec.events, start=1):
        lines += [
            "BEGIN:VEVENT",
            f"UID:{spec.slug}-{number}@pymc-foundation.org",
            f"DTSTAMP:{stamp(created)}",
            f"DTSTART:{stamp(event.start)}",
            f"DTEND:{stamp(event.end)}",
            f"SUMMARY:{_escape_ics(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{_escape_ics(event.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


def _notebook_path(lesson: Lesson, suffix: str, folder: str = "courses") -> str:
    return f"{folder}/{lesson.course}/{lesson.stem}{suffix}"


def _readme(spec: BundleSpec, kind: Kind, env: Environment, data: list[DataFile]) -> bytes:
    python = env.pins["python"]
    lines = [f"# {spec.title}: {kind} bundle", ""]
    if spec.summary:
        lines += [spec.summary.strip(), ""]
    lines += ["## Set up (before the workshop)", ""]
    if spec.setup_markdown:
        lines += [spec.setup_markdown.strip(), ""]
    lines += [
        f"1. Install Python {python} and open a terminal in this folder.",
        "2. Make an environment and install the exact versions the lessons were tested with:",
        "",
        "   ```sh",
        "   python -m venv .venv",
        "   . .venv/bin/activate   # Windows: .venv\\Scripts\\activate",
        "   python -m pip install --require-hashes -r requirements.txt",
        "   ```",
        "",
        "3. Check it: `python check_setup.py` prints one PASS or FAIL line per item and ends",
        "   with a tiny model sampled. Every line should say PASS.",
        "4. Open the notebooks under `courses/` with any Jupyter front end (JupyterLab, VS Code)",
        "   using this environment's Python as the kernel.",
        "",
        "## What is in here",
        "",
        "- `schedule.md`: the schedule"
        + (", and `schedule.ics` to import into a calendar" if spec.events else ""),
        "- `courses/<course>/<lesson>.md` and `.ipynb`: each lesson as a text notebook and as a",
        "  notebook, with its exercises"
        + (" and without solutions or outputs" if kind == "learner" else ""),
        "- `data/`: the data files the lessons read"
        + ("" if data else " (none: data are simulated)"),
        "- `requirements.txt` (with hashes) and `pins.json`: the pinned environment",
        "- `check_setup.py`: checks the environment against the pins",
        "- `myst.yml`: a Jupyter Book 2 project; with jupyter-book installed, run",
        "  `jupyter book start` here to read the lessons as a book",
    ]
    if kind == "instructor":
        lines += [
            "- `instructor/<course>/<lesson>.ipynb`: the executed notebooks, with solutions and",
            "  instructor notes",
            "- `instructor/guide.md`: the instructor guide (timing, exercises, notes, checklist)",
            "- `instructor/site/`: the workshop's pages for offline use; open "
            "`instructor/offline.html` in a browser",
        ]
    lines += ["", "## Lessons", ""]
    lines += [f"- {lesson.title} (`{_notebook_path(lesson, '.ipynb')}`)" for lesson in spec.lessons]
    return ("\n".join(lines) + "\n").encode()


def _guide(spec: BundleSpec, sources: dict[str, Path], root: Path) -> bytes:
    """The instructor guide: schedule, set-up checklist, and per lesson its timing, exercises
    and instructor notes, drawn from the lessons themselves."""
    if spec.guide_markdown:
        return spec.guide_markdown.encode()
    lines = [
        f"# Instructor guide: {spec.title}",
        "",
        "## Schedule",
        "",
        spec.schedule_markdown.strip(),
        "",
        "## Set-up checklist",
        "",
        "- [ ] Every learner has unzipped the learner bundle and run `python check_setup.py`",
        "      with PASS on every line.",
        "- [ ] You have run every notebook of `instructor/` once on the machine you teach from.",
        "- [ ] The offline pages open: `instructor/offline.html`.",
        "",
    ]
    for lesson in spec.lessons:
        duration = lesson.duration
        lines += [
            f"## {lesson.title}",
            "",
            f"Teaching {duration.teaching} min, exercises {duration.exercises} min "
            f"(`{lesson.course}/{lesson.stem}`).",
            "",
            "Objectives:",
            "",
        ]
        lines += [f"- {objective}" for objective in lesson.objectives]
        blocks = lesson_blocks(sources[lesson.docname], root)
        for kind, heading in (("exercise", "Exercises"), ("instructor-note", "Instructor notes")):
            found = [(block.title, block.content) for block in blocks if block.kind == kind]
            if found:
                lines += ["", f"### {heading}", ""]
                for title, body in found:
                    lines += [f"**{title or heading.rstrip('s')}**", "", body.strip(), ""]
        lines.append("")
    return ("\n".join(lines).rstrip() + "\n").encode()


def _myst_yml(spec: BundleSpec, kind: Kind) -> bytes:
    """A Jupyter Book 2 project: the README, the schedule, then the notebooks. Written by hand
    (strings quoted as JSON, which YAML reads as they are): the core only reads YAML."""

    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    lines = [
        "# Jupyter Book 2 (mystmd): run `jupyter book start` in this folder.",
        "version: 1",
        "project:",
        f"  title: {quoted(f'{spec.title} ({kind})')}",
    ]
    if kind == "instructor":
        lines += ["  exclude:", f"    - {quoted('instructor/site/**')}"]
    lines += [
        "  toc:",
        f"    - file: {quoted('README.md')}",
        f"    - file: {quoted('schedule.md')}",
        f"    - title: {quoted('Lessons')}",
        "      children:",
    ]
    lines += [f"        - file: {quoted(_notebook_path(lesson, '.md'))}" for lesson in spec.lessons]
    if kind == "instructor":
        lines += [
            f"    - file: {quoted('instructor/guide.md')}",
            f"    - title: {quoted('Executed notebooks (instructor)')}",
            "      children:",
        ]
        lines += [
            f"        - file: {quoted(_notebook_path(lesson, '.ipynb', 'instructor'))}"
            for lesson in spec.lessons
        ]
    lines += ["site:", "  template: book-theme"]
    return ("\n".join(lines) + "\n").encode()


# -- putting a bundle together ------------------------------------------------------------------


def bundle_contents(
    project: Project, spec: BundleSpec, env: Environment, epoch: int, html_dir: Path
) -> tuple[dict[Kind, dict[str, bytes]], list[Problem]]:
    """Each bundle's files (archive path → bytes), and every problem found on the way."""
    problems: list[Problem] = []
    sources = {lesson.docname: project.root / lesson.path for lesson in spec.lessons}
    data: dict[str, DataFile] = {}
    common: dict[str, bytes] = {}
    instructor: dict[str, bytes] = {}
    for lesson in spec.lessons:
        files, found = lesson_data(project.root, sources[lesson.docname])
        problems.extend(found)
        data.update({f.bundle_path: f for f in files})
    if problems:  # nothing of the machine's own files goes any further
        return {}, problems
    bundled = {lesson.docname: f"{lesson.course}/{lesson.stem}" for lesson in spec.lessons}
    for lesson in spec.lessons:
        source = sources[lesson.docname]
        learner = learner_notebook(
            source, f"{lesson.course}-{lesson.stem}", lesson.docname, bundled
        )
        common[_notebook_path(lesson, ".ipynb")] = ipynb_bytes(learner)
        common[_notebook_path(lesson, ".md")] = text_notebook_bytes(learner)
        executed = instructor_notebook(
            html_dir / f"{lesson.docname}.ipynb",
            f"{lesson.course}-{lesson.stem}",
            lesson.docname,
            bundled,
        )
        if executed is None:
            problems.append(
                Problem(
                    lesson.path,
                    0,
                    f"has no executed notebook in the site ({lesson.docname}.ipynb beside its "
                    "page; run ose build before ose bundle)",
                )
            )
        else:
            instructor[_notebook_path(lesson, ".ipynb", "instructor")] = ipynb_bytes(executed)
    for path, item in sorted(data.items()):
        common[path] = item.path.read_bytes()
    common["requirements.txt"] = env.requirements
    common["pins.json"] = (json.dumps(env.pins, indent=2, sort_keys=True) + "\n").encode()
    common["check_setup.py"] = (Path(__file__).parent / "check_setup.py").read_bytes()
    common["schedule.md"] = (
        f"# Schedule: {spec.title}\n\n{spec.schedule_markdown.strip()}\n"
    ).encode()
    if spec.events:
        common["schedule.ics"] = calendar(spec, epoch)
    datafiles = sorted(data.values())
    bundles: dict[Kind, dict[str, bytes]] = {}
    for kind in KINDS:
        files = dict(common)
        files["README.md"] = _readme(spec, kind, env, datafiles)
        files["myst.yml"] = _myst_yml(spec, kind)
        bundles[kind] = files
    bundles["instructor"].update(instructor)
    bundles["instructor"]["instructor/guide.md"] = _guide(spec, sources, project.root)
    if spec.pages:
        site, found = offline_copy(html_dir, spec.pages)
        problems.extend(found)
        bundles["instructor"].update({f"instructor/site/{k}": v for k, v in site.items()})
        entry = spec.entry or spec.pages[0]
        bundles["instructor"]["instructor/offline.html"] = _offline_start(spec, entry)
    return bundles, problems


def _offline_start(spec: BundleSpec, entry: str) -> bytes:
    target = f"site/{entry}.html"
    title = html.escape(spec.title)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f"<title>{title}</title></head>\n"
        f'<body><p><a href="{target}">{title}</a></p></body></html>\n'
    ).encode()


def write_zip(target: Path, top: str, files: dict[str, bytes], epoch: int) -> bytes:
    """The zip of ``files`` under the folder ``top``: sorted, one time, mode 0644; its bytes."""
    moment = datetime.fromtimestamp(max(epoch, ZIP_EPOCH), tz=UTC)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the permissions below are read
            info.external_attr = (0o100644 & 0xFFFF) << 16
            archive.writestr(info, files[name], compresslevel=9)
    content = buffer.getvalue()
    write_atomically(target, content)
    return content


def _budget_problem(file: str, content: bytes, budget: int) -> Problem | None:
    if len(content) <= budget:
        return None
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        entries = sorted(archive.infolist(), key=lambda i: (-i.compress_size, i.filename))
    largest = ", ".join(
        f"{i.filename.split('/', 1)[1]} {_megabytes(i.compress_size)}" for i in entries[:3]
    )
    return Problem(
        file,
        0,
        f"the bundle is {_megabytes(len(content))}, over the budget of {_megabytes(budget)} "
        f"(largest: {largest}; raise it with {MAX_MB_VARIABLE} or ose bundle --max-mb)",
    )


def build_bundles(
    project: Project,
    specs: list[BundleSpec],
    html_dir: Path,
    *,
    epoch: int | None = None,
    max_bytes: int | None = None,
    complete: bool = True,
) -> list[BundleFile]:
    """Write both zips of every workshop, ``SHA256SUMS`` beside them, and the manifest the
    pages read; raise :class:`ProblemsFound` (nothing published) if any rule is broken.

    ``html_dir`` is the site being built (the staging copy that is published after this).
    ``complete``: ``specs`` are all the workshops, so zips and manifest entries of workshops
    that are gone are removed; otherwise the others are left as they are."""
    epoch = bundle_epoch(project) if epoch is None else epoch
    budget = max_bytes_from(None) if max_bytes is None else max_bytes
    downloads = html_dir / DOWNLOADS
    problems: list[Problem] = []
    contents: list[tuple[BundleSpec, dict[Kind, dict[str, bytes]]]] = []
    for spec in specs:
        environment = learner_environment(project, spec.lessons)
        bundles, found = bundle_contents(project, spec, environment, epoch, html_dir)
        problems.extend(found)
        contents.append((spec, bundles))
    if problems:
        raise ProblemsFound(problems)
    written: list[BundleFile] = []
    staged = project.build_dir / "bundles" / "staging"
    shutil.rmtree(staged, ignore_errors=True)
    names = [(spec.slug, kind) for spec, _ in contents for kind in KINDS]
    files = [bundles[kind] for _, bundles in contents for kind in KINDS]

    def zipped(name: tuple[str, Kind], content: dict[str, bytes]) -> bytes:
        top = f"{name[0]}-{name[1]}"
        return write_zip(staged / f"{top}.zip", top, content, epoch)

    # zlib compresses without holding Python's lock: the zips are made side by side
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as threads:
        made = list(threads.map(zipped, names, files))
    for (slug, kind), content in zip(names, made, strict=True):
        name = f"{slug}-{kind}.zip"
        problem = _budget_problem(f"{DOWNLOADS}/{name}", content, budget)
        if problem:
            problems.append(problem)
        written.append(
            BundleFile(
                slug,
                kind,
                downloads / name,
                f"{DOWNLOADS}/{name}",
                len(content),
                hashlib.sha256(content).hexdigest(),
            )
        )
    if problems:
        shutil.rmtree(staged, ignore_errors=True)
        raise ProblemsFound(problems)
    downloads.mkdir(parents=True, exist_ok=True)
    if complete:
        for stale in downloads.glob("*.zip"):
            stale.unlink()
    for bundle in written:
        (staged / bundle.path.name).replace(bundle.path)
    shutil.rmtree(staged, ignore_errors=True)
    _write_sums(downloads)
    _write_manifest(project, written, complete)
    return written


def _write_sums(downloads: Path) -> None:
    """``SHA256SUMS`` of every zip in the folder, in ``sha256sum -c`` format."""
    lines = [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n"
        for path in sorted(downloads.glob("*.zip"))
    ]
    (downloads / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")


def _write_manifest(project: Project, written: list[BundleFile], complete: bool) -> None:
    """``{slug: [{kind, file, bytes, sha256}]}``; merged into what is there when one workshop
    is rebuilt alone."""
    path = manifest_path(project)
    manifest: dict[str, object] = {}
    if not complete and path.is_file():
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            manifest = {}
    for slug in {bundle.slug for bundle in written}:
        manifest[slug] = [b.manifest_entry() for b in written if b.slug == slug]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
