"""Event pages: the events list split into upcoming and past by the build date, each event's
details under its title, the PyMCon page, the meetups by region and the webinars, all rendered
from :mod:`ose.events`.

The events are read once per build (``builder-inited``). A page that splits events by date is
noted with the build date it was read on, and read again when a build runs on another day
(``SOURCE_DATE_EPOCH`` moves it too): an event must not stay "upcoming" on a page after it ended.
"""

from __future__ import annotations

import posixpath
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlparse

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ose.core.dates import build_date
from ose.events.calendar import ALL_EVENTS, calendar, kind_file
from ose.events.load import EVENTS_DIR, read_events
from ose.events.model import KIND_LABEL, KIND_PLURAL, KINDS, EventPage, Events
from ose.sphinxext.base import metadata
from ose.sphinxext.courses import project_of
from ose.sphinxext.execution import REPORTS, verified_badge
from ose.sphinxext.nodes import (
    Cell,
    badge,
    bullet_list,
    doc_link,
    field_list,
    insert_under_title,
    joined,
    table,
    toctree,
)
from ose.sphinxext.problems import ConcernDirective
from ose.sphinxext.state import ose_state

CONCERN = "events"
TODAY = "events-today"
#: Pages that list events (re-read when an event appears, goes or changes), and pages that
#: split them by the build date (re-read on another day).
EVENT_LISTS = "event-lists"
DATED = "events-dated"

STATUS_LABEL = {
    "proposed": "Proposed: not yet confirmed",
    "scheduled": "Confirmed",
    "cancelled": "Cancelled",
}


def events_of(env: BuildEnvironment) -> Events:
    return cast(Events, ose_state(env).facts(CONCERN) or Events())


def today_of(env: BuildEnvironment) -> date:
    return cast(date, ose_state(env).facts(TODAY) or build_date())


def _read(app: Sphinx) -> None:
    events, problems = read_events(project_of(app))
    state = ose_state(app.env)
    state.set_facts(CONCERN, events, problems)
    state.set_facts(TODAY, build_date())


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages listing events when an event changed, and pages split by date on another day."""
    state = ose_state(env)
    current = [(page.docname, page.model_dump_json()) for page in events_of(env).events]
    before = state.stamp(CONCERN)
    state.set_stamp(CONCERN, current)
    stale: set[str] = set()
    if before is not None and before != current:
        stale |= set(state.pages(EVENT_LISTS))
    today = today_of(env)
    stale |= {name for name, day in state.pages(DATED).items() if day != today}
    return sorted(name for name in stale - removed if name in env.found_docs)


# -- words -------------------------------------------------------------------------------------


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def _offset(page: EventPage, start: datetime) -> str:
    """``UTC+01:00`` at that moment (it changes with daylight saving)."""
    offset = start.replace(tzinfo=page.event.zone).strftime("%z")
    if offset in ("+0000", ""):
        return "UTC"
    return f"UTC{offset[:3]}:{offset[3:]}"


def when(page: EventPage, start: datetime | None = None) -> str:
    """One occurrence in the event's local time: ``Thursday 14 January 2027, 18:00-20:30
    (Europe/Berlin, UTC+01:00)``."""
    start = start or page.first
    end = start + page.event.duration
    zone = page.event.time_zone
    where = zone if zone == "UTC" else f"{zone}, {_offset(page, start)}"
    if start.date() == end.date():
        return f"{_day(start.date())}, {start:%H:%M}-{end:%H:%M} ({where})"
    return f"{_day(start.date())} {start:%H:%M} to {_day(end.date())} {end:%H:%M} ({where})"


def where(page: EventPage) -> str:
    event = page.event
    if event.venue and event.online:
        return f"{event.venue}; online too"
    return event.venue or "Online"


def status_badge(page: EventPage) -> nodes.inline:
    return badge(STATUS_LABEL[page.event.status], "ose-event-status", f"ose-{page.event.status}")


def speaker_text(page: EventPage) -> str:
    speaker = page.event.speaker
    if speaker is None:
        return ""
    if speaker.slot == "open":
        return "Open slot: no speaker has been named yet"
    return f"{speaker.role} (to be named)"


# -- calendars ---------------------------------------------------------------------------------


def site_address(app: Sphinx) -> tuple[str, str]:
    """The site's base URL (ending in ``/``) and its domain, which makes the calendar UIDs."""
    base = str(app.config.html_baseurl or "https://pymc-foundation.org/")
    base = base if base.endswith("/") else base + "/"
    return base, urlparse(base).netloc or "pymc-foundation.org"


