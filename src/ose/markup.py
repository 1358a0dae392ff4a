"""MyST settings shared by Sphinx (``conf.py``) and the notebook pre-executor.

The pre-executor must read a text notebook exactly as myst-nb does, or the cache keys differ and
Sphinx would execute the notebook again; so both read these settings from here.
"""

from __future__ import annotations

MYST_EXTENSIONS: list[str] = [
    "colon_fence",
    "deflist",
    "dollarmath",
    "amsmath",
    "fieldlist",
    "substitution",
    "attrs_inline",
    "attrs_block",
    "tasklist",
]
