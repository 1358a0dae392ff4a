"""Execution benchmarks against the anchors (issue 13, item 6), printed as figures.

No assertions: benchmarks measure, tests check. Every measurement runs on its own copy of the
sources and its own fresh build folder, with ``OSE_CACHE_DIR`` (the kernels' PyTensor and JAX
compile caches) under it, so nothing shares a cache with anything else.

Part ``anchors`` (the site at ``--root``; the real site takes 30 minutes and more):

1. cold ``ose build``: a fresh build folder (no jupyter-cache, no compile cache);
2. the anchor: plain ``sphinx-build -b html`` with myst-nb executing every lesson itself
   (``nb_execution_mode=force``), the kernels registered and ``OSE_CACHE_DIR`` fresh, as
   ``ose build`` gives Sphinx its environment. Without ``-W``: our extensions rightly warn that
   no lesson has an execution record (myst-nb ran them, not ``ose``);
3. jupyter-cache's own ``local-parallel`` executor over the same lessons (one process per core,
   the lessons' own kernels, no Sphinx);
4. a no-op rebuild: ``ose build`` again on the folder of 1;
5. one edited lesson: a ``print("edited N")`` cell appended to one lesson (the quickest, or
   ``--edit-lesson``), ``ose build`` on the folder of 1; its edit overhead is the rebuild's wall
   time minus that lesson's own execution seconds (``execution/records.json``).

4 and 5 are short and noisy: each runs ``--repeats`` times (3; each edit a new cell, so each
executes the lesson again) and the median run is the figure, with every run's beside it.

Part ``scaling``: a generated fixture site of ``--lessons N`` small lessons (``pymc-cpu``,
three cells of cheap NumPy), built cold (a) locally at ``--jobs 1`` and (b) over a two-worker
Dask cluster on 127.0.0.1 (``ose build --scheduler``). The executor's
overhead per lesson is defined as::

    (execute-stage wall seconds x workers - sum of the lessons' own code seconds) / N

where a lesson's own code seconds are its cells run by ``exec`` in this process, imports warm
(the kernels import NumPy in their set-up too); this definition counts everything else (kernel
start, set-up, the guard, caching, scheduling, idle workers) as overhead. The table splits each
lesson's share into its kernel session (the seconds of its execution record: kernel start,
set-up, cells, guard, shut-down) and the rest (the worker pool, the cache, the records).

Each ``ose build`` is split into the stages it prints, ``unstaged`` (its own total less those:
staging and publishing) and ``process`` (the wall time less its own total: the interpreter's
start and imports).

Usage: python benchmarks/bench_execution.py [--only anchors|scaling] [--lessons N] [--root .]
Results are printed and written to ROOT/_build/bench-execution.json (``--out``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
FIXTURE_SITE = REPO / "tests" / "fixtures" / "site"
#: what a copy of the sources leaves out: build outputs, environments, caches, the git store
NOT_SOURCES = shutil.ignore_patterns(
    "_build",
    ".git",
    ".nox",
    ".venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".ipynb_checkpoints",
)
CACHE_VARIABLE = "OSE_CACHE_DIR"  # ose.kernels.CACHE_DIR_VARIABLE
EDIT_CELL = '\n```{{code-cell}} ipython3\nprint("edited {n}")\n```\n'
TARGETS = {
    "cold ose / plain force": "at most 0.55",
    "edit overhead": "under 10 s",
    "overhead per lesson": "under 1 s",
}

console = Console(width=None if sys.stdout.isatty() else 110)


class BenchFailed(Exception):
    """A command the benchmark ran failed; the message holds the end of its output."""


@dataclass
class Run:
    """One command's wall seconds, and what ``ose build`` said of its stages."""

    wall: float
    stages: dict[str, float] = field(default_factory=dict)
    executed: int | None = None
    output: str = ""


