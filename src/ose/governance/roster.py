"""The roster: the Foundation's bodies, their seats and who holds them (``governance/roster.yaml``).

The Foundation is being formed, so most seats are vacant; a vacant seat has no holder and says
how it will be filled. Other concerns read the roster too: a decision record's ``deciders`` are
body or seat ids from it. This module parses and checks what a roster means on its own; the
charter rules that constrain it (seat ranges, affiliations, terms) are in :mod:`.rules`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from ose.core.problems import Problem, ProblemsFound
from ose.core.schema import Record, load, unknown_name
from ose.core.yamldata import LineMap, Loc, dotted

#: Ids of bodies and seats: lower-case words joined by hyphens, e.g. ``wg-docs-lead``.
Id = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]

#: How a seat is filled.
Selection = Literal["election", "appointment", "ex-officio"]

SELECTION_PENDING = {
    "election": "to be elected",
    "appointment": "to be appointed",
    "ex-officio": "filled ex officio",
}


class Member(Record):
    """The person holding a seat, for one term."""

    name: str
    affiliation: str
    term_start: date
    term_end: date


class Seat(Record):
    """One place on a body. ``holder`` is None while the seat is vacant."""

    id: Id
    role: str
    constituency: str | None = None
    selection: Selection = "election"
    holder: Member | None = None

    @property
    def vacant(self) -> bool:
        return self.holder is None

    @property
    def pending(self) -> str:
        """What a vacant seat is waiting for, in words."""
        return SELECTION_PENDING[self.selection]


class Constituency(Record):
    """A group of stakeholders that the charters say must be represented."""

    name: str
    description: str = ""


class Body(Record):
    """A governing body, committee, team or working group."""

    id: Id
    name: str
    kind: str
    summary: str = ""
    seats: list[Seat] = Field(default_factory=list)

    @property
    def filled(self) -> list[Seat]:
        return [seat for seat in self.seats if seat.holder is not None]


class Roster(Record):
    """Every body of the Foundation, keyed by id, with the constituencies seats represent."""

    constituencies: dict[Id, Constituency] = Field(default_factory=dict)
    bodies: dict[Id, Body]
    _lines: LineMap | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _ids_from_keys(cls, data: Any) -> Any:
        """A body's id is its key in the file; copy it in so that a Body knows its own id."""
        if isinstance(data, dict) and isinstance(data.get("bodies"), dict):
            bodies = {
                key: ({**value, "id": key} if isinstance(value, dict) else value)
                for key, value in data["bodies"].items()
            }
            data = {**data, "bodies": bodies}
        return data

    @property
    def seats(self) -> dict[str, Seat]:
        """Every seat of every body, by seat id."""
        return {seat.id: seat for body in self.bodies.values() for seat in body.seats}

    def body_of(self, seat_id: str) -> Body:
        return next(b for b in self.bodies.values() if any(s.id == seat_id for s in b.seats))

    @property
    def known_ids(self) -> set[str]:
        """Body ids and seat ids: what a decision record may name as a decider."""
        return set(self.bodies) | set(self.seats)

    def problem(self, loc: Loc, message: str) -> Problem:
        """A problem at ``loc`` in the roster file."""
        if self._lines is None:
            return Problem("governance/roster.yaml", 0, message)
        return self._lines.problem(loc, message)


def roster_consistency(roster: Roster) -> list[Problem]:
    """What makes a roster contradict itself, whatever the charters' rules say."""
    problems = []
    seen: dict[str, str] = {}
    for body in roster.bodies.values():
        for index, seat in enumerate(body.seats):
            loc = ("bodies", body.id, "seats", index)
            if seat.id in roster.bodies:
                problems.append(
                    roster.problem(
                        (*loc, "id"),
                        f"seat id {seat.id!r} is also a body id (seat ids must differ from "
                        "body ids)",
                    )
                )
            if seat.id in seen:
                problems.append(
                    roster.problem(
                        (*loc, "id"),
                        f"seat id {seat.id!r} is used twice (also in {seen[seat.id]}; "
                        "seat ids are unique across the roster)",
                    )
                )
            seen.setdefault(seat.id, body.id)
            if seat.constituency is not None and seat.constituency not in roster.constituencies:
                message = unknown_name(
                    dotted((*loc, "constituency")),
                    seat.constituency,
                    "a constituency",
                    roster.constituencies,
                    "governance/roster.yaml",
                )
                problems.append(roster.problem((*loc, "constituency"), message))
            holder = seat.holder
            if holder is not None and holder.term_end <= holder.term_start:
                problems.append(
                    roster.problem(
                        (*loc, "holder", "term-end"),
                        f"seat {seat.id!r}: term ends {holder.term_end} before it starts "
                        f"{holder.term_start} (the end must come after the start)",
                    )
                )
    return problems


def load_roster(path: Path, root: Path | None = None) -> Roster:
    """The roster at ``path``; :class:`ProblemsFound` if it is malformed or contradicts itself."""
    roster, lines = load(Roster, path, root)
    roster._lines = lines
    problems = roster_consistency(roster)
    if problems:
        raise ProblemsFound(problems)
    return roster
