"""Stopping every process a build started: workers and kernels go at once; multiprocessing's
resource tracker, which ignores SIGTERM and exits with its process, is left to do so."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, multiprocessing, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import resource_tracker
import psutil
from ose.interrupts import stop_descendants

if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    pool.submit(int).result()
    tracker = resource_tracker._resource_tracker._pid
    before = sorted(p.pid for p in psutil.Process().children(recursive=True))
    start = time.monotonic()
    stopped = stop_descendants(grace=30)
    print(json.dumps({
        "tracker": tracker,
        "before": before,
        "stopped": stopped,
        "seconds": time.monotonic() - start,
        "tracker_alive": psutil.pid_exists(tracker),
    }))
"""


def test_the_workers_are_stopped_and_the_resource_tracker_is_left_to_exit_by_itself():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120
    )
    figures = json.loads(result.stdout)
    assert figures["tracker"] in figures["before"]
    assert len(figures["before"]) == 2  # the worker and the tracker
    assert figures["stopped"] == 1
    assert figures["tracker_alive"]
    # not made to wait out the grace period: the tracker ignores SIGTERM and is not waited for
    assert figures["seconds"] < 30