# -- running things ----------------------------------------------------------------------------


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_timed(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``command``; its wall seconds and output; BenchFailed if it fails."""
    start = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    wall = time.perf_counter() - start
    output = result.stdout + result.stderr
    if result.returncode:
        shown = " ".join(command[:6])
        raise BenchFailed(f"{shown} ... exited {result.returncode}:\n{_tail(output)}")
    return Run(wall, output=output)


def ose(root: Path, build_dir: Path, *args: str) -> list[str]:
    where = ["--root", str(root), "--build-dir", str(build_dir)]
    return [sys.executable, "-m", "ose.cli", *where, *args]


def ose_build(root: Path, build_dir: Path, *args: str) -> Run:
    """``ose build`` with its own compile cache; the stage seconds it printed (check, execute,
    sphinx, bundles), plus ``unstaged``: its own total less those stages (copying the published
    tree to stage into, publishing), and ``process``: the wall time less its own total (the
    interpreter's start and imports)."""
    cache = {CACHE_VARIABLE: str(build_dir / "cache")}
    run = run_timed(ose(root, build_dir, "build", *args), cache)
    built = re.search(r"^built in ([\d.]+) s \((.*)\)$", run.output, re.MULTILINE)
    if built:
        total = float(built[1])
        run.stages = {name: float(s) for name, s in re.findall(r"(\w+) ([\d.]+) s", built[2])}
        run.stages["unstaged"] = round(total - sum(run.stages.values()), 1) + 0.0  # not -0.0
        run.stages["process"] = round(run.wall - total, 1)
    executed = re.search(r"^executed (\d+) of \d+ lessons", run.output, re.MULTILINE)
    run.executed = int(executed[1]) if executed else None
    return run


def lesson_seconds(root: Path, build_dir: Path) -> dict[str, float]:
    """Each lesson's own execution seconds, from the build's execution records."""
    from ose.project import Project

    path = Project.at(root, build_dir).records_path
    if not path.is_file():
        return {}
    records = json.loads(path.read_text(encoding="utf-8"))
    return {name: float(record["seconds"]) for name, record in records.items()}


def copy_sources(root: Path, destination: Path) -> Path:
    shutil.copytree(root, destination, ignore=NOT_SOURCES)
    return destination


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for this process and its children, for the block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def register_kernels() -> None:
    """The kernels ``ose build`` registers (pymc-cpu, pymc-jax), for the anchors that run the
    lessons without ose."""
    from ose.kernels import ensure_kernels

    ensure_kernels()


# -- part 1: the anchors -----------------------------------------------------------------------


def plain_force(root: Path, scratch: Path) -> tuple[Run, list[str]]:
    """Plain sphinx-build with myst-nb executing every lesson (``force``), as ``ose build``
    runs Sphinx otherwise: the same settings it passes, a fresh jupyter-cache path and
    compile cache, the kernels registered. Without -W (see the module's docstring). Returns the
    run and the lines Sphinx printed (-q: warnings and errors only)."""
    register_kernels()
    build = scratch / "build"
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "--keep-going",
        "--no-color",
        "-q",
        "-b",
        "html",
        "-d",
        str(build / "doctrees"),
        "-D",
        "nb_execution_mode=force",
        "-D",
        f"nb_execution_cache_path={build / 'cache' / 'jupyter'}",
        "-D",
        "nb_execution_raise_on_error=1",
        "-D",
        "nb_execution_timeout=600",
        str(root),
        str(build / "html"),
    ]
    run = run_timed(command, {CACHE_VARIABLE: str(build / "cache")})
    # what Sphinx and the extensions said, without the kernels' own start-up notice
    said = [line for line in run.output.splitlines() if line and not line.startswith("[IPKernel")]
    return run, said


def jupyter_cache_parallel(root: Path, scratch: Path) -> tuple[Run, dict[str, float], list[str]]:
    """jupyter-cache's ``local-parallel`` executor over the lessons of ``root``: the run, each
    lesson's seconds as jupyter-cache timed them, and the lessons that did not succeed."""
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    from ose.execution.notebooks import find_notebooks
    from ose.project import Project

    register_kernels()
    project = Project.at(root, scratch / "build")
    sources = find_notebooks(project)
    start = time.perf_counter()
    with environment(**{CACHE_VARIABLE: str(scratch / "build" / "cache")}):
        cache = get_cache(str(scratch / "build" / "jupyter"))
        for source in sources:
            cache.add_nb_to_project(
                str(source.path), read_data={"name": "myst_nb_md", "type": "plugin"}
            )
        executor = load_executor("local-parallel", cache)
        result = executor.run_and_cache(timeout=max(s.timeout for s in sources))
    wall = time.perf_counter() - start
    seconds = {}
    for record in cache.list_cache_records():
        uri = Path(record.uri)
        name = project.relative(uri) if uri.is_relative_to(project.root) else str(uri)
        seconds[name] = float(record.data.get("execution_seconds", 0.0))
    return Run(wall, executed=len(result.succeeded)), seconds, result.excepted + result.errored


def quickest(seconds: dict[str, float]) -> str:
    return min(seconds, key=lambda name: (seconds[name], name))


def measure(figures: dict[str, object], key: str, what: str, step: Callable[[], dict]) -> bool:
    """Run one measurement into ``figures[key]``; a failure is recorded there and printed, and
    the other measurements go on. Return whether it succeeded."""
    console.print(f"[bold]anchors[/]: {what} ...")
    try:
        figures[key] = step()
    except Exception as error:  # a benchmark reports what failed and measures the rest
        figures[key] = {"failed": f"{type(error).__name__}: {error}"}
        console.print(f"  [red]failed:[/] {error}", highlight=False)
        return False
    shown = {k: v for k, v in figures[key].items() if not k.endswith(("lessons_s", "_first"))}
    console.print(f"  {shown}", highlight=False)
    return True


def median_run(runs: list[dict], by: str = "wall_s") -> dict:
    """The run of median ``by`` (the lower middle one of an even count), with every run's
    ``wall_s`` (and ``overhead_s``, where measured) beside it."""
    middle = sorted(runs, key=lambda run: run[by])[(len(runs) - 1) // 2]
    spread = {f"runs_{key}": [run.get(key) for run in runs] for key in ("wall_s", "overhead_s")}
    return {**middle, **{key: value for key, value in spread.items() if None not in value}}


def anchors(
    root: Path, scratch: Path, edit_lesson: str | None, repeats: int = 3
) -> dict[str, object]:
    """Parts 1 to 5, each figure printed as soon as it is measured."""
    figures: dict[str, object] = {"root": str(root)}
    sources = copy_sources(root, scratch / "ose-src")
    build_dir = scratch / "ose-build"

    def cold() -> dict:
        run = ose_build(sources, build_dir)
        lessons = lesson_seconds(sources, build_dir)
        return {
            "wall_s": round(run.wall, 1),
            "stages_s": run.stages,
            "executed": run.executed,
            "lessons_sum_s": round(sum(lessons.values()), 1),
            "lessons_s": lessons,
        }

    def noop_once() -> dict:
        run = ose_build(sources, build_dir)
        return {"wall_s": round(run.wall, 1), "stages_s": run.stages, "executed": run.executed}

    def noop() -> dict:
        return median_run([noop_once() for _ in range(repeats)])

    def edit_once(edited: str, n: int) -> dict:
        path = sources / edited
        path.write_text(path.read_text(encoding="utf-8") + EDIT_CELL.format(n=n), encoding="utf-8")
        run = ose_build(sources, build_dir)
        own = lesson_seconds(sources, build_dir).get(edited, 0.0)
        return {
            "lesson": edited,
            "wall_s": round(run.wall, 1),
            "stages_s": run.stages,
            "executed": run.executed,
            "lesson_s": own,
            "overhead_s": round(run.wall - own, 1),
        }

    def edit() -> dict:
        cold_lessons = figures["cold_ose"]["lessons_s"]  # type: ignore[index]
        edited = edit_lesson or quickest(cold_lessons)
        return median_run([edit_once(edited, n) for n in range(1, repeats + 1)], "overhead_s")

    def force() -> dict:
        run, said = plain_force(copy_sources(root, scratch / "force-src"), scratch / "force")
        return {
            "wall_s": round(run.wall, 1),
            "sphinx_flags": "no -W: the extensions rightly warn that no lesson has an execution "
            "record (myst-nb ran them, not ose)",
            "warning_lines": len(said),
            "warnings_first": said[:20],
        }

    def jcache() -> dict:
        run, lessons, failed = jupyter_cache_parallel(
            copy_sources(root, scratch / "jcache-src"), scratch / "jcache"
        )
        return {
            "wall_s": round(run.wall, 1),
            "processes": os.cpu_count(),
            "succeeded": run.executed,
            "lessons_failed": failed,
            "lessons_sum_s": round(sum(lessons.values()), 1),
            "lessons_s": lessons,
        }

    if measure(figures, "cold_ose", "cold ose build", cold):
        measure(figures, "noop_rebuild", "no-op rebuild", noop)
        measure(figures, "edit_rebuild", "one edited lesson, rebuilt", edit)
    measure(figures, "plain_force", "plain sphinx-build, nb_execution_mode=force", force)
    measure(figures, "jupyter_cache_local_parallel", "jupyter-cache local-parallel", jcache)

    cold_wall = wall_of(figures, "cold_ose")
    execute = figures["cold_ose"].get("stages_s", {}).get("execute")  # type: ignore[union-attr]
    force_wall = wall_of(figures, "plain_force")
    jcache_wall = wall_of(figures, "jupyter_cache_local_parallel")
    figures["ratios"] = {
        "cold_ose_over_plain_force": ratio(cold_wall, force_wall),
        "cold_ose_over_jupyter_cache": ratio(cold_wall, jcache_wall),
        "ose_execute_stage_over_jupyter_cache": ratio(execute, jcache_wall),
    }
    return figures


def wall_of(figures: dict[str, object], key: str) -> float | None:
    part = figures.get(key)
    return part.get("wall_s") if isinstance(part, dict) else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 3) if numerator and denominator else None


def anchors_table(figures: dict[str, object]) -> Table:
    table = Table(title=f"Execution against the anchors ({figures['root']})")
    for column in ("figure", "value", "target, notes"):
        table.add_column(column, justify="right" if column == "value" else "left")

    def row(label: str, key: str, figure: str, notes: Callable[[dict], str] | str = "") -> None:
        part = figures.get(key)
        if not isinstance(part, dict) or "failed" in part:
            failed = part.get("failed", "not run") if isinstance(part, dict) else "not run"
            table.add_row(label, "-", f"failed: {_tail(str(failed), 1)}")
            return
        note = notes(part) if callable(notes) else notes
        table.add_row(label, f"{part[figure]:.1f} s", note)

    def stages(part: dict) -> str:
        return ", ".join(f"{name} {seconds:.1f}" for name, seconds in part["stages_s"].items())

    row("cold ose build", "cold_ose", "wall_s", stages)
    row("  its lessons' own seconds, summed", "cold_ose", "lessons_sum_s")
    row("plain sphinx-build, myst-nb force", "plain_force", "wall_s", "no -W")
    row(
        "jupyter-cache local-parallel",
        "jupyter_cache_local_parallel",
        "wall_s",
        lambda part: (
            f"{part['processes']} processes, execution only (no Sphinx)"
            + (f"; failed: {', '.join(part['lessons_failed'])}" if part["lessons_failed"] else "")
        ),
    )

    def runs(key: str) -> Callable[[dict], str]:
        return lambda part: (
            f"; median of {', '.join(f'{s:.1f}' for s in part[f'runs_{key}'])}"
            if len(part.get(f"runs_{key}", ())) > 1
            else ""
        )

    row(
        "no-op rebuild",
        "noop_rebuild",
        "wall_s",
        lambda part: stages(part) + runs("wall_s")(part),
    )
    row("edit rebuild", "edit_rebuild", "wall_s", lambda part: f"{part['lesson']}: " + stages(part))
    row(
        "  the edited lesson's own seconds",
        "edit_rebuild",
        "lesson_s",
    )
    row(
        "edit overhead",
        "edit_rebuild",
        "overhead_s",
        lambda part: TARGETS["edit overhead"] + runs("overhead_s")(part),
    )
    ratios = figures["ratios"]
    for label, key, note in (
        ("cold ose / plain force", "cold_ose_over_plain_force", TARGETS["cold ose / plain force"]),
        ("cold ose / jupyter-cache", "cold_ose_over_jupyter_cache", ""),
        (
            "ose execute stage / jupyter-cache",
            "ose_execute_stage_over_jupyter_cache",
            "like for like: execution only",
        ),
    ):
        value = ratios[key]  # type: ignore[index]
        table.add_row(label, "-" if value is None else f"{value:.2f}", note)
    return table


# -- part 2: scaling ---------------------------------------------------------------------------


def lesson_cells(index: int) -> list[str]:
    """Three cells of cheap NumPy, a little different per lesson."""
    return [
        f"import numpy as np\n\nrng = np.random.default_rng({index})",
        "draws = rng.normal(size=(200, 200))\ngram = draws @ draws.T",
        'values = np.linalg.eigvalsh(gram)\nprint(f"largest eigenvalue: {values[-1]:.1f}")',
    ]


def lesson_text(index: int) -> str:
    """A lesson with the front matter of the fixture site's lesson (jupytext, kernelspec)."""
    cells = "\n\n".join(f"```{{code-cell}} ipython3\n{code}\n```" for code in lesson_cells(index))
    return (
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  name: pymc-cpu\n  display_name: PyMC (CPU, C backend)\n"
        f"  language: python\n---\n\n# Lesson {index}\n\nA generated lesson.\n\n{cells}\n"
    )


def make_scaling_site(destination: Path, lessons: int) -> Path:
    """The fixture site (tests/conftest.py make_fixture_site: tests/fixtures/site and the real
    conf.py) with its lesson replaced by ``lessons`` generated ones."""
    shutil.copytree(FIXTURE_SITE, destination, ignore=NOT_SOURCES)
    shutil.copy2(REPO / "conf.py", destination / "conf.py")
    folder = destination / "lessons"
    for path in folder.glob("*.md"):
        path.unlink()
    names = [f"lesson-{index:03d}" for index in range(lessons)]
    for index, name in enumerate(names):
        (folder / f"{name}.md").write_text(lesson_text(index), encoding="utf-8")
    toctree = "\n".join(names)
    (folder / "index.md").write_text(
        f"# Lessons\n\n```{{toctree}}\n:maxdepth: 1\n\n{toctree}\n```\n", encoding="utf-8"
    )
    return destination


def own_code_seconds(lessons: int) -> float:
    """The lessons' own code: every lesson's cells run by ``exec`` in a fresh namespace in this
    process (imports warm after the first), summed."""
    import numpy  # noqa: F401  (warm, as in the kernels, whose set-up imports it)

    total = 0.0
    for index in range(lessons):
        namespace: dict[str, object] = {}
        codes = [compile(code, f"<lesson {index}>", "exec") for code in lesson_cells(index)]
        start = time.perf_counter()
        with open(os.devnull, "w") as sink, _stdout_to(sink):
            for code in codes:
                exec(code, namespace)
        total += time.perf_counter() - start
    return total


@contextmanager
def _stdout_to(stream: object) -> Iterator[None]:
    saved, sys.stdout = sys.stdout, stream
    try:
        yield
    finally:
        sys.stdout = saved


def scaling_figures(run: Run, workers: int, lessons: int, own: float, session: float) -> dict:
    execute = run.stages.get("execute", run.wall)
    share = execute * workers / lessons
    return {
        "workers": workers,
        "wall_s": round(run.wall, 1),
        "stages_s": run.stages,
        "executed": run.executed,
        "execute_stage_s": round(execute, 2),
        "execute_share_per_lesson_s": round(share, 3),
        "kernel_session_per_lesson_s": round(session / lessons, 3),
        "outside_session_per_lesson_s": round(share - session / lessons, 3),
        "own_code_per_lesson_s": round(own / lessons, 4),
        "overhead_per_lesson_s": round((execute * workers - own) / lessons, 3),
    }


def scaling(scratch: Path, lessons: int, jobs: int) -> dict[str, object]:
    site = make_scaling_site(scratch / "scaling-site", lessons)
    own = own_code_seconds(lessons)
    figures: dict[str, object] = {
        "lessons": lessons,
        "definition": "(execute-stage wall s x workers - sum of own code s) / lessons; own "
        "code = the cells run by exec in one process, imports warm",
        "own_code_sum_s": round(own, 3),
    }

    console.print(f"[bold]scaling[/]: {lessons} lessons, local, --jobs {jobs} ...")
    build_dir = scratch / "scaling-local"
    local = ose_build(site, build_dir, "--jobs", str(jobs))
    session = sum(lesson_seconds(site, build_dir).values())
    figures["local"] = scaling_figures(local, jobs, lessons, own, session)
    console.print(f"  {local.wall:.1f} s {local.stages}")

    from ose.execution.cluster import local_cluster

    console.print(f"[bold]scaling[/]: {lessons} lessons, Dask, two workers on 127.0.0.1 ...")
    build_dir = scratch / "scaling-dask"
    # the workers inherit this process's environment: their compile cache is fresh too (ose's
    # worker set-up points it at the site's own _build/cache, which no other run uses)
    try:
        with (
            environment(**{CACHE_VARIABLE: str(site / "_build" / "cache")}),
            local_cluster(site, workers=2) as (cluster, _),
        ):
            dask = ose_build(site, build_dir, "--scheduler", cluster.scheduler_address)
    except BenchFailed as failed:
        figures["dask"] = f"failed: {failed}"
        console.print(f"  [red]failed:[/] {failed}", highlight=False)
        return figures
    session = sum(lesson_seconds(site, build_dir).values())
    figures["dask"] = scaling_figures(dask, 2, lessons, own, session)
    console.print(f"  {dask.wall:.1f} s {dask.stages}")
    return figures


def scaling_table(figures: dict[str, object]) -> Table:
    table = Table(title=f"Executor overhead per lesson ({figures['lessons']} small lessons)")
    table.add_column("figure")
    runs = {name: figures[name] for name in ("local", "dask") if isinstance(figures[name], dict)}
    for name, run in runs.items():
        workers = f"{run['workers']} worker" + ("s" if run["workers"] > 1 else "")
        table.add_column(f"{name} ({workers})", justify="right")
    rows = [
        ("cold build, wall", "wall_s", "{:.1f} s"),
        ("execute stage, wall", "execute_stage_s", "{:.1f} s"),
        ("execute stage x workers / lesson", "execute_share_per_lesson_s", "{:.2f} s"),
        ("  of which in the kernel session", "kernel_session_per_lesson_s", "{:.2f} s"),
        ("    of which the lesson's own code", "own_code_per_lesson_s", "{:.3f} s"),
        (
            "  of which outside it (pool, cache, records)",
            "outside_session_per_lesson_s",
            "{:.2f} s",
        ),
        (
            f"overhead per lesson ({TARGETS['overhead per lesson']})",
            "overhead_per_lesson_s",
            "{:.2f} s",
        ),
    ]
    for label, key, form in rows:
        table.add_row(label, *(form.format(run[key]) for run in runs.values()))
    if not isinstance(figures["dask"], dict):
        table.caption = f"dask: {_tail(figures['dask'], 1)}"
    return table


# -- the command -------------------------------------------------------------------------------


def not_compiled() -> list[str]:
    """The packages of the stack that would import from source, bytecode neither there nor
    written (an environment synced without ``--compile-bytecode``, under
    ``PYTHONDONTWRITEBYTECODE``): each kernel would compile them again."""
    if not sys.flags.dont_write_bytecode:
        return []  # the first import writes it
    missing = []
    for name in ("ose", "sphinx", "numpy", "pymc", "pytensor", "arviz"):
        spec = importlib.util.find_spec(name)
        cached = spec.cached if spec is not None else None
        if cached is None or not Path(cached).is_file():
            missing.append(name)
    return missing


def main() -> int:
    first, _, rest = __doc__.partition("\n")
    parser = argparse.ArgumentParser(
        description=first, epilog=rest, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", default=REPO, type=Path, help="the site for the anchors")
    parser.add_argument("--only", choices=("anchors", "scaling"), help="run one part only")
    parser.add_argument("--lessons", type=int, default=100, help="scaling: lessons (100)")
    parser.add_argument("--jobs", type=int, default=1, help="scaling, local: --jobs (1)")
    parser.add_argument("--edit-lesson", help="anchors: the lesson to edit (the quickest)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="anchors: runs of the no-op and the edit (3)"
    )
    parser.add_argument("--out", type=Path, help="default: ROOT/_build/bench-execution.json")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    if args.lessons < 1 or args.jobs < 1:
        parser.error("--lessons and --jobs must be whole numbers, 1 or more")
    root = args.root.resolve()
    out = args.out or root / "_build" / "bench-execution.json"
    figures: dict[str, object] = {
        "cores": os.cpu_count(),
        # a shared machine's load makes every figure slower: say what it was
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "not_compiled": not_compiled(),
    }
    if figures["not_compiled"]:
        console.print(
            "[yellow]warning:[/] no bytecode for "
            f"{', '.join(figures['not_compiled'])}, and none is written: every import "
            "compiles from source and every figure is inflated "
            "(run uv sync --compile-bytecode, or nox -s bench)",
            highlight=False,
        )
    scratch = Path(tempfile.mkdtemp(prefix="ose-bench-execution-"))
    status = 0
    try:
        if args.only in (None, "anchors"):
            try:
                figures["anchors"] = anchors(
                    root, scratch / "anchors", args.edit_lesson, max(1, args.repeats)
                )
                console.print(anchors_table(figures["anchors"]))
            except BenchFailed as failed:
                figures["anchors"] = {"failed": str(failed)}
                console.print(f"[red]anchors failed:[/] {failed}", highlight=False)
                status = 1
        if args.only in (None, "scaling"):
            try:
                figures["scaling"] = scaling(scratch / "scaling", args.lessons, args.jobs)
                console.print(scaling_table(figures["scaling"]))
            except BenchFailed as failed:
                figures["scaling"] = {"failed": str(failed)}
                console.print(f"[red]scaling failed:[/] {failed}", highlight=False)
                status = 1
    finally:
        if args.keep:
            console.print(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    console.print(f"figures written to {out}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
