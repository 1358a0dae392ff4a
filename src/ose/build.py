"""The whole flow of ``ose build``: check, execute, Sphinx."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rich.console import Console

from ose.check import check_sources
from ose.core.problems import ProblemsFound
from ose.execution.runner import ExecutionSummary, execute_notebooks, prepare_environment
from ose.project import Project
from ose.sphinx_run import run_sphinx
from ose.workshops.cli import publish_bundles


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
        raise SphinxFailed("the Sphinx check failed")


def build(project: Project, jobs: int | None = None, console: Console | None = None) -> BuildReport:
    """check → execute → sphinx, into ``_build/html``."""
    console = console or Console(stderr=True)
    stages: dict[str, float] = {}

    start = time.perf_counter()
    problems = check_sources(project)
    if problems:
        raise ProblemsFound(problems)
    stages["check"] = time.perf_counter() - start

    start = time.perf_counter()
    summary = execute_notebooks(project, jobs=jobs, console=console)
    stages["execute"] = time.perf_counter() - start

    start = time.perf_counter()
    status = run_sphinx(project, "html", project.html_dir, project.doctrees_dir)
    stages["sphinx"] = time.perf_counter() - start
    if status:
        raise SphinxFailed("Sphinx reported the problems above")
    stages["bundles"] = publish_bundles(project)
    return BuildReport(execution=summary, stage_seconds=stages)
