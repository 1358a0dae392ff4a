"""The convergence guard: every model a lesson sampled must have converged.

Before a lesson's first cell the runner executes :data:`SETUP_SOURCE` in its kernel, and after
its last cell :data:`GUARD_SOURCE` (the kernel's half is :mod:`ose.execution.guard_kernel`). The
guard finds every ArviZ ``InferenceData`` with a posterior and sample stats that is bound to a
public name, or held in a list, tuple or dict bound to one (two levels deep), and reports for
each: its name (``idata``, ``traces[3]``, ``fits['pooled']``, ``runs['a'][0]``), its other names
when it is bound more than once, the code cell after which it first appeared, its largest r_hat
and smallest bulk ESS per parameter, and its number of divergences. Those raw figures are saved
with the lesson's outputs in the cache and in its record.

:func:`judge` turns the figures into results and problems under the lesson's *current*
declarations, and it runs at every build, for a lesson taken from the cache as for one just
executed: editing ``convergence-guard`` alone never re-executes a lesson, and never goes
unjudged. A failure is reported at the line of the cell that produced the model, naming the
model and the parameter.

A lesson that teaches a failure (a centred hierarchical model that diverges, say) names the model
in ``convergence-guard.expected-failures``. An entry is matched against every name of a model:
``idata`` or ``traces[3]`` names one model, and a container's name (``traces``, ``fits``,
``runs['a']``) covers every model inside it. A dict key is written as Python writes it
(``fits['pooled']``; ``fits["pooled"]`` is read the same). Each entry must cover at least one
model that fails: a declared failure that converges is an error, because the lesson's text
would then be wrong, and so is an entry that names no model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ose.core.problems import Problem
from ose.core.schema import unknown_name
from ose.execution.records import GuardResult

MAX_R_HAT = 1.01
DEFAULT_ESS_FLOOR = 400
MARKER = "OSE-CONVERGENCE-GUARD:"
#: Packages a lesson may import beyond PyMC's own stack; a record names those it used.
OPTIONAL_BACKENDS = ("jax", "numpyro", "numba", "blackjax")

_KERNEL_HALF = (Path(__file__).parent / "guard_kernel.py").read_text(encoding="utf-8")

#: Run silently (no execution count, no output) before the first cell: loads the kernel's half
#: in a namespace of its own.
SETUP_SOURCE = f"""
def _ose_guard_setup():
    module = {{"__name__": "ose_guard_kernel"}}
    exec(compile({_KERNEL_HALF!r}, "<ose convergence guard>", "exec"), module)
    module["install"](globals(), {MARKER!r}, {OPTIONAL_BACKENDS!r})
_ose_guard_setup()
del _ose_guard_setup
"""

#: Run silently after code cell number ``{cell}`` (1-based): notes the models it made.
TRACK_SOURCE = "_ose_guard_track({cell})"

#: Run after the last cell: prints the report after :data:`MARKER`.
GUARD_SOURCE = "_ose_guard()\ndel _ose_guard, _ose_guard_track\n"

#: A name as a reader might write a dict key, ``fits["a"]``, read as the guard names it.
_DOUBLE_QUOTED_KEY = re.compile(r"""\["([^"'\\]*)"\]""")


@dataclass(frozen=True)
class GuardSettings:
    """What a lesson's front matter says about its guard, with where it says it."""

    ess_floor: float = DEFAULT_ESS_FLOOR
    expected_failures: tuple[str, ...] = ()
    #: the line of ``convergence-guard`` (or of the front matter): where a model whose cell is
    #: unknown is reported
    line: int = 1
    #: the line of each entry of ``expected-failures``
    failure_lines: tuple[int, ...] = ()


@dataclass
class GuardVerdict:
    results: list[GuardResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class GuardReport:
    """What :data:`GUARD_SOURCE` printed: each sampled model's figures, the backends used."""

    models: list[dict[str, object]]
    modules: list[str]


def parse_report(text: str) -> GuardReport:
    """The report printed by :data:`GUARD_SOURCE` (the line after its marker)."""
    for line in text.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER) :])
            return GuardReport(models=list(data["models"]), modules=list(data["modules"]))
    raise ValueError("the convergence guard printed no report")


def covers(entry: str, name: str) -> bool:
    """Whether a declared name covers a model's name: the same name, or a container of it."""
    entry = _DOUBLE_QUOTED_KEY.sub(r"['\1']", entry.strip())
    return name == entry or name.startswith(entry + "[")


def _r_hat(value: float) -> str:
    """The fewest decimals, two at least, that still show a failing r_hat above the limit:
    1.08, 1.011, 1.0104 (never a confusing "1.01, allowed: at most 1.01")."""
    for decimals in (2, 3, 4, 5):
        text = f"{value:.{decimals}f}"
        if float(text) > MAX_R_HAT:
            return text
    return f"{value:.8f}"