def calendar_link(docname: str, target: str, text: str) -> nodes.reference:
    """A link from ``docname``'s page to the calendar file ``target`` (relative to the output
    folder), as the page's own folder sees it (the HTML builder writes ``<docname>.html``)."""
    href = posixpath.relpath(target, posixpath.dirname(docname) or ".")
    return nodes.reference(text, text, refuri=quote(href), classes=["download", "ose-ics"])


def write_calendars(app: Sphinx, exception: Exception | None) -> None:
    """Every calendar into the output folder (Sphinx's own, which ``ose build`` publishes by a
    rename): ``events.ics``, one per kind, and one beside each event's page."""
    if exception is not None or app.builder.format != "html":
        return
    events = events_of(app.env).events
    stamp = today_of(app.env)
    base, domain = site_address(app)
    outdir = Path(app.outdir)

    written: set[Path] = set()

    def write(relative: str, pages: list[EventPage], name: str) -> None:
        path = outdir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(calendar(pages, name, domain, base, stamp))
        written.add(path)

    write(ALL_EVENTS, events, "PyMC Foundation events")
    for kind in KINDS:
        pages = [page for page in events if page.event.kind == kind]
        write(kind_file(kind), pages, f"PyMC Foundation {KIND_PLURAL[kind]}")
    for page in events:
        write(f"{page.docname}.ics", [page], page.event.title)
    # the output starts as a copy of the published site: drop the calendar of an event removed
    for path in (outdir / EVENTS_DIR).rglob("*.ics"):
        if path not in written:
            path.unlink()


# -- an event's page ---------------------------------------------------------------------------


def details(page: EventPage, ics: nodes.reference) -> nodes.container:
    """Everything an event's data says, for the top of its page."""
    event = page.event
    container = nodes.container(classes=["ose-event-details"])
    container += nodes.paragraph("", "", status_badge(page))
    container += nodes.paragraph(event.summary, event.summary)
    fields: list[tuple[str, Cell]] = [("Kind", KIND_LABEL[event.kind])]
    if event.recurrence is None:
        fields.append(("When", when(page)))
    else:
        fields.append(("Dates", bullet_list([when(page, start) for start in page.occurrences])))
        if event.recurrence.except_:
            skipped = ", ".join(_day(day) for day in event.recurrence.except_)
            fields.append(("Not held on", skipped))
    fields.append(("Where", where(page)))
    if event.region:
        fields.append(("Region", event.region))
    if event.speaker is not None:
        fields.append(("Speaker", speaker_text(page)))
    if event.abstract:
        fields.append(("Abstract", event.abstract))
    if event.case_study is not None:
        fields.append(("Case study", case_study_nodes(page, badge=True)))
    if event.registration is not None:
        text = f"closes {_day(event.registration.closes)}"
        if event.registration.how:
            text += f". {event.registration.how}"
        fields.append(("Registration", text))
    if event.travel_grants is not None:
        grants = event.travel_grants
        fields.append(
            (
                "Travel grants",
                f"for {', '.join(item[0].lower() + item[1:] for item in grants.eligible)}; "
                f"apply by {_day(grants.deadline)}. {grants.how}",
            )
        )
    if event.call_for_proposals is not None:
        call = event.call_for_proposals
        fields.append(
            (
                "Call for proposals",
                f"{', '.join(call.formats)}; submit by {_day(call.deadline)}. {call.how}",
            )
        )
    fields.append(("Calendar", nodes.paragraph("", "", ics)))
    container += field_list(fields, classes=["ose-event-fields"])
    return container


def case_study_nodes(page: EventPage, badge: bool = False) -> list[nodes.Node]:
    """A webinar's case study: what it is, a link to its executed notebook's page, the data's
    source and licence, and (on the event's page) the notebook's "verified with" badge."""
    study = page.event.case_study
    if study is None:
        return []
    link = nodes.paragraph("", "", nodes.Text("The executed notebook: "))
    if page.case_study_docname:
        link += doc_link(page.case_study_docname)
    result: list[nodes.Node] = [nodes.paragraph(study.summary, study.summary), link]
    result.append(
        field_list(
            [("Data", study.data), ("Source", study.source), ("Licence", study.licence)],
            classes=["ose-case-study-data"],
        )
    )
    if badge and page.case_study_docname:
        result.append(verified_badge(docname=page.case_study_docname))
    return result


