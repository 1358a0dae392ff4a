"""Run Sphinx's real builder with ``-W`` (warnings are errors) on a project."""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import sys
from collections.abc import Callable, Iterator
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
            with _blog_pages_kept(app):
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


@contextlib.contextmanager
def _blog_pages_kept(app: Any) -> Iterator[None]:
    """ablog writes its archive pages and feeds again at every build; the second build of an
    application changes no post (only the pages that list the bundles), so the first build's
    stand. Its ``html-collect-pages`` listeners are left out for the block."""
    listeners = app.events.listeners.get("html-collect-pages", [])
    blog = [
        item
        for item in listeners
        if (getattr(item.handler, "__module__", None) or "").split(".")[0] == "ablog"
    ]
    for item in blog:
        listeners.remove(item)
    try:
        yield
    finally:
        listeners.extend(blog)  # Sphinx orders listeners by priority as it calls them


def _report(handle: Callable[..., None], error: BaseException, app: object | None) -> int:
    """What ``sphinx-build`` says of an exception in Sphinx or an extension; its status."""
    handle(
        error,
        stderr=sys.stderr,
        message_log=getattr(app, "messagelog", ()),
        extensions=getattr(app, "extensions", {}).values(),
    )
    return 2


#: What an extension's ``setup`` imports beyond its module (myst-nb's Sphinx layer, and with it
#: jupyter-cache and SQLAlchemy: 0.9 s).
_SETUP_IMPORTS = {"myst_nb": ("myst_nb.sphinx_ext",)}


def preload(project: Project) -> None:
    """Import Sphinx, its HTML builder and the extensions and theme that conf.py names, ahead of
    the build: ``ose build`` does it while it waits for the lessons it runs, which takes the
    imports (1.5 s) off an edited lesson's rebuild. Only imports: a module that fails to import
    is left for Sphinx to report, as it would have."""
    names = ["sphinx.application", "sphinx.builders.html", *_named_modules(project.conf_py)]
    names += [late for name in names for late in _SETUP_IMPORTS.get(name, ())]
    for name in names:
        with contextlib.suppress(Exception):
            module = importlib.import_module(name)
            # what an extension imports late, when a page needs it, and a page that shows the
            # lessons' runs will (the metrics page draws their seconds with Matplotlib)
            for late in getattr(module, "PRELOAD_WHEN_LESSONS_RUN", ()):
                importlib.import_module(late)


def _named_modules(conf_py: Path) -> list[str]:
    """The modules of ``extensions`` and ``html_theme`` where conf.py sets them to literals."""
    try:
        tree = ast.parse(conf_py.read_bytes())
    except (OSError, SyntaxError, ValueError, MemoryError, RecursionError):
        return []  # Sphinx says what is wrong with it
    names: list[str] = []
    for statement in tree.body:
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            continue
        target = statement.targets[0]
        if not isinstance(target, ast.Name) or target.id not in ("extensions", "html_theme"):
            continue
        try:
            value = ast.literal_eval(statement.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue  # not a literal: Sphinx reads conf.py for itself
        values = [value] if isinstance(value, str) else value
        if isinstance(values, list | tuple):
            names += [name for name in values if isinstance(name, str)]
    return names
