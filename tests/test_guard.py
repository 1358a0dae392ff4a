"""The convergence guard: its judgement, and its finder, here without a kernel; real kernels and
cached lessons judged again are in test_guard_build.py."""

import arviz as az
import numpy as np

from ose.execution.guard import GuardSettings, covers, judge, parse_report
from ose.execution.guard_kernel import figures, find_models

GOOD = {
    "model": "idata",
    "cell": 2,
    "max_r_hat": 1.002,
    "min_ess_bulk": 950.0,
    "divergences": 0,
    "parameters": {"mu": {"r_hat": 1.002, "ess_bulk": 950.0}},
}
BAD = {
    "model": "idata_centered",
    "cell": 3,
    "max_r_hat": 1.05,
    "min_ess_bulk": 120.0,
    "divergences": 7,
    "parameters": {
        "mu": {"r_hat": 1.002, "ess_bulk": 900.0},
        "tau": {"r_hat": 1.05, "ess_bulk": 120.0},
        "theta": {"r_hat": 1.02, "ess_bulk": 300.0},
    },
}
#: the line of each code cell, and of each expected-failures entry, in a made-up lesson
CELLS = (14, 30, 57)
DECLARED = {"line": 18, "failure_lines": (19, 20)}


def messages(verdict):
    return [str(problem) for problem in verdict.problems]


def test_a_converged_model_passes():
    verdict = judge([GOOD], GuardSettings())
    assert verdict.problems == []
    (result,) = verdict.results
    assert result.passed and result.ess_floor == 400
    assert result.parameters["mu"].r_hat == 1.002


def test_each_threshold_names_the_parameter_at_the_cell_that_made_the_model():
    verdict = judge([BAD], GuardSettings(), "first-model.md", CELLS)
    assert messages(verdict) == [
        "first-model.md:57: model 'idata_centered' did not converge: r_hat of 'tau' is 1.05 "
        "(allowed: at most 1.01; also above it: 'theta'), bulk ESS of 'tau' is 120 "
        "(allowed: at least 400; also below it: 'theta'), 7 divergences (allowed: none); a "
        "lesson that teaches this failure lists it in convergence-guard.expected-failures"
    ]
    assert not verdict.results[0].passed


def test_one_failing_parameter_reads_as_one_clause():
    one = {**GOOD, "max_r_hat": 1.08, "parameters": {"sigma": {"r_hat": 1.08, "ess_bulk": 900.0}}}
    (problem,) = judge([one], GuardSettings(), "first-model.md", CELLS).problems
    assert str(problem).startswith(
        "first-model.md:30: model 'idata' did not converge: r_hat of 'sigma' is 1.08 "
        "(allowed: at most 1.01); "
    )


def test_an_r_hat_just_above_the_limit_is_shown_above_it():
    close = {**GOOD, "max_r_hat": 1.0104, "parameters": {"mu": {"r_hat": 1.0104}}}
    (problem,) = judge([close], GuardSettings()).problems
    assert "r_hat of 'mu' is 1.0104 (allowed: at most 1.01)" in problem.message


def test_a_model_of_an_unknown_cell_is_reported_at_the_declaration():
    unknown = {**BAD, "cell": None}
    (problem,) = judge([unknown], GuardSettings(**DECLARED), "a.md", CELLS).problems
    assert problem.line == 18


def test_figures_without_parameters_still_judge():
    """Records written before per-parameter figures were kept."""
    old = {k: v for k, v in BAD.items() if k not in ("parameters", "cell")}
    (problem,) = judge([old], GuardSettings()).problems
    assert "the largest r_hat is 1.05 (allowed: at most 1.01)" in problem.message
    assert "the smallest bulk ESS is 120 (allowed: at least 400)" in problem.message


def test_the_floor_is_per_lesson():
    weak = {**GOOD, "min_ess_bulk": 250.0}
    assert judge([weak], GuardSettings()).problems
    assert judge([weak], GuardSettings(ess_floor=200)).problems == []


def test_a_declared_failure_is_allowed_and_recorded():
    verdict = judge([GOOD, BAD], GuardSettings(expected_failures=("idata_centered",)))
    assert verdict.problems == []
    assert [r.expected_failure for r in verdict.results] == [False, True]


def test_a_declared_failure_that_converges_is_an_error_at_its_line():
    settings = GuardSettings(expected_failures=("idata_centered", "idata"), **DECLARED)
    verdict = judge([GOOD, BAD], settings, "a.md", CELLS)
    assert messages(verdict) == [
        "a.md:20: model 'idata' is declared in convergence-guard.expected-failures but "
        "converged (the lesson's claim that it fails is not true)"
    ]