def add_details(app: Sphinx, doctree: nodes.document) -> None:
    """An event's page shows its data under its title."""
    env = app.env
    page = events_of(env).by_docname(env.current_document.docname)
    if page is not None:
        ics = calendar_link(page.docname, f"{page.docname}.ics", f"{page.id}.ics")
        # docutils shows an ``abstract`` key of the front matter as a box above the title;
        # the details below the title already hold it
        for topic in list(doctree.findall(nodes.topic)):
            if "abstract" in topic["classes"]:
                topic.parent.remove(topic)
        insert_under_title(doctree, details(page, ics))
        if page.case_study_docname:
            # the case study's badge is filled from its execution record when the page is
            # written: a changed record writes this page again, as it does the reports
            ose_state(env).note_page(REPORTS, page.docname)


# -- lists -------------------------------------------------------------------------------------


def _next(page: EventPage, today: date) -> str:
    """The next occurrence of an upcoming event, or its last one."""
    upcoming = page.upcoming(today)
    start = upcoming[0] if upcoming else page.occurrences[-1]
    text = when(page, start)
    if page.event.recurrence is not None and len(upcoming) > 1:
        text += f", then {len(upcoming) - 1} more"
    return text


def event_table(pages: list[EventPage], today: date, caption: str) -> nodes.table:
    rows = [
        [
            nodes.paragraph("", "", doc_link(page.docname, page.event.title)),
            KIND_LABEL[page.event.kind],
            _next(page, today),
            where(page),
            nodes.paragraph("", "", status_badge(page)),
        ]
        for page in pages
    ]
    return table(
        ["Event", "Kind", "When", "Where", "Status"],
        rows,
        caption=caption,
        classes=["ose-event-list"],
    )


class EventsDirective(ConcernDirective):
    """A directive that lists events: it is read again when an event changes."""

    concern = CONCERN
    has_content = False

    def events(self, kind: str | None = None) -> list[EventPage]:
        state = ose_state(self.env)
        state.note_page(EVENT_LISTS, self.env.current_document.docname)
        pages = events_of(self.env).events
        return [page for page in pages if kind is None or page.event.kind == kind]

    def dated(self) -> date:
        today = today_of(self.env)
        ose_state(self.env).note_page(DATED, self.env.current_document.docname, today)
        return today

    def subscribe(self, kind: str | None) -> nodes.paragraph:
        """Links to the calendar files a reader can subscribe to."""
        docname = self.env.current_document.docname
        files = [(ALL_EVENTS, "all events")] if kind is None else []
        files += [(kind_file(k), KIND_PLURAL[k]) for k in KINDS if kind is None or k == kind]
        links = [calendar_link(docname, target, text) for target, text in files]
        paragraph = nodes.paragraph("", "Subscribe in your calendar application: ")
        paragraph.extend(joined(links, ", "))
        paragraph += nodes.Text(".")
        paragraph["classes"].append("ose-subscribe")
        return paragraph


class EventListDirective(EventsDirective):
    """``{event-list}``: upcoming and past events, split by the build date; with ``:kind:``
    one kind only. The list without a kind holds the hidden toctree of every event's page."""

    option_spec = {"kind": lambda value: directives.choice(value, KINDS)}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        kind = self.options.get("kind")
        pages = self.events(kind)
        today = self.dated()
        upcoming = [page for page in pages if not page.past(today)]
        past = [page for page in pages if page.past(today)]
        past.sort(key=lambda page: page.last_end, reverse=True)
        noun = KIND_PLURAL[kind] if kind else "events"
        result: list[nodes.Node] = [
            nodes.paragraph(
                "", f"As of {_day(today)}, the day this page was built.", classes=["ose-as-of"]
            )
        ]
        for caption, found in ((f"Upcoming {noun}", upcoming), (f"Past {noun}", past)):
            if found:
                result.append(event_table(found, today, caption))
            else:
                result.append(nodes.rubric(caption, caption))
                result.append(nodes.paragraph("", f"No {caption.lower()}."))
        result.append(self.subscribe(kind))
        if kind is None:
            docname = self.env.current_document.docname
            result.append(toctree(docname, [page.docname for page in pages], hidden=True))
        return result


