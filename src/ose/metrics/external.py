"""The metrics this repository cannot measure: ``governance/metrics.yaml``.

Downloads, citations, survey results and the like come from outside. Each metric of the plan's
section 8 that is not computed from the repository has an entry there, with ``value: null`` until
someone reports it. A value is entered by hand, and only with the day it was measured (``as-of``)
and where it comes from (``source``), so that a reader can check it; a number without them is
refused, and no number is ever filled in for a metric nobody has reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from ose.core.dates import build_date
from ose.core.problems import Problem, ProblemsFound
from ose.core.schema import Record, validate
from ose.core.yamldata import LineMap, read_mapping
from ose.project import Project

#: The file, relative to the project root.
METRICS_FILE = "governance/metrics.yaml"
#: The subsections of the plan's section 8 a metric may belong to.
PLAN_SECTIONS: tuple[str, ...] = ("8.1", "8.2", "8.3")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise PydanticCustomError("slug", "allowed: a lower-case slug: a-z, 0-9 and hyphens")
    return value


def _section(value: str) -> str:
    if value not in PLAN_SECTIONS:
        raise PydanticCustomError(
            "plan_section",
            f"allowed: a subsection of the plan's section 8: {', '.join(PLAN_SECTIONS)}",
        )
    return value


def _number(value: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise PydanticCustomError(
            "number", "allowed: a number, or null until the metric is reported"
        )
    return value


class ExternalMetric(Record):
    """One metric of the plan that is reported by hand."""

    id: Annotated[str, AfterValidator(_slug)]
    title: str = Field(min_length=1)
    plan_section: Annotated[str, AfterValidator(_section)]
    unit: str = Field(min_length=1)
    value: Annotated[float | None, BeforeValidator(_number)] = None
    as_of: date | None = None
    source: str | None = Field(default=None, min_length=1)

    @property
    def reported(self) -> bool:
        return self.value is not None


class MetricsFile(Record):
    """The whole of ``governance/metrics.yaml``."""

    metrics: list[ExternalMetric]


@dataclass(frozen=True)
class ExternalMetrics:
    path: Path
    metrics: tuple[ExternalMetric, ...]


def metric_problems(written: MetricsFile, lines: LineMap, today: date) -> list[Problem]:
    """The rules across keys and entries: a value with its date and source, ids used once."""
    problems = []
    seen: dict[str, int] = {}
    for index, metric in enumerate(written.metrics):
        at = ("metrics", index)
        where = f"metrics[{index}]"
        if metric.value is not None:
            lacking = [
                key for key in ("as-of", "source") if getattr(metric, key.replace("-", "_")) is None
            ]
            if lacking:
                problems.append(
                    lines.problem(
                        (*at, "value"),
                        f"{where}.value is given without {' and '.join(lacking)} (required with a "
                        "value: as-of, the day it was measured, and source, where it comes from)",
                    )
                )
        if metric.as_of is not None and metric.as_of > today:
            problems.append(
                lines.problem(
                    (*at, "as-of"),
                    f"{where}.as-of {metric.as_of.isoformat()} is in the future (allowed: today or "
                    "earlier)",
                )
            )
        line = lines.line((*at, "id"))
        if metric.id in seen:
            problems.append(
                lines.problem(
                    (*at, "id"),
                    f"{where}.id {metric.id!r} is also used at line {seen[metric.id]} (allowed: "
                    "each id once)",
                )
            )
        else:
            seen[metric.id] = line
    return problems


def load_metrics(
    path: Path, root: Path | None = None, today: date | None = None
) -> ExternalMetrics:
    """The metrics of ``path``; :class:`ProblemsFound` with every problem if any rule is broken."""
    data, lines = read_mapping(path, root)
    written = validate(MetricsFile, data, lines)
    problems = metric_problems(written, lines, today or build_date())
    if problems:
        raise ProblemsFound(problems)
    return ExternalMetrics(path, tuple(written.metrics))


def check_metrics(project: Project) -> list[Problem]:
    """``ose check``'s rules for ``governance/metrics.yaml``; nothing when there is no such file."""
    path = project.root / METRICS_FILE
    if not path.is_file():
        return []
    try:
        load_metrics(path, project.root)
    except ProblemsFound as found:
        return found.problems
    return []
