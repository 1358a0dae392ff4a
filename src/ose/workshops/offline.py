"""An offline copy of some built pages: opens from ``file://`` and asks no other host.

Sphinx writes every internal link and asset as a path relative to the page, so a subset of
``_build/html`` kept at the same relative places still works. What the subset lacks is rewritten:
a link to a page that is not included points at that page on the published site (a click goes
online; loading the page asks nothing). ``_static`` is copied whole (scripts and styles load some
of its files themselves: fonts), source maps aside. The search index is cut down to the
included pages, and search summaries are switched off, since a browser refuses the ``fetch`` of a
``file://`` page that they need.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

from ose.core.problems import Problem

_ATTRIBUTE = re.compile(r'(?P<attr>\b(?:href|src|action))="(?P<url>[^"]*)"')
_CANONICAL = re.compile(r'<link rel="canonical" href="(?P<url>[^"]+)"')
#: The workshop page's table of downloads (size and SHA-256 of the bundles), or its note that
#: there are none yet. An instructor bundle cannot list its own hash; and a copy that carried
#: the previous build's list would never give the same bytes twice.
_DOWNLOADS = re.compile(
    r'(?:<div class="pst-scrollable-table-container">\s*)?'  # the theme's wrapper, if any
    r'<table[^>]*class="[^"]*\bworkshop-downloads\b[^"]*"[^>]*>.*?</table>(?:\s*</div>)?'
    r'|<p[^>]*class="[^"]*\bworkshop-downloads-missing\b[^"]*"[^>]*>.*?</p>',
    re.DOTALL,
)
_INDEX = re.compile(r"^Search\.setIndex\((?P<json>.*)\)\s*$", re.DOTALL)

#: Files of ``_static`` an offline reader never needs.
_SKIPPED_STATIC = (".map", "webpack-macros.html", ".LICENSE.txt")

#: Pages every offline copy carries besides the chosen ones (search works offline).
SEARCH_FILES = ("search.html",)


def _base_url(html: str, docname: str) -> str | None:
    """The published site's address, from the page's canonical link."""
    match = _CANONICAL.search(html)
    if match is None:
        return None
    url = match.group("url")
    suffix = f"{docname}.html"
    return url[: -len(suffix)] if url.endswith(suffix) else None


def _rewrite(html: str, page: str, kept: set[str], base: str | None) -> tuple[str, set[str]]:
    """``html`` of ``page`` with links to missing files made absolute; the files it uses."""
    used: set[str] = set()
    folder = posixpath.dirname(page)

    online_page = f"{base}{page}" if base else page
    html = _DOWNLOADS.sub(
        f'<p class="workshop-downloads-offline">The bundles, with their sizes and SHA-256, are '
        f'listed on the <a href="{online_page}">published page</a>.</p>',
        html,
    )

    def replace(match: re.Match[str]) -> str:
        url = match.group("url")
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith(("#", "/", "data:", "mailto:")):
            return match.group(0)
        if not parts.path:
            return match.group(0)
        target = posixpath.normpath(posixpath.join(folder, parts.path))
        if target in kept or target.startswith(("_static/", "_images/")):
            used.add(target)
            if target.startswith("_static/") and parts.query:
                # Sphinx's '?v=<checksum>' busts a web cache; it is absent from a page written
                # before its asset existed (a first build), so it would make copies differ
                return f'{match.group("attr")}="{parts.path}"'
            return match.group(0)
        online = f"{base}{target}" + (f"#{parts.fragment}" if parts.fragment else "")
        return f'{match.group("attr")}="{online}"' if base else f'{match.group("attr")}="#"'

    return _ATTRIBUTE.sub(replace, html), used


def _search_index(text: str, docnames: list[str]) -> str:
    """Sphinx's search index restricted to ``docnames``, in the same format."""
    match = _INDEX.match(text.strip())
    if match is None:
        return text
    index = json.loads(match.group("json"))
    old = index["docnames"]
    keep = [i for i, name in enumerate(old) if name in set(docnames)]
    renumber = {was: now for now, was in enumerate(keep)}

    def docs(value: int | list[int]) -> int | list[int] | None:
        found = [
            renumber[v] for v in ([value] if isinstance(value, int) else value) if v in renumber
        ]
        if not found:
            return None
        return found[0] if isinstance(value, int) else found

    for key in ("docnames", "filenames", "titles"):
        index[key] = [index[key][i] for i in keep]
    for key in ("terms", "titleterms"):
        table = {}
        for term, value in index.get(key, {}).items():
            kept = docs(value)
            if kept is not None:
                table[term] = kept
        index[key] = table
    titles: dict[str, list[list[object]]] = {}
    for title, places in index.get("alltitles", {}).items():
        kept_places = [[renumber[p[0]], *p[1:]] for p in places if p[0] in renumber]
        if kept_places:
            titles[title] = kept_places
    index["alltitles"] = titles
    entries: dict[str, list[list[object]]] = {}
    for entry, places in index.get("indexentries", {}).items():
        kept_places = [[renumber[p[0]], *p[1:]] for p in places if p[0] in renumber]
        if kept_places:
            entries[entry] = kept_places
    index["indexentries"] = entries
    objects: dict[str, list[list[object]]] = {}
    for prefix, rows in index.get("objects", {}).items():
        kept_rows = [[renumber[r[0]], *r[1:]] for r in rows if r[0] in renumber]
        if kept_rows:
            objects[prefix] = kept_rows
    index["objects"] = objects
    body = json.dumps(index, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return f"Search.setIndex({body})"


def _stable_ids(content: bytes) -> bytes:
    """The published notebook with cell ids numbered: nbformat draws them at random when the
    notebook is read, and a bundle must not change when nothing else did."""
    try:
        notebook = json.loads(content)
    except ValueError:
        return content
    for index, cell in enumerate(notebook.get("cells", [])):
        if "id" in cell:
            cell["id"] = f"cell-{index}"
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode()


def offline_copy(
    html_dir: Path, docnames: list[str], extra: dict[str, Path] | None = None
) -> tuple[dict[str, bytes], list[Problem]]:
    """The files of an offline copy of ``docnames`` (relative paths → bytes), and a problem
    for every page that was not built."""
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    pages = [f"{name}.html" for name in docnames]
    kept = set(pages) | set(SEARCH_FILES) | {"searchindex.js"}
    kept |= {f"{name}.ipynb" for name in docnames if (html_dir / f"{name}.ipynb").is_file()}
    used: set[str] = set()
    for name, page in zip(docnames, [*pages], strict=True):
        path = html_dir / page
        if not path.is_file():
            problems.append(
                Problem(
                    f"_build/html/{page}",
                    0,
                    f"the page {name!r} of the offline copy was not built (run ose build first)",
                )
            )
            continue
        html = path.read_text(encoding="utf-8")
        rewritten, found = _rewrite(html, page, kept, _base_url(html, name))
        files[page] = rewritten.encode("utf-8")
        used |= found
    search = html_dir / "search.html"
    if search.is_file():
        html = search.read_text(encoding="utf-8")
        base = next(
            (
                _base_url((html_dir / p).read_text(encoding="utf-8"), n)
                for n, p in zip(docnames, pages, strict=True)
                if (html_dir / p).is_file()
            ),
            None,
        )
        rewritten, found = _rewrite(html, "search.html", kept, base)
        files["search.html"] = rewritten.encode("utf-8")
        used |= found
    index = html_dir / "searchindex.js"
    if index.is_file():
        files["searchindex.js"] = _search_index(
            index.read_text(encoding="utf-8"), docnames
        ).encode()
    for name in docnames:
        notebook = html_dir / f"{name}.ipynb"
        if notebook.is_file():
            files[f"{name}.ipynb"] = _stable_ids(notebook.read_bytes())
    static = html_dir / "_static"
    for path in sorted(static.rglob("*")) if static.is_dir() else []:
        if path.is_file() and not path.name.endswith(_SKIPPED_STATIC):
            relative = path.relative_to(html_dir).as_posix()
            content = path.read_bytes()
            if relative == "_static/documentation_options.js":
                content = content.replace(
                    b"SHOW_SEARCH_SUMMARY: true", b"SHOW_SEARCH_SUMMARY: false"
                )
            files[relative] = content
    for relative in sorted(used):
        if relative.startswith("_images/") and (html_dir / relative).is_file():
            files[relative] = (html_dir / relative).read_bytes()
    for relative, source in (extra or {}).items():
        files[relative] = source.read_bytes()
    return files, problems