class MeetupRegionsDirective(EventsDirective):
    """``{meetup-regions}``: the meetups grouped by region, each with its upcoming dates."""

    def run(self) -> list[nodes.Node]:
        pages = self.events("meetup")
        today = self.dated()
        regions: dict[str, list[EventPage]] = {}
        for page in pages:
            regions.setdefault(page.event.region or "", []).append(page)
        result: list[nodes.Node] = []
        for region in sorted(regions):
            result.append(nodes.rubric(region, region, classes=["ose-region"]))
            for page in regions[region]:
                item = nodes.container(classes=["ose-meetup"])
                item += nodes.paragraph(
                    "",
                    "",
                    doc_link(page.docname, page.event.title),
                    nodes.Text(" "),
                    status_badge(page),
                )
                item += nodes.paragraph("", f"Where: {where(page)}")
                upcoming = page.upcoming(today)
                if upcoming:
                    item += bullet_list([when(page, start) for start in upcoming])
                else:
                    item += nodes.paragraph("", "This season is over.")
                result.append(item)
        if not regions:
            result.append(nodes.paragraph("", "No meetup has been announced yet."))
        result.append(self.subscribe("meetup"))
        return result


class WebinarListDirective(EventsDirective):
    """``{webinar-list}``: every webinar with its speaker slot, abstract and case study."""

    def run(self) -> list[nodes.Node]:
        pages = self.events("webinar")
        today = self.dated()
        result: list[nodes.Node] = []
        for page in pages:
            event = page.event
            item = nodes.container(classes=["course-card", "ose-webinar"])
            item += nodes.rubric("", "", doc_link(page.docname, event.title))
            item += nodes.paragraph("", "", status_badge(page))
            item += field_list(
                [
                    ("When", when(page)),
                    ("Status", "Past" if page.past(today) else "Upcoming"),
                    ("Speaker", speaker_text(page)),
                    ("Abstract", event.abstract or ""),
                    ("Case study", case_study_nodes(page)),
                ]
            )
            result.append(item)
        if not pages:
            result.append(nodes.paragraph("", "No webinar has been announced yet."))
        result.append(self.subscribe("webinar"))
        return result


class ConferenceDirective(EventsDirective):
    """``{conference-plan}``: the conference's attendance targets per year (targets, not
    figures reached), and for each edition its format, travel grants and call for proposals."""

    def run(self) -> list[nodes.Node]:
        pages = self.events("conference")
        result: list[nodes.Node] = []
        targets = {t.year: t.participants for page in pages for t in page.event.attendance_targets}
        if targets:
            rows = [
                [
                    f"Year {year}",
                    f"{targets[year]} participants" if year in targets else "not set by the plan",
                ]
                for year in range(1, max(targets) + 1)
            ]
            result.append(
                table(
                    ["Year", "Attendance target"],
                    rows,
                    caption="Attendance targets (goals of the Foundation's plan, not attendance "
                    "reached)",
                    classes=["ose-targets"],
                )
            )
        for page in pages:
            event = page.event
            link = doc_link(page.docname, event.title)
            result.append(nodes.rubric("", "", link, nodes.Text(" "), status_badge(page)))
            fields: list[tuple[str, Cell]] = [
                ("When", when(page)),
                ("Format", "In person with virtual participation" if event.online else "In person"),
                ("Where", where(page)),
            ]
            if event.travel_grants is not None:
                grants = event.travel_grants
                fields.append(("Travel grants for", bullet_list(grants.eligible)))
                fields.append(("How to apply", f"{grants.how} Apply by {_day(grants.deadline)}."))
            if event.call_for_proposals is not None:
                call = event.call_for_proposals
                fields.append(("Call for proposals", ", ".join(call.formats)))
                fields.append(("How to propose", f"{call.how} Submit by {_day(call.deadline)}."))
            if event.registration is not None:
                fields.append(("Registration closes", _day(event.registration.closes)))
            result.append(field_list(fields, classes=["ose-event-fields"]))
        if not pages:
            result.append(nodes.paragraph("", "No conference has been announced yet."))
        result.append(self.subscribe("conference"))
        return result


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.setup_extension("ose.sphinxext.courses")
    app.setup_extension("ose.sphinxext.execution")
    app.add_directive("event-list", EventListDirective)
    app.add_directive("meetup-regions", MeetupRegionsDirective)
    app.add_directive("webinar-list", WebinarListDirective)
    app.add_directive("conference-plan", ConferenceDirective)
    app.connect("builder-inited", _read)
    app.connect("env-get-outdated", _outdated)
    app.connect("doctree-read", add_details)
    app.connect("build-finished", write_calendars)
    app.add_css_file("events.css")
    return metadata()


__all__ = ["EVENTS_DIR", "events_of", "setup"]
