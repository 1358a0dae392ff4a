"""Pre-execute every text notebook in parallel into the jupyter-cache that myst-nb reads.

Each lesson runs in its own process, in a real kernel (``nbclient``), with one worker per core by
default. Lessons whose code and environment are already cached are not run. A failing lesson
does not stop the others: every failure is reported as one ``path:line`` line, and its full
traceback is written to ``_build/logs``. Sphinx then finds every notebook in the cache.

Lessons run where an executor puts them: this machine's processes by default, fitted into its
cores by what each declares (``cores:``), longest first; or a Dask cluster
(:mod:`ose.execution.cluster`). Either way the outcomes are settled here, the same way.

A lesson whose cells all ran is cached with its convergence guard's raw figures, even when the
guard judges it bad: the verdict is taken again at every build, from those figures and the
lesson's current ``convergence-guard`` declarations, so fixing a declaration re-executes nothing
and un-declaring a failure of a cached lesson fails the build as a fresh run would.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from traceback import format_exc
from typing import Any, Protocol

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn, JupyterCacheAbstract
from jupyter_client.kernelspec import NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ose.core.problems import Problem, ProblemsFound
from ose.environment import accelerator_name, environment_key, execution_cache_dir, package_versions
from ose.execution import forkserver
from ose.execution.compile_cache import COMPILE_SETUP
from ose.execution.guard import (
    GUARD_SOURCE,
    OPTIONAL_BACKENDS,
    SETUP_SOURCE,
    TRACK_SOURCE,
    GuardSettings,
    GuardVerdict,
    judge,
    parse_report,
)
from ose.execution.guard_kernel import INFERENCEDATA_DIR
from ose.execution.hygiene import KERNEL_SETUP, HygieneSettings, judge_output, stray_outputs
from ose.execution.notebooks import (
    NotebookSource,
    code_cell_lines,
    find_notebooks,
    read_notebook,
)
from ose.execution.records import (
    ExecutionRecord,
    GuardResult,
    InferenceDataFile,
    load_records,
    save_records,
)
from ose.interrupts import stop_descendants
from ose.kernels import CACHE_DIR_VARIABLE, KERNELS, ensure_kernels
from ose.project import Project


@dataclass(frozen=True)
class LessonTask:
    """What a worker process needs to execute one lesson (plain data: it crosses processes)."""

    path: str
    name: str
    kernel: str
    timeout: int
    guard: GuardSettings
    kernel_log: str
    hygiene: HygieneSettings = field(default_factory=HygieneSettings)
    #: where the kernel saves each model as netCDF (emptied before the run)
    inferencedata_dir: str = ""
    #: what the lesson needs of the machine that runs it (its front matter's ``cores:``, and
    #: whether its kernel is the GPU one and may fall back to CPU JAX)
    cores: int = 1
    needs_gpu: bool = False
    cpu_fallback: bool = True
    accelerator_line: int = 1


@dataclass
class LessonOutcome:
    """What came back from one execution."""

    name: str
    seconds: float
    notebook: str | None = None
    line: int = 1
    cell: int | None = None
    error: str | None = None
    traceback: str | None = None
    #: the guard's raw figures for each model, the cell that made it numbered among code cells
    models: list[dict[str, object]] = field(default_factory=list)
    #: optional backends the lesson imported (jax, numba, ...), as the guard saw them
    modules: list[str] = field(default_factory=list)
    #: the device it ran on, as the machine that ran it names it
    device: str = ""
    #: the Dask worker that ran it, and how many times a worker died under it before
    worker: str | None = None
    retries: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ExecutionSummary:
    """The outcome of the execute stage, for the CLI and the tests."""

    total: int = 0
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0
    #: lessons run again because the worker running them died, and how many times
    retried: dict[str, int] = field(default_factory=dict)


def first_line(text: str, limit: int = 200) -> str:
    """The first non-blank line of an error, shortened: what a one-line report shows."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _run_hidden(client: NotebookClient, notebook: nbformat.NotebookNode, source: str) -> str:
    """Run ``source`` in the kernel outside the lesson's history and cells; return its stdout."""
    cell = nbformat.v4.new_code_cell(source)
    notebook.cells.append(cell)
    try:
        client.execute_cell(cell, len(notebook.cells) - 1, store_history=False)
    finally:
        notebook.cells.pop()
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def _run_silent(client: NotebookClient, source: str) -> None:
    """Run ``source`` as a silent request: no execution count, no output, no cell hooks, so the
    lesson's cells are numbered and rendered as if it had not run."""
    assert client.kc is not None
    reply = client.wait_for_reply(client.kc.execute(source, silent=True, store_history=False))
    content = (reply or {}).get("content", {})
    if content.get("status") != "ok":
        raise RuntimeError(
            f"the kernel set-up could not run: {content.get('ename')}: {content.get('evalue')}"
        )


