"""Each page loads only the stylesheets and scripts it uses (see :mod:`ose.assets`).

Runs last at ``html-page-context``, when every extension has added its files: from the page's
own body, it drops the assets no element of the page needs. Pages without a body of their own
(search, the index) keep everything.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from ose.assets import THIRD_PARTY, AssetNeed, own_stylesheet_needs, page_classes, unused
from ose.sphinxext.base import STATIC_DIR, metadata

NEEDS: tuple[AssetNeed, ...] = ()


def _read_needs(app: Sphinx) -> None:
    global NEEDS
    NEEDS = own_stylesheet_needs(STATIC_DIR) + THIRD_PARTY


def _only_used_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body")
    if doctree is None or not body:
        return
    classes = page_classes(body)
    for key in ("css_files", "script_files"):
        assets = context.get(key)
        if isinstance(assets, list):
            context[key] = [a for a in assets if not unused(a.filename, classes, NEEDS)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.connect("builder-inited", _read_needs)
    app.connect("html-page-context", _only_used_assets, priority=900)
    return metadata()
