"""The budget and the revenue plan (``governance/budget.yaml``), and the sums they must satisfy.

The budget states its section subtotals and its total as well as every line, as the plan does,
so that a reader can check the arithmetic and so can ``ose check``: an edit that changes a line
without its subtotal, or a subtotal without the total, is an error naming both amounts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, PrivateAttr

from ose.core.problems import Problem
from ose.core.schema import Record, load, unknown_name
from ose.core.yamldata import LineMap, Loc, dotted
from ose.governance.charters import Source
from ose.governance.roster import Id


def money(amount: int) -> str:
    """An amount as a reader expects it: ``$1,150,000``."""
    return f"${amount:,}"


class Line(Record):
    item: str
    amount: PositiveInt
    note: str = ""


class Group(Record):
    title: str
    lines: list[Line] = Field(min_length=1)


class Section(Record):
    """A budget section (personnel, events, ...) with its declared subtotal."""

    id: Id
    title: str
    subtotal: PositiveInt
    groups: list[Group] = Field(min_length=1)

    @property
    def lines(self) -> list[Line]:
        return [line for group in self.groups for line in group.lines]

    @property
    def sum(self) -> int:
        return sum(line.amount for line in self.lines)


class Stream(Record):
    """A revenue stream and the range of what it is expected to raise each year."""

    id: Id
    title: str
    low: PositiveInt
    high: PositiveInt
    sources: list[str] = Field(default_factory=list)


class Tier(Record):
    id: Id
    name: str
    summary: str = ""
    benefits: list[str]


class Sponsorship(Record):
    """Sponsorship tiers, listed from the lowest; each includes the benefits of those below."""

    benefits: dict[Id, str]
    tiers: list[Tier] = Field(min_length=1)
    #: where the tiers (their names and which benefits each carries) come from: the plan lists
    #: the benefits only, so unless stated otherwise the tiers are a proposal
    tiers_source: Source = "proposal"


class Budget(Record):
    currency: Literal["USD"] = "USD"
    total: PositiveInt
    sections: list[Section] = Field(min_length=1)
    revenue: list[Stream] = Field(default_factory=list)
    sponsorship: Sponsorship | None = None
    _lines: LineMap | None = PrivateAttr(default=None)

    @property
    def sum(self) -> int:
        return sum(section.subtotal for section in self.sections)

    @property
    def revenue_low(self) -> int:
        return sum(stream.low for stream in self.revenue)

    @property
    def revenue_high(self) -> int:
        return sum(stream.high for stream in self.revenue)

    def problem(self, loc: Loc, message: str) -> Problem:
        if self._lines is None:
            return Problem("governance/budget.yaml", 0, message)
        return self._lines.problem(loc, message)


def load_budget(path: Path, root: Path | None = None) -> Budget:
    """The budget at ``path``; :class:`ose.core.problems.ProblemsFound` if malformed."""
    budget, lines = load(Budget, path, root)
    budget._lines = lines
    return budget


def budget_problems(budget: Budget) -> list[Problem]:
    """Sums that do not add up, impossible ranges and inconsistent sponsorship tiers."""
    problems = []
    for index, section in enumerate(budget.sections):
        if section.sum != section.subtotal:
            problems.append(
                budget.problem(
                    ("sections", index, "subtotal"),
                    f"{section.id} subtotal does not add up: expected {money(section.subtotal)}, "
                    f"actual {money(section.sum)} (the sum of its {len(section.lines)} lines)",
                )
            )
    if budget.sum != budget.total:
        problems.append(
            budget.problem(
                ("total",),
                f"total does not add up: expected {money(budget.total)}, actual "
                f"{money(budget.sum)} (the sum of the {len(budget.sections)} section subtotals)",
            )
        )
    for index, stream in enumerate(budget.revenue):
        if stream.low > stream.high:
            problems.append(
                budget.problem(
                    ("revenue", index, "low"),
                    f"revenue stream {stream.id!r} expects {money(stream.low)} to "
                    f"{money(stream.high)} (allowed: low <= high)",
                )
            )
    if budget.revenue and budget.revenue_high < budget.total:
        problems.append(
            budget.problem(
                ("total",),
                f"total {money(budget.total)} is more than the revenue plan can raise, "
                f"{money(budget.revenue_high)} at best (allowed: at most the sum of the "
                "streams' high estimates)",
            )
        )
    if budget.sponsorship is not None:
        problems.extend(_tier_problems(budget, budget.sponsorship))
    return problems


def _tier_problems(budget: Budget, sponsorship: Sponsorship) -> list[Problem]:
    problems = []
    below: list[str] = []
    for index, tier in enumerate(sponsorship.tiers):
        loc: Loc = ("sponsorship", "tiers", index, "benefits")
        for position, benefit in enumerate(tier.benefits):
            if benefit not in sponsorship.benefits:
                message = unknown_name(
                    dotted((*loc, position)),
                    benefit,
                    "a benefit",
                    sponsorship.benefits,
                    "sponsorship.benefits",
                )
                problems.append(budget.problem((*loc, position), message))
        missing = [benefit for benefit in below if benefit not in tier.benefits]
        if missing:
            problems.append(
                budget.problem(
                    loc,
                    f"tier {tier.id!r} lacks {', '.join(missing)}, offered by a lower tier "
                    "(each tier includes the benefits of the tiers below it)",
                )
            )
        below = list(dict.fromkeys([*below, *tier.benefits]))
    return problems
