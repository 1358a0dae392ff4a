"""Check that this computer is ready for the workshop: run ``python check_setup.py``.

It compares the Python and the installed packages with the versions this workshop was built and
tested with (``pins.json``, beside this file), then samples a tiny model. Each item prints one
line, PASS or FAIL; the exit status is 1 when any item fails. This file ships inside the
workshop bundles as it is: it needs nothing but the standard library and the pinned packages.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata
from pathlib import Path

PINS = Path(__file__).resolve().parent / "pins.json"
FIX = "install the pinned environment: python -m pip install --require-hashes -r requirements.txt"


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def check_python(required: str) -> tuple[bool, str]:
    """``required`` is the lock's ``requires-python``, e.g. ``>=3.11``."""
    running = ".".join(map(str, sys.version_info[:3]))
    match = re.fullmatch(r">=\s*([\d.]+)", required.strip())
    if match and sys.version_info[:3] < _release(match.group(1)):
        return False, f"python {running} is older than {required} (install Python {required})"
    return True, f"python {running} ({required})"


def pinned_version(choices: list[dict[str, str]]) -> str:
    """The version pinned for this Python and platform: the lock may pin one per Python
    version, each with its environment marker (PEP 508)."""
    for choice in choices:
        marker = choice.get("marker", "")
        if not marker:
            return choice["version"]
        from packaging.markers import Marker  # part of the pinned environment

        if Marker(marker).evaluate():
            return choice["version"]
    return " or ".join(choice["version"] for choice in choices)


def check_package(name: str, choices: list[dict[str, str]]) -> tuple[bool, str]:
    try:
        pinned = pinned_version(choices)
    except ImportError:
        return False, f"{name}: the packaging module is missing ({FIX})"
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        return False, f"{name} is not installed, pinned {pinned} ({FIX})"
    if installed != pinned:
        return False, f"{name} {installed} is installed, pinned {pinned} ({FIX})"
    return True, f"{name} {installed}"


def check_sampling() -> tuple[bool, str]:
    """A two-parameter model, sampled briefly: the compiler and the sampler both work."""
    try:
        import logging

        import numpy as np
        import pymc as pm

        logging.getLogger("pymc").setLevel(logging.ERROR)

        with pm.Model():
            mu = pm.Normal("mu", 0, 1)
            sigma = pm.HalfNormal("sigma", 1)
            pm.Normal("y", mu, sigma, observed=np.array([0.1, -0.3, 0.4, 0.2]))
            idata = pm.sample(
                draws=200,
                tune=200,
                chains=1,
                cores=1,
                progressbar=False,
                random_seed=1,
                compute_convergence_checks=False,
            )
        draws = idata.posterior["mu"].values
        if not np.isfinite(draws).all():
            return False, "sampling a tiny model gave non-finite draws"
        return True, f"sampled a tiny model (mean of mu {draws.mean():.2f})"
    except Exception as error:  # any failure is the finding, reported in one line
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return False, f"sampling a tiny model failed: {type(error).__name__}: {first}"


def main() -> int:
    try:
        pins = json.loads(PINS.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"FAIL pins.json cannot be read ({error})")
        return 1
    results = [check_python(pins.get("python", ">=3"))]
    results += [check_package(name, choices) for name, choices in pins["packages"].items()]
    for ok, line in results:
        print(f"{'PASS' if ok else 'FAIL'} {line}", flush=True)
    ok, line = check_sampling()
    print(f"{'PASS' if ok else 'FAIL'} {line}")
    return 0 if ok and all(passed for passed, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
