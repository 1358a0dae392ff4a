"""Lessons side by side compile PyTensor modules at the same time into one cache
(ose.execution.compile_cache): real PyTensor, real gcc, processes as the kernels are."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ose.execution.compile_cache import COMPILE_SETUP
from ose.kernels import CACHE_DIR_VARIABLE, KERNELS

#: One "kernel": the set-up (or not), then, once both have imported PyTensor, three graphs of its
#: own and one that both compile; prints when gcc ran, the results, and the modules it compiled.
KERNEL = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    if sys.argv[1] == "setup":
        exec(sys.argv[2])
    import numpy as np
    import pytensor, pytensor.tensor as pt
    from pytensor.link.c import basic, cmodule
    spans = []
    compile_str = cmodule.GCC_compiler.compile_str
    def timed(*args, **kwargs):
        start = time.monotonic()
        try:
            return compile_str(*args, **kwargs)
        finally:
            spans.append((start, time.monotonic()))
    cmodule.GCC_compiler.compile_str = staticmethod(timed)
    barrier, me = Path(sys.argv[3]), sys.argv[4]
    (barrier / me).touch()
    while len(list(barrier.iterdir())) < int(sys.argv[5]):
        time.sleep(0.01)
    x = pt.dvector("x")
    values = np.array([0.5, 1.5])
    results = {}
    for k in [float(k) for k in sys.argv[6].split(",")]:
        f = pytensor.function([x], pt.exp(x) * k + pt.sin(x * k))
        results[str(k)] = f(values).tolist()
    print(json.dumps({
        "spans": spans,
        "results": results,
        "compiled": basic.get_module_cache().stats[2],
        "unlocked": type(basic.get_module_cache()).module_from_key.__module__,
    }))
    """
)


def _kernels(tmp_path: Path, setup: bool, constants: list[str]) -> list[dict]:
    """One process per item of ``constants``, started together, sharing one compile cache."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    kernel_env = KERNELS["pymc-cpu"].env
    flags = kernel_env["PYTENSOR_FLAGS"].replace("${" + CACHE_DIR_VARIABLE + "}", str(tmp_path))
    env = {**os.environ, **kernel_env, "PYTENSOR_FLAGS": flags}
    common = ["setup" if setup else "plain", COMPILE_SETUP, str(barrier)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", KERNEL, *common, str(number), str(len(constants)), ks],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number, ks in enumerate(constants)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]


def _overlapping(first: list[list[float]], second: list[list[float]]) -> bool:
    return any(a0 < b1 and b0 < a1 for a0, a1 in first for b0, b1 in second)


def _expected(k: float) -> object:
    return pytest.approx([math.exp(v) * k + math.sin(v * k) for v in (0.5, 1.5)], rel=1e-12)


def test_two_kernels_compile_at_the_same_time_into_one_cache_that_a_third_then_reuses(tmp_path):
    first, second = _kernels(tmp_path, True, ["1.25,2.5,3.75,9.5", "4.25,5.5,6.75,9.5"])
    assert first["unlocked"] == second["unlocked"] == "ose_compile_cache_kernel"
    assert _overlapping(first["spans"], second["spans"]), (first["spans"], second["spans"])
    for kernel in (first, second):
        for k, values in kernel["results"].items():
            assert values == _expected(float(k)), k

    # a later lesson compiles none of them again: each entered the cache, the shared one once
    (tmp_path / "barrier").rename(tmp_path / "barrier-1")
    (later,) = _kernels(tmp_path, True, ["1.25,2.5,3.75,4.25,5.5,6.75,9.5"])
    assert later["compiled"] == 0
    assert later["spans"] == []
    assert later["results"]["9.5"] == _expected(9.5)


def test_without_the_set_up_pytensor_compiles_one_module_at_a_time(tmp_path):
    """What the set-up changes: PyTensor's own lock never lets two compiles overlap."""
    first, second = _kernels(tmp_path, False, ["1.25,2.5,3.75", "4.25,5.5,6.75"])
    assert first["unlocked"] == second["unlocked"] == "pytensor.link.c.cmodule"
    assert first["spans"] and second["spans"]
    assert not _overlapping(first["spans"], second["spans"])
