"""The whole flow of ``ose build``: check, execute, Sphinx, publish.

Sphinx writes into ``_build/html.staging``, a copy of what is published; only a build that
succeeds is published, by switching the ``_build/html`` link in one rename
(:mod:`ose.staging`). A build that fails or is interrupted leaves ``_build/html`` as it was.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ose import interrupts
from ose.check import check_sources
from ose.core.problems import ProblemsFound
from ose.execution.runner import (
    ExecutionSummary,
    LocalExecutor,
    execute_notebooks,
    prepare_environment,
)
from ose.project import Project
from ose.sphinx_run import preload, run_sphinx
from ose.staging import new_tree_name, published_tree, start_from, swap_in
from ose.workshops.cli import bundles_stamp, refresh_bundles, stamp_bundles
from ose.workshops.manifest import BundleFile


class SphinxFailed(Exception):
    """Sphinx reported warnings or errors (already printed by Sphinx as path:line lines)."""


@dataclass
class BuildReport:
    execution: ExecutionSummary
    stage_seconds: dict[str, float] = field(default_factory=dict)


def check(project: Project) -> None:
    """Validate every source, then let Sphinx resolve every reference, executing nothing."""
    problems = check_sources(project)
    if problems:
        raise ProblemsFound(problems)
    prepare_environment(project)
    status = run_sphinx(
        project,
        "dummy",
        project.build_dir / "check",
        project.build_dir / "check" / "doctrees",
        overrides={"nb_execution_mode": "off"},
    )
    if status:
        _forget_read_pages(project.build_dir / "check" / "doctrees")
        raise SphinxFailed("the Sphinx check failed")


def build(
    project: Project,
    jobs: int | None = None,
    console: Console | None = None,
    scheduler: str | None = None,
) -> BuildReport:
    """check → execute → sphinx, into ``_build/html``."""
    console = console or Console(stderr=True)
    stages: dict[str, float] = {}

    early: LocalExecutor | None = None
    if scheduler is None:  # a lesson process starts as the build does, in case one is needed
        early = LocalExecutor.started_early(project, jobs)
    try:
        start = time.perf_counter()
        problems = check_sources(project)
        if problems:
            raise ProblemsFound(problems)
        stages["check"] = time.perf_counter() - start

        start = time.perf_counter()
        summary = execute_notebooks(
            project,
            jobs=jobs,
            console=console,
            scheduler=scheduler,
            local=early,
            meanwhile=lambda: preload(project),  # Sphinx is imported while lessons run
        )
        stages["execute"] = time.perf_counter() - start
    finally:
        if early is not None:  # no lesson needed it, they are done, or the build stopped:
            early.abandon()  # its processes go now, not at exit after they finish importing

    stages.update(sphinx=0.0, bundles=0.0)
    with staged_html(project) as staging:
        made: list[BundleFile] = []

        def bundles() -> bool:
            """Between two builds of one Sphinx application: the bundles, from the pages just
            written; whether the pages that list them must be written again."""
            start = time.perf_counter()
            new, changed = refresh_bundles(project, staging, reuse=True)
            made.extend(new)
            stages["bundles"] = time.perf_counter() - start
            return changed

        start = time.perf_counter()
        sphinx_html(project, staging, then=bundles)
        stages["sphinx"] = time.perf_counter() - start - stages["bundles"]
        if made:
            stamp_bundles(project, staging)
    return BuildReport(execution=summary, stage_seconds=stages)


@contextmanager
def staged_html(project: Project) -> Iterator[Path]:
    """A copy of the published site to build into; published in one rename if the block ends
    well, dropped (with what Sphinx read) if it raises or is interrupted."""
    staging = project.build_dir / "html.staging"
    start_from(published_tree(project.html_dir), staging)
    try:
        yield staging
        if interrupts.received():  # Sphinx turns KeyboardInterrupt into a status of its own
            raise KeyboardInterrupt(interrupts.received())
    except BaseException:
        _discard(project, staging)
        raise
    tree = project.build_dir / "htmls" / new_tree_name("html")
    tree.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(tree)
    swap_in(project.html_dir, tree)


def sphinx_html(project: Project, outdir: Path, then: Callable[[], bool] | None = None) -> None:
    """Sphinx's HTML builder into ``outdir`` (and ``then``, :func:`run_sphinx`); SphinxFailed if
    it reported anything."""
    status = run_sphinx(project, "html", outdir, project.doctrees_dir, then=then)
    if interrupts.received():
        raise KeyboardInterrupt(interrupts.received())
    if status:
        raise SphinxFailed("Sphinx reported the problems above; _build/html is unchanged")


def _discard(project: Project, staging: Path) -> None:
    """Forget a failed Sphinx run: its output and what it read."""
    shutil.rmtree(staging, ignore_errors=True)
    _forget_read_pages(project.doctrees_dir)
    # zips made into the dropped tree are gone with it: the next build makes them again
    bundles_stamp(project).unlink(missing_ok=True)


def _forget_read_pages(doctrees: Path) -> None:
    """Drop the environment Sphinx saved after reading, even though the build then failed:
    without it, the next build reads every page again and reports the same problems instead of
    passing over the pages it read last time."""
    (doctrees / "environment.pickle").unlink(missing_ok=True)
