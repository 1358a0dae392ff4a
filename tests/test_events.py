"""Events as data: the fixture events' occurrences, and every event rule broken with its line."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from conftest import FIXTURES, REPO, run_ose
from ose.check import CHECKS
from ose.events.calendar import calendar
from ose.events.load import check_events, read_events
from ose.project import Project

MEETUP = "docs/events/meetups/demo-meetup.md"
CONFERENCE = "docs/events/conferences/demo-con.md"
WEBINAR = "docs/events/webinars/demo-webinar.md"
WEBINAR_CASE_STUDY = (FIXTURES / "events" / WEBINAR).read_text(encoding="utf-8").split("\n---")[0]
WEBINAR_CASE_STUDY = WEBINAR_CASE_STUDY[WEBINAR_CASE_STUDY.index("case-study:") :] + "\n"


def site(
    tmp_path: Path,
    path: str = MEETUP,
    edits: list[tuple[str, str]] | None = None,
    files: dict[str, str] | None = None,
) -> Project:
    """The events fixture, with ``old -> new`` replacements in ``path`` and added files."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", root)
    shutil.copytree(FIXTURES / "events", root, dirs_exist_ok=True)
    shutil.copy2(REPO / "conf.py", root / "conf.py")
    target = root / path
    text = target.read_text(encoding="utf-8")
    for old, new in edits or []:
        assert old in text, f"fixture edit does not apply: {old!r}"
        text = text.replace(old, new, 1)
    target.write_text(text, encoding="utf-8")
    for relative, content in (files or {}).items():
        added = root / relative
        added.parent.mkdir(parents=True, exist_ok=True)
        added.write_text(content, encoding="utf-8")
    return Project.at(root)


def test_the_fixture_events_are_read_in_order_with_their_occurrences(tmp_path):
    events, problems = read_events(site(tmp_path))
    assert problems == []
    assert [page.id for page in events.events] == ["demo-meetup", "demo-webinar", "demo-con"]
    meetup = events.events[0]
    # quarterly on the second Thursday; October's is excepted
    assert meetup.occurrences == [
        datetime(2027, 1, 14, 18, 0),
        datetime(2027, 4, 8, 18, 0),
        datetime(2027, 7, 8, 18, 0),
    ]
    assert meetup.docname == "docs/events/meetups/demo-meetup"


def test_events_are_a_check_of_their_own():
    assert check_events in CHECKS


def test_a_site_without_events_has_nothing_to_check(tmp_path):
    root = tmp_path / "bare"
    shutil.copytree(FIXTURES / "site", root)
    assert check_events(Project.at(root)) == []


