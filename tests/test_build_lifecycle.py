"""A build publishes all or nothing: a failed Sphinx stage or an interrupt leaves the last site.

Real builds of a small fixture site, in their own processes, as a user runs them.
"""

from __future__ import annotations

import contextlib
import hashlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import psutil
import pytest

from conftest import build_site, make_fixture_site

pytestmark = pytest.mark.site

BROKEN_POST = """---
blogpost: true
date: 2026-11-02
author: PyMC Foundation
---

# A second post

It links to {doc}`a page that does not exist <nowhere>`.
"""

SLOW_LESSON = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: pymc-cpu
  display_name: pymc-cpu
  language: python
---

# A slow lesson

```{code-cell} ipython3
import time

time.sleep(600)
```
"""


def tree_digest(folder: Path) -> str:
    """One hash of every file's path and bytes under ``folder`` (following the top link)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.resolve().rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder.resolve()).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_failed_sphinx_stage_leaves_the_published_site_byte_for_byte(tmp_path):
    root = make_fixture_site(tmp_path / "site")
    first = build_site(root)
    assert first.status == 0, first.err
    html = root / "_build" / "html"
    before = tree_digest(html)

    post = root / "docs" / "posts" / "second.md"
    post.write_text(BROKEN_POST, encoding="utf-8")
    for _attempt in range(2):  # a second build with the same fault fails the same way
        failed = build_site(root)
        assert failed.status == 1
        assert "docs/posts/second.md:9: unknown document: 'nowhere' [ref.doc]" in (
            failed.err.splitlines()
        ), failed.err
        assert "_build/html is unchanged" in failed.err
        assert "Traceback" not in failed.err
        assert tree_digest(html) == before
        assert not (root / "_build" / "html.staging").exists()

    post.write_text(BROKEN_POST.replace("<nowhere>", "</index>"), encoding="utf-8")
    fixed = build_site(root)
    assert fixed.status == 0, fixed.err
    assert (html / "docs" / "posts" / "second.html").is_file()
    # one published tree: the link moved to the new one and the old one is gone
    assert html.is_symlink()
    assert [p.name for p in (root / "_build" / "htmls").iterdir()] == [html.resolve().name]


def _read_lines(stream: IO[str], into: list[str]) -> None:
    for line in stream:
        into.append(line)


def _wait_until(condition: Callable[[], bool], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the build did not get there within the timeout")
        time.sleep(0.5)


def _kernels(process: psutil.Process) -> list[psutil.Process]:
    """Kernels below ``process``: started as ipykernel_launcher, or forked by a fork server
    (whose command line they share)."""
    found = []
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            parent = child.parent()
            if "ipykernel" in " ".join(child.cmdline()) or (
                parent is not None and "forkserver" in " ".join(parent.cmdline())
            ):
                found.append(child)
    return found


@pytest.mark.parametrize(("sent", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_build_stops_every_process_and_the_next_build_recovers(
    tmp_path, sent, status
):
    root = make_fixture_site(tmp_path / "site", {"lessons/slow.md": SLOW_LESSON})
    lessons = root / "lessons" / "index.md"
    lessons.write_text(lessons.read_text().replace("table-and-figure", "table-and-figure\nslow"))
    build = subprocess.Popen(
        [sys.executable, "-m", "ose.cli", "--root", str(root), "build", "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(build.stderr, lines), daemon=True)
    reader.start()
    process = psutil.Process(build.pid)
    # the fast lesson has finished (and is cached); the slow one is sleeping in its kernel
    _wait_until(lambda: any("✓ lessons/table-and-figure.md" in line for line in lines))
    _wait_until(lambda: bool(_kernels(process)))
    children = process.children(recursive=True)
    build.send_signal(sent)
    build.wait(timeout=120)
    reader.join(timeout=10)
    err = "".join(lines)

    assert build.returncode == status
    last = err.strip().splitlines()[-1]
    assert last == (
        f"ose: interrupted by {sent.name}: every kernel and worker stopped, nothing published "
        "(the next build resumes from the cache)"
    )
    assert "Traceback" not in err
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], [p.pid for p in alive]
    assert not (root / "_build" / "html").exists()

    (root / "lessons" / "slow.md").write_text(SLOW_LESSON.replace("600", "0"))
    after = build_site(root)
    assert after.status == 0, after.err
    # the fast lesson finished before the interrupt: it was cached then and is not run again
    assert "executed 1 of 2 lessons (1 from cache)" in after.out
