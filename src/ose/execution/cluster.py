"""Execute lessons on a Dask cluster: ``ose build --scheduler tcp://HOST:PORT`` and ``ose worker``.

Where one machine is not enough, lessons go to Dask ``distributed`` (an existing engine, not a
home-made one); without ``--scheduler`` the local executor runs as before. Each Dask task runs one
lesson, in a kernel, on a worker that ``ose worker`` started from a checkout of this site, and
returns the executed notebook, its sampled models and its kernel's log. The client settles them
exactly as a local run (:func:`ose.execution.runner._settle`): same cache, records, verdicts.

- **One environment.** A worker whose environment (the lock's hash, the computing packages'
  versions, Python, the kernel set-up) differs from the client's is refused with one line naming
  what differs; no lesson is sent to it, and a result that comes back from one is not cached.
- **Resources.** Workers advertise ``cores`` (and ``gpu`` where a GPU is present); a lesson asks
  for the cores it declares, and a GPU lesson for a GPU where a worker has one. Without one, a
  GPU lesson runs on CPU JAX only if it allows it (``cpu-fallback``), and its page says so.
- **Faults.** A lesson whose worker dies is run again on another (Dask's own bounded
  ``allowed-failures``) and the build says so; a cell that hangs is stopped by its timeout on the
  worker; a scheduler that goes away fails the build with one line, after caching only the
  lessons that had completely finished.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Collection, Iterator
from concurrent.futures import CancelledError, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from distributed import Client, Future, KilledWorker, get_worker, wait
from distributed.diagnostics.plugin import WorkerPlugin
from rich.console import Console

from ose.core.text import read_text
from ose.environment import environment_fingerprint
from ose.execution import forkserver
from ose.execution.runner import (
    ExecutorFailed,
    LessonOutcome,
    LessonTask,
    first_line,
    run_lesson,
)
from ose.kernels import CACHE_DIR_VARIABLE, ensure_kernels
from ose.project import Project

#: The name under which a worker keeps ose's set-up (a Dask worker plugin).
PLUGIN_NAME = "ose-lessons"
#: The Dask worker resources a worker advertises and a lesson asks for.
CORES = "cores"
GPU = "gpu"
#: Seconds to wait for the scheduler to answer, and for a first worker to join.
CONNECT_SECONDS = 10
WORKERS_SECONDS = 60
#: How often the client looks for workers that joined (or died) while lessons run.
POLL_SECONDS = 5.0

_ADDRESS = re.compile(r"^(tcp|tls)://[^\s/:]+:(\d{1,5})$")

#: A Dask worker is a daemonic process by default, and those may not start the processes that
#: run lessons; ``ose worker`` sets this, a LocalCluster must be made under it.
WORKER_CONFIG = {"distributed.worker.daemon": False}
NOT_DAEMON = (
    "this Dask worker is a daemonic process, which cannot start the processes that run lessons "
    "(start workers with `ose worker`, or make the cluster under "
    "dask.config.set({'distributed.worker.daemon': False}))"
)

#: What must be equal on client and worker for a worker's outputs to be the client's.
_COMPARED = ("lock_sha256", "packages", "python", "platform", "kernel_setup")


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a scheduler's address, or None."""
    match = _ADDRESS.match(address)
    if match and 0 < int(match.group(2)) < 65536:
        return None
    return (
        f"{address!r} is not a Dask scheduler's address (allowed: tcp://HOST:PORT or "
        "tls://HOST:PORT, as `dask scheduler` prints it)"
    )


def comparable_fingerprint(project: Project) -> dict[str, Any]:
    """The parts of the environment fingerprint (the cache key's) that a worker must share;
    the device and the kernels' paths may differ from machine to machine."""
    fingerprint = environment_fingerprint(project)
    return {key: fingerprint[key] for key in _COMPARED}