def _execute(client: NotebookClient, notebook: nbformat.NotebookNode) -> str:
    """Set the guard up, run every cell, noting after each code cell the models it made, then
    the guard in the same kernel; return its stdout."""
    with client.setup_kernel():
        assert client.kc is not None
        info = client.wait_for_reply(client.kc.kernel_info())
        if info is not None:
            notebook.metadata["language_info"] = info["content"]["language_info"]
        _run_silent(client, KERNEL_SETUP)
        _run_silent(client, COMPILE_SETUP)
        _run_silent(client, SETUP_SOURCE)
        number = 0
        for index, cell in enumerate(list(notebook.cells)):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            if cell.cell_type == "code":
                number += 1
                _run_silent(client, TRACK_SOURCE.format(cell=number))
        return _run_hidden(client, notebook, GUARD_SOURCE)


def run_lesson(task: LessonTask) -> LessonOutcome:
    """Execute one lesson in a fresh kernel, then its convergence guard (in a worker process)."""
    path = Path(task.path)
    notebook = read_notebook(path)
    current: dict[str, int] = {}

    def on_cell_execute(cell: nbformat.NotebookNode, cell_index: int) -> None:
        current["index"] = cell_index

    if task.inferencedata_dir:
        shutil.rmtree(task.inferencedata_dir, ignore_errors=True)
        os.environ[INFERENCEDATA_DIR] = task.inferencedata_dir  # the kernel inherits it
    forkserver.server()  # started before the kernel's log is this process's stderr
    code = (cell.source for cell in notebook.cells if cell.cell_type == "code")
    os.environ[forkserver.PRELOAD_VARIABLE] = forkserver.stack_imports(code)
    client = NotebookClient(
        notebook,
        timeout=task.timeout,
        kernel_name=task.kernel,
        kernel_manager_class=forkserver.ForkingKernelManager,
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_execute=on_cell_execute,
        # jupyter-cache hashes cell metadata: timing stamps would make every run a new key
        record_timing=False,
    )
    start = time.perf_counter()
    error: str | None = None
    trace: str | None = None
    models: list[dict[str, object]] = []
    modules: list[str] = []
    with _stderr_to(Path(task.kernel_log)):  # the kernel's own chatter goes to its log
        try:
            report = parse_report(_execute(client, notebook))
            modules = report.modules
            models = report.models
        except CellExecutionError as exc:
            error, trace = f"{exc.ename}: {first_line(exc.evalue)}", str(exc)
        except CellTimeoutError:
            error = f"the cell ran longer than its timeout of {task.timeout} s"
            error += " (raise mystnb.execution_timeout in the front matter if it must)"
        except DeadKernelError as exc:
            error, trace = f"the kernel died ({first_line(str(exc))})", str(exc)
        except NoSuchKernel:
            allowed = ", ".join(sorted(KERNELS))
            error = f"kernel {task.kernel!r} is not installed (allowed: {allowed})"
        except Exception as exc:  # a kernel that cannot start, a guard that cannot report...
            error, trace = f"{type(exc).__name__}: {first_line(str(exc))}", format_exc()
    seconds = time.perf_counter() - start
    device = device_for(task.kernel)
    if error is None:
        return LessonOutcome(
            task.name,
            seconds,
            notebook=nbformat.writes(notebook),
            models=models,
            modules=modules,
            device=device,
        )
    index = current.get("index")
    line, cell = 1, None
    if index is not None and index < len(notebook.cells):
        cell = sum(1 for c in notebook.cells[: index + 1] if c.cell_type == "code")
        source_map = notebook.metadata.get("source_map") or []
        if index < len(source_map):
            line = source_map[index]
    return LessonOutcome(
        task.name,
        seconds,
        line=line,
        cell=cell,
        error=error,
        traceback=trace,
        modules=modules,
        device=device,
    )


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Point this process's file descriptor 2 (inherited by the kernel) at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = os.dup(2)
    with path.open("w", encoding="utf-8") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def device_for(kernel: str) -> str:
    """The device a lesson in ``kernel`` runs on here (a GPU lesson without a GPU says so)."""
    gpu = accelerator_name()
    if KERNELS[kernel].accelerator == "gpu":
        return gpu if gpu != "cpu" else "CPU (JAX, no GPU present)"
    return "CPU"


