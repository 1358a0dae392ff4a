"""Site-wide Sphinx settings that belong to the tooling rather than to ``conf.py``.

Ships the vendored MathJax (so no page asks another host for it) and points myst-nb at the
environment's jupyter-cache, the same one the pre-executor filled.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from ose.environment import execution_cache_dir
from ose.kernels import CACHE_DIR_VARIABLE
from ose.project import Project

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
MATHJAX_PATH = "mathjax/tex-svg-full.js"


def _configure(app: Sphinx, config: Config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]
    if not config.mathjax_path or "://" in config.mathjax_path:
        config.mathjax_path = MATHJAX_PATH
    project = Project.at(app.srcdir)
    # a direct sphinx-build (no ose) still finds the caches under _build/
    os.environ.setdefault(CACHE_DIR_VARIABLE, str(project.cache_dir))
    if not config.nb_execution_cache_path:
        config.nb_execution_cache_path = str(execution_cache_dir(project))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _configure)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
