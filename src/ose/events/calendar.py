"""The events as iCalendar files (RFC 5545), made with the ``icalendar`` package.

A calendar application that subscribed to a file updates what it shows when the file changes, so
every value here is stable from one build to the next: the UID is the event's id at the site's
domain (a proposed date that moves is then updated, not duplicated), DTSTAMP is the build date
(two builds of one commit on one day give the same bytes), and the time zones are written out as
VTIMEZONE components from the zone database, so a meetup at 18:00 in Berlin stays at 18:00 on
both sides of a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from icalendar import Calendar, Event, vRecur

from ose.events.load import local_rule
from ose.events.model import KIND_PLURAL, EventPage

PRODID = "-//PyMC Foundation//ose events//EN"
#: The calendar files of the site, at the root of the output: every event, then one per kind.
ALL_EVENTS = "events.ics"

ICAL_STATUS = {"proposed": "TENTATIVE", "scheduled": "CONFIRMED", "cancelled": "CANCELLED"}


def kind_file(kind: str) -> str:
    """``events-webinars.ics``: the calendar of one kind of event."""
    return f"events-{KIND_PLURAL[kind]}.ics"


def uid(page: EventPage, domain: str) -> str:
    """Stable across builds and unique across sites: the event's id at the site's domain."""
    return f"{page.id}@{domain}"


def _local(page: EventPage, value: datetime) -> datetime:
    return value.replace(tzinfo=page.event.zone)


def vevent(page: EventPage, domain: str, url: str, stamp: date) -> Event:
    """One event (a series, for a recurring meetup) as a VEVENT."""
    event = page.event
    component = Event()
    component.add("uid", uid(page, domain))
    component.add("dtstamp", datetime.combine(stamp, time(0, 0), tzinfo=UTC))
    component.add("summary", event.title)
    component.add("dtstart", _local(page, event.start))
    component.add("dtend", _local(page, event.end))
    if event.recurrence is not None:
        recur = vRecur.from_ical(local_rule(event.recurrence.rule))
        if "UNTIL" in recur:  # with a TZID start, RFC 5545 wants UNTIL in UTC
            recur["UNTIL"] = [_local(page, recur["UNTIL"][0]).astimezone(UTC)]
        component.add("rrule", recur)
        if event.recurrence.except_:
            component.add(
                "exdate",
                [
                    _local(page, datetime.combine(day, event.start.time()))
                    for day in event.recurrence.except_
                ],
            )
    component.add("status", ICAL_STATUS[event.status])
    component.add("location", event.venue if event.venue else "Online")
    description = event.summary
    if event.status == "proposed":
        description += " The date is proposed, not yet confirmed."
    if event.online and event.venue:
        description += " Online participation too."
    component.add("description", f"{description} {url}")
    component.add("url", url)
    component.add("categories", [event.kind])
    return component


def calendar(
    pages: Iterable[EventPage], name: str, domain: str, base_url: str, stamp: date
) -> bytes:
    """The calendar ``name`` holding ``pages``; ``base_url`` ends with ``/`` and prefixes each
    event's page (``docs/events/<group>/<id>.html``)."""
    pages = list(pages)
    result = Calendar()
    result.add("prodid", PRODID)
    result.add("version", "2.0")
    result.add("calscale", "GREGORIAN")
    result.add("name", name)
    result.add("x-wr-calname", name)
    for page in pages:
        result.add_component(vevent(page, domain, f"{base_url}{page.docname}.html", stamp))
    if pages:
        first = min(page.first.date() for page in pages)
        last = max(page.last_end.date() for page in pages)
        result.add_missing_timezones(
            first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 1, 1)
        )
    return result.to_ical()


__all__ = ["ALL_EVENTS", "calendar", "kind_file", "uid", "vevent"]