def difference(ours: dict[str, Any], theirs: dict[str, Any]) -> str | None:
    """What differs between the client's fingerprint and a worker's, in a few words."""
    if ours["packages"] != theirs.get("packages"):
        packages = theirs.get("packages") or {}
        for name in sorted(set(ours["packages"]) | set(packages)):
            here = ours["packages"].get(name, "not installed")
            there = packages.get(name, "not installed")
            if here != there:
                return f"{name} {there} there, {here} here"
    if ours["python"] != theirs.get("python"):
        there = str(theirs.get("python")).split()[0]
        return f"Python {there} there, {str(ours['python']).split()[0]} here"
    if ours["lock_sha256"] != theirs.get("lock_sha256"):
        return "its uv.lock differs from this checkout's"
    if ours["platform"] != theirs.get("platform"):
        return f"machine {theirs.get('platform')} there, {ours['platform']} here"
    if ours["kernel_setup"] != theirs.get("kernel_setup"):
        return "its ose sets kernels up differently (another version of this repository)"
    return None


class LessonWorkerSetup(WorkerPlugin):
    """What a worker needs to run lessons: the kernels registered, the compile cache of its own
    checkout, its fingerprint, and one process per core (a lesson owns its process: it points
    the process's stderr at its kernel's log)."""

    name = PLUGIN_NAME

    def __init__(self, root: Path | str) -> None:
        self.root = str(Path(root).resolve())
        self.fingerprint: dict[str, Any] = {}
        self.pool: ProcessPoolExecutor | None = None

    def setup(self, worker: Any) -> None:
        if multiprocessing.current_process().daemon:
            raise RuntimeError(NOT_DAEMON)
        project = Project.at(self.root)
        ensure_kernels()
        project.cache_dir.mkdir(parents=True, exist_ok=True)
        os.environ[CACHE_DIR_VARIABLE] = str(project.cache_dir)  # the pool's processes inherit it
        self.fingerprint = comparable_fingerprint(project)
        self.pool = ProcessPoolExecutor(
            max_workers=max(1, worker.state.nthreads),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=forkserver.lesson_process,
        )

    def teardown(self, worker: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    @property
    def scratch(self) -> Path:
        return Path(self.root) / "_build" / "worker"


@dataclasses.dataclass
class RemoteOutcome:
    """What a worker sends back: the outcome, the files its run wrote, who ran it."""

    outcome: LessonOutcome
    fingerprint: dict[str, Any]
    inferencedata: dict[str, bytes]
    kernel_log: str


def worker_fingerprint(dask_worker: Any) -> dict[str, Any] | None:
    """The worker's fingerprint, or None for a worker that ose did not set up."""
    setup = dask_worker.plugins.get(PLUGIN_NAME)
    return setup.fingerprint if isinstance(setup, LessonWorkerSetup) else None


def _source_on_worker(setup: LessonWorkerSetup, name: str, text: str, scratch: Path) -> Path:
    """The lesson in the worker's own checkout when it reads the same there (so it runs beside
    its data), else the client's text written into scratch."""
    own = Path(setup.root) / name
    if own.is_file() and read_text(own) == text:
        return own
    copy = scratch / "source" / name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(text, encoding="utf-8")
    return copy


def run_on_worker(task: LessonTask, text: str) -> RemoteOutcome:
    """The Dask task: run one lesson in the worker's process pool; return what it made."""
    worker = get_worker()
    setup = worker.plugins.get(PLUGIN_NAME)
    if not isinstance(setup, LessonWorkerSetup) or setup.pool is None:
        raise RuntimeError("this Dask worker was not started by `ose worker`")
    setup.scratch.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="lesson-", dir=setup.scratch))
    try:
        local = dataclasses.replace(
            task,
            path=str(_source_on_worker(setup, task.name, text, scratch)),
            kernel_log=str(scratch / "kernel.log"),
            inferencedata_dir=str(scratch / "inferencedata") if task.inferencedata_dir else "",
        )
        outcome = setup.pool.submit(run_lesson, local).result()
        staged = Path(local.inferencedata_dir) if local.inferencedata_dir else None
        files = (
            {p.name: p.read_bytes() for p in sorted(staged.iterdir()) if p.is_file()}
            if staged is not None and staged.is_dir()
            else {}
        )
        log = Path(local.kernel_log)
        kernel_log = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    outcome.worker = worker.address
    return RemoteOutcome(outcome, setup.fingerprint, files, kernel_log)


