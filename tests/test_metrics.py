"""The evaluation plan's metrics, data layer: decision figures, curriculum health, the git
history (a fixture repository, a shallow clone, a folder without git) and the rules of
governance/metrics.yaml, each broken by a fixture under tests/fixtures/metrics/ with the exact
line ``ose check`` prints."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO
from ose.check import CHECKS
from ose.curriculum.load import read_curriculum
from ose.decisions.records import STATUSES, load_decisions
from ose.execution.records import ExecutionRecord, GuardResult
from ose.metrics.collect import collect_metrics, release_records
from ose.metrics.curriculum import health, health_of_records
from ose.metrics.decisions import decision_figures
from ose.metrics.external import METRICS_FILE, check_metrics, load_metrics
from ose.metrics.history import commit_date, git_history
from ose.project import Project

METRICS = FIXTURES / "metrics"
DECISIONS = FIXTURES / "decisions" / "valid"
WHERE = "governance/metrics.yaml"
ALLOWED_WITH_VALUE = (
    "(required with a value: as-of, the day it was measured, and source, where it comes from)"
)


# -- decision records ------------------------------------------------------------------------


def test_every_status_is_counted_zeros_included(tmp_path):
    figures = decision_figures(load_decisions(tmp_path))
    assert figures.by_status == tuple((status, 0) for status in STATUSES)
    assert (figures.total, figures.decided, figures.days) == (0, 0, ())


def test_counts_and_days_from_the_fixture_records(tmp_path):
    shutil.copytree(DECISIONS, tmp_path / "decisions")
    figures = decision_figures(load_decisions(tmp_path))
    assert dict(figures.by_status) == {
        "proposed": 1,
        "accepted": 1,
        "rejected": 1,
        "withdrawn": 0,
        "superseded": 1,
        "deprecated": 0,
    }
    # accepted and rejected are dated the day they were decided; superseded changed since
    assert (figures.decided, figures.timed, figures.median_days) == (2, 0, None)
    decisions = load_decisions(tmp_path)
    decisions = [
        replace(d, proposed=date(2026, 11, 10)) if d.status == "accepted" else d for d in decisions
    ]
    decisions = [
        replace(d, proposed=date(2026, 11, 20)) if d.status == "rejected" else d for d in decisions
    ]
    figures = decision_figures(decisions)
    assert figures.days == (14, 0)
    assert (figures.timed, figures.median_days, figures.min_days, figures.max_days) == (2, 7, 0, 14)


def test_the_repository_records_give_no_proposed_date_yet():
    """No proposed date is invented for the records written before the field."""
    figures = decision_figures(load_decisions(REPO))
    assert figures.total == len(load_decisions(REPO))
    assert figures.decided >= 10
    assert figures.days == ()


# -- curriculum health -----------------------------------------------------------------------


def run(path: str, status: str, seconds: float, guards: list[GuardResult]) -> ExecutionRecord:
    return ExecutionRecord(
        path=path,
        status=status,  # type: ignore[arg-type]
        executed_at="2026-12-01T10:00:00+00:00",
        seconds=seconds,
        kernel="pymc-cpu",
        device="CPU",
        environment="fixture",
        guards=guards,
    )


def guard(r_hat: float, ess: float, divergences: int, expected: bool = False) -> GuardResult:
    return GuardResult(
        model="idata",
        max_r_hat=r_hat,
        min_ess_bulk=ess,
        divergences=divergences,
        ess_floor=400,
        passed=not expected,
        expected_failure=expected,
    )


def test_health_counts_missing_lessons_and_leaves_out_expected_failures():
    curriculum, problems = read_curriculum(Project.at(FIXTURES / "curriculum" / "site"))
    assert problems == []
    lessons = sorted(curriculum.lessons.values(), key=lambda lesson: lesson.docname)
    first = "curriculum/courses/demo/first.md"
    records = {first: run(first, "ok", 3.0, [guard(1.004, 812, 0), guard(1.4, 12, 9, True)])}
    figures = health(lessons, records)
    assert [(r.title, r.status) for r in figures.runs] == [
        ("The first lesson", "ok"),
        ("The second lesson", "missing"),
    ]
    assert (figures.lessons, figures.passing, figures.failed, figures.missing) == (2, 1, 0, 1)
    assert (figures.total_seconds, figures.median_seconds) == (3.0, 3.0)
    assert (len(figures.guards), figures.expected_failures) == (2, 1)
    assert (figures.worst_r_hat, figures.lowest_ess, figures.divergences) == (1.004, 812, 0)


def test_health_of_records_alone():
    records = {
        "a/one.md": run("a/one.md", "ok", 2.0, [guard(1.01, 500, 1)]),
        "a/two.md": run("a/two.md", "failed", 6.0, []),
    }
    figures = health_of_records(records)
    assert [(r.docname, r.status) for r in figures.runs] == [("a/one", "ok"), ("a/two", "failed")]
    assert (figures.passing, figures.failed, figures.missing, figures.median_seconds) == (
        1,
        1,
        0,
        4.0,
    )
    assert health_of_records({}).worst_r_hat is None


# -- git history -----------------------------------------------------------------------------


def git(root: Path, *args: str, when: str = "2026-10-05T12:00:00+00:00", email: str = "a@x") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Someone",
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": "Someone",
        "GIT_COMMITTER_EMAIL": email,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    result = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, env=env
    )
    return result.stdout.strip()


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """Three commits by two authors, in October and December (none in November)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for number, (when, email) in enumerate(
        [
            ("2026-10-05T12:00:00+00:00", "a@example.org"),
            ("2026-10-20T12:00:00+00:00", "B@example.org"),
            ("2026-12-01T12:00:00+00:00", "b@example.org"),
        ]
    ):
        (root / "file.txt").write_text(f"{number}\n")
        git(root, "add", "file.txt")
        git(root, "commit", "-q", "-m", f"commit {number}", when=when, email=email)
    return root