def _versions_for(kernel: str, modules: list[str]) -> dict[str, str]:
    """The versions a record names: the core stack, and optional backends where used (the JAX
    kernel always uses jax and numpyro, whether or not the lesson imports them itself)."""
    used = set(modules)
    if KERNELS[kernel].accelerator == "gpu":
        used |= {"jax", "numpyro"}
    versions = package_versions()
    return {k: v for k, v in versions.items() if k not in OPTIONAL_BACKENDS or k in used}


def _log_path(project: Project, name: str) -> Path:
    return project.logs_dir / (name.replace("/", "__").removesuffix(".md") + ".log")


def _prune_other_caches(project: Project, keep: Path) -> None:
    """Drop jupyter-caches of earlier environments: their outputs can never be served again."""
    parent = keep.parent
    if parent.is_dir():
        for other in parent.iterdir():
            if other != keep and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)


#: The key of a cached notebook's data under which its guard's raw figures are kept.
GUARD_DATA = "convergence_guard"

#: The most a sampled model may weigh as netCDF: a learner downloads it from the lesson's page.
MAX_INFERENCEDATA_MB = 10.0


def inferencedata_root(project: Project) -> Path:
    """Where the sampled models of every cached lesson are kept, per environment."""
    return project.cache_dir / "inferencedata" / environment_key(project)


def _inferencedata_of(project: Project, hashkey: str) -> Path:
    return inferencedata_root(project) / hashkey


def _staging(project: Project, name: str) -> Path:
    return project.cache_dir / "inferencedata" / "staging" / name.replace("/", "__")


def _shown(project: Project, path: Path) -> str:
    """``path`` relative to the project, or absolute when the build folder is elsewhere."""
    resolved = path.resolve()
    return project.relative(resolved) if resolved.is_relative_to(project.root) else str(resolved)


def _stored_files(
    project: Project, hashkey: str, models: list[dict[str, object]]
) -> list[InferenceDataFile]:
    folder = _inferencedata_of(project, hashkey)
    found = []
    for figures in models:
        name = figures.get("netcdf")
        if isinstance(name, str) and (folder / name).is_file():
            found.append(
                InferenceDataFile(
                    model=str(figures["model"]),
                    path=_shown(project, folder / name),
                    bytes=(folder / name).stat().st_size,
                )
            )
    return found


def size_problems(
    name: str, models: list[dict[str, object]], cell_lines: list[int], limit_mb: float
) -> list[Problem]:
    """A model too large to offer as a download, at the line of the cell that made it."""
    problems = []
    for figures in models:
        size = figures.get("netcdf_bytes")
        if not isinstance(size, int) or size <= limit_mb * 1024 * 1024:
            continue
        cell = figures.get("cell")
        line = cell_lines[cell - 1] if isinstance(cell, int) and 0 < cell <= len(cell_lines) else 1
        problems.append(
            Problem(
                name,
                line,
                f"model {figures['model']!r} is {size / 1024 / 1024:.1f} MB as netCDF (allowed: at "
                f"most {limit_mb:g} MB, the download a lesson offers; keep fewer draws, or drop "
                "a group such as posterior_predictive, before the lesson ends)",
            )
        )
    return problems


@dataclass
class CachedLesson:
    """A lesson whose code is in the cache: where its outputs came from, and what they say."""

    #: the path of the lesson whose run produced the cached outputs
    origin: str
    #: the guard's raw figures from that run
    models: list[dict[str, object]]
    #: the lesson as its source reads now (its cells' lines may have moved since)
    notebook: nbformat.NotebookNode
    #: its key in the cache, which names the folder of its sampled models
    hashkey: str
    #: its record's primary key in the cache, to read its outputs by
    pk: int


