"""The one way the Sphinx layer reports a problem: a warning typed ``ose.<concern>``.

A typed warning can be silenced with ``suppress_warnings = ["ose.<concern>"]`` and fails a
``-W`` build otherwise. A :class:`~ose.core.problems.Problem` names a file relative to the project;
when that file is a page, the warning's location is ``(docname, line)``, which Sphinx prints as
the page's real path (handing it a path instead would come back mangled by ``doc2path``).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ose.core.problems import Problem

logger = logging.getLogger("ose")

#: Where a warning points: a page and a line, or a file that is not a page (``path:line``).
Location = tuple[str, int | None] | str


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
