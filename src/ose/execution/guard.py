"""The convergence guard: every model a lesson sampled must have converged.

After a lesson's last cell, the runner executes :data:`GUARD_SOURCE` in the same kernel. It finds
every ArviZ ``InferenceData`` with a ``sample_stats`` group still bound to a name, and reports its
largest r_hat, smallest bulk ESS and number of divergences as JSON. :func:`judge` turns those
figures into results and problems. A lesson that teaches a failure (a centred hierarchical model
that diverges, say) names that variable in ``convergence-guard.expected-failures``; a declared
failure that does not fail is an error too, because the lesson's text would then be wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from ose.execution.records import GuardResult

MAX_R_HAT = 1.01
DEFAULT_ESS_FLOOR = 400
MARKER = "OSE-CONVERGENCE-GUARD:"

GUARD_SOURCE = f"""
def _ose_convergence_guard():
    import json, math
    try:
        import arviz as az
    except ImportError:
        print({MARKER!r} + "[]")
        return
    found = []
    for name, value in list(globals().items()):
        if name.startswith("_") or not isinstance(value, az.InferenceData):
            continue
        if "posterior" not in value.groups() or "sample_stats" not in value.groups():
            continue
        def extreme(dataset, pick):
            numbers = [float(v) for var in dataset.data_vars
                       for v in dataset[var].values.ravel() if not math.isnan(float(v))]
            return pick(numbers) if numbers else None
        posterior = value.posterior
        stats = value.sample_stats
        divergences = int(stats["diverging"].sum()) if "diverging" in stats else 0
        found.append({{
            "model": name,
            "max_r_hat": extreme(az.rhat(posterior), max),
            "min_ess_bulk": extreme(az.ess(posterior, method="bulk"), min),
            "divergences": divergences,
        }})
    print({MARKER!r} + json.dumps(found))
_ose_convergence_guard()
del _ose_convergence_guard
"""


@dataclass(frozen=True)
class GuardSettings:
    """What a lesson's front matter says about its guard."""

    ess_floor: float = DEFAULT_ESS_FLOOR
    expected_failures: tuple[str, ...] = ()


@dataclass
class GuardVerdict:
    results: list[GuardResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_report(text: str) -> list[dict[str, object]]:
    """The figures printed by :data:`GUARD_SOURCE` (the line after its marker)."""
    for line in text.splitlines():
        if line.startswith(MARKER):
            return list(json.loads(line[len(MARKER) :]))
    raise ValueError("the convergence guard printed no report")


def _failures(figures: dict[str, object], floor: float) -> list[str]:
    reasons = []
    r_hat, ess = figures.get("max_r_hat"), figures.get("min_ess_bulk")
    if isinstance(r_hat, float) and r_hat > MAX_R_HAT:
        reasons.append(f"max r_hat {r_hat:.3f} > {MAX_R_HAT}")
    if isinstance(ess, float) and ess < floor:
        reasons.append(f"min bulk ESS {ess:.0f} < {floor:g}")
    divergences = int(figures.get("divergences") or 0)  # type: ignore[call-overload]
    if divergences:
        reasons.append(f"{divergences} divergences")
    return reasons


def judge(report: Iterable[dict[str, object]], settings: GuardSettings) -> GuardVerdict:
    """Check every model's figures against the thresholds and the lesson's declarations."""
    verdict = GuardVerdict()
    seen = set()
    for figures in report:
        model = str(figures["model"])
        seen.add(model)
        reasons = _failures(figures, settings.ess_floor)
        expected = model in settings.expected_failures
        verdict.results.append(
            GuardResult(
                model=model,
                max_r_hat=figures.get("max_r_hat"),  # type: ignore[arg-type]
                min_ess_bulk=figures.get("min_ess_bulk"),  # type: ignore[arg-type]
                divergences=int(figures.get("divergences") or 0),  # type: ignore[call-overload]
                ess_floor=settings.ess_floor,
                passed=not reasons,
                expected_failure=expected,
            )
        )
        if reasons and not expected:
            verdict.problems.append(
                f"model {model!r} failed the convergence guard: {', '.join(reasons)} "
                "(allowed: r_hat <= 1.01, bulk ESS >= the floor, no divergences; a lesson that "
                "teaches this failure lists it in convergence-guard.expected-failures)"
            )
        elif expected and not reasons:
            verdict.problems.append(
                f"model {model!r} is declared in convergence-guard.expected-failures but "
                "converged (the lesson's claim that it fails is not true)"
            )
    for missing in sorted(set(settings.expected_failures) - seen):
        verdict.problems.append(
            f"convergence-guard.expected-failures names {missing!r}, but no sampled model "
            "has that name at the end of the lesson"
        )
    return verdict
