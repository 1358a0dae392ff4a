"""Typed records of a workshop: its front matter (what an author writes) and its plan (what the
pages and bundles show: every session with its clock times and minutes, lessons resolved).

A workshop's front matter names lessons by ``course/lesson``; their minutes come from the
lessons' own ``duration``, so a lesson that grows moves every later session of the day, and
``ose check`` notices when the day no longer fits.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ose.core.schema import Record
from ose.curriculum.model import Level

FORMATS = ("in person", "online", "hybrid")
Format = Literal["in person", "online", "hybrid"]

#: The longest break a schedule may hold, in minutes. A proposal of this site (the Foundation's
#: plan gives no figure): a lunch of an hour and a quarter at most; longer gaps split the day.
MAX_BREAK_MINUTES = 75

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
#: A lesson as a workshop names it: ``course/lesson``, both kebab-case.
LESSON_REFERENCE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$")
#: A workshop's slug (its folder): it names its URL and its downloads.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def clock_minutes(value: str) -> int:
    """``"09:30"`` as minutes after midnight."""
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def clock(minutes: int) -> str:
    """Minutes after midnight as ``HH:MM`` (past midnight reads as ``24:10``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError("allowed: a time of day, HH:MM from 00:00 to 23:59, in quotes")
    return value


class Dates(Record):
    """When a workshop is held: its first day, and the time zone of every clock time."""

    start: date
    time_zone: str

    @field_validator("time_zone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "allowed: an IANA time zone name, e.g. Europe/Berlin or America/New_York"
            ) from None
        return value


class Session(Record):
    """One slot of a day: a lesson (``course/lesson``), a break or a free activity."""

    start: str
    lesson: str | None = None
    break_: str | None = Field(default=None, alias="break", min_length=1)
    activity: str | None = Field(default=None, min_length=1)
    minutes: int | None = Field(default=None, gt=0)

    @field_validator("start")
    @classmethod
    def _check_start(cls, value: str) -> str:
        return _check_clock(value)

    @field_validator("lesson")
    @classmethod
    def _check_lesson(cls, value: str | None) -> str | None:
        if value is not None and not LESSON_REFERENCE.match(value):
            raise ValueError("allowed: course/lesson, e.g. bayes-intro/priors")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Session:
        given = [key for key in ("lesson", "break_", "activity") if getattr(self, key)]
        if len(given) != 1:
            raise ValueError(
                "a session is one of a lesson, a break or an activity "
                "(give one of lesson: course/lesson, break: <name>, activity: <title>)"
            )
        if self.lesson is not None and self.minutes is not None:
            raise ValueError("a lesson takes its minutes from its own duration (remove minutes)")
        if self.lesson is None and self.minutes is None:
            raise ValueError("a break or an activity needs minutes (a positive whole number)")
        if self.break_ is not None and (self.minutes or 0) > MAX_BREAK_MINUTES:
            raise ValueError(
                f"the break is {self.minutes} minutes (allowed: at most {MAX_BREAK_MINUTES}; "
                "a longer gap splits the day in two)"
            )
        return self

    @property
    def kind(self) -> Literal["lesson", "break", "activity"]:
        if self.lesson is not None:
            return "lesson"
        return "break" if self.break_ is not None else "activity"

    @property
    def start_minutes(self) -> int:
        return clock_minutes(self.start)


class Day(Record):
    """One day of a workshop: its sessions in time order and the time it must end by."""

    title: str | None = Field(default=None, min_length=1)
    end: str
    sessions: list[Session] = Field(min_length=1)

    @field_validator("end")
    @classmethod
    def _check_end(cls, value: str) -> str:
        return _check_clock(value)


class Workshop(Record):
    """The front matter of ``curriculum/workshops/<slug>/workshop.md``."""

    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    format: Format
    level: Level
    outcomes: list[str] = Field(min_length=1)
    #: what participants bring: free text, or a lesson or course they must have followed
    prerequisites: list[str] = Field(default_factory=list)
    #: the setup checklist: each item one step a participant can tick before the first day
    setup: list[str] = Field(min_length=1)
    dates: Dates | None = None
    schedule: list[Day] = Field(min_length=1)

    @field_validator("outcomes", "prerequisites", "setup")
    @classmethod
    def _no_empty_item(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for item in value:
            if not item.strip():
                raise ValueError(f"{info.field_name} has an empty item (allowed: lines of text)")
        return [item.strip() for item in value]


#: Keys of a workshop's front matter, as a reader sees them in messages.
WORKSHOP_KEYS = tuple(field.alias or name for name, field in Workshop.model_fields.items())


# -- the plan: what the pages and bundles show -------------------------------------------------


class _Plain(BaseModel):
    model_config = ConfigDict(frozen=True)


class PlannedSession(_Plain):
    """A session with its clock times and minutes; a lesson's split into teaching and exercises."""

    kind: Literal["lesson", "break", "activity"]
    title: str
    start: int
    minutes: int
    teaching: int = 0
    exercises: int = 0
    #: the lesson's page (docname) and course, for a lesson
    docname: str | None = None
    course: str | None = None
    reference: str | None = None

    @property
    def end(self) -> int:
        return self.start + self.minutes


class PlannedDay(_Plain):
    number: int
    title: str | None
    date: date | None
    end: int
    sessions: list[PlannedSession]

    @property
    def start(self) -> int:
        return self.sessions[0].start if self.sessions else self.end

    @property
    def minutes(self) -> int:
        """Minutes scheduled (lessons, breaks and activities; gaps between them excluded)."""
        return sum(session.minutes for session in self.sessions)

    def total(self, part: Literal["teaching", "exercises", "break", "activity"]) -> int:
        if part in ("teaching", "exercises"):
            return sum(getattr(session, part) for session in self.sessions)
        return sum(session.minutes for session in self.sessions if session.kind == part)


class Block(_Plain):
    """An exercise or instructor note of a lesson: its title and MyST content, where it sits."""

    kind: Literal["exercise", "instructor-note"]
    title: str
    content: str
    #: the lesson's source, relative to the project, and the line its content starts on
    path: str
    line: int


class WorkshopPlan(_Plain):
    """One workshop, checked and resolved."""

    slug: str
    #: ``curriculum/workshops/<slug>/workshop.md``, relative to the project
    path: str
    workshop: Workshop
    days: list[PlannedDay]

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0]

    @property
    def docname(self) -> str:
        return self.path.removesuffix(".md")

    def page(self, name: str) -> str:
        """The docname of the workshop's page ``name`` (``guide``, ``handout``)."""
        return f"{self.folder}/{name}"

    @property
    def lessons(self) -> list[str]:
        """The docnames of its lessons, in teaching order."""
        return [s.docname for day in self.days for s in day.sessions if s.docname is not None]

    def total(self, part: Literal["teaching", "exercises", "break", "activity"]) -> int:
        return sum(day.total(part) for day in self.days)


class Workshops(_Plain):
    """Every workshop, in slug order, and the exercises and notes of every lesson they teach."""

    plans: list[WorkshopPlan] = Field(default_factory=list)
    blocks: dict[str, list[Block]] = Field(default_factory=dict)

    def plan(self, slug: str) -> WorkshopPlan | None:
        return next((plan for plan in self.plans if plan.slug == slug), None)

    def blocks_of(self, docname: str, kind: str) -> list[Block]:
        return [block for block in self.blocks.get(docname, []) if block.kind == kind]


def day_date(dates: Dates | None, index: int) -> date | None:
    """The date of day ``index`` (0-based): consecutive days from the start."""
    return dates.start + timedelta(days=index) if dates is not None else None
