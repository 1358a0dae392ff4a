"""Kernels forked from a warm fork server: each lesson still gets a fresh, isolated kernel of
its own, a timeout still interrupts it, and nothing outlives the process that asked for it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

from ose.execution import forkserver
from ose.kernels import ensure_kernels

pytestmark = pytest.mark.skipif(not forkserver.supported(), reason="needs Linux pidfds")


def _run(folder: Path, *sources: str, timeout: int = 60) -> list[str]:
    """Run ``sources`` as one notebook in a forked kernel in ``folder``; the stdout of each."""
    ensure_kernels()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(
        notebook,
        kernel_name="pymc-cpu",
        kernel_manager_class=forkserver.ForkingKernelManager,
        resources={"metadata": {"path": str(folder)}},
        timeout=timeout,
    ).execute()
    return ["".join(o.get("text", "") for o in cell.outputs).strip() for cell in notebook.cells]


def test_each_lesson_gets_a_fresh_kernel_forked_in_its_own_folder_and_environment(
    tmp_path, monkeypatch
):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    (second / "helper.py").write_text("VALUE = 'from the lesson folder'\n")
    server = forkserver.server()
    assert server is not None
    probe = (
        "import os, sys, psutil; "
        "print(os.getcwd(), os.environ.get('OSE_PROBE'), os.getppid(), psutil.Process().cmdline())"
    )
    monkeypatch.setenv("OSE_PROBE", "first")
    out = _run(first, "leaked = 42", probe)
    cwd, env, parent, _ = out[1].split(" ", 3)
    assert (cwd, env) == (str(first), "first")
    assert int(parent) == server.process.pid  # forked by the server, not started anew

    monkeypatch.setenv("OSE_PROBE", "second")
    out = _run(
        second,
        "print('leaked' in globals())",
        probe,
        "import helper; print(helper.VALUE)",
        "import sys; print(sorted(m for m in sys.modules if m.split('.')[0] == 'ose'))",
    )
    assert out[0] == "False"  # nothing of the first lesson's kernel
    assert out[1].split(" ")[:2] == [str(second), "second"]
    assert out[2] == "from the lesson folder"  # the lesson's folder is importable, as usual
    assert out[3] == "[]"  # nor anything of the build's own code


def test_a_cell_past_its_timeout_is_stopped_in_a_forked_kernel(tmp_path):
    start = time.monotonic()
    with pytest.raises(CellTimeoutError):
        _run(tmp_path, "import time; time.sleep(600)", timeout=3)
    assert time.monotonic() - start < 60


def test_server_and_kernels_exit_when_the_process_that_started_them_dies(tmp_path):
    script = (
        "import asyncio, sys, time\n"
        "from ose.execution import forkserver\n"
        "from ose.kernels import ensure_kernels\n"
        "ensure_kernels()\n"
        "km = forkserver.ForkingKernelManager(kernel_name='pymc-cpu')\n"
        "asyncio.run(km.start_kernel(cwd=sys.argv[1]))\n"
        "print(forkserver.server().process.pid, km.provisioner.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert owner.stdout is not None
    server_pid, kernel_pid = (int(pid) for pid in owner.stdout.readline().split())
    processes = [psutil.Process(server_pid), psutil.Process(kernel_pid)]
    assert processes[1].ppid() == server_pid
    owner.kill()
    owner.wait()
    _, alive = psutil.wait_procs(processes, timeout=15)
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []


def test_a_lesson_still_runs_after_its_fork_server_died(tmp_path):
    dead = forkserver.server()
    assert dead is not None
    dead.process.kill()
    dead.process.wait()
    assert _run(tmp_path, "print(1 + 1)") == ["2"]
    replacement = forkserver.server()
    assert replacement is not None and replacement.process.pid != dead.process.pid


def test_a_lesson_that_imports_the_stack_finds_it_imported_and_behaves_as_if_it_had(
    tmp_path, monkeypatch
):
    server = forkserver.server()
    assert server is not None
    probe = "import os, sys, numpy\n"
    probe += "print(os.getppid(), 'pytensor' in sys.modules, numpy.random.random())"
    lesson = (
        probe,
        "import pytensor, logging\nlogging.getLogger('pytensor').warning('said by pytensor')",
    )
    monkeypatch.setenv(forkserver.PRELOAD_VARIABLE, forkserver.stack_imports(lesson))
    first, second = _run(tmp_path, *lesson), _run(tmp_path, *lesson)
    warm, imported, draw = first[0].split()
    assert imported == "True"  # imported before the lesson asked
    assert psutil.Process(int(warm)).ppid() == server.process.pid  # by a warm child of the server
    assert second[0].split()[:2] == [warm, "True"]
    assert second[0].split()[2] != draw  # each kernel draws its own random numbers
    assert first[1] == second[1] == "said by pytensor"  # a library's log reaches the cell

    # nothing imported that it does not: NumPy alone, then nothing
    numpy_only = "import os, sys, numpy\nprint(os.getppid(), 'pytensor' in sys.modules)"
    monkeypatch.setenv(forkserver.PRELOAD_VARIABLE, forkserver.stack_imports([numpy_only]))
    parent, imported = _run(tmp_path, numpy_only)[0].split()
    assert imported == "False"
    assert psutil.Process(int(parent)).ppid() == server.process.pid and parent != warm
    bare = "import os, sys\nprint(os.getppid(), 'numpy' in sys.modules)"
    monkeypatch.setenv(forkserver.PRELOAD_VARIABLE, forkserver.stack_imports([bare]))
    assert _run(tmp_path, bare)[0].split() == [str(server.process.pid), "False"]


def test_variables_that_differ_per_lesson_do_not_each_warm_a_server_of_their_own():
    from ose.execution.guard_kernel import INFERENCEDATA_DIR

    assert INFERENCEDATA_DIR in forkserver._PER_LESSON


def test_the_stack_a_lesson_imports_is_read_from_its_import_lines():
    cells = ["import numpy as np, pymc as pm", "from pytensor.tensor import matrix\n# import arviz"]
    assert forkserver.stack_imports(cells) == "numpy,pymc,pytensor"
    assert forkserver.stack_imports(["print('import pymc')", "x = 1"]) == ""


def test_an_import_that_prints_or_fails_is_left_to_the_lesson(tmp_path):
    (tmp_path / "noisy.py").write_text("print('hello from the import')\n")
    (tmp_path / "broken.py").write_text("raise ImportError('no')\n")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from ose.execution import forkserver\n"
        "print(forkserver._warm_up(['noisy']), forkserver._warm_up(['broken']), sep='|')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == (
        "importing noisy printed something|importing broken failed: ImportError"
    )
