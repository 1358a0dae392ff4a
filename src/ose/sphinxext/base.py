"""What every extension of the site shares: the ``ose`` domain, the static and templates folders,
the metadata.

Each extension calls ``app.setup_extension("ose.sphinxext.base")`` (Sphinx sets an extension up
once) and returns :func:`metadata` from its ``setup()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

import ose
from ose.sphinxext.problems import print_warnings_relative_to_project, warn
from ose.sphinxext.state import OseDomain, ose_state

#: The one folder of CSS, JavaScript and vendored files shipped into every site's ``_static/``.
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

#: Templates that override the theme's and ablog's (templates_path, searched before theirs).
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

#: Raise it when the doctrees or the domain data the extensions write change shape: Sphinx then
#: reads every page again instead of mixing pages written by two versions of the code.
ENV_VERSION = 2


def metadata() -> dict[str, Any]:
    """The ``setup()`` result of every extension of the site."""
    return {
        "version": ose.__version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def _add_static_dir(app: Sphinx, config: Config) -> None:
    if str(STATIC_DIR) not in map(str, config.html_static_path):
        config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]


def _add_templates_dir(app: Sphinx, config: Config) -> None:
    if str(TEMPLATES_DIR) not in map(str, config.templates_path):
        config.templates_path = [str(TEMPLATES_DIR), *config.templates_path]


def _warn_data_problems(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Warn about what the concerns found in their data files, once pages are discovered (a
    problem in a page then points at the page, whether or not it is read again)."""
    for concern, problems in ose_state(env).take_problems().items():
        for problem in problems:
            warn(env, problem, concern)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_domain(OseDomain)
    print_warnings_relative_to_project(app)
    app.connect("config-inited", _add_static_dir)
    app.connect("config-inited", _add_templates_dir)
    app.connect("env-before-read-docs", _warn_data_problems)
    return metadata()
