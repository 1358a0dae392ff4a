"""Run Sphinx's real builder with ``-W`` (warnings are errors) on a project."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ose.environment import execution_cache_dir
from ose.project import Project


def run_sphinx(
    project: Project,
    builder: str,
    outdir: Path,
    doctrees: Path,
    overrides: dict[str, str] | None = None,
    then: Callable[[], bool] | None = None,
) -> int:
    """Build ``project`` with ``builder``; warnings and errors go to stderr; return the status,
    as ``sphinx-build -W -q`` does.

    myst-nb is given the very jupyter-cache the pre-executor filled: with ``--build-dir`` it
    could not find it from the source folder alone, and would execute every lesson again.

    ``then``: a step after a build without problems (the workshop bundles, made from the pages
    just written). When it says it changed what some pages show, the same Sphinx application
    builds once more, which writes just those pages: no second process, configuration or
    environment to load. Its exceptions are its caller's to handle.
    """
    from sphinx._cli.util.errors import handle_exception
    from sphinx.application import Sphinx
    from sphinx.util.console import disable_colour
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    if not sys.stderr.isatty():
        disable_colour()  # a log or a pipe gets plain `path:line: message` lines
    settings = {"nb_execution_cache_path": str(execution_cache_dir(project)), **(overrides or {})}
    app: Sphinx | None = None
    # Sphinx prints its own status lines; keep stdout for ours, let warnings reach stderr
    quiet = io.StringIO() if builder == "dummy" else sys.stdout
    with (
        contextlib.redirect_stdout(quiet),
        patch_docutils(project.root),
        docutils_namespace(),
    ):
        try:
            app = Sphinx(
                srcdir=project.root,
                confdir=project.root,
                outdir=outdir,
                doctreedir=doctrees,
                buildername=builder,
                confoverrides=settings,
                status=None,
                warning=sys.stderr,
                warningiserror=True,
            )
            assets = _page_assets(app)
            app.build()
        except (Exception, KeyboardInterrupt) as error:
            return _report(handle_exception, error, app)
        if app.statuscode or then is None or not then():  # then's exceptions: not Sphinx's
            return app.statuscode
        try:
            _page_assets(app, assets)
            app.build()
        except (Exception, KeyboardInterrupt) as error:
            return _report(handle_exception, error, app)
        return app.statuscode


def _page_assets(app: Any, saved: list[list[Any]] | None = None) -> list[list[Any]]:
    """The scripts and stylesheets every page gets, as the application started (or put back
    to ``saved``, before a second build). A page adds its own through the application
    (pydata-sphinx-theme names each page so), and the application and its HTML builder keep
    them: without this, every page of a second build would get every page's of the first."""
    lists = [app.registry.js_files, app.registry.css_files]
    if hasattr(app.builder, "_js_files"):
        lists += [app.builder._js_files, app.builder._css_files]
    if saved is not None:
        for current, kept in zip(lists, saved, strict=True):
            current[:] = kept
        # the ``?v=`` of an asset is remembered per process, and myst-nb writes its stylesheet
        # at the end of the first build: remembered as missing, it would lose its ``?v=``
        from sphinx.builders.html import _assets

        getattr(_assets._file_checksum_inner, "cache_clear", lambda: None)()
    return [list(items) for items in lists]


def _report(handle: Callable[..., None], error: BaseException, app: object | None) -> int:
    """What ``sphinx-build`` says of an exception in Sphinx or an extension; its status."""
    handle(
        error,
        stderr=sys.stderr,
        message_log=getattr(app, "messagelog", ()),
        extensions=getattr(app, "extensions", {}).values(),
    )
    return 2
