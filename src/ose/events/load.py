"""Read ``docs/events/<group>/<id>.md`` into events, and report every rule broken.

One value's rules (types, a known time zone, local times) live on the records in ``model``; the
rules across values live here: an end after its start, deadlines before the event, a
recurrence that parses and yields the dates its exceptions name, and ids used once (an id names
the page, the calendar file and the calendar UID, so two events with one id would collide in
every calendar that imported both).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from dateutil.rrule import rrule, rrulestr

from ose.core.frontmatter import FrontMatter, required_front_matter, title_problems
from ose.core.problems import Problem
from ose.core.schema import required_keys, unknown_name, validated
from ose.curriculum.load import COURSES_DIR, read_curriculum
from ose.curriculum.model import Curriculum
from ose.events.model import EVENT_ID, Event, EventPage, Events
from ose.project import Project

#: Where events live, relative to the project root: one folder per group, one file per event.
EVENTS_DIR = "docs/events"
#: A recurrence as the messages suggest it: quarterly, the second Thursday, one season.
EXAMPLE_RULE = "FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;COUNT=4"


def event_files(root: Path) -> list[Path]:
    """Every event's file: ``docs/events/<group>/<id>.md`` (pages directly under
    ``docs/events/`` are the overview pages, not events)."""
    folder = root / EVENTS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.glob("*/*.md")
        if not path.parent.name.startswith((".", "_")) and path.name != "index.md"
    )


def _when(value: datetime | date) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else f"{value:%Y-%m-%d}"


def _listed(days: list[date]) -> str:
    shown = ", ".join(f"{day:%Y-%m-%d}" for day in days[:6])
    return shown + (", ..." if len(days) > 6 else "")


_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6})?(Z?)(?=;|$)", re.IGNORECASE)


def local_rule(rule: str) -> str:
    """``rule`` with its ``RRULE:`` prefix dropped and its UNTIL in the event's local time: a
    date alone means the end of that day (RFC 5545 counts the UNTIL day in); ``ValueError``
    for what cannot be read that way."""
    text = rule.strip().removeprefix("RRULE:")
    if any(part in text.upper() for part in ("DTSTART", "\n", "EXDATE", "RDATE")):
        raise ValueError("give the RRULE alone (the start is the event's start)")
    upper = text.upper()
    if "COUNT=" in upper and "UNTIL=" in upper:
        raise ValueError("it has both COUNT and UNTIL (RFC 5545 allows one of them)")
    match = _UNTIL.search(text)
    if match is None:
        return text
    if match.group(3):
        raise ValueError("its UNTIL is in UTC (write the local date at the event, UNTIL=YYYYMMDD)")
    until = match.group(1) + (match.group(2) or "T235959").upper()
    return text[: match.start()] + f"UNTIL={until}" + text[match.end() :]


def parse_rule(rule: str, start: datetime) -> rrule:
    """The series ``rule`` describes from ``start`` (local wall time: a meetup at 18:00 stays
    at 18:00 across a daylight-saving change); ``ValueError`` when it is not RFC 5545."""
    text = local_rule(rule)
    try:
        parsed = rrulestr(text, dtstart=start)
    except KeyError as error:  # a part dateutil looks up by name
        raise ValueError(f"unknown part {error.args[0]}") from None
    except (ValueError, TypeError, IndexError) as error:
        raise ValueError(str(error) or "it does not parse") from None
    if not isinstance(parsed, rrule):
        raise ValueError("give one RRULE")
    return parsed


def occurrences(front: FrontMatter, event: Event) -> tuple[list[datetime], list[Problem]]:
    """The start of every occurrence, in local time; the problems of an impossible series."""
    if event.recurrence is None:
        return [event.start], []
    recurrence = event.recurrence
    try:
        series = parse_rule(recurrence.rule, event.start)
    except ValueError as error:
        return [], [
            front.problem(
                ("recurrence", "rule"),
                f"recurrence.rule {recurrence.rule!r} is not an RFC 5545 rule: {error} "
                f"(allowed: e.g. {EXAMPLE_RULE})",
            )
        ]
    upper = recurrence.rule.upper()
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        return [], [
            front.problem(
                ("recurrence", "rule"),
                f"recurrence.rule {recurrence.rule!r} never ends (allowed: a season with "
                "COUNT=<n> or UNTIL=<YYYYMMDD>, e.g. " + EXAMPLE_RULE + ")",
            )
        ]
    dates = list(series)
    if not dates:
        return [], [
            front.problem(
                ("recurrence", "rule"),
                f"recurrence.rule {recurrence.rule!r} yields no date from the start "
                f"{_when(event.start)} (allowed: a rule with at least one occurrence)",
            )
        ]
    days = [start.date() for start in dates]
    problems = []
    for index, day in enumerate(recurrence.except_):
        if day not in days:
            problems.append(
                front.problem(
                    ("recurrence", "except", index),
                    f"recurrence.except[{index}] {day:%Y-%m-%d} is not a date of the series "
                    f"(allowed: {_listed(days)})",
                )
            )
    if problems:
        return [], problems
    kept = [start for start in dates if start.date() not in recurrence.except_]
    if not kept:
        return [], [
            front.problem(
                ("recurrence", "except"),
                "recurrence.except removes every date of the series (allowed: "
                "at least one date held)",
            )
        ]
    return kept, []


def _rules(front: FrontMatter, event: Event) -> list[Problem]:
    """The rules across an event's values, each at the line to fix."""
    problems = []
    if event.end < event.start:
        problems.append(
            front.problem(
                "end",
                f"end {_when(event.end)} is before start {_when(event.start)} "
                "(allowed: an end at or after the start)",
            )
        )
    for loc, what, deadline in event.deadlines():
        if deadline > event.start.date():
            problems.append(
                front.problem(
                    loc,
                    f"{'.'.join(loc)} {deadline:%Y-%m-%d} is after the event starts "
                    f"({event.start:%Y-%m-%d}) (allowed: a deadline for {what} on or before "
                    f"{event.start:%Y-%m-%d})",
                )
            )
    if event.venue is None and not event.online:
        problems.append(
            front.problem(
                "kind",
                "the event has neither a venue nor online participation "
                "(give venue: <place>, online: true, or both)",
            )
        )
    if event.kind == "webinar":
        for key in ("speaker", "abstract", "case-study"):
            if getattr(event, key.replace("-", "_")) is None:
                problems.append(front.problem("kind", f"a webinar needs {key} (add {key}: ...)"))
    if event.kind == "meetup" and event.region is None:
        problems.append(
            front.problem("kind", "a meetup needs region (add region: the region of its hub)")
        )
    return problems


