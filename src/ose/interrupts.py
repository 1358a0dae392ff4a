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


def stop_descendants(grace: float = GRACE_SECONDS) -> int:
    """Terminate every process this one started, and theirs; kill what outlives ``grace``.

    A worker may start a kernel while the tree is being stopped, so the tree is looked at again
    until it is empty. Returns how many processes were stopped."""
    stopped = 0
    me = psutil.Process()
    for _ in range(5):
        children = me.children(recursive=True)
        if not children:
            break
        for child in children:
            with suppress(psutil.NoSuchProcess):
                child.terminate()
        _, alive = psutil.wait_procs(children, timeout=grace)
        for child in alive:
            with suppress(psutil.NoSuchProcess):
                child.kill()
        psutil.wait_procs(alive, timeout=grace)
        stopped += len(children)
    return stopped
