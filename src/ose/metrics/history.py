"""The git history as a metric: commits, how many people wrote them, and when.

Read with ``git log`` from the checkout the site is built from. Only counts leave this module:
authors are told apart by their e-mail address, and neither names nor addresses are kept. A
folder that is not a git checkout, or a shallow clone (CI's default, which holds only the last
commits), cannot give the history; :attr:`History.note` then says why and no number is given.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class History:
    """Commits of the checked-out branch; ``note`` instead of numbers when there are none."""

    note: str | None = None
    commits: int = 0
    authors: int = 0
    #: ("YYYY-MM", commits) for every month from the first commit to the last, zeros included
    months: tuple[tuple[str, int], ...] = ()
    first: date | None = None
    last: date | None = None


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )


def is_checkout(root: Path) -> bool:
    """``root`` is the top of a git checkout (a worktree's ``.git`` is a file)."""
    return (root / ".git").exists()


def _months(first: date, last: date, counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        key = f"{year:04d}-{month:02d}"
        months.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def git_history(root: Path) -> History:
    """The history of the branch checked out at ``root``."""
    if not is_checkout(root):
        return History(note="This copy of the site's sources is not a git checkout.")
    shallow = _git(root, "rev-parse", "--is-shallow-repository")
    if shallow.returncode != 0:
        return History(note="git could not read this checkout.")
    if shallow.stdout.strip() == "true":
        return History(
            note="This checkout is a shallow clone: it holds only the latest commits, so it "
            "cannot give the history (a full clone can)."
        )
    log = _git(root, "log", "--format=%aI%x09%ae", "HEAD")
    if log.returncode != 0:
        return History(note="This checkout has no commits yet.")
    days: list[date] = []
    authors: set[str] = set()
    for line in log.stdout.splitlines():
        when, _, email = line.partition("\t")
        days.append(date.fromisoformat(when[:10]))
        authors.add(email.strip().lower())
    if not days:
        return History(note="This checkout has no commits yet.")
    counts: dict[str, int] = {}
    for day in days:
        key = f"{day.year:04d}-{day.month:02d}"
        counts[key] = counts.get(key, 0) + 1
    first, last = min(days), max(days)
    return History(
        commits=len(days),
        authors=len(authors),
        months=_months(first, last, counts),
        first=first,
        last=last,
    )


def commit_date(root: Path, ref: str) -> date | None:
    """The day the commit ``ref`` names was made, or None when this checkout lacks it."""
    if not is_checkout(root):
        return None
    result = _git(root, "log", "-1", "--format=%cI", f"{ref}^{{commit}}", "--")
    text = result.stdout.strip()
    if result.returncode != 0 or not text:
        return None
    return date.fromisoformat(text[:10])
