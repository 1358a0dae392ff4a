"""The execution record: when, where, with what and how fast each lesson last executed.

Records are kept in ``_build/execution/records.json`` keyed by the lesson's path. A lesson
served from the cache keeps the record of the run that produced its outputs; its guard verdicts
(and so its status) are judged again at every build against the lesson's current declarations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ose.core.text import write_atomically


class ParameterFigures(BaseModel):
    """One parameter's worst values over its elements: the largest r_hat, the smallest ESS."""

    r_hat: float | None = None
    ess_bulk: float | None = None


class GuardResult(BaseModel):
    """The convergence guard's figures for one sampled model (an InferenceData in the kernel),
    and the verdict on them under the lesson's declarations when they were last judged."""

    #: the name it is bound to: ``idata``, or an item of a container, ``traces[3]``
    model: str
    #: its other names, when the same InferenceData is bound more than once
    aliases: list[str] = Field(default_factory=list)
    #: the code cell (1-based, counting code cells) after which it was first bound
    cell: int | None = None
    max_r_hat: float | None
    min_ess_bulk: float | None
    divergences: int
    parameters: dict[str, ParameterFigures] = Field(default_factory=dict)
    ess_floor: float
    passed: bool
    #: the lesson declares that it teaches this failure (``convergence-guard.expected-failures``)
    expected_failure: bool = False


class InferenceDataFile(BaseModel):
    """One sampled model saved as netCDF, for learners to explore without sampling."""

    model: str
    #: the file, relative to the project root (in the build's cache)
    path: str
    bytes: int


class ExecutionRecord(BaseModel):
    """One lesson's last execution."""

    path: str
    status: Literal["ok", "failed"]
    executed_at: str
    seconds: float
    kernel: str
    device: str
    #: the Dask worker that ran it (None: this machine)
    worker: str | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    environment: str
    error: str | None = None
    log: str | None = None
    guards: list[GuardResult] = Field(default_factory=list)
    #: output hygiene: stray outputs found (not declared), and outputs the lesson teaches
    stray_outputs: int = 0
    taught_outputs: int = 0
    #: each sampled model as netCDF (``az.from_netcdf``), published beside the lesson's page
    inferencedata: list[InferenceDataFile] = Field(default_factory=list)


def load_records(path: Path) -> dict[str, ExecutionRecord]:
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {key: ExecutionRecord.model_validate(value) for key, value in raw.items()}


def save_records(path: Path, records: dict[str, ExecutionRecord]) -> None:
    data = {key: records[key].model_dump() for key in sorted(records)}
    write_atomically(path, (json.dumps(data, indent=2) + "\n").encode())
