"""Typed records of an event: the front matter of ``docs/events/<group>/<id>.md``.

An event is a page and its data at once, as a workshop is. Times are written as the local clock
time of the place (``start: 2027-10-13 09:00``) with the IANA zone beside them
(``time-zone: Europe/Berlin``): a reader at the venue reads them as written, and a calendar
converts them for everyone else, across daylight-saving changes. Nothing here is settled unless
its ``status`` says so: the Foundation's plan names the events but gives no dates, so the dates
of this site's events are proposals until the Community working group confirms them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ose.core.schema import Record

KINDS = ("conference", "meetup", "webinar", "sprint", "hackathon")
Kind = Literal["conference", "meetup", "webinar", "sprint", "hackathon"]
#: ``proposed``: the plan names the event, this site proposes the date; ``scheduled``: the
#: Community working group has confirmed it; ``cancelled``: kept so links and calendars say so.
Status = Literal["proposed", "scheduled", "cancelled"]
#: An event's id (its file name): it names its page, its calendar file and its calendar UID.
EVENT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

KIND_LABEL = {
    "conference": "Conference",
    "meetup": "Meetup",
    "webinar": "Webinar",
    "sprint": "Sprint",
    "hackathon": "Hackathon",
}
KIND_PLURAL = {
    "conference": "conferences",
    "meetup": "meetups",
    "webinar": "webinars",
    "sprint": "sprints",
    "hackathon": "hackathons",
}


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            "allowed: an IANA time zone name, e.g. Europe/Berlin, America/New_York or UTC"
        ) from None
    return value


class Recurrence(Record):
    """A series of occurrences: an RFC 5545 RRULE from the event's start, and its exceptions
    (the dates of occurrences that are not held)."""

    rule: str = Field(min_length=1)
    except_: list[date] = Field(default_factory=list, alias="except")


class Registration(Record):
    """When registration closes (a deadline), and how to register."""

    closes: date
    how: str | None = Field(default=None, min_length=1)


class TravelGrants(Record):
    """Travel support: who may apply, how, and by when."""

    deadline: date
    eligible: list[str] = Field(min_length=1)
    how: str = Field(min_length=1)


class CallForProposals(Record):
    """The call for talks, tutorials and workshops: what is asked for, and by when."""

    deadline: date
    formats: list[str] = Field(min_length=1)
    how: str = Field(min_length=1)


class Speaker(Record):
    """A speaker slot: open, or held by a role until a real person is named (never invented)."""

    role: str | None = Field(default=None, min_length=1)
    slot: Literal["open"] | None = None

    @model_validator(mode="after")
    def _one(self) -> Speaker:
        if (self.role is None) == (self.slot is None):
            raise ValueError(
                "speaker is an open slot or a role, one of the two (give slot: open, or "
                "role: <who>)"
            )
        return self


#: ``course/lesson``: how a case study names its notebook in the curriculum.
LESSON_REF = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$")


class CaseStudy(Record):
    """A webinar's case study: a notebook of the curriculum, executed at every build like any
    lesson, and the real data it analyses, with where they come from and under what licence."""

    notebook: str
    summary: str = Field(min_length=1)
    data: str = Field(min_length=1)
    source: str = Field(min_length=1)
    licence: str = Field(min_length=1)

    @field_validator("notebook")
    @classmethod
    def _check_notebook(cls, value: str) -> str:
        if not LESSON_REF.match(value):
            raise ValueError(
                "allowed: a lesson of the curriculum as course/lesson, e.g. "
                "case-studies/eight-schools"
            )
        return value


class AttendanceTarget(Record):
    """A target, not a figure reached: participants expected in a year of the series."""

    year: int = Field(gt=0)
    participants: int = Field(gt=0)


class Event(Record):
    """The front matter of an event's page."""

    kind: Kind
    title: str = Field(min_length=1)
    status: Status
    summary: str = Field(min_length=1)
    start: datetime
    end: datetime
    time_zone: str
    venue: str | None = Field(default=None, min_length=1)
    online: bool = False
    #: for meetups: the region whose hub hosts it (the meetups page groups by it)
    region: str | None = Field(default=None, min_length=1)
    recurrence: Recurrence | None = None
    registration: Registration | None = None
    travel_grants: TravelGrants | None = None
    call_for_proposals: CallForProposals | None = None
    #: for webinars
    speaker: Speaker | None = None
    abstract: str | None = Field(default=None, min_length=1)
    case_study: CaseStudy | None = None
    #: for conferences: the plan's attendance targets for the series
    attendance_targets: list[AttendanceTarget] = Field(default_factory=list)

    @field_validator("time_zone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        return _zone(value)

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError(
                "allowed: the local time at the event, YYYY-MM-DD HH:MM, without an offset "
                "(the zone goes in time-zone)"
            )
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def deadlines(self) -> list[tuple[tuple[str, ...], str, date]]:
        """``(key path, what, date)`` of every deadline the event has."""
        found: list[tuple[tuple[str, ...], str, date]] = []
        if self.registration is not None:
            found.append((("registration", "closes"), "registration", self.registration.closes))
        if self.travel_grants is not None:
            found.append(
                (
                    ("travel-grants", "deadline"),
                    "travel-grant applications",
                    self.travel_grants.deadline,
                )
            )
        if self.call_for_proposals is not None:
            found.append(
                (
                    ("call-for-proposals", "deadline"),
                    "the call for proposals",
                    self.call_for_proposals.deadline,
                )
            )
        return found


#: Keys of an event's front matter, as a reader sees them in messages.
EVENT_KEYS = tuple(field.alias or name for name, field in Event.model_fields.items())


class _Plain(BaseModel):
    model_config = ConfigDict(frozen=True)


class EventPage(_Plain):
    """One event, checked: its id, page, data and the start of every occurrence (local time)."""

    id: str
    #: ``docs/events/<group>/<id>.md``, relative to the project
    path: str
    event: Event
    occurrences: list[datetime]
    #: a webinar's case study: the docname of its lesson, once resolved in the curriculum
    case_study_docname: str | None = None

    @property
    def docname(self) -> str:
        return self.path.removesuffix(".md")

    @property
    def first(self) -> datetime:
        return self.occurrences[0]

    @property
    def last_end(self) -> datetime:
        return self.occurrences[-1] + self.event.duration

    def past(self, today: date) -> bool:
        """Over before the build date: its last occurrence ended on an earlier day."""
        return self.last_end.date() < today

    def upcoming(self, today: date) -> list[datetime]:
        """The occurrences that have not ended before ``today``."""
        return [
            start for start in self.occurrences if (start + self.event.duration).date() >= today
        ]


class Events(_Plain):
    """Every event that could be read, in order of first occurrence."""

    events: list[EventPage] = Field(default_factory=list)

    def of_kind(self, kind: str) -> list[EventPage]:
        return [page for page in self.events if page.event.kind == kind]

    def by_docname(self, docname: str) -> EventPage | None:
        return next((page for page in self.events if page.docname == docname), None)
