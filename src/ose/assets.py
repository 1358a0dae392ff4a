"""Which stylesheets and scripts a page uses, so that it loads no other.

Sphinx adds every extension's CSS and JavaScript to every page. A page uses a stylesheet only if
some class its rules select is on the page, and a script only if what it works on is there (the
code blocks a copy button is added to, the tab sets of sphinx-design). This module says which
classes each asset needs; the Sphinx layer (``sphinxext/assets.py``) drops, page by page, the
assets whose classes are absent.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from ose.core.text import read_text

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
#: A selector list: the text before a ``{`` that no ``;`` or ``}`` separates from it.
_SELECTORS = re.compile(r"([^{};]+)\{")
_CLASS_IN_SELECTOR = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_CLASS_ATTRIBUTE = re.compile(r'\bclass="([^"]*)"')


@dataclass(frozen=True)
class AssetNeed:
    """An asset (a file name pattern) and the class prefixes of which one must be on a page."""

    pattern: str
    prefixes: tuple[str, ...]

    def matches(self, filename: str) -> bool:
        return fnmatch.fnmatch(filename.rsplit("/", 1)[-1], self.pattern)

    def used_by(self, classes: frozenset[str]) -> bool:
        return any(name.startswith(self.prefixes) for name in classes)


#: Other packages' assets, and the markup they act on.
THIRD_PARTY = (
    AssetNeed("sphinx-design.min.css", ("sd-",)),
    AssetNeed("design-tabs.js", ("sd-tab-set",)),
    AssetNeed("mystnb.*.css", ("cell", "output")),
    AssetNeed("copybutton.css", ("highlight",)),
    AssetNeed("copybutton.js", ("highlight",)),
    AssetNeed("clipboard.min.js", ("highlight",)),
)


def stylesheet_classes(text: str) -> frozenset[str]:
    """Every class a stylesheet's selectors name (at-rule preludes have none)."""
    found: set[str] = set()
    for selectors in _SELECTORS.findall(_COMMENT.sub("", text)):
        if not selectors.strip().startswith("@"):
            found.update(_CLASS_IN_SELECTOR.findall(selectors))
    return frozenset(found)


def own_stylesheet_needs(folder: Path) -> tuple[AssetNeed, ...]:
    """One need per stylesheet of ``folder``: any of the classes its rules select."""
    return tuple(
        AssetNeed(path.name, tuple(sorted(stylesheet_classes(read_text(path)))))
        for path in sorted(folder.glob("*.css"))
    )


def page_classes(html: str) -> frozenset[str]:
    """Every class used in ``html``."""
    return frozenset(
        name for value in _CLASS_ATTRIBUTE.findall(html) for name in value.split() if name
    )


def unused(filename: str, classes: frozenset[str], needs: tuple[AssetNeed, ...]) -> bool:
    """Whether an asset has a need that the page's classes do not meet (unknown assets are
    kept: a page loads what nothing says it can do without)."""
    need = next((need for need in needs if need.matches(filename)), None)
    return need is not None and not need.used_by(classes)
