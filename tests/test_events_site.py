"""Built event pages: the list split by the build date, an event's details, the conference's
targets, the meetups by region and the webinars.

The events fixture over the small fixture site is built by Sphinx (``-W``, lessons not
executed: these pages show no output) with ``SOURCE_DATE_EPOCH`` fixing the build date, then
built again in the same folder on a later date, as a nightly build would.
"""

from __future__ import annotations

import html
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from conftest import FIXTURES, REPO, sphinx_unexecuted

pytestmark = pytest.mark.site

EVENTS = "docs/events"


def epoch(day: str) -> str:
    return str(int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()))


def text_of(fragment: str) -> str:
    """The text a reader sees: tags dropped, spaces collapsed, a field's name next to its colon."""
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()
    return text.replace(" :", ":")


def tables(page: str, cls: str) -> dict[str, list[list[str]]]:
    """The rows (after the header) of every table of class ``cls``, by caption."""
    found = {}
    for match in re.finditer(rf'<table class="[^"]*\b{cls}\b[^"]*"[^>]*>(.*?)</table>', page, re.S):
        caption = re.search(r'<span class="caption-text">(.*?)</span>', match.group(1), re.S)
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)
        found[text_of(caption.group(1)) if caption else ""] = [
            [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows[1:]
        ]
    return found


def sphinx_build(root: Path, day: str) -> None:
    """Sphinx on ``root`` as ``ose build`` runs it, on the build date ``day``."""
    result = sphinx_unexecuted(root, epoch(day))
    assert result.returncode == 0, result.stderr


def page(root: Path, name: str) -> str:
    return (root / "_build" / "html" / f"{name}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("events") / "site"
    shutil.copytree(FIXTURES / "site", root)
    shutil.copytree(FIXTURES / "events", root, dirs_exist_ok=True)
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    index = root / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            "docs/blog\n", "docs/blog\ndocs/events/index\ncurriculum/index\n"
        ),
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module")
def before(site: Path) -> dict[str, str]:
    """The pages built on 1 December 2026, before every event."""
    sphinx_build(site, "2026-12-01")
    names = [
        "index",
        "pymcon",
        "meetups",
        "webinars",
        "meetups/demo-meetup",
        "webinars/demo-webinar",
    ]
    return {name: page(site, f"{EVENTS}/{name}") for name in names}


@pytest.fixture(scope="module")
def after(site: Path, before: dict[str, str]) -> dict[str, str]:
    """The same folder built again on 1 March 2027: the webinar is over, two meetups remain."""
    sphinx_build(site, "2027-03-01")
    return {name: page(site, f"{EVENTS}/{name}") for name in ["index", "meetups", "webinars"]}


def titles(rows: list[list[str]]) -> list[str]:
    return [row[0] for row in rows]


def test_before_every_event_all_are_upcoming(before):
    found = tables(before["index"], "ose-event-list")
    assert titles(found["Upcoming events"]) == ["Demo meetups", "Demo webinar", "Demo conference"]
    assert "Past events" not in found
    assert "No past events." in text_of(before["index"])
    assert "As of Tuesday 1 December 2026" in text_of(before["index"])


def test_a_later_build_date_moves_an_ended_event_to_past(after):
    found = tables(after["index"], "ose-event-list")
    assert titles(found["Upcoming events"]) == ["Demo meetups", "Demo conference"]
    assert titles(found["Past events"]) == ["Demo webinar"]
    meetup = found["Upcoming events"][0]
    # the next meeting, and how many follow it
    assert meetup[2] == (
        "Thursday 8 April 2027, 18:00-20:30 (Europe/Berlin, UTC+02:00), then 1 more"
    )
    assert "Status: Past" in text_of(after["webinars"])


def test_the_meetups_page_groups_by_region_and_drops_past_dates(before, after):
    assert "Europe" in text_of(before["meetups"])
    assert "Thursday 14 January 2027" in text_of(before["meetups"])
    later = text_of(after["meetups"])
    assert "Thursday 14 January 2027" not in later
    assert "Thursday 8 April 2027" in later and "Thursday 8 July 2027" in later
    assert "14 October 2027" not in later  # the exception


def test_an_event_page_shows_its_status_and_dates_across_daylight_saving(before):
    text = text_of(before["meetups/demo-meetup"])
    assert "Proposed: not yet confirmed" in text
    assert "Thursday 14 January 2027, 18:00-20:30 (Europe/Berlin, UTC+01:00)" in text
    assert "Thursday 8 April 2027, 18:00-20:30 (Europe/Berlin, UTC+02:00)" in text
    assert "Not held on: Thursday 14 October 2027" in text


def test_the_conference_page_shows_targets_as_targets_and_how_to_apply(before):
    found = tables(before["pymcon"], "ose-targets")
    (caption,) = found
    assert "targets" in caption.lower() and "not attendance reached" in caption
    assert found[caption] == [
        ["Year 1", "200 participants"],
        ["Year 2", "not set by the plan"],
        ["Year 3", "500 participants"],
    ]
    text = text_of(before["pymcon"])
    assert "Apply with a short statement. Apply by Thursday 1 July 2027." in text
    assert "Send a title and an abstract. Submit by Monday 31 May 2027." in text


def test_a_webinar_page_links_its_case_study_notebook_and_states_its_data(before):
    page_html = before["webinars/demo-webinar"]
    text = text_of(page_html)
    assert "CASE-STUDY-SUMMARY of a real data set." in text
    assert "The executed notebook: The demo case study" in text
    assert 'href="../../../curriculum/courses/studies/demo-case.html"' in page_html
    for field in ("Data: DATA-DESCRIPTION", "Source: DATA-SOURCE", "Licence: DATA-LICENCE"):
        assert field in text
    # the notebook's "verified with" badge, from its execution record (none here: Sphinx only)
    assert "Not verified: this page was built without an execution record" in text
    # the abstract is shown once, in the details, not also as docutils' box above the title
    assert text.count("An abstract.") == 1 and 'class="topic abstract' not in page_html
    listing = text_of(before["webinars"])
    assert "CASE-STUDY-SUMMARY" in listing and "Source: DATA-SOURCE" in listing


def test_the_webinars_page_shows_the_open_speaker_slot(before):
    text = text_of(before["webinars"])
    assert "Open slot: no speaker has been named yet" in text
    assert "Case study: CASE-STUDY-SUMMARY of a real data set." in text


# -- calendars ---------------------------------------------------------------------------------

CALENDARS = [
    "events.ics",
    "events-conferences.ics",
    "events-meetups.ics",
    "events-webinars.ics",
    "events-sprints.ics",
    "events-hackathons.ics",
    f"{EVENTS}/conferences/demo-con.ics",
    f"{EVENTS}/meetups/demo-meetup.ics",
    f"{EVENTS}/webinars/demo-webinar.ics",
]


def calendars(root: Path) -> dict[str, bytes]:
    return {name: (root / "_build" / "html" / name).read_bytes() for name in CALENDARS}


def vevents(data: bytes) -> dict[str, Event]:
    return {str(e["uid"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def test_every_calendar_parses_back_with_its_events(site, before):
    found = {name: vevents(data) for name, data in calendars(site).items()}
    assert sorted(found["events.ics"]) == [
        "demo-con@pymc-foundation.org",
        "demo-meetup@pymc-foundation.org",
        "demo-webinar@pymc-foundation.org",
    ]
    assert sorted(found["events-meetups.ics"]) == ["demo-meetup@pymc-foundation.org"]
    assert found["events-sprints.ics"] == {}
    assert sorted(found[f"{EVENTS}/webinars/demo-webinar.ics"]) == [
        "demo-webinar@pymc-foundation.org"
    ]
    webinar = found["events.ics"]["demo-webinar@pymc-foundation.org"]
    assert str(webinar["status"]) == "CONFIRMED"
    conference = found["events.ics"]["demo-con@pymc-foundation.org"]
    assert str(conference["status"]) == "TENTATIVE"  # proposed
    assert str(conference["url"]) == (
        "https://pymc-foundation.org/docs/events/conferences/demo-con.html"
    )


def test_a_recurring_meetup_keeps_its_local_time_across_daylight_saving(site, before):
    data = calendars(site)["events.ics"]
    parsed = Calendar.from_ical(data)
    assert [str(tz["tzid"]) for tz in parsed.walk("VTIMEZONE")] == ["Europe/Berlin"]
    meetup = vevents(data)["demo-meetup@pymc-foundation.org"]
    assert meetup["dtstart"].params["TZID"] == "Europe/Berlin"
    start = meetup.decoded("dtstart")
    series = rrulestr(meetup["rrule"].to_ical().decode(), dtstart=start)
    skipped = {item.dt for item in meetup["exdate"].dts}
    held = [day.astimezone(UTC) for day in series if day not in skipped]
    # 18:00 in Berlin: 17:00 UTC in winter, 16:00 UTC in summer; October is excepted
    assert held == [
        datetime(2027, 1, 14, 17, 0, tzinfo=UTC),
        datetime(2027, 4, 8, 16, 0, tzinfo=UTC),
        datetime(2027, 7, 8, 16, 0, tzinfo=UTC),
    ]


def test_two_builds_on_one_day_give_the_same_bytes(tmp_path, site, after):
    again = tmp_path / "again"
    shutil.copytree(site, again, ignore=shutil.ignore_patterns("_build"))
    sphinx_build(again, "2027-03-01")
    first, second = calendars(site), calendars(again)
    assert first == second
    assert b"DTSTAMP:20270301T000000Z" in first["events.ics"]
    # an event removed takes its calendar with it
    (again / EVENTS / "webinars" / "demo-webinar.md").unlink()
    sphinx_build(again, "2027-03-01")
    html = again / "_build" / "html"
    assert not (html / EVENTS / "webinars" / "demo-webinar.ics").exists()
    assert sorted(vevents((html / "events.ics").read_bytes())) == [
        "demo-con@pymc-foundation.org",
        "demo-meetup@pymc-foundation.org",
    ]


def test_each_event_page_links_its_own_calendar_and_lists_link_theirs(site, before):
    meetup_page = before["meetups/demo-meetup"]
    assert 'href="demo-meetup.ics"' in meetup_page
    assert (site / "_build" / "html" / EVENTS / "meetups" / "demo-meetup.ics").is_file()
    assert 'href="../../events.ics"' in before["index"]
    assert 'href="../../events-webinars.ics"' in before["webinars"]
