"""``ose check``: every source rule of every concern, collected before anything executes.

Each concern contributes one function ``Project -> list[Problem]`` to :data:`CHECKS`. All run,
and all their problems are reported together.
"""

from __future__ import annotations

from collections.abc import Callable

from ose.blog import check_blog
from ose.core.problems import Problem
from ose.curriculum.load import check_curriculum
from ose.decisions.lint import check_decisions
from ose.events.load import check_events
from ose.execution.notebooks import check_notebooks
from ose.governance.check import check_governance
from ose.metrics.external import check_metrics
from ose.project import Project
from ose.versions.manifest import check_versions
from ose.workshops.data import check_lesson_data
from ose.workshops.load import check_workshops

Check = Callable[[Project], list[Problem]]

#: The rule sets, one per concern; a concern adds its function here.
CHECKS: list[Check] = [
    check_notebooks,
    check_decisions,
    check_governance,
    check_curriculum,
    check_versions,
    check_workshops,
    check_events,
    check_lesson_data,
    check_blog,
    check_metrics,
]


def check_sources(project: Project) -> list[Problem]:
    """Every problem found in the sources, sorted by file and line."""
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(project))
    return sorted(set(problems))
