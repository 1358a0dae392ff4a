"""sphinxext-opengraph's page metadata, without its social cards.

The site generates no social card images (``ogp_social_cards`` is off), yet sphinxext-opengraph
0.13 imports its card renderer, and with it Matplotlib and its font manager, as it loads: 1.5 s
of every build, a no-op rebuild included. This extension loads it with the renderer left out,
as the library itself runs where Matplotlib is missing; a page that draws a chart still imports
Matplotlib for itself.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

_RENDERER = "sphinxext.opengraph._social_cards"

logger = logging.getLogger(__name__)


def _load_without_renderer() -> None:
    if "sphinxext.opengraph" in sys.modules:
        return
    kept = sys.modules.get(_RENDERER)
    sys.modules[_RENDERER] = None  # type: ignore[assignment]  # the import then fails at once
    try:
        # it says on stdout that it will draw no cards, which is what the site asks of it
        with contextlib.redirect_stdout(io.StringIO()):
            import sphinxext.opengraph  # noqa: F401
    finally:
        if kept is None:
            del sys.modules[_RENDERER]
        else:
            sys.modules[_RENDERER] = kept


def _cards_stay_off(app: Sphinx, config: Config) -> None:
    cards = config.ogp_social_cards
    if isinstance(cards, dict) and cards.get("enable") is False:
        return
    conf_py = Path(app.confdir, "conf.py")
    try:
        lines = conf_py.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    # the last line that names it: the assignment that holds
    line = max((n for n, text in enumerate(lines, 1) if "ogp_social_cards" in text), default=0)
    logger.warning(
        f"ogp_social_cards is {cards!r}, but ose.sphinxext.opengraph loads sphinxext-opengraph "
        "without its card renderer, so no card would be drawn (allowed: {'enable': False}; to "
        "draw cards, list sphinxext.opengraph in extensions instead)",
        location=f"{conf_py}:{line}" if line else str(conf_py),
        type="ose",
        subtype="opengraph",
    )


def setup(app: Sphinx) -> dict[str, Any]:
    _load_without_renderer()
    app.setup_extension("sphinxext.opengraph")
    app.connect("config-inited", _cards_stay_off)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
