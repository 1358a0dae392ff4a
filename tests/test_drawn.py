"""A chart is drawn again only when what it is drawn from changed (ose.core.drawn)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ose.core.drawn import drawn


@dataclass(frozen=True)
class Bars:
    values: tuple[int, ...]


def test_a_chart_is_drawn_again_only_when_its_figures_change(tmp_path):
    seen: list[Bars] = []

    def draw(figures: Bars, path: Path) -> str:
        seen.append(figures)
        path.write_text(f"<svg>{figures.values}</svg>", encoding="utf-8")
        return f"{len(figures.values)} bars"

    chart = tmp_path / "chart.svg"
    assert drawn(draw, Bars((1, 2)), chart) == "2 bars"
    assert drawn(draw, Bars((1, 2)), chart) == "2 bars"  # kept, with its alt text
    assert seen == [Bars((1, 2))]
    assert drawn(draw, Bars((1, 2, 3)), chart) == "3 bars"
    assert chart.read_text(encoding="utf-8") == "<svg>(1, 2, 3)</svg>"
    assert len(seen) == 2

    chart.unlink()  # the image is gone: drawn again
    assert drawn(draw, Bars((1, 2, 3)), chart) == "3 bars"
    (tmp_path / "chart.svg.json").write_text("{", encoding="utf-8")  # unreadable note
    assert drawn(draw, Bars((1, 2, 3)), chart) == "3 bars"
    assert len(seen) == 4
