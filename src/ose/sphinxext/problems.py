"""The one way the Sphinx layer reports a problem: a warning typed ``ose.<concern>``.

A typed warning can be silenced with ``suppress_warnings = ["ose.<concern>"]`` and fails a
``-W`` build otherwise. A :class:`~ose.core.problems.Problem` names a file relative to the project;
when that file is a page, the warning's location is ``(docname, line)``, which Sphinx prints as
the page's real path (handing it a path instead would come back mangled by ``doc2path``).

Sphinx's own warnings (an unknown directive, a missing image, an undefined label) are printed in
the same ``path:line: message [type]`` form as ours, with the path relative to the project:
:class:`ProjectRelativeWarnings` rewrites them on their way to the terminal.
"""

from __future__ import annotations

import logging as stdlib_logging
import os
from pathlib import Path
from typing import ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ose.core.problems import Problem

logger = logging.getLogger("ose")

#: Where a warning points: a page and a line, or a file that is not a page (``path:line``).
Location = tuple[str, int | None] | str | nodes.Node


def location_of(env: BuildEnvironment, path: str | Path, line: int = 0) -> Location:
    """The warning location of ``path`` (absolute, or relative to the project) at ``line``."""
    absolute = Path(env.srcdir, path)
    docname = env.path2doc(absolute)
    if docname is not None and docname in env.found_docs:
        return docname, line or None
    # not a page (a data file), or pages are not discovered yet: a location Sphinx keeps as is
    return f"{absolute}:{line}"


def warn_at(location: Location, message: str, concern: str) -> None:
    """Warn about ``message`` at ``location``, as a warning of type ``ose.<concern>``."""
    logger.warning(message, location=location, type="ose", subtype=concern)


def warn(env: BuildEnvironment, problem: Problem, concern: str) -> None:
    """Warn about ``problem`` at its file and line."""
    warn_at(location_of(env, problem.path, problem.line), problem.message, concern)


class ConcernDirective(SphinxDirective):
    """A directive of one concern: its warnings point at the directive and carry the type."""

    concern: ClassVar[str] = "site"

    def warn(self, message: str) -> None:
        warn_at((self.env.current_document.docname, self.lineno), message, self.concern)


class _PlainWarningRecord(stdlib_logging.LogRecord):
    """A warning printed as ``location: message``, without Sphinx's ``WARNING:`` word."""

    prefix = ""
    location: str | None = None

    def getMessage(self) -> str:
        message = super().getMessage()
        return f"{self.location}: {message}" if self.location else message


class ProjectRelativeWarnings(stdlib_logging.Filter):
    """Print every located warning as ``relative/path:line: message [type.subtype]``.

    It runs after Sphinx's own translator, which has turned ``(docname, line)`` or a node into
    ``/absolute/path:line``; a location outside the project keeps its absolute path."""

    def __init__(self, root: str | Path) -> None:
        super().__init__()
        self.root = os.path.abspath(root)
        self.printed: set[tuple[str, str]] = set()

    def filter(self, record: stdlib_logging.LogRecord) -> bool:
        location = getattr(record, "location", None)
        if not isinstance(location, str) or not location:
            return True
        path, colon, line = location.rpartition(":") if ":" in location else (location, "", "")
        if path.startswith(self.root + os.sep):
            path = os.path.relpath(path, self.root)
        record.location = f"{path}:{line}" if colon and line else path
        record.__class__ = _PlainWarningRecord
        # a page rendered in several places (a post in ablog's archives) warns once per place
        seen = (record.location, str(record.msg))
        if seen in self.printed:
            return False
        self.printed.add(seen)
        return True


def print_warnings_relative_to_project(app: Sphinx) -> None:
    """Add :class:`ProjectRelativeWarnings` to the handler that prints Sphinx's warnings."""
    for handler in stdlib_logging.getLogger(logging.NAMESPACE).handlers:
        if isinstance(handler, logging.WarningStreamHandler) and not any(
            isinstance(existing, ProjectRelativeWarnings) for existing in handler.filters
        ):
            handler.addFilter(ProjectRelativeWarnings(app.srcdir))
