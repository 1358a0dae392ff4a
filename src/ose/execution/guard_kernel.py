"""The convergence guard's half that runs inside a lesson's kernel.

:mod:`ose.execution.guard` sends this file's text to the kernel before the first cell, where it
is executed in a namespace of its own (its imports never appear in the lesson's), and
:func:`install` is called with the lesson's namespace. After every code cell the runner calls
``_ose_guard_track(n)``, which notes the cell after which each model first appeared; after the
last cell, ``_ose_guard()`` prints every model's figures as JSON. It needs nothing beyond the
standard library until a lesson imports ArviZ. The build imports it only in tests, to call
:func:`find_models` on a plain dict.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import weakref
from collections.abc import Callable
from typing import Any

#: Items looked at in one container, and in one scan of the namespace: a lesson's list of ten
#: posteriors is found, a list of a million numbers does not slow every cell down.
CONTAINER_LIMIT = 10_000
SCAN_BUDGET = 200_000


def find_models(
    namespace: dict[str, Any], hidden: dict[str, Any] | None = None
) -> list[tuple[str, Any]]:
    """``(name, object)`` for every InferenceData with a posterior and sample stats bound to a
    public name, or held in a list, tuple or dict bound to one, down to two levels
    (``traces[3]``, ``fits['pooled']``, ``runs['a'][0]``). Plain names come first."""
    arviz = sys.modules.get("arviz")
    if arviz is None:
        return []
    kind = arviz.InferenceData
    hidden = hidden or {}
    budget = [SCAN_BUDGET]
    found: list[tuple[int, str, Any]] = []

    def items(value: Any) -> list[tuple[str, Any]]:
        if isinstance(value, dict):
            pairs = [(f"[{key!r}]", item) for key, item in list(value.items())]
        elif isinstance(value, (list, tuple)):
            pairs = [(f"[{index}]", item) for index, item in enumerate(value)]
        else:
            return []
        if len(pairs) > CONTAINER_LIMIT or len(pairs) > budget[0]:
            return []
        budget[0] -= len(pairs)
        return pairs

    def visit(name: str, value: Any, depth: int) -> None:
        if isinstance(value, kind):
            groups = value.groups()
            if "posterior" in groups and "sample_stats" in groups:
                found.append((depth, name, value))
        elif depth < 2:
            for suffix, item in items(value):
                visit(name + suffix, item, depth + 1)

    for name, value in list(namespace.items()):
        if name.startswith("_") or (name in hidden and hidden[name] is value):
            continue
        visit(name, value, 0)
    found.sort(key=lambda entry: entry[0])
    return [(name, value) for _, name, value in found]


def worst(dataset: Any, pick: Callable[[list[float]], float]) -> dict[str, float]:
    """The worst finite value of each variable of an ArviZ diagnostic dataset."""
    worst = {}
    for var in dataset.data_vars:
        numbers = [float(v) for v in dataset[var].values.ravel()]
        numbers = [v for v in numbers if not math.isnan(v)]
        if numbers:
            worst[str(var)] = pick(numbers)
    return worst


def figures(value: Any) -> dict[str, Any]:
    """One model's figures: per parameter its largest r_hat and smallest bulk ESS; overall the
    extremes and the number of divergences."""
    import arviz

    r_hat = worst(arviz.rhat(value.posterior), max)
    ess = worst(arviz.ess(value.posterior, method="bulk"), min)
    stats = value.sample_stats
    parameters = {
        var: {"r_hat": r_hat.get(var), "ess_bulk": ess.get(var)} for var in {**r_hat, **ess}
    }
    return {
        "max_r_hat": max(r_hat.values()) if r_hat else None,
        "min_ess_bulk": min(ess.values()) if ess else None,
        "divergences": int(stats["diverging"].sum()) if "diverging" in stats else 0,
        "parameters": dict(sorted(parameters.items())),
    }


#: The environment variable naming the folder where the report saves each model as netCDF.
INFERENCEDATA_DIR = "OSE_INFERENCEDATA_DIR"


def netcdf_name(model: str) -> str:
    """A file name for a model's name: ``idata.nc``, ``traces-3.nc``, ``fits-pooled.nc``."""
    return (re.sub(r"[^A-Za-z0-9_]+", "-", model).strip("-") or "model") + ".nc"


def save_netcdf(value: Any, model: str, folder: str) -> dict[str, Any]:
    """Save one InferenceData in ``folder``; return its file and size, or why it could not be."""
    path = os.path.join(folder, netcdf_name(model))
    try:
        os.makedirs(folder, exist_ok=True)
        value.to_netcdf(path)
    except Exception as error:  # a group netCDF cannot hold: say so, do not fail the lesson
        return {"netcdf_error": f"{type(error).__name__}: {error}"[:200]}
    return {"netcdf": os.path.basename(path), "netcdf_bytes": os.path.getsize(path)}


def install(namespace: dict[str, Any], marker: str, backends: tuple[str, ...]) -> None:
    """Bind ``_ose_guard_track`` in ``namespace``, which the runner calls with a code cell's
    number after that cell, to note where each model first appeared; and ``_ose_guard``, which
    prints every model's figures after ``marker``."""
    try:
        from IPython import get_ipython
    except ImportError:
        shell = None
    else:
        shell = get_ipython()
    #: IPython's own names (``Out`` holds every cell's result): never a lesson's model
    hidden = dict(getattr(shell, "user_ns_hidden", {}) or {})
    created: dict[int, tuple[Any, int]] = {}

    def seen(value: Any) -> tuple[Any, int] | None:
        entry = created.get(id(value))
        if entry is None:
            return None
        alive = entry[0]() if isinstance(entry[0], weakref.ref) else entry[0]
        return entry if alive is value else None

    def track(cell: int) -> None:
        for _, value in find_models(namespace, hidden):
            if seen(value) is None:
                try:
                    reference: Any = weakref.ref(value)
                except TypeError:
                    reference = value
                created[id(value)] = (reference, cell)

    def report() -> None:
        models: dict[int, dict[str, Any]] = {}
        objects: dict[int, Any] = {}
        for name, value in find_models(namespace, hidden):
            key = id(value)
            objects[key] = value
            if key in models:
                models[key]["aliases"].append(name)
                continue
            entry = seen(value)
            models[key] = {
                "model": name,
                "aliases": [],
                "cell": entry[1] if entry else None,
                **figures(value),
            }
        modules = [name for name in backends if name in sys.modules]
        folder = os.environ.get(INFERENCEDATA_DIR)
        if folder:
            for key, entry in models.items():
                entry.update(save_netcdf(objects[key], entry["model"], folder))
        print(marker + json.dumps({"models": list(models.values()), "modules": modules}))

    namespace["_ose_guard_track"] = track
    namespace["_ose_guard"] = report
