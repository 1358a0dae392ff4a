"""Every metric the evaluation page shows, gathered from the project in one call.

The current build's lessons are read from its own execution records; a release's from the
records of its build under ``_build/versions/<name>/``, when this checkout built it (``ose
publish``). A release that was not built here has no figures, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ose.core.dates import build_date
from ose.core.problems import Problem, ProblemsFound
from ose.curriculum.load import read_curriculum
from ose.curriculum.model import Curriculum, Lesson
from ose.decisions.records import load_decisions
from ose.execution.records import load_records
from ose.metrics.curriculum import Health, health, health_of_records
from ose.metrics.decisions import DecisionFigures, decision_figures
from ose.metrics.external import METRICS_FILE, ExternalMetric, load_metrics
from ose.metrics.history import History, commit_date, git_history
from ose.project import Project
from ose.versions.manifest import MANIFEST_NAME, Version, load_manifest


@dataclass(frozen=True)
class Release:
    """One version of the site in ``versions.yaml``, with what this checkout knows of it."""

    name: str
    label: str
    ref: str
    dev: bool
    #: the day its commit was made; None when the commit is not in this checkout
    committed: date | None
    #: its lessons' figures: the current build's for dev, else None when not built here
    health: Health | None


@dataclass(frozen=True)
class Metrics:
    """What the evaluation page shows."""

    today: date
    decisions: DecisionFigures
    #: the lessons of the build that is running now
    health: Health
    releases: tuple[Release, ...]
    #: versions.yaml exists but is broken (``ose check`` reports why)
    versions_unreadable: bool
    history: History
    #: None when the project has no governance/metrics.yaml (or a broken one)
    external: tuple[ExternalMetric, ...] | None


def release_records(project: Project, name: str) -> Path:
    """Where ``ose publish`` keeps the execution records of version ``name``'s build."""
    return project.build_dir / "versions" / name / "build" / "execution" / "records.json"


def _release_health(project: Project, version: Version) -> Health | None:
    path = release_records(project, version.name)
    if not path.is_file():
        return None
    records = load_records(path)
    source = project.build_dir / "versions" / version.name / "source"
    if source.is_dir():  # the release's own lessons: a lesson it lacks a record of is missing
        curriculum, _ = read_curriculum(Project.at(source))
        if curriculum.lessons:
            return health(_in_order(curriculum), records)
    return health_of_records(records)


def _in_order(curriculum: Curriculum) -> list[Lesson]:
    """Lessons course by course, in teaching order; then any that no course lists."""
    ordered = [lesson for course in curriculum.courses for lesson in curriculum.lessons_of(course)]
    listed = {lesson.docname for lesson in ordered}
    return ordered + [
        lesson for name, lesson in sorted(curriculum.lessons.items()) if name not in listed
    ]


def collect_metrics(project: Project) -> tuple[Metrics, list[Problem]]:
    """Every figure, and the problems found in the files read only here (metrics.yaml); the
    other files' problems are reported by their own concerns."""
    problems: list[Problem] = []
    root = project.root
    today = build_date()
    curriculum, _ = read_curriculum(project)  # its problems are the curriculum's to report
    current = health(_in_order(curriculum), load_records(project.records_path))
    releases: list[Release] = []
    unreadable = False
    if (root / MANIFEST_NAME).is_file():
        try:
            manifest = load_manifest(root / MANIFEST_NAME, root)
        except ProblemsFound:  # its own check reports it; the page says it could not be read
            unreadable = True
        else:
            releases = [
                Release(
                    name=v.name,
                    label=v.label,
                    ref=v.ref,
                    dev=v.dev,
                    committed=commit_date(root, v.ref),
                    health=current if v.dev else _release_health(project, v),
                )
                for v in manifest.versions
            ]
    external: tuple[ExternalMetric, ...] | None = None
    if (root / METRICS_FILE).is_file():
        try:
            external = load_metrics(root / METRICS_FILE, root, today).metrics
        except ProblemsFound as found:
            problems.extend(found.problems)
    metrics = Metrics(
        today=today,
        decisions=decision_figures(load_decisions(root)),
        health=current,
        releases=tuple(releases),
        versions_unreadable=unreadable,
        history=git_history(root),
        external=external,
    )
    return metrics, problems