#: name -> (file, edits, line, message)
CASES = {
    "end before start": (
        WEBINAR,
        [("end: 2027-02-17 17:00", "end: 2027-02-17 15:00")],
        7,
        "end 2027-02-17 15:00 is before start 2027-02-17 16:00 (allowed: an end at or after "
        "the start)",
    ),
    "missing time zone": (
        WEBINAR,
        [("time-zone: UTC\n", "")],
        1,
        "time-zone is missing (required)",
    ),
    "unknown time zone": (
        MEETUP,
        [("time-zone: Europe/Berlin", "time-zone: Europe/Berln")],
        8,
        "time-zone is 'Europe/Berln' (allowed: an IANA time zone name, e.g. Europe/Berlin, "
        "America/New_York or UTC)",
    ),
    "time with an offset": (
        WEBINAR,
        [("start: 2027-02-17 16:00", "start: 2027-02-17 16:00+02:00")],
        6,
        "start is '2027-02-17 16:00+02:00' (allowed: the local time at the event, "
        "YYYY-MM-DD HH:MM, without an offset (the zone goes in time-zone))",
    ),
    "registration closes after the event": (
        CONFERENCE,
        [("closes: 2027-09-15", "closes: 2027-10-20")],
        12,
        "registration.closes 2027-10-20 is after the event starts (2027-10-13) (allowed: a "
        "deadline for registration on or before 2027-10-13)",
    ),
    "travel grants after the event": (
        CONFERENCE,
        [("deadline: 2027-07-01", "deadline: 2027-11-01")],
        14,
        "travel-grants.deadline 2027-11-01 is after the event starts (2027-10-13) (allowed: a "
        "deadline for travel-grant applications on or before 2027-10-13)",
    ),
    "call for proposals after the event": (
        CONFERENCE,
        [("deadline: 2027-05-31", "deadline: 2028-01-31")],
        18,
        "call-for-proposals.deadline 2028-01-31 is after the event starts (2027-10-13) "
        "(allowed: a deadline for the call for proposals on or before 2027-10-13)",
    ),
    "a rule that does not parse": (
        MEETUP,
        [("rule: FREQ=MONTHLY;", "rule: FREQ=MONTHLI;")],
        13,
        "recurrence.rule 'FREQ=MONTHLI;INTERVAL=3;BYDAY=TH;BYSETPOS=2;COUNT=4' is not an RFC "
        "5545 rule: invalid 'FREQ': MONTHLI (allowed: e.g. "
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;COUNT=4)",
    ),
    "a rule with an unknown part": (
        MEETUP,
        [("BYSETPOS=2;", "BYSETPOS=2;BYWEEK=3;")],
        13,
        "recurrence.rule 'FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;BYWEEK=3;COUNT=4' is not "
        "an RFC 5545 rule: unknown parameter 'BYWEEK' (allowed: e.g. "
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;COUNT=4)",
    ),
    "a rule without an end": (
        MEETUP,
        [(";COUNT=4", "")],
        13,
        "recurrence.rule 'FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2' never ends (allowed: a "
        "season with COUNT=<n> or UNTIL=<YYYYMMDD>, e.g. "
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;COUNT=4)",
    ),
    "a rule with both COUNT and UNTIL": (
        MEETUP,
        [(";COUNT=4", ";COUNT=4;UNTIL=20271231")],
        13,
        "recurrence.rule 'FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;COUNT=4;UNTIL=20271231' "
        "is not an RFC 5545 rule: it has both COUNT and UNTIL (RFC 5545 allows one of them) "
        "(allowed: e.g. FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;COUNT=4)",
    ),
    "a rule whose UNTIL is in UTC": (
        MEETUP,
        [(";COUNT=4", ";UNTIL=20271231T000000Z")],
        13,
        "recurrence.rule 'FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;UNTIL=20271231T000000Z' "
        "is not an RFC 5545 rule: its UNTIL is in UTC (write the local date at the event, "
        "UNTIL=YYYYMMDD) (allowed: e.g. FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;COUNT=4)",
    ),
    "a rule with no occurrence": (
        MEETUP,
        [
            (
                "rule: FREQ=MONTHLY;INTERVAL=3;BYDAY=TH;BYSETPOS=2;COUNT=4",
                "rule: FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=4",
            ),
            ("except: [2027-10-14]", "except: []"),
        ],
        13,
        "recurrence.rule 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=4' yields no date from the "
        "start 2027-01-14 18:00 (allowed: a rule with at least one occurrence)",
    ),
    "an exception that is not a date of the series": (
        MEETUP,
        [("except: [2027-10-14]", "except:\n    - 2027-07-08\n    - 2027-10-15")],
        16,
        "recurrence.except[1] 2027-10-15 is not a date of the series (allowed: 2027-01-14, "
        "2027-04-08, 2027-07-08, 2027-10-14)",
    ),
    "exceptions that remove every date": (
        MEETUP,
        [
            (";COUNT=4", ";COUNT=1"),
            ("except: [2027-10-14]", "except: [2027-01-14]"),
        ],
        14,
        "recurrence.except removes every date of the series (allowed: at least one date held)",
    ),
    "an unknown kind": (
        WEBINAR,
        [("kind: webinar", "kind: seminar")],
        2,
        "kind is 'seminar' (allowed: 'conference', 'meetup', 'webinar', 'sprint' or 'hackathon')",
    ),
    "a webinar without a speaker slot": (
        WEBINAR,
        [("speaker:\n  slot: open\n", "")],
        2,
        "a webinar needs speaker (add speaker: ...)",
    ),
    "a case study naming a lesson that does not exist": (
        WEBINAR,
        [("notebook: studies/demo-case", "notebook: studies/demo-cse")],
        14,
        "case-study.notebook is 'studies/demo-cse', not a lesson of curriculum/courses (did you "
        "mean 'studies/demo-case'?)",
    ),
    "a case study naming a course that does not exist": (
        WEBINAR,
        [("notebook: studies/demo-case", "notebook: nowhere/demo-case")],
        14,
        "case-study.notebook is 'nowhere/demo-case', not a lesson of curriculum/courses "
        "(allowed: studies/demo-case)",
    ),
    "a case study that is not a course/lesson reference": (
        WEBINAR,
        [("notebook: studies/demo-case", "notebook: Studies/Demo case")],
        14,
        "case-study.notebook is 'Studies/Demo case' (allowed: a lesson of the curriculum as "
        "course/lesson, e.g. case-studies/eight-schools)",
    ),
    "a case study without the licence of its data": (
        WEBINAR,
        [("  licence: DATA-LICENCE, public domain.\n", "")],
        13,
        "case-study.licence is missing (required)",
    ),
    "a case study given as text, not as its notebook and data": (
        WEBINAR,
        [(WEBINAR_CASE_STUDY, "case-study: A case study.\n")],
        13,
        "case-study is 'A case study.' (allowed: a mapping of keys to values)",
    ),
    "a speaker who is neither a slot nor a role": (
        WEBINAR,
        [("  slot: open", "  slot: open\n  role: A maintainer")],
        10,
        "speaker is an open slot or a role, one of the two (give slot: open, or role: <who>)",
    ),
    "a heading that differs from the title": (
        WEBINAR,
        [("# Demo webinar", "# Demo seminar")],
        3,
        "title 'Demo webinar' differs from the page heading 'Demo seminar' on line 21 (make "
        "them the same)",
    ),
    "an event neither somewhere nor online": (
        WEBINAR,
        [("online: true", "online: false")],
        2,
        "the event has neither a venue nor online participation (give venue: <place>, "
        "online: true, or both)",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_event_rule_is_one_line_at_its_line(tmp_path, capsys, name):
    path, edits, line, message = CASES[name]
    project = site(tmp_path, path, edits)
    assert [str(problem) for problem in check_events(project)] == [f"{path}:{line}: {message}"]
    status, _out, err = run_ose(["--root", str(project.root), "check"], capsys)
    assert status == 1
    assert err.splitlines() == [f"{path}:{line}: {message}"]


def test_an_id_used_twice_is_one_line_at_the_second_file(tmp_path):
    text = (FIXTURES / "events" / WEBINAR).read_text(encoding="utf-8")
    project = site(tmp_path, files={"docs/events/zz-more/demo-webinar.md": text})
    assert [str(problem) for problem in check_events(project)] == [
        "docs/events/zz-more/demo-webinar.md:1: event id 'demo-webinar' is already the id of "
        "docs/events/webinars/demo-webinar.md (each id once: it names the page, the calendar "
        "file and the calendar UID; rename the file)"
    ]


def test_an_id_that_is_not_kebab_case_is_refused(tmp_path):
    text = (FIXTURES / "events" / WEBINAR).read_text(encoding="utf-8")
    project = site(tmp_path, files={"docs/events/webinars/Demo_Webinar.md": text})
    assert [str(problem) for problem in check_events(project)] == [
        "docs/events/webinars/Demo_Webinar.md:1: event id 'Demo_Webinar' is not kebab-case "
        "(allowed: lowercase letters, digits and hyphens, e.g. pymcon-2027; rename the file)"
    ]


def test_the_real_events_pass_and_none_is_presented_as_settled():
    events, problems = read_events(Project.at(REPO))
    assert problems == []
    kinds = {page.event.kind for page in events.events}
    assert kinds == {"conference", "meetup", "webinar", "sprint", "hackathon"}
    # the plan gives no dates: every dated event of this site is a proposal
    assert {page.event.status for page in events.events} == {"proposed"}
    for page in events.events:
        if page.event.speaker is not None:
            assert page.event.speaker.slot == "open" or page.event.speaker.role


def test_until_a_date_counts_that_day_in_and_the_calendar_writes_it_in_utc(tmp_path):
    project = site(
        tmp_path,
        edits=[(";COUNT=4", ";UNTIL=20270708"), ("except: [2027-10-14]", "except: []")],
    )
    events, problems = read_events(project)
    assert problems == []
    (meetup,) = events.of_kind("meetup")
    # the meeting on the UNTIL day itself, at 18:00, is held
    assert [start.date().isoformat() for start in meetup.occurrences] == [
        "2027-01-14",
        "2027-04-08",
        "2027-07-08",
    ]
    data = calendar([meetup], "Meetups", "example.org", "https://example.org/", date(2027, 1, 1))
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    # RFC 5545: with a TZID start, UNTIL is in UTC (23:59:59 in Berlin in summer)
    assert event["rrule"].to_ical() == (
        b"FREQ=MONTHLY;UNTIL=20270708T215959Z;INTERVAL=3;BYDAY=TH;BYSETPOS=2"
    )
    series = rrulestr(event["rrule"].to_ical().decode(), dtstart=event.decoded("dtstart"))
    assert [day.date().isoformat() for day in series] == ["2027-01-14", "2027-04-08", "2027-07-08"]
    assert str(event["uid"]) == "demo-meetup@example.org"
