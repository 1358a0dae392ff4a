"""The two Jupyter kernels that lessons run in, registered by the build itself.

``pymc-cpu`` runs PyTensor's default C backend; ``pymc-jax`` compiles PyTensor graphs with JAX
and samples with numpyro. Both live in this environment (``sys.prefix``), point at this
interpreter by absolute path, and keep their compile caches under ``_build/cache`` through
``${OSE_CACHE_DIR}``, which jupyter_client substitutes from the build's environment at launch.
"""

from __future__ import annotations

import ctypes.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: The variable that locates the caches; set by the build before any kernel starts.
CACHE_DIR_VARIABLE = "OSE_CACHE_DIR"


@dataclass(frozen=True)
class KernelDefinition:
    """One kernelspec: its name, what it is for, and the environment it adds."""

    name: str
    display_name: str
    accelerator: str
    env: dict[str, str] = field(default_factory=dict)

    def spec(self, python: str = sys.executable) -> dict[str, object]:
        """The ``kernel.json`` content."""
        return {
            "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": self.display_name,
            "language": "python",
            "env": dict(self.env),
            "metadata": {"ose": {"accelerator": self.accelerator}},
        }


_CACHE = "${" + CACHE_DIR_VARIABLE + "}"


def _blas_flag() -> str:
    """PyTensor links a system BLAS when it finds one (Debian: libopenblas-dev). Without one
    it falls back to NumPy's routines and says so in every lesson's output; saying
    ``blas__ldflags=`` chooses that same fallback without the warning on the page."""
    if any(ctypes.util.find_library(name) for name in ("openblas", "blas", "mkl_rt")):
        return ""
    return ",blas__ldflags="


_BLAS = _blas_flag()

#: Lessons run in parallel, one kernel per core: a kernel's BLAS must not start a thread per
#: core as well (measured: a GP gradient 5x slower on two busy cores with the default).
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

KERNELS: dict[str, KernelDefinition] = {
    kernel.name: kernel
    for kernel in (
        KernelDefinition(
            name="pymc-cpu",
            display_name="PyMC (CPU, C backend)",
            accelerator="cpu",
            env={
                "PYTENSOR_FLAGS": f"base_compiledir={_CACHE}/pytensor{_BLAS}",
                # a lesson may compare backends and compile with mode="JAX" in this kernel too
                "JAX_COMPILATION_CACHE_DIR": f"{_CACHE}/jax",
                "MPLBACKEND": "module://matplotlib_inline.backend_inline",
                **_ONE_THREAD,
            },
        ),
        KernelDefinition(
            name="pymc-jax",
            display_name="PyMC (JAX backend, numpyro)",
            accelerator="gpu",
            env={
                "PYTENSOR_FLAGS": f"mode=JAX,base_compiledir={_CACHE}/pytensor{_BLAS}",
                "JAX_COMPILATION_CACHE_DIR": f"{_CACHE}/jax",
                # a GPU kernel must not take 75% of the card from a concurrent lesson
                "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
                "MPLBACKEND": "module://matplotlib_inline.backend_inline",
                **_ONE_THREAD,
            },
        ),
    )
}


def kernelspec_dir(name: str, prefix: str = sys.prefix) -> Path:
    return Path(prefix) / "share" / "jupyter" / "kernels" / name


def ensure_kernels(prefix: str = sys.prefix, python: str = sys.executable) -> list[str]:
    """Register (or refresh) every kernelspec; return the names that were (re)written."""
    written = []
    for kernel in KERNELS.values():
        target = kernelspec_dir(kernel.name, prefix) / "kernel.json"
        content = json.dumps(kernel.spec(python), indent=2, sort_keys=True) + "\n"
        if target.is_file() and target.read_text(encoding="utf-8") == content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written.append(kernel.name)
    return written
