"""The evaluation plan's metrics, live: ``{evaluation-metrics} PART``.

A thin layer over :mod:`ose.metrics`, which gathers every figure when the build starts. Each
part renders records it is given, and every chart is drawn from the same figures as the table
beside it:

- ``decisions``: decision records by status (chart and table) and the days from proposal to
  decision, over the records that give the day they were proposed;
- ``curriculum``: the lessons of this build and of each release built in this checkout (passing,
  failed, missing, seconds, convergence figures), and the seconds per lesson (chart and table);
- ``releases``: the versions of ``versions.yaml`` and the day of each one's commit;
- ``history``: commits, the number of distinct authors, commits per month (chart and table);
- ``external``: the metrics of ``governance/metrics.yaml``, "not yet reported" until they are.

The page holding them is read again whenever the figures changed since the last build: git
history and execution records change without any source page changing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, cast

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ose.core.drawn import drawn
from ose.decisions.records import STATUS_MEANING
from ose.metrics.charts import commits_chart, decisions_chart, seconds_chart
from ose.metrics.collect import Metrics, collect_metrics
from ose.metrics.curriculum import Health
from ose.metrics.external import METRICS_FILE
from ose.sphinxext.base import metadata
from ose.sphinxext.courses import project_of
from ose.sphinxext.nodes import Cell, doc_link, table
from ose.sphinxext.problems import ConcernDirective
from ose.sphinxext.state import ose_state

CONCERN = "metrics"
#: Pages that show metrics: read again when the figures changed.
PAGES = "metrics-pages"
NOT_REPORTED = "not yet reported"
NOT_BUILT = "not built in this checkout"
NOT_COMMITTED = "commit not in this checkout"
_SHA = re.compile(r"^[0-9a-f]{40}$")
#: A lesson that runs changes the seconds chart: ``ose build`` imports its drawing library while
#: the lessons run (:func:`ose.sphinx_run.preload`), not after.
PRELOAD_WHEN_LESSONS_RUN = ("matplotlib.figure", "matplotlib.backends.backend_svg")


def _read(app: Sphinx) -> None:
    metrics, problems = collect_metrics(project_of(app))
    ose_state(app.env).set_facts(CONCERN, metrics, problems)


def metrics_of(env: BuildEnvironment) -> Metrics:
    return cast(Metrics, ose_state(env).facts(CONCERN))


def _metric_pages(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    state = ose_state(env)
    figures = repr(metrics_of(env))
    before = state.stamp("metrics")
    state.set_stamp("metrics", figures)
    if before == figures:
        return []
    return sorted(name for name in state.pages(PAGES) if name in env.found_docs)


def _para(text: str, *classes: str) -> nodes.paragraph:
    return nodes.paragraph(text, text, classes=list(classes))


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _amount(value: float) -> str:
    """``1200.0`` as ``1,200``; ``87.5`` as ``87.5``."""
    return f"{int(value):,}" if value.is_integer() else f"{value:,}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class EvaluationMetrics(ConcernDirective):
    """``{evaluation-metrics} PART``: one part of the evaluation plan's metrics."""

    concern = CONCERN
    required_arguments = 1
    PARTS: ClassVar[tuple[str, ...]] = (
        "decisions",
        "curriculum",
        "releases",
        "history",
        "external",
    )

    def run(self) -> list[nodes.Node]:
        part = self.arguments[0]
        if part not in self.PARTS:
            self.warn(f"no part {part!r} of the metrics (allowed: {', '.join(self.PARTS)})")
            return []
        ose_state(self.env).note_page(PAGES, self.env.current_document.docname)
        render: Callable[[Metrics], list[nodes.Node]] = getattr(self, f"_{part}")
        return render(metrics_of(self.env))

    def _chart(self, name: str, draw: Callable[..., str], figures: Any) -> nodes.figure:
        """A chart drawn now into the build folder, referred to relative to the page (like the
        budget's: Sphinx copies it into _images/)."""
        path = Path(self.env.doctreedir).parent / "metrics-charts" / f"{name}.svg"
        alt = drawn(draw, figures, path)
        page_dir = Path(self.env.doc2path(self.env.current_document.docname)).parent
        figure = nodes.figure(classes=["ose-chart"])
        figure += nodes.image(uri=Path(os.path.relpath(path, page_dir)).as_posix(), alt=alt)
        caption = "The same figures are given in the table below."
        figure += nodes.caption(caption, caption)
        return figure

    # -- the parts ---------------------------------------------------------------------------

    def _decisions(self, metrics: Metrics) -> list[nodes.Node]:
        figures = metrics.decisions
        rows = [[status, str(count), STATUS_MEANING[status]] for status, count in figures.by_status]
        result: list[nodes.Node] = [
            _para(f"{_plural(figures.total, 'decision record')} as of {metrics.today}."),
            self._chart("decisions", decisions_chart, figures),
            table(
                ["Status", "Records", "What it means"],
                rows,
                caption="Decision records by status",
                classes=["ose-metrics-table", "ose-metrics-decisions"],
                widths=[2, 1, 6],
            ),
        ]
        given = (
            f"{figures.timed} of {figures.decided} decided records (accepted, rejected or "
            "withdrawn, whose date is the day of the decision) give the date they were proposed."
        )
        if not figures.days:
            text = (
                f"Days from proposal to decision: not yet measurable. {given} The optional "
                "proposed field, which ose decision new fills in, was added after these records "
                "were written, and no date is guessed for them."
            )
        else:
            text = (
                f"Days from proposal to decision: median {_number(figures.median_days, 1)}, "
                f"shortest {figures.min_days}, longest {figures.max_days}. {given}"
            )
        result.append(_para(text, "ose-metrics-decision-days"))
        return result

    def _health_rows(self, name: str, health: Health | None) -> tuple[list[Cell], list[Cell]]:
        """One build's row of the lessons table and of the convergence table."""
        if health is None:
            return [name, NOT_BUILT, "", "", "", "", ""], [name, NOT_BUILT, "", "", ""]
        guarded = str(len(health.guards))
        if health.expected_failures:
            guarded += f" ({health.expected_failures} expected to fail)"
        lessons: list[Cell] = [
            name,
            str(health.lessons),
            str(health.passing),
            str(health.failed),
            str(health.missing),
            _number(health.total_seconds, 1),
            _number(health.median_seconds, 1),
        ]
        convergence: list[Cell] = [
            name,
            guarded,
            _number(health.worst_r_hat, 3),
            _number(health.lowest_ess, 0),
            str(health.divergences),
        ]
        return lessons, convergence

    def _curriculum(self, metrics: Metrics) -> list[nodes.Node]:
        current = metrics.health
        if metrics.releases:
            rows = [
                self._health_rows(
                    f"{r.label}: this build" if r.dev else r.label, current if r.dev else r.health
                )
                for r in metrics.releases
            ]
        else:
            rows = [self._health_rows("This build", current)]
        lesson_headers = [
            "Build",
            "Lessons",
            "Passing",
            "Failed",
            "Missing",
            "Seconds in all",
            "Median seconds",
        ]
        guard_headers = ["Build", "Models guarded", "Worst r_hat", "Lowest bulk ESS", "Divergences"]
        result: list[nodes.Node] = [
            _para(
                f"This build: {_plural(current.lessons, 'lesson')}, {current.passing} passing, "
                f"{current.failed} failed, {current.missing} without an execution record. "
                "Seconds are summed over lessons, not wall-clock time; the convergence figures "
                "leave out the models a lesson expects to fail."
            ),
            table(
                lesson_headers,
                [lessons for lessons, _ in rows],
                caption="Lessons by build",
                classes=["ose-metrics-table", "ose-metrics-builds"],
            ),
            table(
                guard_headers,
                [convergence for _, convergence in rows],
                caption="Convergence guard by build",
                classes=["ose-metrics-table", "ose-metrics-guards"],
            ),
        ]
        timed = [run for run in current.runs if run.seconds is not None]
        if not timed:
            result.append(
                _para("No lesson has an execution record in this build: there is no time to chart.")
            )
            return result
        result.append(self._chart("seconds", seconds_chart, current))
        result.append(
            table(
                ["Lesson", "Status", "Seconds"],
                [
                    [
                        nodes.paragraph("", "", doc_link(run.docname, run.title)),
                        run.status,
                        f"{run.seconds:.1f}",
                    ]
                    for run in timed
                ],
                caption="Execution time per lesson, this build",
                classes=["ose-metrics-table", "ose-metrics-seconds"],
                widths=[6, 1, 1],
            )
        )
        return result

    def _releases(self, metrics: Metrics) -> list[nodes.Node]:
        if metrics.versions_unreadable:
            return [_para("versions.yaml could not be read: ose check says why.")]
        if not metrics.releases:
            return [_para("This site has no versions.yaml: it is published as one version.")]
        rows = [
            [
                r.name,
                r.label,
                nodes.literal(r.ref, r.ref[:12] if _SHA.match(r.ref) else r.ref),
                str(r.committed) if r.committed else NOT_COMMITTED,
            ]
            for r in metrics.releases
        ]
        return [
            table(
                ["Version", "Label", "Ref", "Commit date"],
                rows,
                caption="Releases of the site",
                classes=["ose-metrics-table", "ose-metrics-releases"],
            )
        ]

    def _history(self, metrics: Metrics) -> list[nodes.Node]:
        history = metrics.history
        if history.note is not None:
            return [_para(f"{history.note} The commit figures are not available in this build.")]
        return [
            _para(
                f"{_plural(history.commits, 'commit')} by "
                f"{_plural(history.authors, 'distinct author')}, from {history.first} to "
                f"{history.last} (the branch this site was built from)."
            ),
            self._chart("commits", commits_chart, history),
            table(
                ["Month", "Commits"],
                [[month, str(count)] for month, count in history.months],
                caption="Commits per month",
                classes=["ose-metrics-table", "ose-metrics-commits"],
            ),
        ]

    def _external(self, metrics: Metrics) -> list[nodes.Node]:
        path = Path(self.env.srcdir) / METRICS_FILE
        if not path.is_file():
            self.warn(f"{self.name} external needs {METRICS_FILE}, which does not exist")
            return []
        self.env.note_dependency(str(path))
        if metrics.external is None:  # broken: its problems are warned already
            return []
        rows = []
        for metric in metrics.external:
            value = _amount(metric.value) if metric.value is not None else NOT_REPORTED
            rows.append(
                [
                    metric.title,
                    metric.plan_section,
                    metric.unit,
                    value,
                    str(metric.as_of) if metric.as_of else "",
                    metric.source or "",
                ]
            )
        reported = sum(m.reported for m in metrics.external)
        return [
            _para(
                f"{reported} of {len(metrics.external)} metrics reported, as of {metrics.today}."
            ),
            table(
                ["Metric", "Plan section", "Unit", "Value", "As of", "Source"],
                rows,
                caption="Metrics reported from outside the repository",
                classes=["ose-metrics-table", "ose-metrics-external"],
            ),
        ]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.connect("builder-inited", _read)
    app.connect("env-get-outdated", _metric_pages)
    app.add_directive("evaluation-metrics", EvaluationMetrics)
    return metadata()
