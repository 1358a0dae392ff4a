"""Curriculum health: how many lessons run, how long they take, how well their models converge.

Every figure comes from the execution records the build writes (``records.json``), read through
:func:`ose.curriculum.verification.verify`, the same facts a lesson's badge shows. A lesson with
no record is counted as missing, not as passing. Models that a lesson declares as expected to
fail (it teaches the failure) are counted, but left out of the worst r_hat, the lowest ESS and
the divergences, which describe the models that must converge.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from statistics import median

from ose.curriculum.model import Lesson
from ose.curriculum.verification import Verification, verify
from ose.execution.records import ExecutionRecord, GuardResult


@dataclass(frozen=True)
class LessonRun:
    """One lesson's last execution: its page, title and what the record says."""

    docname: str
    title: str
    status: str  # ok, failed or missing
    seconds: float | None
    guards: tuple[GuardResult, ...] = ()


@dataclass(frozen=True)
class Health:
    """The figures of one build's lessons."""

    runs: tuple[LessonRun, ...]

    @property
    def lessons(self) -> int:
        return len(self.runs)

    @property
    def passing(self) -> int:
        return sum(run.status == "ok" for run in self.runs)

    @property
    def failed(self) -> int:
        return sum(run.status == "failed" for run in self.runs)

    @property
    def missing(self) -> int:
        return sum(run.status == "missing" for run in self.runs)

    @property
    def seconds(self) -> tuple[float, ...]:
        return tuple(run.seconds for run in self.runs if run.seconds is not None)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds)

    @property
    def median_seconds(self) -> float | None:
        return median(self.seconds) if self.seconds else None

    @property
    def guards(self) -> tuple[GuardResult, ...]:
        return tuple(guard for run in self.runs for guard in run.guards)

    @property
    def expected_failures(self) -> int:
        return sum(guard.expected_failure for guard in self.guards)

    @property
    def _converging(self) -> tuple[GuardResult, ...]:
        return tuple(guard for guard in self.guards if not guard.expected_failure)

    @property
    def worst_r_hat(self) -> float | None:
        values = [g.max_r_hat for g in self._converging if g.max_r_hat is not None]
        return max(values) if values else None

    @property
    def lowest_ess(self) -> float | None:
        values = [g.min_ess_bulk for g in self._converging if g.min_ess_bulk is not None]
        return min(values) if values else None

    @property
    def divergences(self) -> int:
        return sum(guard.divergences for guard in self._converging)


def _run(docname: str, title: str, facts: Verification) -> LessonRun:
    return LessonRun(docname, title, facts.status, facts.seconds, facts.guards)


def health(lessons: list[Lesson], records: dict[str, ExecutionRecord]) -> Health:
    """The figures of ``lessons`` (in the order given) from the build's ``records``."""
    return Health(
        tuple(
            _run(lesson.docname, lesson.title, verify(lesson, records.get(lesson.path)))
            for lesson in lessons
        )
    )


def health_of_records(records: dict[str, ExecutionRecord]) -> Health:
    """The figures of a build whose lessons are not known here: one run per record."""
    return Health(
        tuple(
            LessonRun(
                Path(path).with_suffix("").as_posix(),
                Path(path).stem,
                record.status,
                record.seconds,
                tuple(record.guards),
            )
            for path, record in sorted(records.items())
        )
    )