def _cached(
    project: Project, cache: JupyterCacheAbstract, source: NotebookSource
) -> CachedLesson | None:
    """The cached run of this lesson's code, or None on a miss (or for outputs cached without
    the guard's figures, which cannot be judged)."""
    notebook = read_notebook(source.path)
    try:
        record = cache.match_cache_notebook(notebook)
    except KeyError:
        return None
    data = record.data or {}
    if not isinstance(data.get(GUARD_DATA), list):
        return None
    # run before models were saved, or one of them is gone: run again, so the page offers them
    folder = _inferencedata_of(project, record.hashkey)
    named = [f.get("netcdf") for f in data[GUARD_DATA] if isinstance(f, dict)]
    if not folder.is_dir() or any(
        isinstance(name, str) and not (folder / name).is_file() for name in named
    ):
        return None
    return CachedLesson(
        str(record.uri), list(data[GUARD_DATA]), notebook, record.hashkey, record.pk
    )


def _judge_cached(
    project: Project,
    cache: JupyterCacheAbstract,
    hits: list[tuple[NotebookSource, CachedLesson]],
    records: dict[str, ExecutionRecord],
    summary: ExecutionSummary,
) -> bool:
    """Judge the lessons taken from the cache as if they had just run (the guard and the
    output check, whose settings may have changed since); whether a record changed."""
    changed = False
    for source, cached in hits:
        name = project.relative(source.path)
        changed |= _adopt_record(project, records, name, cached.origin)
        executed = cache.get_cache_bundle(cached.pk).nb
        verdict = _judge(name, source.guard, cached.models, cached.notebook)
        output = _judge_output(project, name, source.hygiene, executed, cached.notebook)
        summary.failed.extend(verdict.problems + output.problems)
        judged = _judged(records[name], verdict, output) if name in records else None
        if judged is not None:
            # where its models are now (a build folder that moved names them elsewhere)
            stored = _stored_files(project, cached.hashkey, cached.models)
            judged = judged.model_copy(update={"inferencedata": stored})
        if judged is not None and judged != records[name]:
            records[name] = judged
            changed = True
    return changed


def _judge(
    name: str,
    settings: GuardSettings,
    models: list[dict[str, object]],
    notebook: nbformat.NotebookNode,
) -> GuardVerdict:
    """The guard's verdict, the same for a lesson just executed and one taken from the cache."""
    return judge(models, settings, name, code_cell_lines(notebook))


#: Paths of the machine that builds the site: an output that shows one leaks it.
def machine_paths(project: Project) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(
            path.rstrip("/") + "/"
            for path in (str(project.root), sys.prefix, os.path.expanduser("~"))
            if path.rstrip("/")
        )
    )


@dataclass
class OutputVerdict:
    """The output hygiene check of one executed lesson."""

    problems: list[Problem]
    stray: int
    taught: int


def _judge_output(
    project: Project,
    name: str,
    settings: HygieneSettings,
    executed: nbformat.NotebookNode,
    source: nbformat.NotebookNode,
) -> OutputVerdict:
    strays = stray_outputs(executed, machine_paths(project))
    problems = judge_output(strays, settings, name, code_cell_lines(source))
    undeclared = sum(1 for problem in problems if "taught-output[" not in problem.message)
    return OutputVerdict(problems, undeclared, len(strays) - undeclared)


def _judged(
    record: ExecutionRecord, verdict: GuardVerdict, output: OutputVerdict
) -> ExecutionRecord:
    """``record`` with the verdicts taken under the lesson's current declarations."""
    problems = [*verdict.problems, *output.problems]
    error = "; ".join(problem.message for problem in problems) or None
    return record.model_copy(
        update={
            "status": "failed" if error else "ok",
            "error": error,
            "log": None,
            "guards": verdict.results,
            "stray_outputs": output.stray,
            "taught_outputs": output.taught,
        }
    )


def _adopt_record(
    project: Project, records: dict[str, ExecutionRecord], name: str, origin: str
) -> bool:
    """Give a cached lesson without a record the record of the run that made its outputs
    (its code is identical to another lesson's, or the records file was removed)."""
    if name in records:
        return False
    origin_path = Path(origin)
    key = project.relative(origin_path) if origin_path.is_relative_to(project.root) else origin
    if key not in records:
        return False
    records[name] = records[key].model_copy(update={"path": name})
    return True


def _task(project: Project, source: NotebookSource) -> LessonTask:
    name = project.relative(source.path)
    return LessonTask(
        path=str(source.path),
        name=name,
        kernel=source.kernel,
        timeout=source.timeout,
        guard=source.guard,
        kernel_log=str(_log_path(project, name).with_suffix(".kernel.log")),
        hygiene=source.hygiene,
        inferencedata_dir=str(_staging(project, name)),
        cores=source.cores,
        needs_gpu=source.needs_gpu,
        cpu_fallback=source.cpu_fallback,
        accelerator_line=source.accelerator_line,
    )