def _suspicious(dask_scheduler: Any, key: str) -> int:
    """How many times a worker died while running the task ``key`` (on the scheduler)."""
    state = dask_scheduler.tasks.get(key)
    return int(state.suspicious) if state is not None else 0


@dataclasses.dataclass(eq=False)
class Submitted:
    """A lesson on the cluster: its Dask future, replaced if the workers it may use all go."""

    task: LessonTask
    future: Future
    allowed: frozenset[str]
    retries: int = 0


def _quiet_distributed() -> None:
    """distributed logs tracebacks when its connection drops, from a thread that outlives the
    client; the build says it in one line, so the build's process keeps distributed quiet."""
    for name in ("distributed", *logging.root.manager.loggerDict):
        if name.startswith("distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


class DaskExecutor:
    """Lessons on a Dask cluster; Dask's scheduler fits them into its workers' resources."""

    def __init__(self, project: Project, client: Client, address: str, console: Console) -> None:
        self.cores: int | None = None
        self.has_gpu = False
        self.client = client
        self.address = address
        self.console = console
        self.ours = comparable_fingerprint(project)
        #: accepted workers and the cores each advertises; refused ones, not asked again
        self.accepted: dict[str, dict[str, float]] = {}
        self.refused: set[str] = set()
        self.submitted: list[Submitted] = []
        self._alone_since: float | None = None

    @classmethod
    @contextlib.contextmanager
    def connect(cls, project: Project, address: str, console: Console) -> Iterator[DaskExecutor]:
        if problem := address_problem(address):
            raise ExecutorFailed(f"--scheduler {problem}")
        _quiet_distributed()
        try:
            client = Client(address, timeout=f"{CONNECT_SECONDS}s")
        except (OSError, TimeoutError) as error:
            raise ExecutorFailed(
                f"cannot reach the Dask scheduler at {address} ({first_line(str(error))}; "
                "allowed: the address of a running `dask scheduler`)"
            ) from None
        executor = cls(project, client, address, console)
        try:
            executor.admit_workers(wait_seconds=WORKERS_SECONDS)
            yield executor
        except BaseException:
            executor.abandon()
            raise
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=CONNECT_SECONDS)

    def admit_workers(self, wait_seconds: float = 0) -> None:
        """Fingerprint the workers not seen yet; accept those with this build's environment."""
        if wait_seconds:
            try:
                self.client.wait_for_workers(1, timeout=wait_seconds)
            except TimeoutError:
                raise ExecutorFailed(
                    f"no worker joined the Dask scheduler at {self.address} within "
                    f"{wait_seconds:g} s (start one with `ose worker {self.address}` in a "
                    "checkout of this site)"
                ) from None
            except (OSError, CancelledError) as error:
                raise self._lost(error) from None
        try:
            workers = self.client.scheduler_info(n_workers=-1)["workers"]
            new = [a for a in workers if a not in self.accepted and a not in self.refused]
            prints = self.client.run(worker_fingerprint, workers=new) if new else {}
        except (OSError, TimeoutError, CancelledError) as error:
            raise self._lost(error) from None
        for address in new:
            why = self._refusal(prints.get(address), workers[address].get("resources") or {})
            if why is None:
                self.accepted[address] = workers[address].get("resources") or {}
            else:
                self.refused.add(address)
                self.console.print(
                    f"[yellow]refused[/] Dask worker {address}: {why}", soft_wrap=True
                )
        for gone in set(self.accepted) - set(workers):
            del self.accepted[gone]
        if not self.accepted and not self.submitted:
            raise ExecutorFailed(
                f"no worker of the Dask cluster at {self.address} can run these lessons (start "
                f"one with `ose worker {self.address}` in a checkout of this site)"
            )
        self.has_gpu = self.has_gpu or any(r.get(GPU, 0) >= 1 for r in self.accepted.values())

    def _refusal(
        self, fingerprint: dict[str, Any] | None, resources: dict[str, float]
    ) -> str | None:
        if fingerprint is None:
            return "not started by `ose worker` (start workers with `ose worker ADDRESS`)"
        differs = difference(self.ours, fingerprint)
        if differs:
            return (
                f"its environment differs: {differs} (start workers from a checkout with the same "
                "uv.lock, installed with `uv sync --locked`)"
            )
        if resources.get(CORES, 0) < 1:
            return f"it advertises no {CORES!r} resource (start it with `ose worker`)"
        return None

    def _lost(self, error: BaseException) -> ExecutorFailed:
        why = (
            "the connection dropped"
            if isinstance(error, CancelledError)
            else first_line(str(error)) or type(error).__name__
        )
        return ExecutorFailed(
            f"lost the Dask scheduler at {self.address} ({why}); lessons that finished are "
            "cached, the others are not"
        )

    def _submit(self, task: LessonTask, priority: int) -> tuple[Future, frozenset[str]]:
        most = max(int(r.get(CORES, 1)) for r in self.accepted.values())
        resources: dict[str, float] = {CORES: min(task.cores, most)}
        if task.needs_gpu and self.has_gpu:
            resources[GPU] = 1
        allowed = frozenset(self.accepted)
        future = self.client.submit(
            run_on_worker,
            task,
            read_text(Path(task.path)),
            key=f"lesson-{task.name}-{uuid.uuid4().hex[:8]}",
            pure=False,
            resources=resources,
            priority=priority,
            workers=sorted(allowed),
            allow_other_workers=False,
            retries=0,
        )
        return future, allowed

    def start(self, task: LessonTask, priority: int) -> Submitted:
        future, allowed = self._submit(task, priority)
        submitted = Submitted(task, future, allowed)
        self.submitted.append(submitted)
        return submitted

    def wait(self, handles: Collection[Submitted]) -> set[Submitted]:
        """The lessons that are done; between polls, admit new workers and move lessons whose
        allowed workers have all gone (a restarted worker comes back under a new address)."""
        by_future = {handle.future: handle for handle in handles}
        while True:
            try:
                done, _ = wait(list(by_future), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            except CancelledError as error:
                raise self._lost(error) from None
            if self.client.status not in ("running", "connecting"):
                raise self._lost(RuntimeError(f"the client is {self.client.status}"))
            if done:
                return {by_future[future] for future in done}
            self.admit_workers()
            self._give_up_without_workers()
            for handle in handles if self.accepted else ():
                if handle.future.status == "pending" and not handle.allowed & set(self.accepted):
                    handle.retries += self._retries(handle)
                    self.client.cancel([handle.future])
                    del by_future[handle.future]
                    handle.future, handle.allowed = self._submit(handle.task, priority=0)
                    by_future[handle.future] = handle

    def _give_up_without_workers(self) -> None:
        """Lessons wait while no worker is left, for as long as a first worker is waited for."""
        if self.accepted:
            self._alone_since = None
            return
        now = time.monotonic()
        self._alone_since = self._alone_since or now
        if now - self._alone_since > WORKERS_SECONDS:
            raise ExecutorFailed(
                f"every worker of the Dask cluster at {self.address} left, and none joined "
                f"within {WORKERS_SECONDS} s; lessons that finished are cached, the others are not"
            )

    def _retries(self, handle: Submitted) -> int:
        try:
            return int(self.client.run_on_scheduler(_suspicious, key=handle.future.key))
        except (OSError, TimeoutError, CancelledError) as error:
            raise self._lost(error) from None

    def outcome(self, handle: Submitted, task: LessonTask) -> LessonOutcome:
        retries = handle.retries + self._retries(handle)
        try:
            remote: RemoteOutcome = handle.future.result()
        except KilledWorker:
            return LessonOutcome(
                task.name,
                0.0,
                error=f"the Dask workers running it died {retries} times (the scheduler's "
                "distributed.scheduler.allowed-failures); see the workers' logs",
                retries=retries,
            )
        except CancelledError as error:
            raise self._lost(error) from None
        except Exception as error:  # the task itself failed on the worker, outside the kernel
            return LessonOutcome(
                task.name,
                0.0,
                error=f"{type(error).__name__} on its Dask worker: {first_line(str(error))}",
                retries=retries,
            )
        finally:
            self.submitted.remove(handle)
        outcome = remote.outcome
        outcome.retries = retries
        differs = difference(self.ours, remote.fingerprint)
        if differs:  # a worker's environment changed under it: its outputs are not ours
            return LessonOutcome(
                task.name,
                outcome.seconds,
                error=f"ran on Dask worker {outcome.worker}, whose environment differs "
                f"({differs}); not cached",
                worker=outcome.worker,
                retries=retries,
            )
        self._unpack(task, remote)
        return outcome

    @staticmethod
    def _unpack(task: LessonTask, remote: RemoteOutcome) -> None:
        """Put the worker's files where a local run leaves them, for the settle step."""
        log = Path(task.kernel_log)
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(remote.kernel_log, encoding="utf-8")
        if task.inferencedata_dir and remote.inferencedata:
            staged = Path(task.inferencedata_dir)
            shutil.rmtree(staged, ignore_errors=True)
            staged.mkdir(parents=True)
            for name, data in remote.inferencedata.items():
                (staged / Path(name).name).write_bytes(data)

    def describe(self, running: list[LessonTask]) -> str:
        workers = len(self.accepted)
        return f"{len(running)} on {workers} Dask worker{'s' if workers != 1 else ''}"

    def abandon(self) -> None:
        with contextlib.suppress(Exception):
            self.client.cancel([handle.future for handle in self.submitted])


@contextlib.contextmanager
def local_cluster(root: Path | str, workers: int = 2) -> Iterator[tuple[Any, Client]]:
    """A Dask cluster on 127.0.0.1 whose worker processes run lessons from ``root`` (one core
    each), and a client of it: for tests, benchmarks, and a look at the executor on one machine."""
    import dask
    from distributed import LocalCluster

    with (
        dask.config.set(WORKER_CONFIG),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            resources={CORES: 1},
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(LessonWorkerSetup(root))
        yield cluster, client


def serve_worker(project: Project, address: str, cores: int, gpu: bool) -> None:
    """Run a Dask worker (under a nanny, which restarts it if it dies) that runs lessons from
    this checkout; return when it is stopped."""
    import asyncio

    import dask
    from distributed import Nanny

    if problem := address_problem(address):
        raise ExecutorFailed(problem)
    resources = {CORES: cores, **({GPU: 1} if gpu else {})}

    async def serve() -> None:
        async with Nanny(
            address,
            nthreads=cores,
            resources=resources,
            plugins={LessonWorkerSetup(project.root)},
            dashboard_address=None,
            death_timeout=CONNECT_SECONDS * 6,
        ) as nanny:
            await nanny.finished()

    try:
        with dask.config.set(WORKER_CONFIG):
            asyncio.run(serve())
    except (OSError, TimeoutError, RuntimeError) as error:  # distributed wraps the OSError
        cause: BaseException = error
        while cause.__cause__ is not None and not isinstance(cause, OSError):
            cause = cause.__cause__
        raise ExecutorFailed(
            f"cannot reach, or lost, the Dask scheduler at {address} ({first_line(str(cause))})"
        ) from None
