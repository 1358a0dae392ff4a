"""The evaluation plan's metrics on a built page: status counts, lesson health per build, the
releases, the git history (or why there is none), the external metrics, and a chart with a text
alternative beside every table that holds its figures.

The curriculum fixture site (one course of two lessons) gets decision records, a versions.yaml,
a metrics.yaml and execution records written by hand (one lesson ran, one has no record; one
release was built in this checkout, one was not), and is built by Sphinx once (``-W``, lessons
not executed). The folder is not a git checkout.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, make_fixture_site, sphinx_unexecuted
from ose.execution.records import ExecutionRecord, GuardResult, save_records

pytestmark = pytest.mark.site

METRICS = FIXTURES / "metrics"
DEMO = "curriculum/courses/demo"


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def tables(page: str) -> dict[str, list[list[str]]]:
    """The rows (after the header) of every metrics table, by caption."""
    found = {}
    for match in re.finditer(
        r'<table class="[^"]*\bose-metrics-table\b[^"]*"[^>]*>(.*?)</table>', page, re.S
    ):
        caption = re.search(r'<span class="caption-text">(.*?)</span>', match.group(1), re.S)
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)
        found[text_of(caption.group(1)) if caption else ""] = [
            [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows[1:]
        ]
    return found


def record(path: str, seconds: float, guards: list[GuardResult]) -> ExecutionRecord:
    return ExecutionRecord(
        path=path,
        status="ok",
        executed_at="2026-12-01T10:00:00+00:00",
        seconds=seconds,
        kernel="pymc-cpu",
        device="CPU",
        environment="fixture",
        guards=guards,
    )


def guard(model: str, r_hat: float, ess: float, divergences: int, expected: bool = False):
    return GuardResult(
        model=model,
        max_r_hat=r_hat,
        min_ess_bulk=ess,
        divergences=divergences,
        ess_floor=400,
        passed=not expected,
        expected_failure=expected,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_fixture_site(
        tmp_path_factory.mktemp("metrics") / "site",
        {
            "governance/metrics.yaml": (METRICS / "metrics.yaml").read_text(encoding="utf-8"),
            "evaluation.md": (METRICS / "evaluation.md").read_text(encoding="utf-8"),
            "versions.yaml": (METRICS / "versions.yaml").read_text(encoding="utf-8"),
        },
        base="curriculum/site",
    )
    shutil.copytree(FIXTURES / "decisions" / "valid", root / "decisions")
    accepted = root / "decisions" / "0002-keep-one-pipeline-per-language.md"
    text = accepted.read_text(encoding="utf-8")
    accepted.write_text(
        text.replace("date: 2026-11-24\n", "date: 2026-11-24\nproposed: 2026-11-10\n")
    )
    index = root / "index.md"
    index.write_text(
        index.read_text().replace("curriculum/index\n", "curriculum/index\nevaluation\n")
    )
    first = f"{DEMO}/first.md"
    save_records(
        root / "_build" / "execution" / "records.json",
        {
            first: record(
                first, 3.25, [guard("idata", 1.004, 812, 0), guard("bad", 1.3, 20, 7, True)]
            )
        },
    )
    save_records(
        root / "_build" / "versions" / "2026.10" / "build" / "execution" / "records.json",
        {first: record(first, 4.5, [guard("idata", 1.002, 950, 1)])},
    )
    result = sphinx_unexecuted(root, "1796515200")  # 2026-12-06
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def page(site: Path) -> str:
    return (site / "_build" / "html" / "evaluation.html").read_text(encoding="utf-8")


def test_the_page_is_written_again_when_its_figures_change_and_only_then(site, page):
    written = site / "_build" / "html" / "evaluation.html"
    before = written.stat().st_mtime_ns
    assert sphinx_unexecuted(site, "1796515200").returncode == 0
    assert written.stat().st_mtime_ns == before  # nothing changed: not written again

    first = f"{DEMO}/first.md"
    records = site / "_build" / "execution" / "records.json"
    save_records(records, {first: record(first, 7.5, [guard("idata", 1.004, 812, 0)])})
    assert sphinx_unexecuted(site, "1796515200").returncode == 0
    assert written.stat().st_mtime_ns != before
    assert "The first lesson 7.5 s" in written.read_text(encoding="utf-8")
    assert "The first lesson 7.5 s" not in page  # (the page as first built, which others read)


def test_decision_records_by_status_with_zeros_and_days_to_decide(page):
    assert tables(page)["Decision records by status"] == [
        [
            "proposed",
            "1",
            "Under review in a pull request. Not in force until the TSC votes to accept it.",
        ],
        ["accepted", "1", "Accepted by the deciders. This decision is in force."],
        ["rejected", "1", "Voted down by the deciders. Kept so that the reasoning is not lost."],
        ["withdrawn", "0", "Withdrawn by its authors before a vote. Kept for the record."],
        ["superseded", "1", "Replaced by a later decision, which is now in force instead."],
        ["deprecated", "0", "No longer in force, and not replaced by another decision."],
    ]
    days = text_of(
        re.search(r'class="[^"]*ose-metrics-decision-days[^"]*">(.*?)</p>', page, re.S).group(1)
    )
    assert days.startswith("Days from proposal to decision: median 14.0, shortest 14, longest 14.")
    assert "1 of 2 decided records" in days


def test_lessons_by_build_dev_built_release_and_release_not_built(page):
    found = tables(page)
    assert found["Lessons by build"] == [
        ["dev (main): this build", "2", "1", "0", "1", "3.2", "3.2"],
        ["2026.11", "not built in this checkout", "", "", "", "", ""],
        # built here, but its sources are not: its lessons are the ones it has records of
        ["2026.10", "1", "1", "0", "0", "4.5", "4.5"],
    ]
    assert found["Convergence guard by build"] == [
        ["dev (main): this build", "2 (1 expected to fail)", "1.004", "812", "0"],
        ["2026.11", "not built in this checkout", "", "", ""],
        ["2026.10", "1", "1.002", "950", "1"],
    ]


def test_seconds_per_lesson_chart_has_its_table_and_alt_text(page):
    assert tables(page)["Execution time per lesson, this build"] == [
        ["The first lesson", "ok", "3.2"]
    ]
    alts = re.findall(r'<img alt="([^"]*)"', page)
    assert "Bar chart of the execution time of 1 lesson, in seconds: The first lesson 3.2 s." in [
        html.unescape(a) for a in alts
    ]


def test_every_chart_is_an_svg_with_alt_text(page):
    images = re.findall(r'<img alt="([^"]+)" src="([^"]+)"', page)
    assert [Path(src).suffix for _, src in images] == [".svg", ".svg"]
    assert all(alt.startswith("Bar chart of") for alt, _ in images)


def test_releases_without_git_say_the_commit_is_not_here(page):
    assert tables(page)["Releases of the site"] == [
        ["dev", "dev (main)", "main", "commit not in this checkout"],
        ["2026.11", "2026.11", "568f2719c3e9", "commit not in this checkout"],
        ["2026.10", "2026.10", "0123456789ab", "commit not in this checkout"],
    ]


def test_no_git_checkout_gives_no_commit_numbers(page):
    assert "This copy of the site\u2019s sources is not a git checkout." in html.unescape(page)
    assert "Commits per month" not in page


def test_external_metrics_are_not_yet_reported_unless_given_with_date_and_source(page):
    assert tables(page)["Metrics reported from outside the repository"] == [
        [
            "PyPI downloads of pymc",
            "8.2",
            "downloads per month",
            "1,200",
            "2026-11-30",
            "A fixture, not a measurement",
        ],
        [
            "Citations in academic literature",
            "8.2",
            "citations per year",
            "not yet reported",
            "",
            "",
        ],
    ]
