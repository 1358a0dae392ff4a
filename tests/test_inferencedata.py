"""Explore without sampling: each lesson offers every model it sampled as a netCDF download."""

from __future__ import annotations

import re

import arviz as az
import pytest

from conftest import build_site, make_fixture_site
from ose.execution.guard_kernel import netcdf_name
from ose.execution.runner import size_problems

DEMO = "curriculum/courses/demo"

LESSON = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {name: pymc-cpu, display_name: "PyMC (CPU, C backend)", language: python}
title: A lesson with two models
objectives: [Keep two posteriors]
prerequisites: [Python basics]
duration: {teaching: 5, exercises: 5}
level: introductory
accelerator: cpu
tags: [fixture]
---

# A lesson with two models

```{code-cell} ipython3
import arviz as az
import numpy as np

rng = np.random.default_rng(1)


def fit(shift):
    return az.from_dict(
        posterior={"mu": rng.normal(shift, 1, size=(4, 500))},
        sample_stats={"diverging": np.zeros((4, 500), dtype=bool)},
    )


idata = fit(0.0)
```

```{code-cell} ipython3
fits = {"wide": fit(1.0)}
```
"""


@pytest.mark.site
def test_each_model_is_published_beside_its_lesson_and_linked(tmp_path):
    root = make_fixture_site(
        tmp_path / "site", {f"{DEMO}/models.md": LESSON}, base="curriculum/site"
    )
    index = root / DEMO / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace("  - second\n", "  - second\n  - models\n"),
        encoding="utf-8",
    )
    built = build_site(root)
    assert built.status == 0, built.err
    page = built.page(f"{DEMO}/models.html")
    links = re.findall(r'<a class="reference download" href="(models\.[^"]+\.nc)"', page)
    assert links == ["models.idata.nc", "models.fits-wide.nc"]
    assert "Explore without sampling" in page
    posterior = az.from_netcdf(built.html / DEMO / "models.idata.nc").posterior
    assert posterior["mu"].shape == (4, 500)
    # a rebuild from the cache publishes them again, without running the lesson
    again = build_site(root)
    assert "executed 0 of" in again.out + again.err
    assert (again.html / DEMO / "models.fits-wide.nc").is_file()
    # a model gone from the cache: the lesson runs again, and its page offers the model again
    (kept,) = (root / "_build" / "cache" / "inferencedata").glob("*/*/fits-wide.nc")
    kept.unlink()
    third = build_site(root)
    assert third.status == 0, third.err
    assert "executed 1 of" in third.out + third.err
    assert (third.html / DEMO / "models.fits-wide.nc").is_file()


def test_a_file_name_for_every_model_name():
    assert netcdf_name("idata") == "idata.nc"
    assert netcdf_name("traces[3]") == "traces-3.nc"
    assert netcdf_name("fits['pooled']") == "fits-pooled.nc"


def test_a_model_over_the_size_budget_is_one_line_at_its_cell():
    models = [
        {"model": "idata", "cell": 2, "netcdf": "idata.nc", "netcdf_bytes": 3 * 1024 * 1024},
        {"model": "small", "cell": 1, "netcdf": "small.nc", "netcdf_bytes": 1024},
    ]
    problems = size_problems("lessons/models.md", models, [10, 20], limit_mb=2)
    assert [str(problem) for problem in problems] == [
        "lessons/models.md:20: model 'idata' is 3.0 MB as netCDF (allowed: at most 2 MB, the "
        "download a lesson offers; keep fewer draws, or drop a group such as "
        "posterior_predictive, before the lesson ends)"
    ]