def prepare_environment(project: Project) -> Path:
    """Register the kernels and point them at ``_build/cache``; return the jupyter-cache path."""
    ensure_kernels()
    project.cache_dir.mkdir(parents=True, exist_ok=True)
    os.environ[CACHE_DIR_VARIABLE] = str(project.cache_dir)
    return execution_cache_dir(project)


def execute_notebooks(
    project: Project,
    jobs: int | None = None,
    console: Console | None = None,
    worker: Callable[[LessonTask], LessonOutcome] = run_lesson,
    scheduler: str | None = None,
    local: LocalExecutor | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> ExecutionSummary:
    """Execute every lesson not already in the cache, on this machine's cores (``jobs``, or
    ``local``'s processes, already started) or on the Dask cluster at ``scheduler``; raise
    ProblemsFound if any fails. ``meanwhile``: the caller's work to do while lessons run (not
    done when none runs)."""
    console = console or Console(stderr=True)
    started = time.perf_counter()
    cache_path = prepare_environment(project)
    cache = get_cache(str(cache_path))
    _prune_other_caches(project, cache_path)
    sources = find_notebooks(project)
    records = load_records(project.records_path)
    summary = ExecutionSummary(total=len(sources))

    pending: list[NotebookSource] = []
    hits: list[tuple[NotebookSource, CachedLesson]] = []
    for source in sources:
        cached = _cached(project, cache, source)
        if cached is None:
            pending.append(source)
        else:
            summary.cached.append(project.relative(source.path))
            hits.append((source, cached))
    changed = False

    def judge_cached() -> None:
        nonlocal changed
        changed = _judge_cached(project, cache, hits, records, summary)

    def while_lessons_run() -> None:
        judge_cached()
        if meanwhile is not None:
            meanwhile()

    # longest first, from the last records, so that parallel workers finish together
    pending.sort(
        key=lambda s: (
            -(
                records.get(project.relative(s.path)).seconds
                if project.relative(s.path) in records
                else 1e9
            )
        )
    )
    tasks = [_task(project, source) for source in pending]
    if not tasks:
        judge_cached()
        if changed:
            save_records(project.records_path, records)
    else:
        try:
            with _executor(project, scheduler, jobs, worker, console, local) as executor:
                tasks = _refuse_gpu_lessons(tasks, executor, summary)
                # the cached lessons are judged while the first lessons run
                _run_tasks(
                    project, tasks, executor, cache, records, summary, console, while_lessons_run
                )
        finally:  # interrupted or not, the lessons settled so far are cached: record them
            save_records(project.records_path, records)
    summary.wall_seconds = time.perf_counter() - started
    if summary.failed:
        raise ProblemsFound(summary.failed)
    return summary


class ExecutorFailed(Exception):
    """The executor itself failed (a cluster unreachable or gone): one line, no lesson's fault."""


class LessonExecutor(Protocol):
    """Where lessons run. ``start`` returns a handle; ``wait`` returns the handles that are done."""

    #: cores to fit lessons into, or None when the executor fits them itself (a Dask cluster)
    cores: int | None
    #: whether a GPU lesson can run on a GPU here
    has_gpu: bool

    def start(self, task: LessonTask, priority: int) -> Any: ...

    def wait(self, handles: Collection[Any]) -> set[Any]: ...

    def outcome(self, handle: Any, task: LessonTask) -> LessonOutcome: ...

    def describe(self, running: list[LessonTask]) -> str: ...

    def abandon(self) -> None: ...


class LocalExecutor:
    """This machine: up to one worker process per core, each lesson given the cores it declares.

    Each process is a pool of its own, started when a lesson finds every other one busy: an
    edited lesson runs in the one process :meth:`started_early` started, and no second process
    imports beside it for nothing."""

    def __init__(self, jobs: int, worker: Callable[[LessonTask], LessonOutcome]) -> None:
        self.cores: int | None = jobs
        self.has_gpu = accelerator_name() != "cpu"
        self._worker = worker
        self._processes: list[ProcessPoolExecutor] = []
        self._running: dict[Future[LessonOutcome], ProcessPoolExecutor] = {}

    @classmethod
    def started_early(cls, project: Project, jobs: int | None) -> LocalExecutor:
        """An executor whose first lesson process starts now, ahead of the first lesson: it and
        its fork server import while the build checks its sources and looks lessons up in the
        cache (an edited lesson waits for neither). Nothing of the project is read here: the
        process inherits only where the kernels' caches will be."""
        os.environ[CACHE_DIR_VARIABLE] = str(project.cache_dir)
        local = cls(jobs or os.cpu_count() or 1, run_lesson)
        local._new_process().submit(_ready)  # not a lesson: the process stays free for one
        return local

    def _new_process(self) -> ProcessPoolExecutor:
        process = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=forkserver.lesson_process,
        )
        self._processes.append(process)
        return process

    def _free_process(self) -> ProcessPoolExecutor:
        self._running = {f: p for f, p in self._running.items() if not f.done()}
        busy = set(self._running.values())
        free = [process for process in self._processes if process not in busy]
        return free[0] if free else self._new_process()

    def start(self, task: LessonTask, priority: int) -> Future[LessonOutcome]:
        process = self._free_process()
        future = process.submit(self._worker, task)
        self._running[future] = process
        return future

    def wait(self, handles: Collection[Future[LessonOutcome]]) -> set[Future[LessonOutcome]]:
        return wait(handles, return_when=FIRST_COMPLETED).done

    def outcome(self, handle: Future[LessonOutcome], task: LessonTask) -> LessonOutcome:
        return handle.result()

    def describe(self, running: list[LessonTask]) -> str:
        return ", ".join(task.name for task in running)

    def abandon(self) -> None:
        """Stop the workers, their kernels and samplers now: the build was interrupted (or the
        pool broke), or no lesson is left to run."""
        for process in self._processes:
            process.shutdown(wait=False, cancel_futures=True)
        stop_descendants()

    def close(self) -> None:
        for process in self._processes:
            process.shutdown(cancel_futures=True)


