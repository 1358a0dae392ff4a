"""Lessons on a Dask cluster (``ose build --scheduler``, ``ose worker``), and lessons that declare
the cores they use. Real clusters on 127.0.0.1: a ``LocalCluster`` with two worker processes,
or a ``dask scheduler`` with an ``ose worker``, each running lessons in real kernels."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

import ose
from conftest import build_site, make_fixture_site, run_cli

distributed = pytest.importorskip("distributed")

from ose.execution.cluster import local_cluster  # noqa: E402

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: {kernel}
  display_name: {kernel}
  language: python
{extra}---

# {title}

"""


def lesson(title: str, *cells: str, kernel: str = "pymc-cpu", extra: str = "") -> str:
    body = "".join(f"```{{code-cell}} ipython3\n{cell}\n```\n\n" for cell in cells)
    return HEADER.format(kernel=kernel, extra=extra, title=title) + body


def site_with(tmp_path: Path, lessons: dict[str, str]) -> Path:
    """The fixture site with ``lessons`` (name: text) added to its lessons and their toctree."""
    extra = {f"lessons/{name}.md": text for name, text in lessons.items()}
    root = make_fixture_site(tmp_path / "site", extra)
    index = root / "lessons" / "index.md"
    names = "\n".join(lessons)
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            "table-and-figure\n", f"table-and-figure\n{names}\n"
        ),
        encoding="utf-8",
    )
    return root


def records(root: Path) -> dict[str, dict]:
    path = root / "_build" / "execution" / "records.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@pytest.fixture
def cluster() -> Iterator[Callable[[Path], tuple[Any, Any]]]:
    """``cluster(root)``: two worker processes on 127.0.0.1, one core each, running lessons from
    the site at ``root`` (made first: a worker sets its build folder up), and a client."""
    with contextlib.ExitStack() as stack:
        yield lambda root: stack.enter_context(local_cluster(root))


def test_a_local_cluster_builds_the_site_and_the_cache_serves_a_rebuild_without_it(
    tmp_path, cluster
):
    root = site_with(tmp_path, {"second": lesson("Second", "print(6 * 7)")})
    local, client = cluster(root)
    workers = set(client.scheduler_info()["workers"])

    site = build_site(root, "--scheduler", local.scheduler_address)
    assert site.status == 0, site.err
    assert "executed 2 of 2 lessons" in site.out
    ran = records(root)
    assert {r["worker"] for r in ran.values()} <= workers
    assert all(r["status"] == "ok" and r["device"] == "CPU" for r in ran.values())
    assert "42" in site.page("lessons/second.html")
    assert "FIXTURE-PRINTED-LINE" in site.page("lessons/table-and-figure.html")
    # the kernels' logs come back from the workers, as a local run leaves them
    assert (root / "_build" / "logs" / "lessons__second.kernel.log").is_file()

    again = build_site(root)  # no cluster: the cache serves every lesson
    assert again.status == 0, again.err
    assert "executed 0 of 2 lessons (2 from cache)" in again.out
    assert "42" in again.page("lessons/second.html")


def _fake_pymc(dask_worker: object) -> None:
    setup = dask_worker.plugins["ose-lessons"]  # type: ignore[attr-defined]
    setup.fingerprint = {
        **setup.fingerprint,
        "packages": {**setup.fingerprint["packages"], "pymc": "0.0.1"},
    }


def test_a_worker_with_another_environment_is_refused_and_its_results_never_cached(
    tmp_path, cluster
):
    root = site_with(tmp_path, {})
    local, client = cluster(root)
    other, good = sorted(client.scheduler_info()["workers"])
    client.run(_fake_pymc, workers=[other])

    site = build_site(root, "--scheduler", local.scheduler_address)
    assert site.status == 0, site.err
    refused = [line for line in site.err.splitlines() if line.startswith("refused")]
    assert len(refused) == 1, site.err
    assert refused[0].startswith(
        f"refused Dask worker {other}: its environment differs: pymc 0.0.1 there, "
    )
    assert {r["worker"] for r in records(root).values()} == {good}

    client.run(_fake_pymc, workers=[good])  # now no worker may run the lessons
    (root / "lessons" / "table-and-figure.md").write_text(
        (root / "lessons" / "table-and-figure.md").read_text(encoding="utf-8") + "\nEdited.\n",
        encoding="utf-8",
    )
    edited = root / "lessons" / "extra.md"
    edited.write_text(lesson("Extra", "print('never')"), encoding="utf-8")
    site = build_site(root, "--scheduler", local.scheduler_address)
    assert site.status == 1
    assert site.err.strip().splitlines()[-1] == (
        f"error: no worker of the Dask cluster at {local.scheduler_address} can run these "
        f"lessons (start one with `ose worker {local.scheduler_address}` in a checkout of "
        "this site)"
    )
    assert "lessons/extra.md" not in records(root)


