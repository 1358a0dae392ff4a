"""The build date, against which terms expire and reviews fall overdue.

Builds honour ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention), so a rebuild of an old
commit, and a test, can fix the date that "overdue" and "expired" are measured from.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime


def build_date() -> date:
    """Today, or the date ``SOURCE_DATE_EPOCH`` names."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return date.today()


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (28 February when the day is 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