def _ready() -> None:
    """Nothing: what :meth:`LocalExecutor.started_early` has a lesson process run."""


@contextlib.contextmanager
def _executor(
    project: Project,
    scheduler: str | None,
    jobs: int | None,
    worker: Callable[[LessonTask], LessonOutcome],
    console: Console,
    local: LocalExecutor | None = None,
) -> Iterator[LessonExecutor]:
    if scheduler:
        from ose.execution.cluster import DaskExecutor  # distributed is imported only for it

        with DaskExecutor.connect(project, scheduler, console) as remote:
            yield remote
        return
    owned = local is None  # one passed in is its owner's to close (ose build stops it at once)
    local = local or LocalExecutor(jobs or os.cpu_count() or 1, worker)
    try:
        yield local
    except BaseException:
        local.abandon()
        raise
    if owned:
        local.close()


def _refuse_gpu_lessons(
    tasks: list[LessonTask], executor: LessonExecutor, summary: ExecutionSummary
) -> list[LessonTask]:
    """A GPU lesson that may not fall back to CPU JAX fails where no GPU is; the rest run."""
    runnable = []
    for task in tasks:
        if task.needs_gpu and not task.cpu_fallback and not executor.has_gpu:
            message = (
                "a GPU lesson with cpu-fallback: false, and no GPU to run it on (allowed: build "
                "on a machine with a GPU, add a Dask worker that has one, or set cpu-fallback: "
                "true to run it on CPU JAX)"
            )
            summary.failed.append(Problem(task.name, task.accelerator_line, message))
        else:
            runnable.append(task)
    return runnable


def _cost(task: LessonTask, cores: int | None) -> int:
    """The cores a lesson takes: what it declares, at most what there is."""
    return task.cores if cores is None else min(task.cores, cores)


def _next_fitting(queue: list[LessonTask], free: int | None, cores: int | None) -> int | None:
    """The first queued lesson (longest first) whose cores are free, so two cores never run
    four chains; a later, smaller lesson fills cores that the first cannot use."""
    for index, task in enumerate(queue):
        if free is None or _cost(task, cores) <= free:
            return index
    return None