def test_history_of_a_fixture_repository(repository):
    history = git_history(repository)
    assert history.note is None
    assert (history.commits, history.authors) == (3, 2)  # addresses compared in lower case
    assert history.months == (("2026-10", 2), ("2026-11", 0), ("2026-12", 1))
    assert (history.first, history.last) == (date(2026, 10, 5), date(2026, 12, 1))


def test_commit_date_of_a_ref_and_of_one_not_here(repository):
    first = git(repository, "rev-list", "--max-parents=0", "HEAD")
    assert commit_date(repository, first) == date(2026, 10, 5)
    assert commit_date(repository, "main") == date(2026, 12, 1)
    assert commit_date(repository, "0123456789abcdef0123456789abcdef01234567") is None


def test_a_folder_without_git_gives_a_note_and_no_numbers(tmp_path):
    history = git_history(tmp_path)
    assert history.note == "This copy of the site's sources is not a git checkout."
    assert (history.commits, history.authors, history.months) == (0, 0, ())
    assert commit_date(tmp_path, "main") is None


def test_a_shallow_clone_gives_a_note_and_no_numbers(repository, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repository}", str(clone))
    history = git_history(clone)
    assert history.note is not None and "shallow clone" in history.note
    assert history.commits == 0


# -- governance/metrics.yaml -----------------------------------------------------------------

#: fixture -> the exact lines ``ose check`` prints
CASES: dict[str, list[str]] = {
    "bad-yaml": [f"{WHERE}:6: not valid YAML (expected ',' or ']', but got ':')"],
    "unknown-key": [f"{WHERE}:6: metrics[0].valeu is not a known key (did you mean 'value'?)"],
    "value-alone": [
        f"{WHERE}:6: metrics[0].value is given without as-of and source {ALLOWED_WITH_VALUE}"
    ],
    "value-without-source": [
        f"{WHERE}:6: metrics[0].value is given without source {ALLOWED_WITH_VALUE}"
    ],
    "value-text": [
        f"{WHERE}:6: metrics[0].value is 'many' (allowed: a number, or null until the metric "
        "is reported)"
    ],
    "duplicate-id": [
        f"{WHERE}:7: metrics[1].id 'citations' is also used at line 2 (allowed: each id once)"
    ],
    "plan-section-number": [
        f"{WHERE}:4: metrics[0].plan-section is 8.2, which YAML reads as the number 8.2 "
        '(allowed: text; put it in quotes: "8.2")'
    ],
    "as-of-future": [
        f"{WHERE}:7: metrics[0].as-of 2999-01-01 is in the future (allowed: today or earlier)"
    ],
}


def project_with(tmp_path: Path, name: str) -> Project:
    (tmp_path / "governance").mkdir()
    shutil.copy(METRICS / f"{name}.yaml", tmp_path / METRICS_FILE)
    return Project.at(tmp_path)


@pytest.mark.parametrize(("case", "expected"), CASES.items(), ids=list(CASES))
def test_a_broken_metrics_file_is_one_line(tmp_path, case, expected):
    assert [str(p) for p in check_metrics(project_with(tmp_path, case))] == expected


def test_a_reported_value_with_date_and_source_passes(tmp_path):
    project = project_with(tmp_path, "metrics")
    assert check_metrics(project) == []
    metrics = load_metrics(project.root / METRICS_FILE, project.root).metrics
    assert [(m.id, m.value, m.as_of, m.reported) for m in metrics] == [
        ("downloads-pymc", 1200, date(2026, 11, 30), True),
        ("citations", None, None, False),
    ]


def test_the_repository_metrics_are_all_unreported_and_cover_the_plan():
    assert check_metrics(Project.at(REPO)) == []
    metrics = load_metrics(REPO / METRICS_FILE, REPO).metrics
    assert all(m.value is None and m.as_of is None and m.source is None for m in metrics)
    ids = {m.id for m in metrics}
    assert {
        "downloads-pymc",
        "downloads-pytensor",
        "citations",
        "event-attendance",
        "user-satisfaction",
        "mentorship-completion",
        "contributor-retention",
        "contributor-geography",
        "industry-adoption",
        "publications",
        "courses",
        "tutorial-completion",
        "workshop-effectiveness",
    } <= ids


def test_check_metrics_is_one_of_the_checks_and_a_project_without_the_file_passes(tmp_path):
    assert check_metrics in CHECKS
    assert check_metrics(Project.at(tmp_path)) == []


# -- everything at once ----------------------------------------------------------------------


def test_collect_reads_a_release_built_in_this_checkout(tmp_path):
    shutil.copy(METRICS / "versions.yaml", tmp_path / "versions.yaml")
    project = Project.at(tmp_path)
    path = release_records(project, "2026.10")
    path.parent.mkdir(parents=True)
    from ose.execution.records import save_records

    save_records(path, {"a/one.md": run("a/one.md", "ok", 2.0, [])})
    metrics, problems = collect_metrics(project)
    assert problems == []
    assert [(r.name, r.committed, r.health is not None) for r in metrics.releases] == [
        ("dev", None, True),
        ("2026.11", None, False),
        ("2026.10", None, True),
    ]
    assert metrics.external is None
    assert metrics.history.note is not None


def test_a_broken_versions_file_is_left_to_its_own_check(tmp_path):
    (tmp_path / "versions.yaml").write_text("versions: []\n")
    metrics, problems = collect_metrics(Project.at(tmp_path))
    assert problems == []
    assert (metrics.releases, metrics.versions_unreadable) == ((), True)
