"""The execution environment's fingerprint: what an executed output was verified against.

jupyter-cache keys a notebook on its code and kernelspec only, so an upgrade of PyMC would
serve stale outputs. The build therefore keeps one cache per environment: the folder name is a
hash of the lock file, the installed versions of the packages that compute a lesson's outputs
(which catches an environment that drifted from the lock), the Python version, the kernelspecs
and the device. Change any of them and every lesson executes again. Tooling that cannot change
an output (pytest, ruff, playwright) is left out, so the site and test environments share one
cache.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from ose.execution.hygiene import KERNEL_SETUP
from ose.kernels import KERNELS
from ose.project import Project

#: Packages whose versions each execution record names.
REPORTED_PACKAGES = ("pymc", "pytensor", "arviz", "numpy", "jax", "numpyro", "numba", "blackjax")

#: Packages whose installed version can change what a lesson computes or draws.
COMPUTING_PACKAGES = (
    *REPORTED_PACKAGES,
    "jaxlib",
    "scipy",
    "pandas",
    "xarray",
    "matplotlib",
    "ipykernel",
    "nbclient",
)


@functools.cache
def _installed(names: tuple[str, ...]) -> dict[str, str]:
    """Read once per process: each lookup scans site-packages (50 ms for these packages), and a
    build asks in every stage; the environment does not change under a running build."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


@functools.cache
def accelerator_name() -> str:
    """The GPU's name when an NVIDIA driver answers, else ``"cpu"``."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return "cpu"
    try:
        out = subprocess.run(
            [smi, "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "cpu"
    return out.splitlines()[0].strip() if out else "cpu"


def package_versions() -> dict[str, str]:
    """Versions of the packages an execution record reports (absent ones are left out)."""
    return {"python": platform.python_version(), **_installed(REPORTED_PACKAGES)}


def environment_fingerprint(project: Project) -> dict[str, object]:
    """Everything that can change what a lesson outputs, apart from its own code."""
    lock = project.lock_file
    return {
        "lock_sha256": hashlib.sha256(lock.read_bytes()).hexdigest() if lock else None,
        "packages": dict(_installed(COMPUTING_PACKAGES)),
        "python": sys.version,
        "platform": platform.machine(),
        "kernels": {name: kernel.spec("python") for name, kernel in sorted(KERNELS.items())},
        "device": accelerator_name(),
        # what every kernel runs before a lesson's first cell (it shapes the lesson's outputs)
        "kernel_setup": hashlib.sha256(KERNEL_SETUP.encode()).hexdigest(),
    }


def environment_key(project: Project) -> str:
    blob = json.dumps(environment_fingerprint(project), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def execution_cache_dir(project: Project) -> Path:
    """The jupyter-cache that both the pre-executor and myst-nb use, for this environment."""
    return project.cache_dir / "jupyter" / environment_key(project)
