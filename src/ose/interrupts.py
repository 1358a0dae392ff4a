"""Stop cleanly on SIGINT or SIGTERM: every kernel and worker goes, nothing half-done stays.

A build runs lessons in worker processes, each with a Jupyter kernel in a session of its own (so
the terminal's Ctrl+C never reaches it) and, while sampling, a process per chain. When ``ose`` is
interrupted, :func:`stop_descendants` ends that whole tree; what was executed completely is
already in the cache, and nothing else is written, so the next build resumes from there.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

import psutil

#: Seconds a process is given to exit after SIGTERM before it is killed.
GRACE_SECONDS = 5.0

_received: list[int] = []


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGTERM, like SIGINT, into KeyboardInterrupt for the duration of the block."""
    _received.clear()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def received() -> str | None:
    """The name of the signal that interrupted the build, if one did (``SIGINT``, ``SIGTERM``)."""
    return signal.Signals(_received[-1]).name if _received else None


def ignore_interrupts() -> None:
    """For worker processes: leave Ctrl+C to the parent, which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: Seconds between a worker process's looks at whether its parent is still there.
ORPHAN_POLL_SECONDS = 1.0


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL_SECONDS)
    os._exit(1)  # its kernel sees it go (ipykernel polls its parent) and goes too


def worker_process() -> None:
    """Initializer of the processes that run lessons: ignore Ctrl+C (as above), and exit if the
    process that started them dies without stopping them (killed, or a Dask worker gone), which
    would otherwise leave them waiting for work for ever."""
    ignore_interrupts()
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()


def _tracker() -> int | None:
    """multiprocessing's resource tracker: it ignores SIGTERM, holds no kernel or lesson, and
    exits by itself when this process does, so stopping it would only cost the grace period."""
    from multiprocessing import resource_tracker

    return resource_tracker._resource_tracker._pid  # type: ignore[attr-defined]


def stop_descendants(grace: float = GRACE_SECONDS) -> int:
    """Terminate every process this one started, and theirs; kill what outlives ``grace``.

    A worker may start a kernel while the tree is being stopped, so the tree is looked at again
    until it is empty. Returns how many processes were stopped."""
    stopped = 0
    me = psutil.Process()
    for _ in range(5):
        children = [child for child in me.children(recursive=True) if child.pid != _tracker()]
        if not children:
            break
        for child in children:
            with suppress(psutil.NoSuchProcess):
                child.terminate()
        alive = _still_running(children, grace)
        for child in alive:
            with suppress(psutil.NoSuchProcess):
                child.kill()
        _still_running(alive, grace)
        stopped += len(children)
    return stopped


#: Seconds between looks at whether the processes told to stop have stopped.
_POLL_SECONDS = 0.01


def _still_running(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of ``processes`` still running after up to ``timeout`` seconds. A zombie has exited:
    one whose parent was stopped too waits for the system's init to reap it, which may take
    seconds (psutil's own wait counts it as running until then)."""
    deadline = time.monotonic() + timeout
    alive = list(processes)
    while alive:
        alive = [process for process in alive if _running(process)]
        if not alive or time.monotonic() >= deadline:
            break
        time.sleep(_POLL_SECONDS)
    return alive


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
