"""A complete ``sitemap.xml`` after an incremental build.

sphinx-sitemap lists the pages written by the Sphinx run that writes the sitemap, and an
incremental build writes only the pages that changed: after editing one lesson the published
sitemap named 23 of 103 pages (jdillard/sphinx-sitemap#13, open since 2018). Before it writes
the file, the pages this run did not write are added the way sphinx-sitemap adds the others,
and the entries are sorted, so that the file is the same whatever the run had to write.
"""

from __future__ import annotations

import queue
from typing import Any

from sphinx.application import Sphinx

from ose.sphinxext.base import metadata

#: the pages written by this run, on the builder (one Sphinx run)
_WRITTEN = "ose_pages_written"


def _note_written(app: Sphinx, pagename: str, *_: Any) -> None:
    written: set[str] = getattr(app.builder, _WRITTEN, set())
    written.add(pagename)
    setattr(app.builder, _WRITTEN, written)


def _complete(app: Sphinx, exception: Exception | None) -> None:
    links = getattr(app.env.app, "sitemap_links", None)  # sphinx-sitemap's queue
    if exception is not None or app.builder.format != "html" or links is None:
        return
    from sphinx_sitemap import add_html_link

    written: set[str] = getattr(app.builder, _WRITTEN, set())
    for docname in sorted(app.env.found_docs - written):
        add_html_link(app, docname, "page.html", {}, None)
    entries = []
    while True:
        try:
            entries.append(links.get_nowait())
        except queue.Empty:
            break
    for entry in sorted(set(entries), key=lambda e: (e[0], e[1] or "")):
        links.put(entry)
    setattr(app.builder, _WRITTEN, set())  # the same application may build again


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _note_written)
    app.connect("build-finished", _complete, priority=400)  # sphinx-sitemap writes at 500
    return metadata()
