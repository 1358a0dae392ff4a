"""Site-wide Sphinx settings that belong to the tooling rather than to ``conf.py``.

Points myst-nb at the environment's jupyter-cache (the same one the pre-executor filled), and
makes the tooling's own code part of the configuration, so that a change to an extension
re-reads every page instead of leaving pages rendered by the old code. Sets up the accessibility
fixes to the theme's and pandas' markup (:mod:`ose.sphinxext.accessibility`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from ose.environment import execution_cache_dir
from ose.kernels import CACHE_DIR_VARIABLE
from ose.project import Project
from ose.sphinxext.base import STATIC_DIR, metadata

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _configure(app: Sphinx, config: Config) -> None:
    # the Foundation's mark, so that no browser asks for a missing /favicon.ico
    config.html_favicon = config.html_favicon or str(STATIC_DIR / "favicon.svg")
    config.html_logo = config.html_logo or str(STATIC_DIR / "favicon.svg")
    project = Project.at(app.srcdir)
    # a direct sphinx-build (no ose) still finds the caches under _build/
    os.environ.setdefault(CACHE_DIR_VARIABLE, str(project.cache_dir))
    if not config.nb_execution_cache_path:
        config.nb_execution_cache_path = str(execution_cache_dir(project))


def code_fingerprint() -> str:
    """A hash of the package's Python sources and templates (not the vendored static files)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in {".py", ".html", ".css", ".js", ".jinja"} and "static" not in path.parts:
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.setup_extension("ose.sphinxext.accessibility")
    app.add_config_value("ose_code_fingerprint", code_fingerprint(), "env", types=frozenset({str}))
    app.connect("config-inited", _configure)
    return metadata()