def _also(names: list[str], where: str) -> str:
    if not names:
        return ""
    shown = ", ".join(repr(name) for name in names[:3]) + (", ..." if len(names) > 3 else "")
    return f"; also {where} it: {shown}"


def _failures(result: GuardResult) -> list[str]:
    """What is wrong with one model, worst parameter first: ``r_hat of 'sigma' is 1.08 (...)``."""
    reasons = []
    if result.max_r_hat is not None and result.max_r_hat > MAX_R_HAT:
        above = sorted(
            (
                (-figures.r_hat, name)
                for name, figures in result.parameters.items()
                if figures.r_hat is not None and figures.r_hat > MAX_R_HAT
            ),
        )
        what = f"r_hat of {above[0][1]!r}" if above else "the largest r_hat"
        others = _also([name for _, name in above[1:]], "above")
        reasons.append(
            f"{what} is {_r_hat(result.max_r_hat)} (allowed: at most {MAX_R_HAT}{others})"
        )
    floor = result.ess_floor
    if result.min_ess_bulk is not None and result.min_ess_bulk < floor:
        below = sorted(
            (figures.ess_bulk, name)
            for name, figures in result.parameters.items()
            if figures.ess_bulk is not None and figures.ess_bulk < floor
        )
        what = f"bulk ESS of {below[0][1]!r}" if below else "the smallest bulk ESS"
        others = _also([name for _, name in below[1:]], "below")
        reasons.append(f"{what} is {result.min_ess_bulk:.0f} (allowed: at least {floor:g}{others})")
    if result.divergences:
        plural = "" if result.divergences == 1 else "s"
        reasons.append(f"{result.divergences} divergence{plural} (allowed: none)")
    return reasons


def _result(figures: dict[str, object], settings: GuardSettings) -> GuardResult:
    """One model's figures as a result, judged under ``settings``."""
    known = {key: value for key, value in figures.items() if key in GuardResult.model_fields}
    known["divergences"] = known.get("divergences") or 0
    result = GuardResult.model_validate({**known, "ess_floor": settings.ess_floor, "passed": True})
    names = (result.model, *result.aliases)
    expected = any(covers(entry, name) for entry in settings.expected_failures for name in names)
    return result.model_copy(update={"passed": not _failures(result), "expected_failure": expected})


def judge(
    report: Iterable[dict[str, object]],
    settings: GuardSettings,
    path: str = "",
    cell_lines: Sequence[int] = (),
) -> GuardVerdict:
    """Check every model's figures against the thresholds and the lesson's declarations.

    ``cell_lines`` is the line in ``path`` of each code cell, so that a model that fails is
    reported where it was made; an entry of ``expected-failures`` is reported at its own line.
    """
    verdict = GuardVerdict()
    for figures in report:
        result = _result(figures, settings)
        verdict.results.append(result)
        if result.passed or result.expected_failure:
            continue
        cell = result.cell
        line = cell_lines[cell - 1] if cell and 0 < cell <= len(cell_lines) else settings.line
        label = repr(result.model)
        if result.aliases:
            label += f" (also bound as {', '.join(repr(a) for a in result.aliases)})"
        verdict.problems.append(
            Problem(
                path,
                line,
                f"model {label} did not converge: {', '.join(_failures(result))}; a lesson "
                "that teaches this failure lists it in convergence-guard.expected-failures",
            )
        )
    for index, entry in enumerate(settings.expected_failures):
        lines = settings.failure_lines
        line = lines[index] if index < len(lines) else settings.line
        covered = [
            result
            for result in verdict.results
            if any(covers(entry, name) for name in (result.model, *result.aliases))
        ]
        if not covered:
            known = {
                name.split("[")[0] if depth else name
                for result in verdict.results
                for name in (result.model, *result.aliases)
                for depth in (0, 1)
            }
            message = unknown_name(
                "convergence-guard.expected-failures",
                entry,
                "a model bound to a name at the end of the lesson",
                known,
            )
            verdict.problems.append(Problem(path, line, message))
        elif all(result.passed for result in covered):
            if len(covered) == 1:
                message = (
                    f"model {entry!r} is declared in convergence-guard.expected-failures but "
                    "converged (the lesson's claim that it fails is not true)"
                )
            else:
                message = (
                    f"{entry!r} is declared in convergence-guard.expected-failures, but all "
                    f"{len(covered)} models in it converged (the lesson's claim that they fail "
                    "is not true)"
                )
            verdict.problems.append(Problem(path, line, message))
    return verdict
