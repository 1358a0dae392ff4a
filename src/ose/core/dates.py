"""The build date, against which terms expire and reviews fall overdue.

Builds honour ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention), so a rebuild of an old
commit, and a test, can fix the date that "overdue" and "expired" are measured from.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from ose.core.problems import Problem, ProblemsFound


def build_date() -> date:
    """Today, or the date ``SOURCE_DATE_EPOCH`` names; a value that is not one is refused
    rather than silently replaced by today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return date.today()
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    except (ValueError, OverflowError, OSError):
        raise ProblemsFound(
            [
                Problem(
                    "SOURCE_DATE_EPOCH",
                    0,
                    f"the build date is {epoch!r} (allowed: whole seconds since 1970-01-01 UTC, "
                    "e.g. 1764633600)",
                )
            ]
        ) from None


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (28 February when the day is 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
