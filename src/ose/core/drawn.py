"""A chart drawn once per content: its SVG and its alt text kept side by side, keyed by what it
was drawn from.

A page of charts is read again whenever any one of its figures changes (the metrics page at
every lesson that runs again), and each chart costs Matplotlib's import and a draw, about half
a second. A chart whose figures, drawing code and Matplotlib are what they were keeps its file.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ose.core.text import write_atomically

Figures = TypeVar("Figures")


def drawn(draw: Callable[[Figures, Path], str], figures: Figures, path: Path) -> str:
    """``draw(figures, path)``'s alt text, drawing the SVG at ``path`` only if the one there was
    not drawn from the same figures (a frozen dataclass, whose ``repr`` says all of it) by the
    same code. The key and the alt text are kept in ``<path>.json``."""
    key = _key(draw, figures)
    kept = path.with_name(path.name + ".json")
    try:
        seen = json.loads(kept.read_text(encoding="utf-8"))
        if seen["key"] == key and path.is_file() and isinstance(seen["alt"], str):
            return seen["alt"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    alt = draw(figures, path)
    write_atomically(kept, json.dumps({"key": key, "alt": alt}).encode())
    return alt


def _key(draw: Callable[..., str], figures: object) -> str:
    digest = hashlib.sha256(f"{draw.__module__}.{draw.__qualname__}\n{figures!r}\n".encode())
    source = inspect.getsourcefile(draw)
    if source is not None:
        digest.update(Path(source).read_bytes())
    digest.update(importlib.metadata.version("matplotlib").encode())
    return digest.hexdigest()
