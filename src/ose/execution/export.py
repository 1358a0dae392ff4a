"""A lesson's executed notebook, as published next to its page for download, Colab and Binder.

The outputs come from the jupyter-cache the runner filled (the same one myst-nb reads), merged
into the lesson's text notebook; not from myst-nb's ``jupyter_execute`` copy, whose stream
outputs myst-nb duplicates when it merges them for display. Streams are merged here the same way
on a fresh copy, so that the download shows what the page shows.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from ose.core.text import file_version, write_atomically
from ose.execution.notebooks import read_notebook

#: The kernel a published notebook names, so that it opens in Colab, Binder or a learner's own
#: Jupyter; the kernel the site ran it in is kept under ``metadata.ose``.
PUBLISHED_KERNELSPEC = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}


def executed_notebook(cache_path: Path | None, source: Path) -> dict[str, Any] | None:
    """The text notebook ``source`` merged with its outputs in the cache; None if not cached.

    Each caller gets a copy of its own to change."""
    if cache_path is None or not cache_path.is_dir():
        return None
    try:
        key = (file_version(source), file_version(_cached_copy(cache_path, source)))
    except OSError:  # unreadable, or not cached: _merged says which
        return _merged(cache_path, source)
    return copy.deepcopy(_merged_once(cache_path, source, key))


def _cached_copy(cache_path: Path, source: Path) -> Path:
    """The file in which jupyter-cache keeps the executed copy of ``source``'s code. Reading a
    cached notebook marks it used in the cache's database, so the database's own version
    changes at every read and cannot key what was read."""
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_path))
    _, hashkey = cache.create_hashed_notebook(read_notebook(source))
    return cache._get_notebook_path_cache(hashkey)  # jupyter-cache 1.0 has no public name for it


@functools.lru_cache(maxsize=1024)
def _merged_once(cache_path: Path, source: Path, _versions: tuple[Any, ...]) -> Any:
    """Once per version of the lesson and of its cached outputs: a build merges each lesson for
    its page's download and again for each bundle that holds it."""
    return _merged(cache_path, source)


def _merged(cache_path: Path, source: Path) -> dict[str, Any] | None:
    from jupyter_cache import get_cache
    from myst_nb.core.utils import coalesce_streams

    try:
        _, notebook = get_cache(str(cache_path)).merge_match_into_notebook(read_notebook(source))
    except KeyError:
        return None
    for index, cell in enumerate(notebook.cells):
        # nbformat draws each cell's id at random when the text notebook is read: number them,
        # so that the same lesson gives the same file at every build
        cell.id = f"cell-{index}"
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    notebook.metadata.pop("source_map", None)
    return json.loads(json.dumps(notebook))


def published_notebook(
    cache_path: Path | None, source: Path, provenance: dict[str, Any]
) -> dict[str, Any] | None:
    """The executed notebook with a generic kernel, and ``provenance`` under ``metadata.ose``."""
    notebook = executed_notebook(cache_path, source)
    if notebook is None:
        return None
    metadata = notebook.setdefault("metadata", {})
    metadata["ose"] = provenance
    metadata["kernelspec"] = dict(PUBLISHED_KERNELSPEC)
    return notebook


def write_notebook(target: Path, notebook: dict[str, Any]) -> None:
    """Write ``notebook`` to ``target`` in one rename (a reader never sees half a file)."""
    write_atomically(target, (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode())