def _ancestors(pid: int) -> set[int]:
    try:
        return {p.pid for p in psutil.Process(pid).parents()}
    except psutil.NoSuchProcess:
        return set()


def test_a_worker_that_dies_mid_lesson_is_replaced_and_the_build_says_it_retried(tmp_path, cluster):
    marker = tmp_path / "running.pid"
    slow = lesson(
        "Slow",
        f"import os, pathlib, time\npathlib.Path({str(marker)!r}).write_text(str(os.getpid()))\n"
        "time.sleep(8)\nprint('slow lesson done')",
    )
    root = site_with(tmp_path, {"slow": slow})
    local, client = cluster(root)
    pids = client.run(os.getpid)
    killed: list[str] = []
    left: list[psutil.Process] = []

    def kill_the_worker_running_it() -> None:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not killed:
            if marker.is_file() and marker.read_text():
                kernel = int(marker.read_text())
                for address, pid in pids.items():
                    if pid in _ancestors(kernel):
                        left.extend(psutil.Process(pid).children(recursive=True))
                        os.kill(pid, signal.SIGKILL)
                        killed.append(address)
                return
            time.sleep(0.2)

    watcher = threading.Thread(target=kill_the_worker_running_it)
    watcher.start()
    site = build_site(root, "--scheduler", local.scheduler_address)
    watcher.join()
    assert killed, "the lesson never started"
    assert site.status == 0, site.err
    assert "lessons/slow.md  (retried 1x: its Dask worker died)" in site.out
    assert "(retried once: the Dask worker running it died)" in site.err
    assert records(root)["lessons/slow.md"]["worker"] != killed[0]
    assert "slow lesson done" in site.page("lessons/slow.html")
    # what the dead worker had started (its lesson process, that lesson's kernel) went with it
    _, alive = psutil.wait_procs(left, timeout=10)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], alive


def test_gpu_lessons_without_a_gpu_worker_fall_back_or_fail_in_one_line(tmp_path, cluster):
    root = site_with(
        tmp_path,
        {
            "gpu-fallback": lesson("May fall back", "print(1 + 1)", kernel="pymc-jax"),
            "gpu-only": lesson(
                "GPU only", "print(2 + 2)", kernel="pymc-jax", extra="cpu-fallback: false\n"
            ),
        },
    )
    local, _ = cluster(root)
    site = build_site(root, "--scheduler", local.scheduler_address)
    assert site.status == 1
    assert site.err.strip().splitlines()[-1] == (
        "lessons/gpu-only.md:10: a GPU lesson with cpu-fallback: false, and no GPU to run it on "
        "(allowed: build on a machine with a GPU, add a Dask worker that has one, or set "
        "cpu-fallback: true to run it on CPU JAX)"
    )
    ran = records(root)
    assert ran["lessons/gpu-fallback.md"]["device"] == "CPU (JAX, no GPU present)"
    assert ran["lessons/gpu-fallback.md"]["status"] == "ok"
    assert "lessons/gpu-only.md" not in ran
    assert not (root / "_build" / "html").exists()  # nothing half-published


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    root = site_with(tmp_path, {})
    address = f"tcp://127.0.0.1:{free_port()}"
    status, _, err = run_cli("--root", str(root), "build", "--scheduler", address)
    assert status == 1
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith(f"error: cannot reach the Dask scheduler at {address} (")
    )
    assert "Traceback" not in err
    assert records(root) == {}
    assert not (root / "_build" / "html").exists()


