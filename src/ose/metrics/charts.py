"""Charts of the metrics, drawn with matplotlib when the site is built.

Like the budget's charts (:mod:`ose.governance.charts`): the figures are the ones the tables
beside them show, the SVG carries no date and fixed ids (the same data gives the same file), and
each function returns the text alternative of its image.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ose.metrics.curriculum import Health
from ose.metrics.decisions import DecisionFigures
from ose.metrics.history import History

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Okabe-Ito blue: colour-blind safe, and one colour is enough for one series.
COLOUR = "#0072B2"
RC = {"text.parse_math": False, "svg.hashsalt": "ose-metrics", "font.size": 10}


def _save(figure: Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # no date in the metadata: the same data gives the same file (reproducible builds)
    figure.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")


def _bars(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    path: Path,
    *,
    horizontal: bool,
    shown: Sequence[str] | None = None,
) -> None:
    import matplotlib
    from matplotlib.figure import Figure  # imported late: only pages with a chart pay for it
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(RC):
        if horizontal:
            figure = Figure(figsize=(7, 0.45 * len(labels) + 1.0))
            axes = figure.subplots()
            bars = axes.barh(list(reversed(labels)), list(reversed(values)), color=COLOUR)
            texts = list(reversed(shown)) if shown is not None else None
            axes.set_xlim(0, max([*values, 1]) * 1.2)
        else:
            figure = Figure(figsize=(max(4.0, 0.5 * len(labels) + 2.0), 3.5))
            axes = figure.subplots()
            bars = axes.bar(list(labels), list(values), color=COLOUR)
            texts = list(shown) if shown is not None else None
            axes.set_ylim(0, max([*values, 1]) * 1.2)
            if len(labels) > 6:
                axes.tick_params(axis="x", labelrotation=45)
        if shown is None:  # counts: whole numbers on the axis
            (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
        axes.bar_label(bars, labels=texts, padding=3)
        axes.set_title(title, loc="left")
        axes.spines[["top", "right"]].set_visible(False)
        _save(figure, path)


def decisions_chart(figures: DecisionFigures, path: Path) -> str:
    """A bar per status, zeros included; returns the alt text."""
    labels = [status for status, _ in figures.by_status]
    counts = [count for _, count in figures.by_status]
    _bars(
        labels,
        counts,
        f"Decision records by status ({figures.total} in all)",
        path,
        horizontal=True,
    )
    parts = "; ".join(f"{status} {count}" for status, count in figures.by_status)
    return f"Bar chart of the {figures.total} decision records by status: {parts}."


def commits_chart(history: History, path: Path) -> str:
    """A bar per month from the first commit to the last; returns the alt text."""
    labels = [month for month, _ in history.months]
    counts = [count for _, count in history.months]
    _bars(labels, counts, f"Commits per month ({history.commits} in all)", path, horizontal=False)
    parts = "; ".join(f"{month} {count}" for month, count in history.months)
    return f"Bar chart of the {history.commits} commits per month: {parts}."


def seconds_chart(health: Health, path: Path) -> str:
    """A bar per lesson that has a record: its execution time; returns the alt text."""
    runs = [run for run in health.runs if run.seconds is not None]
    labels = [run.title for run in runs]
    seconds = [run.seconds or 0.0 for run in runs]
    _bars(
        labels,
        seconds,
        "Execution time per lesson (seconds)",
        path,
        horizontal=True,
        shown=[f"{s:.1f} s" for s in seconds],
    )
    parts = "; ".join(f"{run.title} {run.seconds:.1f} s" for run in runs)
    lessons = "1 lesson" if len(runs) == 1 else f"{len(runs)} lessons"
    return f"Bar chart of the execution time of {lessons}, in seconds: {parts}."
