"""The convergence guard in real kernels: models found in containers, failures reported at the
cell that made them, and the verdict taken again at every build for cached lessons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import build_site, make_fixture_site
from ose.environment import execution_cache_dir
from ose.execution.export import executed_notebook
from ose.project import Project

pytestmark = pytest.mark.site

HEADER = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: pymc-cpu
  display_name: PyMC
  language: python
orphan: true
convergence-guard:
  expected-failures:
    - fits['centred']
---

# Posteriors kept in containers
"""

#: Posteriors made from arrays (no sampling): two chains of independent draws, the second moved
#: by ``shift``, so that ``mu`` fails the guard when ``shift`` is large and ``sigma`` never does.
CELLS = """
```{code-cell} ipython3
import arviz as az
import numpy as np


def posterior(shift, seed):
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=(2, 500))
    mu[1] += shift
    return az.from_dict(
        posterior={"mu": mu, "sigma": np.exp(rng.normal(size=(2, 500)))},
        sample_stats={"diverging": np.zeros((2, 500), dtype=bool)},
    )
```

Ten fits in a loop would be kept like this; only the last is bound to a name of its own.

```{code-cell} ipython3
traces = []
for seed, shift in enumerate([0.0, 3.0, 0.0]):
    idata = posterior(shift, seed)
    traces.append(idata)
```

```{code-cell} ipython3
fits = {"pooled": posterior(0.0, 7), "centred": posterior(3.0, 8)}
```
"""

LESSON = HEADER + CELLS


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the code-cell fence just above ``needle``."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if needle in line)
    return next(i for i in range(at, -1, -1) if lines[i].startswith("```{code-cell}")) + 1


def ran(built, name: str) -> bool:
    """Whether the build executed ``name`` (the runner prints a mark for each lesson it ran)."""
    return any(name in line and ("✓" in line or "✗" in line) for line in built.err.splitlines())


def test_containers_are_judged_at_every_build_from_the_current_declarations(tmp_path: Path):
    root = make_fixture_site(tmp_path / "site", {"lessons/kept.md": LESSON})
    lesson = root / "lessons" / "kept.md"
    records_path = root / "_build" / "execution" / "records.json"
    made_at = line_of(LESSON, "traces = []")

    fresh = build_site(root)
    assert fresh.status == 1
    assert ran(fresh, "lessons/kept.md")
    (failure,) = [line for line in fresh.err.splitlines() if line.startswith("lessons/kept.md")]
    assert failure.startswith(
        f"lessons/kept.md:{made_at}: model 'traces[1]' did not converge: r_hat of 'mu' is "
    )
    assert "(allowed: at most 1.01)" in failure
    assert "Traceback" not in fresh.err
    record = json.loads(records_path.read_text())["lessons/kept.md"]
    assert record["status"] == "failed"
    models = {g["model"]: g for g in record["guards"]}
    assert list(models) == ["idata", "traces[0]", "traces[1]", "fits['pooled']", "fits['centred']"]
    assert models["idata"]["aliases"] == ["traces[2]"]
    assert models["fits['centred']"]["expected_failure"] and not models["fits['centred']"]["passed"]
    assert models["traces[1]"]["parameters"]["sigma"]["r_hat"] < 1.01
    assert [models[m]["cell"] for m in ("traces[1]", "fits['pooled']")] == [2, 3]
    assert not (root / "_build" / "html").exists()
    # the guard failed, yet the cells ran: cached as executed, numbered as if no guard had run
    notebook = executed_notebook(execution_cache_dir(Project.at(root)), lesson)
    assert notebook is not None
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert [cell["execution_count"] for cell in code] == [1, 2, 3]
    assert all(cell["outputs"] == [] for cell in code)

    # declaring the failure is enough: nothing executes again
    declared = LESSON.replace("    - fits['centred']\n", "    - fits['centred']\n    - traces[1]\n")
    lesson.write_text(declared)
    fixed = build_site(root)
    assert fixed.status == 0, fixed.err
    assert "executed 0 of 2 lessons (2 from cache)" in fixed.out
    record = json.loads(records_path.read_text())["lessons/kept.md"]
    assert record["status"] == "ok" and record["error"] is None

    # un-declaring it fails again, with the fresh run's line, and so does a claim that is false
    claimed = LESSON.replace("    - fits['centred']\n", "    - fits['centred']\n    - idata\n")
    lesson.write_text(claimed)
    again = build_site(root)
    assert again.status == 1
    assert not ran(again, "lessons/kept.md")
    claim_at = claimed.splitlines().index("    - idata") + 1
    # the cell's line is read from the source as it is now: one line lower than before
    moved = failure.replace(f":{made_at}:", f":{line_of(claimed, 'traces = []')}:", 1)
    assert moved != failure
    assert [line for line in again.err.splitlines() if line.startswith("lessons/")] == [
        f"lessons/kept.md:{claim_at}: model 'idata' is declared in "
        "convergence-guard.expected-failures but converged (the lesson's claim that it fails "
        "is not true)",
        moved,
    ]
    assert json.loads(records_path.read_text())["lessons/kept.md"]["status"] == "failed"