def test_ose_worker_runs_lessons_and_a_lost_scheduler_fails_the_build_in_one_line(tmp_path):
    """A real ``dask scheduler`` and ``ose worker``: the scheduler dies mid-lesson."""
    marker = tmp_path / "started"
    root = site_with(
        tmp_path,
        {
            "waits": lesson(
                "Waits",
                f"import pathlib, time\npathlib.Path({str(marker)!r}).write_text('1')\n"
                "time.sleep(30)",
            )
        },
    )
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    bin_dir = Path(sys.executable).parent
    scheduler = subprocess.Popen(
        [bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "ose.cli", "--root", str(root), "worker", address, "--cores", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        build = subprocess.Popen(
            [sys.executable, "-m", "ose.cli", "--root", str(root), "build", "--scheduler", address],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 240
        while not marker.is_file() and time.monotonic() < deadline and build.poll() is None:
            time.sleep(0.2)
        assert marker.is_file(), build.communicate()
        scheduler.kill()
        out, err = build.communicate(timeout=120)
    finally:
        for process in (scheduler, worker):
            process.send_signal(signal.SIGINT)
        for process in (scheduler, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    assert build.returncode == 1, (out, err)
    assert err.strip().splitlines()[-1].startswith(f"error: lost the Dask scheduler at {address}")
    assert "Traceback" not in err, err
    ran = records(root)
    assert ran["lessons/table-and-figure.md"]["status"] == "ok"  # it finished: it is cached
    assert "lessons/waits.md" not in ran  # half-done: nothing of it is
    assert not (root / "_build" / "html").exists()


def _commit(repo: Path, message: str) -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", message)
    return git("rev-parse", "HEAD")


def test_publish_runs_each_version_on_the_cluster_unless_its_tooling_predates_it(tmp_path, cluster):
    """``ose publish --scheduler``: a version built by this tooling sends its lessons to the
    workers; a release whose own ``src/ose`` has no Dask executor runs them here, and says so."""
    repo = site_with(tmp_path, {"second": lesson("Second", "print(6 * 7)")})
    (repo / ".gitignore").write_text("_build/\n")
    old_tooling = repo / "src" / "ose"
    shutil.copytree(Path(ose.__file__).parent, old_tooling, ignore=shutil.ignore_patterns("*.pyc"))
    (old_tooling / "execution" / "cluster.py").unlink()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    release = _commit(repo, "a release whose tooling predates Dask")
    shutil.rmtree(repo / "src")  # main: built by the interpreter's own tooling
    (repo / "versions.yaml").write_text(
        "base-url: https://example.org/site/\nversions:\n"
        "  - {name: dev, ref: main, dev: true}\n"
        f"  - {{name: '1.0', ref: {release}, preferred: true}}\n"
    )
    _commit(repo, "work on main")
    local, client = cluster(repo)
    address = local.scheduler_address
    status, out, err = run_cli("--root", str(repo), "publish", "--scheduler", address)
    assert status == 0, out + err
    assert "built   dev in" in out and f"(lessons on the Dask cluster at {address})" in out
    assert "(lessons here: its tooling predates --scheduler)" in out
    versions = repo / "_build" / "versions"
    workers = set(client.scheduler_info()["workers"])
    dev = json.loads((versions / "dev/build/execution/records.json").read_text(encoding="utf-8"))
    release_records = json.loads(
        (versions / "1.0/build/execution/records.json").read_text(encoding="utf-8")
    )
    assert len(dev) == 2 and {r["worker"] for r in dev.values()} <= workers
    assert len(release_records) == 2
    assert {r["worker"] for r in release_records.values()} == {None}
    assert "42" in (repo / "_build/site/dev/lessons/second.html").read_text(encoding="utf-8")


def test_the_local_executor_never_runs_more_cores_than_it_has(tmp_path):
    """Two lessons that each keep two cores busy, on two cores: one after the other."""
    times = tmp_path / "times"
    times.mkdir()
    cell = (
        "import pathlib, time\nstart = time.time()\ntime.sleep(3)\n"
        f"pathlib.Path({str(times)!r}, {{name!r}}).write_text(f'{{start}} {{time.time()}}')"
    )
    root = site_with(
        tmp_path,
        {
            name: lesson(name.title(), cell.replace("{name!r}", repr(name)), extra="cores: 2\n")
            for name in ("one", "two")
        },
    )
    site = build_site(root, "--jobs", "2")
    assert site.status == 0, site.err
    (_, first_end), (second_start, _) = sorted(
        tuple(map(float, (times / name).read_text().split())) for name in ("one", "two")
    )
    assert second_start >= first_end


@pytest.mark.parametrize("command", ["build --scheduler", "publish --scheduler", "worker"])
def test_a_malformed_scheduler_address_is_one_line_before_any_work(tmp_path, command):
    root = site_with(tmp_path, {})
    status, out, err = run_cli("--root", str(root), *command.split(), "127.0.0.1:8786")
    assert status == 2
    assert (
        err.strip()
        .splitlines()[-1]
        .endswith(
            "'127.0.0.1:8786' is not a Dask scheduler's address (allowed: tcp://HOST:PORT or "
            "tls://HOST:PORT, as `dask scheduler` prints it)"
        )
    )
    assert out == ""
    assert not (root / "_build").exists()
