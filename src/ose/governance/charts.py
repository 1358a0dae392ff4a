"""Charts of the budget and the revenue plan, drawn with matplotlib when the site is built.

The figures always come from ``budget.yaml``, so a chart can never disagree with the tables
beside it. Each function writes one SVG and returns a text alternative for the image.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ose.governance.budget import Budget, money

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Colour-blind safe (Okabe-Ito), one per budget section or revenue stream.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
#: Dollar signs are text, not mathtext; a fixed salt keeps SVG ids stable between builds.
RC = {"text.parse_math": False, "svg.hashsalt": "ose-governance", "font.size": 10}


def _thousands(amount: float, _position: int | None = None) -> str:
    return f"${amount / 1000:,.0f}k"


def _figure(rows: int) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure  # imported late: only pages with a chart pay for it

    figure = Figure(figsize=(7, 0.6 * rows + 1.0))
    return figure, figure.subplots()


def _finish(figure: Figure, axes: Axes, title: str, limit: float, path: Path) -> None:
    from matplotlib.ticker import FuncFormatter

    axes.xaxis.set_major_formatter(FuncFormatter(_thousands))
    axes.set_xlim(0, limit)
    axes.set_title(title, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    path.parent.mkdir(parents=True, exist_ok=True)
    # no date in the metadata: the same data gives the same file (reproducible builds)
    figure.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")


def budget_chart(budget: Budget, path: Path) -> str:
    """A horizontal bar per budget section; returns the chart's alt text."""
    import matplotlib

    with matplotlib.rc_context(RC):
        sections = list(reversed(budget.sections))
        figure, axes = _figure(len(sections))
        colours = [PALETTE[i % len(PALETTE)] for i in range(len(sections))][::-1]
        bars = axes.barh([s.title for s in sections], [s.subtotal for s in sections], color=colours)
        labels = [f"{money(s.subtotal)} ({s.subtotal / budget.total:.0%})" for s in sections]
        axes.bar_label(bars, labels=labels, padding=4)
        limit = max(s.subtotal for s in sections) * 1.35
        _finish(figure, axes, f"Annual budget: {money(budget.total)}", limit, path)
    parts = "; ".join(f"{s.title} {money(s.subtotal)}" for s in budget.sections)
    return f"Bar chart of the annual budget of {money(budget.total)} by section: {parts}."


def revenue_chart(budget: Budget, path: Path) -> str:
    """The expected range of each revenue stream and of all of them, against the budget."""
    import matplotlib

    with matplotlib.rc_context(RC):
        rows = [(s.title, s.low, s.high) for s in budget.revenue]
        rows.append(("All streams", budget.revenue_low, budget.revenue_high))
        rows.reverse()
        figure, axes = _figure(len(rows))
        colours = ["#555555", *[PALETTE[i % len(PALETTE)] for i in range(len(rows) - 1)][::-1]]
        bars = axes.barh(
            [r[0] for r in rows],
            [r[2] - r[1] for r in rows],
            left=[r[1] for r in rows],
            color=colours,
        )
        labels = [f"{_thousands(r[1])} to {_thousands(r[2])}" for r in rows]
        axes.bar_label(bars, labels=labels, padding=4)
        axes.axvline(budget.total, color="#D55E00", linestyle="--", linewidth=1.5)
        axes.text(
            budget.total,
            len(rows) - 0.4,
            f"  budget {money(budget.total)}",
            color="#D55E00",
            va="center",
            ha="left",
        )
        limit = max(budget.revenue_high, budget.total) * 1.35
        _finish(figure, axes, "Expected yearly revenue, low to high estimate", limit, path)
    parts = "; ".join(f"{s.title} {money(s.low)} to {money(s.high)}" for s in budget.revenue)
    return (
        f"Range chart of expected yearly revenue: {parts}; all streams together "
        f"{money(budget.revenue_low)} to {money(budget.revenue_high)}, against a budget of "
        f"{money(budget.total)}."
    )
