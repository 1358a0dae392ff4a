"""The convergence guard: pure judgement here; a real non-converging model in test_build.py."""

from ose.execution.guard import GuardSettings, judge, parse_report

GOOD = {"model": "idata", "max_r_hat": 1.002, "min_ess_bulk": 950.0, "divergences": 0}
BAD = {"model": "idata_centered", "max_r_hat": 1.05, "min_ess_bulk": 120.0, "divergences": 7}


def test_a_converged_model_passes():
    verdict = judge([GOOD], GuardSettings())
    assert verdict.problems == []
    (result,) = verdict.results
    assert result.passed and result.ess_floor == 400


def test_each_threshold_is_named():
    verdict = judge([BAD], GuardSettings())
    assert verdict.problems == [
        "model 'idata_centered' failed the convergence guard: max r_hat 1.050 > 1.01, "
        "min bulk ESS 120 < 400, 7 divergences (allowed: r_hat <= 1.01, bulk ESS >= the floor, "
        "no divergences; a lesson that teaches this failure lists it in "
        "convergence-guard.expected-failures)"
    ]
    assert not verdict.results[0].passed


def test_the_floor_is_per_lesson():
    weak = {**GOOD, "min_ess_bulk": 250.0}
    assert judge([weak], GuardSettings()).problems
    assert judge([weak], GuardSettings(ess_floor=200)).problems == []


def test_a_declared_failure_is_allowed_and_recorded():
    verdict = judge([GOOD, BAD], GuardSettings(expected_failures=("idata_centered",)))
    assert verdict.problems == []
    assert [r.expected_failure for r in verdict.results] == [False, True]


def test_a_declared_failure_that_converges_is_an_error():
    verdict = judge([GOOD], GuardSettings(expected_failures=("idata",)))
    assert verdict.problems == [
        "model 'idata' is declared in convergence-guard.expected-failures but converged "
        "(the lesson's claim that it fails is not true)"
    ]


def test_a_declared_failure_must_exist():
    verdict = judge([GOOD], GuardSettings(expected_failures=("gone",)))
    assert verdict.problems == [
        "convergence-guard.expected-failures names 'gone', but no sampled model has that "
        "name at the end of the lesson"
    ]


def test_report_is_read_from_the_marker_line():
    text = 'noise\nOSE-CONVERGENCE-GUARD:[{"model": "m", "max_r_hat": 1.0}]\n'
    assert parse_report(text) == [{"model": "m", "max_r_hat": 1.0}]
