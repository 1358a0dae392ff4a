"""PyTensor's compile cache without its wait: the half that runs in a lesson's kernel.

PyTensor holds one lock on its compile directory while gcc compiles a module into it, so two
lessons that share the cache compile one module at a time, and the second core idles. Here a
module is compiled in a folder of its own without the lock; the lock is held only to make that
folder and to enter the module in the cache's index. If another kernel entered the same module
meanwhile, its copy is used and this one is marked ``delete.me`` for PyTensor's own clean-up
(PyTensor already allows two copies of a module, made by processes side by side).

:mod:`ose.execution.compile_cache` sends this file's text to the kernel before the first cell;
:func:`install` applies :func:`unlock` when the lesson imports ``pytensor.link.c.basic`` (at
once if it already has). Where PyTensor's cache no longer has what this relies on,
:func:`unlock` changes nothing: PyTensor keeps its lock, and lessons are only slower side by
side. It imports nothing but the standard library until PyTensor is imported.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

#: The module whose import applies :func:`unlock`: it holds the lock around gcc, and imports the
#: cache and the lock's module.
TRIGGER = "pytensor.link.c.basic"
#: What :func:`unlock` needs of ``pytensor.link.c.cmodule``, of its ``ModuleCache`` and of
#: ``pytensor.link.c.basic``.
_CMODULE_NEEDS = ("get_module_hash", "dlimport_workdir", "_rmtree")
_CACHE_NEEDS = ("module_from_key", "_get_from_key", "_get_from_hash", "_add_to_cache", "refresh")
#: A file in a folder being compiled into: PyTensor's clean-up removes empty folders.
_COMPILING = "ose-compiling"


def unlock(basic: Any) -> bool:
    """Compile outside the lock from now on in this process; whether it could."""
    cmodule = sys.modules.get("pytensor.link.c.cmodule")
    compilelock = sys.modules.get("pytensor.compile.compilelock")
    if cmodule is None or compilelock is None:
        return False
    cache = getattr(cmodule, "ModuleCache", None)
    locked = getattr(compilelock, "lock_ctx", None)
    if (
        cache is None
        or getattr(basic, "lock_ctx", None) is not locked
        or not all(hasattr(cmodule, name) for name in _CMODULE_NEEDS)
        or not all(hasattr(cache, name) for name in _CACHE_NEEDS)
    ):
        return False
    outside = threading.local()

    @contextlib.contextmanager
    def compile_lock(*args: Any, **kwargs: Any) -> Iterator[None]:
        # CLinker.compile_cmodule's lock around gcc: not while module_from_key compiles
        if getattr(outside, "compiling", False):
            yield
        else:
            with locked(*args, **kwargs):
                yield

    def module_from_key(self: Any, key: Any, lnk: Any) -> Any:
        module = self._get_from_key(key)
        if module is not None:
            return module
        module_hash = cmodule.get_module_hash(lnk.get_src_code(), key)
        module = self._get_from_hash(module_hash, key)
        if module is not None:
            return module
        with locked():
            location = cmodule.dlimport_workdir(self.dirname)
            marker = os.path.join(location, _COMPILING)
            open(marker, "w").close()
        outside.compiling = True
        try:
            module = lnk.compile_cmodule(location)
        except BaseException:
            cmodule._rmtree(location, ignore_if_missing=True, msg="exception during compilation")
            raise
        finally:
            outside.compiling = False
        os.remove(marker)
        with locked():
            self.refresh(cleanup=False)
            entered = self._get_from_key(key) or self._get_from_hash(module_hash, key)
            if entered is not None:  # another kernel compiled it meanwhile
                open(os.path.join(location, "delete.me"), "w").close()
                return entered
            self.module_from_name[module.__file__] = module
            self.module_hash_to_key_data[module_hash] = self._add_to_cache(module, key, module_hash)
        self.stats[2] += 1
        return module

    cache.module_from_key = module_from_key
    basic.lock_ctx = compile_lock
    return True


class _AfterImport:
    """A finder that calls ``then(module)`` once ``name`` has been imported, and leaves."""

    def __init__(self, name: str, then: Callable[[Any], object]) -> None:
        self.name, self.then = name, then

    def find_spec(self, name: str, path: object, target: object = None) -> Any:
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            load(module)
            self.then(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """:func:`unlock` now if the lesson's kernel has PyTensor's C linker, else on its import."""
    if TRIGGER in sys.modules:
        unlock(sys.modules[TRIGGER])
    else:
        sys.meta_path.insert(0, _AfterImport(TRIGGER, unlock))
