"""Decision records as a metric: how many in each status, and how long a decision takes.

A record's ``date`` is the day of its last change of status. For an accepted, rejected or
withdrawn record that day is the decision; a superseded or deprecated record has changed since,
so its ``date`` no longer says when it was decided. The time to decide is measured from the
optional ``proposed`` date, over the records that give it: records written before the field
existed have none, and none is guessed for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from ose.decisions.records import STATUSES, Decision

#: Statuses whose ``date`` is the day the record was decided.
DECIDED_ON_DATE: tuple[str, ...] = ("accepted", "rejected", "withdrawn")


@dataclass(frozen=True)
class DecisionFigures:
    """How many records there are in each status, and the days from proposal to decision."""

    #: every status in lifecycle order, zeros included
    by_status: tuple[tuple[str, int], ...]
    #: records whose ``date`` is the day they were decided
    decided: int
    #: days from ``proposed`` to ``date``, for the decided records that give ``proposed``
    days: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.by_status)

    @property
    def timed(self) -> int:
        return len(self.days)

    @property
    def median_days(self) -> float | None:
        return median(self.days) if self.days else None

    @property
    def min_days(self) -> int | None:
        return min(self.days) if self.days else None

    @property
    def max_days(self) -> int | None:
        return max(self.days) if self.days else None


def decision_figures(decisions: list[Decision]) -> DecisionFigures:
    """The figures of ``decisions`` (every record, drafts included)."""
    counts = dict.fromkeys(STATUSES, 0)
    for decision in decisions:
        counts[decision.status] += 1
    decided = [d for d in decisions if d.status in DECIDED_ON_DATE]
    days = tuple(
        (d.date - d.proposed).days
        for d in decided
        if d.date is not None and d.proposed is not None and d.proposed <= d.date
    )
    return DecisionFigures(tuple(counts.items()), len(decided), days)
