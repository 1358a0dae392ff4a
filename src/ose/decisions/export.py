"""The records for machines: ``decisions.json`` and an Atom feed of decision changes.

Both are built from the same :class:`~.records.Decision` list as the site. They depend only on
the sources (no clock), so an unchanged repository builds byte-identical files.

A feed entry stands for one record in one status: its id ends in the status, so when a record
changes status (accepted, then superseded), feed readers see a new entry rather than an edit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from feedgen.feed import FeedGenerator

from ose.decisions.records import STATUS_MEANING, Decision

#: Bump when a field changes meaning or disappears (new fields keep the version).
JSON_VERSION = 1

UrlOf = Callable[[Decision], str]


def as_json(decisions: list[Decision], url_of: UrlOf, feed_url: str) -> dict[str, Any]:
    """The records as a JSON-ready mapping, in number order (drafts last)."""
    return {
        "version": JSON_VERSION,
        "feed": feed_url,
        "statuses": STATUS_MEANING,
        "records": [
            {
                "number": d.number,
                "id": d.label if d.number is not None else str(d.key),
                "slug": d.slug,
                "title": d.title,
                "status": d.status,
                "date": d.date.isoformat() if d.date else None,
                "deciders": list(d.deciders),
                "tags": list(d.tags),
                "supersedes": list(d.supersedes),
                "superseded-by": list(d.superseded_by),
                "discussion": d.discussion,
                "resolution": d.resolution,
                "url": url_of(d),
            }
            for d in decisions
        ],
    }


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def atom_feed(
    decisions: list[Decision],
    url_of: UrlOf,
    index_url: str,
    feed_url: str,
    site_title: str,
    deciders_text: Callable[[Decision], str] = lambda d: ", ".join(d.deciders),
) -> bytes:
    """An Atom feed with one entry per record in its current status, newest first."""
    dated = [d for d in decisions if d.date is not None]
    feed = FeedGenerator()
    feed.id(index_url)
    feed.title(f"{site_title}: decision records")
    feed.subtitle("Decisions of the PyMC Foundation, and every change of their status.")
    feed.author({"name": site_title})
    feed.link(href=index_url, rel="alternate")
    feed.link(href=feed_url, rel="self")
    feed.language("en")
    latest = max((d.date for d in dated if d.date), default=date(2026, 1, 1))
    feed.updated(_moment(latest))
    # feedgen puts the entry added last first; add oldest first so the newest leads
    for decision in sorted(dated, key=lambda d: (d.date, d.number or 0, d.slug)):
        assert decision.date is not None
        url = url_of(decision)
        entry = feed.add_entry()
        entry.id(f"{url}#{decision.status}")
        entry.title(f"{decision.label} {decision.title}: {decision.status}")
        entry.link(href=url)
        entry.updated(_moment(decision.date))
        entry.published(_moment(decision.date))
        for tag in decision.tags:
            entry.category(term=tag)
        entry.summary(
            f"{decision.status.capitalize()} on {decision.date.isoformat()} by "
            f"{deciders_text(decision)}. {STATUS_MEANING[decision.status]}"
        )
    return feed.atom_str(pretty=True)
