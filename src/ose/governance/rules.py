"""The charters' rules about the roster, as data (``governance/rules.yaml``), and their checks.

A charter says, for example, that the Board has seven to eleven directors and that no
employer holds more than two of them. Those sentences are facts in ``rules.yaml``, so a pull
request that adds a twelfth director, or lets a term run out, fails ``ose check``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from pydantic import Field, PrivateAttr, model_validator

from ose.core.dates import add_years
from ose.core.problems import Problem
from ose.core.schema import Record, load
from ose.core.yamldata import LineMap, Loc
from ose.governance.roster import Body, Id, Roster


class SeatRange(Record):
    min: int = Field(ge=0)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> SeatRange:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max} (allowed: min <= max)")
        return self


class KindRules(Record):
    """What every body of one kind (board, working group, ...) must satisfy."""

    seats: SeatRange
    roles: list[str]
    required_roles: list[str] = Field(default_factory=list)
    constituencies: list[str] = Field(default_factory=list)
    max_per_affiliation: int | None = Field(default=None, ge=1)
    term_years: int | None = Field(default=None, ge=1)


class Rules(Record):
    """Which bodies must exist (id to kind), and the rules of each kind."""

    bodies: dict[Id, Id]
    kinds: dict[Id, KindRules]
    _lines: LineMap | None = PrivateAttr(default=None)

    def problem(self, loc: Loc, message: str) -> Problem:
        if self._lines is None:
            return Problem("governance/rules.yaml", 0, message)
        return self._lines.problem(loc, message)


def load_rules(path: Path, root: Path | None = None) -> Rules:
    """The rules at ``path``; :class:`ose.core.problems.ProblemsFound` if malformed."""
    rules, lines = load(Rules, path, root)
    rules._lines = lines
    return rules


def _words(items: list[str]) -> str:
    return ", ".join(items) if items else "none"


def rules_problems(rules: Rules, roster: Roster) -> list[Problem]:
    """What makes the rules themselves unusable against this roster."""
    problems = []
    for body_id, kind in rules.bodies.items():
        if kind not in rules.kinds:
            problems.append(
                rules.problem(
                    ("bodies", body_id),
                    f"bodies.{body_id} is of kind {kind!r}, which has no rules "
                    f"(allowed: {_words(sorted(rules.kinds))})",
                )
            )
    for kind, kind_rules in rules.kinds.items():
        for index, name in enumerate(kind_rules.constituencies):
            if name not in roster.constituencies:
                problems.append(
                    rules.problem(
                        ("kinds", kind, "constituencies", index),
                        f"kinds.{kind}.constituencies names {name!r}, which roster.yaml does "
                        f"not define (allowed: {_words(sorted(roster.constituencies))})",
                    )
                )
        for index, role in enumerate(kind_rules.required_roles):
            if role not in kind_rules.roles:
                problems.append(
                    rules.problem(
                        ("kinds", kind, "required-roles", index),
                        f"kinds.{kind}.required-roles names {role!r}, which is not one of its "
                        f"roles (allowed: {_words(kind_rules.roles)})",
                    )
                )
    return problems


def _body_problems(body: Body, kind: KindRules, roster: Roster, today: date) -> list[Problem]:
    here: Loc = ("bodies", body.id)
    problems = []
    count = len(body.seats)
    if not kind.seats.min <= count <= kind.seats.max:
        problems.append(
            roster.problem(
                (*here, "seats"),
                f"{body.id} has {count} seats (allowed for a {body.kind}: "
                f"{kind.seats.min} to {kind.seats.max})",
            )
        )
    # rules naming unknown roles or constituencies are reported once, by rules_problems
    roles = {seat.role for seat in body.seats}
    for role in kind.required_roles:
        if role not in roles and role in kind.roles:
            problems.append(
                roster.problem(
                    (*here, "seats"),
                    f"{body.id} has no {role} seat (every {body.kind} has one)",
                )
            )
    represented = {seat.constituency for seat in body.seats}
    for name in kind.constituencies:
        if name not in represented and name in roster.constituencies:
            problems.append(
                roster.problem(
                    (*here, "seats"),
                    f"{body.id} has no seat for constituency {name!r} (a {body.kind} represents "
                    f"each of: {_words(kind.constituencies)})",
                )
            )
    affiliations: Counter[str] = Counter()
    people: dict[str, str] = {}
    for index, seat in enumerate(body.seats):
        loc = (*here, "seats", index)
        if seat.role not in kind.roles:
            problems.append(
                roster.problem(
                    (*loc, "role"),
                    f"seat {seat.id!r} has role {seat.role!r} (allowed for a {body.kind}: "
                    f"{_words(kind.roles)})",
                )
            )
        holder = seat.holder
        if holder is None:
            continue
        affiliations[holder.affiliation] += 1
        limit = kind.max_per_affiliation
        if limit is not None and affiliations[holder.affiliation] == limit + 1:
            problems.append(
                roster.problem(
                    (*loc, "holder", "affiliation"),
                    f"{body.id} has {limit + 1} seats held by people from "
                    f"{holder.affiliation!r} (allowed: at most {limit} per affiliation)",
                )
            )
        if holder.name in people:
            problems.append(
                roster.problem(
                    (*loc, "holder", "name"),
                    f"{holder.name!r} holds two seats on {body.id} ({people[holder.name]} and "
                    f"{seat.id}; one seat per person)",
                )
            )
        people.setdefault(holder.name, seat.id)
        if holder.term_end < today:
            problems.append(
                roster.problem(
                    (*loc, "holder", "term-end"),
                    f"seat {seat.id!r}: the term of {holder.name} ended on {holder.term_end} "
                    f"(renew the term, or make the seat vacant by removing its holder)",
                )
            )
        if kind.term_years is not None:
            latest = add_years(holder.term_start, kind.term_years)
            if holder.term_end > latest:
                problems.append(
                    roster.problem(
                        (*loc, "holder", "term-end"),
                        f"seat {seat.id!r}: a term from {holder.term_start} to "
                        f"{holder.term_end} is too long (allowed for a {body.kind}: at most "
                        f"{kind.term_years} years, ending by {latest})",
                    )
                )
    return problems


def roster_problems(roster: Roster, rules: Rules, today: date) -> list[Problem]:
    """Every way ``roster`` breaks ``rules`` on ``today`` (the build date)."""
    problems = rules_problems(rules, roster)
    for body_id, kind in rules.bodies.items():
        body = roster.bodies.get(body_id)
        if body is None:
            problems.append(
                roster.problem(
                    ("bodies",),
                    f"body {body_id!r} is missing (rules.yaml requires a {kind} with that id)",
                )
            )
        elif body.kind != kind and kind in rules.kinds:
            problems.append(
                roster.problem(
                    ("bodies", body_id, "kind"),
                    f"bodies.{body_id}.kind is {body.kind!r} (allowed: {kind}, as rules.yaml "
                    "requires)",
                )
            )
    for body in roster.bodies.values():
        if rules.bodies.get(body.id, body.kind) != body.kind:
            continue  # of the wrong kind (reported above): its kind's rules would only add noise
        kind = rules.kinds.get(body.kind)
        if kind is None:
            problems.append(
                roster.problem(
                    ("bodies", body.id, "kind"),
                    f"bodies.{body.id}.kind is {body.kind!r} (allowed: "
                    f"{_words(sorted(rules.kinds))})",
                )
            )
            continue
        problems.extend(_body_problems(body, kind, roster, today))
    return problems