def test_a_declared_failure_must_exist():
    settings = GuardSettings(expected_failures=("idata_centred",), **DECLARED)
    verdict = judge([GOOD, BAD], settings, "a.md", CELLS)
    assert messages(verdict)[1:] == [
        "a.md:19: convergence-guard.expected-failures is 'idata_centred', not a model bound to "
        "a name at the end of the lesson (did you mean 'idata_centered'?)"
    ]
    assert messages(judge([GOOD], GuardSettings(expected_failures=("gone",)))) == [
        ":1: convergence-guard.expected-failures is 'gone', not a model bound to a name at the "
        "end of the lesson (allowed: idata)"
    ]


def item(name, base, **extra):
    return {**base, "model": name, **extra}


def test_a_container_covers_its_items_and_must_hold_a_failure():
    traces = [item(f"traces[{i}]", GOOD) for i in range(10)]
    traces[3] = item("traces[3]", BAD)
    assert messages(judge(traces, GuardSettings(), "a.md", CELLS))[0].startswith(
        "a.md:57: model 'traces[3]' did not converge: r_hat of 'tau' is 1.05"
    )
    for entry in ("traces", "traces[3]"):
        verdict = judge(traces, GuardSettings(expected_failures=(entry,)))
        assert verdict.problems == [], entry
        assert [r.expected_failure for r in verdict.results].count(True) == (
            10 if entry == "traces" else 1
        )
    converged = [item(f"traces[{i}]", GOOD) for i in range(3)]
    settings = GuardSettings(expected_failures=("traces",), **DECLARED)
    assert messages(judge(converged, settings, "a.md")) == [
        "a.md:19: 'traces' is declared in convergence-guard.expected-failures, but all 3 models "
        "in it converged (the lesson's claim that they fail is not true)"
    ]


def test_dict_keys_match_however_they_are_quoted():
    assert covers("fits['pooled']", "fits['pooled']")
    assert covers('fits["pooled"]', "fits['pooled']")
    assert covers("fits", "fits['pooled']")
    assert covers("runs['a']", "runs['a'][0]")
    assert not covers("fit", "fits['pooled']")
    assert not covers("traces[1]", "traces[10]")


def test_a_model_bound_twice_is_judged_once_and_either_name_declares_it():
    bad = item("idata", BAD, aliases=["traces[9]"])
    (problem,) = judge([bad], GuardSettings()).problems
    assert problem.message.startswith(
        "model 'idata' (also bound as 'traces[9]') did not converge: "
    )
    for entry in ("idata", "traces[9]", "traces"):
        assert judge([bad], GuardSettings(expected_failures=(entry,))).problems == [], entry


def posterior(shift: float, seed: int) -> az.InferenceData:
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=(2, 300))
    mu[1] += shift
    return az.from_dict(
        posterior={"mu": mu, "sigma": np.exp(rng.normal(size=(2, 300)))},
        sample_stats={"diverging": np.zeros((2, 300), dtype=bool)},
    )


def test_the_finder_looks_into_lists_tuples_and_dicts():
    good, bad = posterior(0, 1), posterior(3, 2)
    out = {1: bad}
    namespace = {
        "idata": good,
        "traces": [posterior(0, 3), bad, 3.0],
        "pair": (good,),
        "fits": {"pooled": bad, 2: [good]},
        "prior_only": az.from_dict(prior={"mu": np.zeros((1, 10))}),
        "_private": bad,
        "Out": out,  # IPython's output history: hidden
        "deep": [[[good]]],  # three levels: not looked into
    }
    found = [name for name, _ in find_models(namespace, hidden={"Out": out})]
    assert found == [
        "idata",
        "traces[0]",
        "traces[1]",
        "pair[0]",
        "fits['pooled']",
        "fits[2][0]",
    ]


def test_the_figures_name_each_parameter():
    numbers = figures(posterior(3, 2))
    assert numbers["max_r_hat"] > 1.5 and numbers["min_ess_bulk"] < 50
    assert numbers["parameters"]["mu"]["r_hat"] == numbers["max_r_hat"]
    assert numbers["parameters"]["sigma"]["r_hat"] < 1.01
    assert numbers["divergences"] == 0


def test_report_is_read_from_the_marker_line():
    text = (
        "noise\n"
        'OSE-CONVERGENCE-GUARD:{"models": [{"model": "m", "max_r_hat": 1.0}], "modules": ["jax"]}\n'
    )
    report = parse_report(text)
    assert report.models == [{"model": "m", "max_r_hat": 1.0}]
    assert report.modules == ["jax"]
