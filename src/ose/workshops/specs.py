"""From a workshop's plan to what its bundles hold: lessons, schedule, calendar, pages."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ose.core.problems import Problem, ProblemsFound
from ose.curriculum.load import read_curriculum
from ose.project import Project
from ose.workshops.bundle import BundleSpec, CalendarEvent
from ose.workshops.load import read_workshops
from ose.workshops.model import WorkshopPlan, clock


def schedule_markdown(plan: WorkshopPlan) -> str:
    """Each day as a table of clock times, sessions and minutes, with the day's totals."""
    lines: list[str] = []
    zone = plan.workshop.dates.time_zone if plan.workshop.dates else None
    for day in plan.days:
        heading = f"## Day {day.number}" + (f": {day.title}" if day.title else "")
        if day.date is not None:
            heading += f" ({day.date.isoformat()})"
        lines += [heading, "", "| Time | Session | Minutes |", "| --- | --- | --- |"]
        for session in day.sessions:
            minutes = str(session.minutes)
            if session.kind == "lesson":
                minutes += f" ({session.teaching} teaching, {session.exercises} exercises)"
                what = f"{session.title} (`{session.reference}`)"
            else:
                what = session.title if session.kind == "activity" else f"*{session.title}*"
            lines.append(f"| {clock(session.start)}-{clock(session.end)} | {what} | {minutes} |")
        lines += [
            "",
            f"Teaching {day.total('teaching')} min, exercises {day.total('exercises')} min, "
            f"breaks {day.total('break')} min, other activities {day.total('activity')} min; "
            f"the day ends by {clock(day.end)}.",
            "",
        ]
    if zone:
        lines.append(f"Times are in {zone}.")
    return "\n".join(lines).strip() + "\n"


def calendar_events(plan: WorkshopPlan) -> list[CalendarEvent]:
    """The lessons and activities with their dates, when the workshop has dates."""
    if plan.workshop.dates is None:
        return []
    zone = ZoneInfo(plan.workshop.dates.time_zone)
    events = []
    for day in plan.days:
        if day.date is None:
            continue
        midnight = datetime.combine(day.date, time(0), tzinfo=zone)
        for session in day.sessions:
            if session.kind == "break":
                continue
            start = midnight + timedelta(minutes=session.start)
            events.append(
                CalendarEvent(
                    start=start,
                    end=start + timedelta(minutes=session.minutes),
                    summary=f"{plan.workshop.title}: {session.title}",
                    description=session.reference or "",
                )
            )
    return events


def workshop_specs(project: Project, slug: str | None = None) -> list[BundleSpec]:
    """The bundle of every workshop (or of ``slug``); raise if the sources are not valid."""
    workshops, problems = read_workshops(project)
    curriculum, curriculum_problems = read_curriculum(project)
    if problems or curriculum_problems:
        raise ProblemsFound([*problems, *curriculum_problems])
    plans = workshops.plans
    if slug is not None:
        plans = [plan for plan in plans if plan.slug == slug]
        if not plans:
            known = ", ".join(plan.slug for plan in workshops.plans) or "none"
            raise ProblemsFound(
                [Problem("curriculum/workshops", 0, f"no workshop {slug!r} (known: {known})")]
            )
    specs = []
    for plan in plans:
        lessons = [curriculum.lessons[docname] for docname in dict.fromkeys(plan.lessons)]
        workshop = plan.workshop
        setup = "\n".join(f"- {item}" for item in workshop.setup)
        specs.append(
            BundleSpec(
                slug=plan.slug,
                title=workshop.title,
                lessons=lessons,
                schedule_markdown=schedule_markdown(plan),
                summary=workshop.summary,
                setup_markdown=setup,
                events=calendar_events(plan),
                pages=[plan.docname, plan.page("guide"), plan.page("handout")]
                + [lesson.docname for lesson in lessons],
                entry=plan.docname,
            )
        )
    return specs