def case_study_lesson(
    front: FrontMatter, event: Event, curriculum: Curriculum, root: Path
) -> tuple[str | None, list[Problem]]:
    """The docname of the lesson a webinar's case study names, or the problem of a name that
    is not a lesson (a lesson file that is there but broken is the curriculum's to report)."""
    if event.case_study is None:
        return None, []
    reference = event.case_study.notebook
    lessons = {f"{lesson.course}/{lesson.stem}": lesson for lesson in curriculum.lessons.values()}
    if reference in lessons:
        return lessons[reference].docname, []
    if (root / COURSES_DIR / f"{reference}.md").is_file():
        return None, []
    message = unknown_name("case-study.notebook", reference, "a lesson", lessons, COURSES_DIR)
    return None, [front.problem(("case-study", "notebook"), message)]


def _read(path: Path, root: Path, problems: list[Problem]) -> tuple[FrontMatter, Event] | None:
    front = required_front_matter(path, root, "the event", required_keys(Event), problems)
    if front is None:
        return None
    problems.extend(title_problems(front, "the event page", root))
    event, found = validated(Event, front.data, front.lines)
    problems.extend(found)
    return (front, event) if event is not None else None


def read_events(project: Project) -> tuple[Events, list[Problem]]:
    """Every event that could be read, in order of first occurrence, and every problem found;
    empty without ``docs/events``."""
    root = project.root
    problems: list[Problem] = []
    pages: list[EventPage] = []
    seen: dict[str, str] = {}
    curriculum: Curriculum | None = None
    for path in event_files(root):
        relative = Problem.at(path, 0, "", root).path
        event_id = path.stem
        if not EVENT_ID.match(event_id):
            problems.append(
                Problem.at(
                    path,
                    1,
                    f"event id {event_id!r} is not kebab-case (allowed: lowercase letters, digits "
                    "and hyphens, e.g. pymcon-2027; rename the file)",
                    root,
                )
            )
            continue
        if event_id in seen:
            problems.append(
                Problem.at(
                    path,
                    1,
                    f"event id {event_id!r} is already the id of {seen[event_id]} (each id once: "
                    "it names the page, the calendar file and the calendar UID; rename the file)",
                    root,
                )
            )
            continue
        seen[event_id] = relative
        read = _read(path, root, problems)
        if read is None:
            continue
        front, event = read
        rules = _rules(front, event)
        dates, found = occurrences(front, event)
        if event.case_study is not None and curriculum is None:
            curriculum = read_curriculum(project)[0]
        docname, unknown = (
            case_study_lesson(front, event, curriculum, root) if curriculum else (None, [])
        )
        problems.extend(rules + found + unknown)
        if rules or found or unknown:
            continue
        pages.append(
            EventPage(
                id=event_id,
                path=relative,
                event=event,
                occurrences=dates,
                case_study_docname=docname,
            )
        )
    pages.sort(key=lambda page: (page.first.replace(tzinfo=page.event.zone), page.id))
    return Events(events=pages), sorted(set(problems))


def check_events(project: Project) -> list[Problem]:
    """The ``ose check`` rule set of events (nothing to do without docs/events)."""
    return read_events(project)[1]


__all__ = ["EVENTS_DIR", "check_events", "event_files", "read_events"]
