"""What a lesson was verified with: its execution record, phrased for a reader.

The execution runner writes one :class:`~ose.execution.records.ExecutionRecord` per lesson; this
module turns it into the facts a badge and the execution report show, and says plainly when a
GPU lesson ran on CPU JAX.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ose.curriculum.model import Lesson
from ose.execution.records import ExecutionRecord, GuardResult

#: Packages every badge names, in this order; jax only where the lesson uses it.
ALWAYS_SHOWN = ("pymc", "pytensor")
JAX_PACKAGES = ("jax",)

DISPLAY_NAMES = {"pymc": "PyMC", "pytensor": "PyTensor", "jax": "JAX", "arviz": "ArviZ"}


@dataclass(frozen=True)
class Verification:
    """The facts of a lesson's last execution, ready to print."""

    status: Literal["ok", "failed", "missing"]
    executed_at: str = ""
    seconds: float | None = None
    device: str = ""
    #: said on the page when a GPU lesson ran without a GPU
    device_note: str | None = None
    versions: tuple[tuple[str, str], ...] = ()
    guards: tuple[GuardResult, ...] = ()
    error: str | None = None
    stray_outputs: int = 0
    taught_outputs: int = 0

    @property
    def output_text(self) -> str:
        """The output hygiene check: ``clean``, or what it found."""
        if self.status == "missing":
            return ""
        parts = []
        if self.stray_outputs:
            parts.append(f"{self.stray_outputs} stray")
        if self.taught_outputs:
            parts.append(f"{self.taught_outputs} taught")
        return ", ".join(parts) if parts else "clean"

    @property
    def versions_text(self) -> str:
        return ", ".join(
            f"{DISPLAY_NAMES.get(name, name)} {version}" for name, version in self.versions
        )


def _when(timestamp: str) -> str:
    """``2026-11-26T14:03:11+00:00`` as ``2026-11-26 14:03 UTC``."""
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return timestamp
    suffix = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return moment.strftime("%Y-%m-%d %H:%M") + suffix


def ran_without_gpu(device: str) -> bool:
    """The runner names the GPU when one answered; otherwise the device starts with CPU."""
    return device.strip().lower().startswith("cpu")


def verify(lesson: Lesson, record: ExecutionRecord | None) -> Verification:
    """The badge's facts for ``lesson``; ``missing`` when it has no execution record."""
    if record is None:
        return Verification(status="missing")
    shown = ALWAYS_SHOWN + (JAX_PACKAGES if lesson.uses_jax else ())
    versions = tuple((name, record.versions[name]) for name in shown if name in record.versions)
    device, note = record.device, None
    if lesson.accelerator == "gpu" and ran_without_gpu(record.device):
        device = "CPU (JAX)"
        note = (
            "This is a GPU lesson, but no GPU was present when this site was built: "
            "it ran on CPU JAX, so its timings are CPU timings."
        )
    elif lesson.accelerator == "gpu":
        device = f"GPU: {record.device}"
    return Verification(
        status=record.status,
        executed_at=_when(record.executed_at),
        seconds=record.seconds,
        device=device,
        device_note=note,
        versions=versions,
        guards=tuple(record.guards),
        error=record.error,
        stray_outputs=record.stray_outputs,
        taught_outputs=record.taught_outputs,
    )


def _number(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def guard_figures(guard: GuardResult) -> str:
    """One model's figures: ``max r_hat 1.002, min bulk ESS 1520 (floor 400), 0 divergences``."""
    return (
        f"max r_hat {_number(guard.max_r_hat, 3)}, "
        f"min bulk ESS {_number(guard.min_ess_bulk, 0)} (floor {guard.ess_floor:g}), "
        f"{guard.divergences} divergence{'' if guard.divergences == 1 else 's'}"
    )


def guard_verdict(guard: GuardResult) -> str:
    """``passed``, ``failed``, or that the failure is the one the lesson teaches."""
    if guard.expected_failure:
        return "fails as the lesson intends" if not guard.passed else "passed (failure expected)"
    return "passed" if guard.passed else "failed"
