"""What the extensions keep in the build environment: the ``ose`` domain's data.

Sphinx pickles a domain's data with the environment, clears a page's entries before the page is
read again (:meth:`OseDomain.clear_doc`) and merges what parallel readers found
(:meth:`OseDomain.merge_domaindata`), which is what lets every extension declare
``parallel_read_safe``. Three kinds of state live here:

- **facts**: what a concern's data files say (the curriculum, the roster, the records), read
  once per build at ``builder-inited`` and only read afterwards;
- **pages**: which pages show what (the pages holding an execution report, the pages read on a
  given build date), per page, so that they can be refreshed when the facts change;
- **stamps**: values kept from one build to the next to notice a change (the records' content,
  the list of courses);
- **shown facts**: which facts of another source a page shows (a lesson's front matter, its
  exercises), so that editing that source elsewhere does not make Sphinx read the page again.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any, ClassVar, cast

from docutils import nodes
from docutils.nodes import Element
from sphinx.addnodes import pending_xref
from sphinx.builders import Builder
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment

from ose.core.problems import Problem

#: The ``pages`` kind of shown facts: docname -> the keys of the facts it shows.
SHOWN = "shown-facts"


class OseDomain(Domain):
    """The site's state (no directives or roles: each concern registers its own)."""

    name = "ose"
    label = "PyMC Foundation site"
    data_version = 1
    initial_data: ClassVar[dict[str, Any]] = {
        "facts": {},  # concern -> what its data files say, read once per build
        "problems": {},  # concern -> problems found reading them, warned once pages are known
        "pages": {},  # kind -> {docname: value}
        "stamps": {},  # name -> value from the previous build
    }

    # -- facts: set once per build, read by directives and hooks

    def set_facts(self, concern: str, facts: Any, problems: list[Problem] | None = None) -> None:
        self.data["facts"][concern] = facts
        self.data["problems"][concern] = list(problems or [])

    def facts(self, concern: str, default: Any = None) -> Any:
        return self.data["facts"].get(concern, default)

    def take_problems(self) -> dict[str, list[Problem]]:
        """The problems found since the last call, by concern (each is warned once)."""
        problems = self.data["problems"]
        self.data["problems"] = {}
        return problems

    # -- pages: per docname, cleared when the page is read again

    def note_page(self, kind: str, docname: str, value: Any = True) -> None:
        self.data["pages"].setdefault(kind, {})[docname] = value

    def pages(self, kind: str) -> dict[str, Any]:
        return self.data["pages"].get(kind, {})

    # -- shown facts: finer than a dependency on the file they come from

    def note_shown(self, docname: str, *keys: str) -> None:
        """``docname`` shows the facts named ``keys`` (``lesson:<path>``, ...)."""
        self.data["pages"].setdefault(SHOWN, {}).setdefault(docname, set()).update(keys)

    def pages_showing_changed(self, name: str, current: dict[str, str]) -> set[str]:
        """The pages showing a fact whose value differs from the last build's. ``current``: each
        fact's key and value as this build read them, kept under the stamp ``name`` (one per
        concern). With no stamp yet (an environment written before it), every page that shows
        a fact."""
        before = self.stamp(name)
        self.set_stamp(name, current)
        shown: dict[str, set[str]] = self.pages(SHOWN)
        if before is None:
            return {docname for docname, keys in shown.items() if keys & current.keys()}
        changed = {k for k in before.keys() | current.keys() if before.get(k) != current.get(k)}
        return {docname for docname, keys in shown.items() if keys & changed}

    # -- stamps: build-to-build memory

    def stamp(self, name: str, default: Any = None) -> Any:
        return self.data["stamps"].get(name, default)

    def set_stamp(self, name: str, value: Any) -> None:
        self.data["stamps"][name] = value

    # -- the Domain protocol

    def clear_doc(self, docname: str) -> None:
        for pages in self.data["pages"].values():
            pages.pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        """Take what a parallel reader noted about ``docnames``; facts and stamps are the
        reader's copy of ours (it forked after they were set), so there is nothing to take."""
        for kind, theirs in otherdata["pages"].items():
            mine = self.data["pages"].setdefault(kind, {})
            mine.update({name: value for name, value in theirs.items() if name in docnames})

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: Element,
    ) -> list[tuple[str, nodes.reference]]:
        """Nothing is referenced through this domain (an ``{any}`` role looks here too)."""
        return []


def ose_state(env: BuildEnvironment) -> OseDomain:
    return cast(OseDomain, env.domains["ose"])