def _run_tasks(
    project: Project,
    tasks: list[LessonTask],
    executor: LessonExecutor,
    cache: JupyterCacheAbstract,
    records: dict[str, ExecutionRecord],
    summary: ExecutionSummary,
    console: Console,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Run ``tasks`` on ``executor``, longest first, as cores free up; ``meanwhile``: work of this
    process to do once the first lessons have started (or at once, with none to run)."""
    if not tasks:
        if meanwhile is not None:
            meanwhile()
        return
    queue = list(tasks)
    running: dict[Any, LessonTask] = {}
    free = executor.cores
    progress = Progress(
        TextColumn("[bold]executing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    )
    with progress:
        bar = progress.add_task("", total=len(tasks))
        while queue or running:
            while (index := _next_fitting(queue, free, executor.cores)) is not None:
                task = queue.pop(index)
                running[executor.start(task, priority=len(queue))] = task
                if free is not None:
                    free -= _cost(task, executor.cores)
            progress.update(bar, description=executor.describe(list(running.values())))
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            for handle in executor.wait(running):
                task = running.pop(handle)
                if free is not None:
                    free += _cost(task, executor.cores)
                outcome = executor.outcome(handle, task)
                passed = _settle(project, task, outcome, cache, records, summary)
                mark = "[green]✓[/]" if passed else "[red]✗[/]"
                retried = ""
                if outcome.retries:
                    summary.retried[task.name] = outcome.retries
                    times = "once" if outcome.retries == 1 else f"{outcome.retries} times"
                    retried = f" (retried {times}: the Dask worker running it died)"
                console.print(
                    f"  {mark} {task.name} [dim]{outcome.seconds:.1f} s[/]{retried}",
                    highlight=False,
                )
                progress.advance(bar)


def _settle(
    project: Project,
    task: LessonTask,
    outcome: LessonOutcome,
    cache: JupyterCacheAbstract,
    records: dict[str, ExecutionRecord],
    summary: ExecutionSummary,
) -> bool:
    """Cache a lesson whose cells ran, with its guard's figures, and judge them; log a failure;
    record either. Return whether the lesson passed."""
    summary.seconds[task.name] = outcome.seconds
    log: str | None = None
    error = outcome.error
    guards: list[GuardResult] = []
    stray = taught = 0
    inferencedata: list[InferenceDataFile] = []
    if outcome.ok and outcome.notebook is not None:
        notebook = nbformat.reads(outcome.notebook, as_version=4)
        data = {"execution_seconds": outcome.seconds, GUARD_DATA: outcome.models}
        cached_record = cache.cache_notebook_bundle(
            CacheBundleIn(notebook, task.path, data=data), check_validity=False, overwrite=True
        )
        store = _inferencedata_of(project, cached_record.hashkey)
        shutil.rmtree(store, ignore_errors=True)
        store.parent.mkdir(parents=True, exist_ok=True)
        staged = Path(task.inferencedata_dir) if task.inferencedata_dir else None
        if staged is not None and staged.is_dir():
            shutil.move(str(staged), str(store))
        else:
            store.mkdir()
        inferencedata = _stored_files(project, cached_record.hashkey, outcome.models)
        summary.executed.append(task.name)
        verdict = _judge(task.name, task.guard, outcome.models, notebook)
        output = _judge_output(project, task.name, task.hygiene, notebook, notebook)
        sizes = size_problems(
            task.name, outcome.models, code_cell_lines(notebook), MAX_INFERENCEDATA_MB
        )
        problems = verdict.problems + output.problems + sizes
        summary.failed.extend(problems)
        error = "; ".join(problem.message for problem in problems) or None
        guards = verdict.results
        stray, taught = output.stray, output.taught
    else:
        log_path = _log_path(project, task.name)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(outcome.traceback or outcome.error or "", encoding="utf-8")
        log = project.relative(log_path) if log_path.is_relative_to(project.root) else str(log_path)
        where = f"cell {outcome.cell} raised " if outcome.cell else ""
        message = f"{where}{outcome.error} (traceback: {log})"
        summary.failed.append(Problem(task.name, outcome.line, message))
    records[task.name] = ExecutionRecord(
        path=task.name,
        status="ok" if error is None else "failed",
        executed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=round(outcome.seconds, 2),
        kernel=task.kernel,
        device=outcome.device or device_for(task.kernel),
        worker=outcome.worker,
        versions=_versions_for(task.kernel, outcome.modules),
        environment=environment_key(project),
        error=error,
        log=log,
        guards=guards,
        stray_outputs=stray,
        taught_outputs=taught,
        inferencedata=inferencedata,
    )
    return error is None
