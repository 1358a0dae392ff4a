"""The "verified with" facts: devices, versions and guard figures, phrased for a reader."""

from __future__ import annotations

from ose.curriculum.model import Duration, Lesson
from ose.curriculum.verification import guard_figures, guard_verdict, verify
from ose.execution.records import ExecutionRecord, GuardResult

VERSIONS = {
    "python": "3.11.9",
    "pymc": "5.28.5",
    "pytensor": "2.38.3",
    "arviz": "0.23.4",
    "jax": "0.10.2",
    "numpyro": "0.22.0",
}


def lesson(accelerator: str = "cpu", uses_jax: bool = False) -> Lesson:
    return Lesson(
        path="curriculum/courses/demo/first.md",
        course="demo",
        stem="first",
        title="The first lesson",
        objectives=["Print a line"],
        prerequisites=[],
        duration=Duration(teaching=10, exercises=5),
        level="introductory",
        accelerator=accelerator,
        tags=[],
        kernel="pymc-jax" if accelerator == "gpu" else "pymc-cpu",
        uses_jax=uses_jax or accelerator == "gpu",
    )


def record(device: str, **changes) -> ExecutionRecord:
    values = {
        "path": "curriculum/courses/demo/first.md",
        "status": "ok",
        "executed_at": "2026-11-26T14:03:11+00:00",
        "seconds": 12.345,
        "kernel": "pymc-cpu",
        "device": device,
        "versions": VERSIONS,
        "environment": "abc",
    }
    return ExecutionRecord.model_validate(values | changes)


def test_a_cpu_lesson_names_pymc_and_pytensor_but_not_jax():
    facts = verify(lesson(), record("CPU"))
    assert facts.status == "ok"
    assert facts.device == "CPU"
    assert facts.device_note is None
    assert facts.versions_text == "PyMC 5.28.5, PyTensor 2.38.3"
    assert facts.executed_at == "2026-11-26 14:03 UTC"
    assert facts.seconds == 12.345


def test_a_cpu_lesson_that_uses_jax_names_its_version():
    facts = verify(lesson(uses_jax=True), record("CPU"))
    assert facts.versions_text == "PyMC 5.28.5, PyTensor 2.38.3, JAX 0.10.2"


def test_a_gpu_lesson_without_a_gpu_says_it_ran_on_cpu_jax():
    facts = verify(lesson("gpu"), record("CPU (JAX, no GPU present)", kernel="pymc-jax"))
    assert facts.device == "CPU (JAX)"
    assert facts.device_note == (
        "This is a GPU lesson, but no GPU was present when this site was built: "
        "it ran on CPU JAX, so its timings are CPU timings."
    )
    assert facts.versions_text.endswith("JAX 0.10.2")


def test_a_gpu_lesson_on_a_gpu_names_the_card():
    facts = verify(lesson("gpu"), record("NVIDIA H200", kernel="pymc-jax"))
    assert facts.device == "GPU: NVIDIA H200"
    assert facts.device_note is None


def test_a_lesson_without_a_record_is_not_verified():
    assert verify(lesson(), None).status == "missing"


def test_a_failed_run_keeps_its_error():
    facts = verify(lesson(), record("CPU", status="failed", error="ValueError: boom"))
    assert (facts.status, facts.error) == ("failed", "ValueError: boom")


def test_guard_figures_and_verdicts():
    good = GuardResult(
        model="idata",
        max_r_hat=1.0021,
        min_ess_bulk=1523.4,
        divergences=0,
        ess_floor=400,
        passed=True,
    )
    taught = GuardResult(
        model="idata_funnel",
        max_r_hat=1.03,
        min_ess_bulk=95.2,
        divergences=1,
        ess_floor=400,
        passed=False,
        expected_failure=True,
    )
    broken = GuardResult(
        model="idata_x",
        max_r_hat=None,
        min_ess_bulk=None,
        divergences=7,
        ess_floor=200,
        passed=False,
    )
    assert guard_figures(good) == "max r_hat 1.002, min bulk ESS 1523 (floor 400), 0 divergences"
    assert guard_figures(taught) == "max r_hat 1.030, min bulk ESS 95 (floor 400), 1 divergence"
    assert guard_figures(broken) == "max r_hat n/a, min bulk ESS n/a (floor 200), 7 divergences"
    assert guard_verdict(good) == "passed"
    assert guard_verdict(taught) == "fails as the lesson intends"
    assert guard_verdict(broken) == "failed"
