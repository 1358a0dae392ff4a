"""Lessons side by side share PyTensor's compile cache without waiting on each other.

Two lessons that run at once share one compile cache (``${OSE_CACHE_DIR}/pytensor``), so a
module one compiles the other loads. PyTensor keeps that cache consistent with one lock, which
it also holds while gcc compiles: measured on a 2-core machine like CI's, first-model and
regression side by side each waited 6 to 17 s of 34 to 45 s for it, and the pair took 42 to 49 s
against 59 to 67 s one after the other. With the kernel half
(:mod:`ose.execution.compile_cache_kernel`) compiling outside the lock, the pair took 29 to 32
s, each lesson about its time alone.

:data:`COMPILE_SETUP` runs silently before the lesson's first cell. It is not part of the
environment's fingerprint: where a module is compiled changes no output.
"""

from __future__ import annotations

from pathlib import Path

_KERNEL_HALF = (Path(__file__).parent / "compile_cache_kernel.py").read_text(encoding="utf-8")

COMPILE_SETUP = f"""
def _ose_compile_setup():
    module = {{"__name__": "ose_compile_cache_kernel"}}
    exec(compile({_KERNEL_HALF!r}, "<ose compile cache>", "exec"), module)
    module["install"]()
_ose_compile_setup()
del _ose_compile_setup
"""
