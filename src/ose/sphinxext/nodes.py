"""Docutils node builders shared by every extension of the site.

Each concern renders tables, field lists and links to other pages; building them here once keeps
the pages alike (the same markup for the same thing) and the extensions about their concern.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from docutils import nodes
from sphinx import addnodes
from sphinx.builders import Builder

#: What a table cell, a field or a list item may hold: text, one node, or inline nodes in a row.
Cell = str | nodes.Node | Sequence[nodes.Node]


def paragraph(cell: Cell) -> nodes.Element:
    """``cell`` as a block: text and inline nodes in a paragraph; a block node as it is."""
    if isinstance(cell, str):
        return nodes.paragraph(cell, cell)
    if isinstance(cell, nodes.Body) and not isinstance(cell, nodes.Inline):
        return cell  # a reference is General (so Body) and Inline: it needs a paragraph
    if isinstance(cell, nodes.Node):
        return nodes.paragraph("", "", cell)
    return nodes.paragraph("", "", *cell)


def joined(parts: Iterable[nodes.Node], separator: str) -> list[nodes.Node]:
    """``parts`` with ``separator`` between them, as inline nodes."""
    result: list[nodes.Node] = []
    for part in parts:
        if result:
            result.append(nodes.Text(separator))
        result.append(part)
    return result


# -- links -------------------------------------------------------------------------------------


def doc_link(docname: str, text: str | None = None) -> addnodes.pending_xref:
    """A ``{doc}`` reference to a page: Sphinx resolves it, and warns (fails -W) if it is gone."""
    ref = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype="doc",
        reftarget=f"/{docname.lstrip('/')}",
        refexplicit=text is not None,
        refwarn=True,
    )
    ref += nodes.inline(text or "", text or "")
    return ref


def ref_link(label: str, text: str) -> addnodes.pending_xref:
    """A ``{ref}`` reference to a label, such as the roster table of a body."""
    ref = addnodes.pending_xref(
        "", refdomain="std", reftype="ref", reftarget=label, refexplicit=True, refwarn=True
    )
    ref += nodes.inline(text, text, classes=["xref", "std", "std-ref"])
    return ref


def resolved_link(builder: Builder, fromdoc: str, todoc: str, text: str) -> nodes.reference:
    """A link built at write time, after references were resolved (placeholders, reports)."""
    uri = builder.get_relative_uri(fromdoc, todoc)
    return nodes.reference(text, text, internal=True, refuri=uri)


# -- lists and fields --------------------------------------------------------------------------


def bullet_list(items: Iterable[Cell]) -> nodes.bullet_list:
    result = nodes.bullet_list()
    for item in items:
        result += nodes.list_item("", paragraph(item))
    return result


def field(name: str, body: Cell) -> nodes.field:
    return nodes.field("", nodes.field_name(name, name), nodes.field_body("", paragraph(body)))


def field_list(fields: Iterable[tuple[str, Cell]], classes: Sequence[str] = ()) -> nodes.field_list:
    result = nodes.field_list(classes=list(classes))
    for name, body in fields:
        result += field(name, body)
    return result


def badge(text: str, *classes: str) -> nodes.inline:
    """A short label that CSS shows as a badge (a status, "review overdue")."""
    return nodes.inline(text, text, classes=list(classes))


# -- tables ------------------------------------------------------------------------------------


def entry(
    cell: Cell, *, morecols: int = 0, morerows: int = 0, classes: Sequence[str] = ()
) -> nodes.entry:
    """A table cell, possibly spanning columns or rows."""
    result = nodes.entry("", paragraph(cell), classes=list(classes))
    if morecols:
        result["morecols"] = morecols
    if morerows:
        result["morerows"] = morerows
    return result


def row(cells: Iterable[Cell | nodes.entry], classes: Sequence[str] = ()) -> nodes.row:
    result = nodes.row(classes=list(classes))
    for cell in cells:
        result += cell if isinstance(cell, nodes.entry) else entry(cell)
    return result


def table(
    headers: Sequence[str],
    rows: Iterable[nodes.row | Sequence[Cell | nodes.entry]],
    *,
    caption: str | None = None,
    classes: Sequence[str] = (),
    widths: Sequence[int] | None = None,
) -> nodes.table:
    """A table with a header row (what screen readers announce) and, if given, a caption."""
    result = nodes.table(classes=list(classes))
    if caption is not None:
        result += nodes.title(caption, caption)
    group = nodes.tgroup(cols=len(headers))
    result += group
    for width in widths or [1] * len(headers):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += row(headers)
    group += head
    body = nodes.tbody()
    body.extend(item if isinstance(item, nodes.row) else row(item) for item in rows)
    group += body
    return result


# -- page structure ----------------------------------------------------------------------------


def first_section(doctree: nodes.document) -> nodes.section | None:
    return next(iter(doctree.findall(nodes.section)), None)


def insert_under_title(doctree: nodes.document, node: nodes.Node) -> None:
    """Put ``node`` right under the page's title (at the top of a page without one)."""
    section = first_section(doctree)
    if section is None:
        doctree.insert(0, node)
        return
    index = 1 if section.children and isinstance(section[0], nodes.title) else 0
    section.insert(index, node)


def toctree(docname: str, entries: Sequence[str], *, hidden: bool) -> nodes.compound:
    """A toctree node, as the ``toctree`` directive builds it, for generated page lists."""
    node = addnodes.toctree()
    node["parent"] = docname
    node["entries"] = [(None, item) for item in entries]
    node["includefiles"] = list(entries)
    node["maxdepth"] = 1
    node["caption"] = None
    node["glob"] = False
    node["hidden"] = hidden
    node["includehidden"] = False
    node["numbered"] = 0
    node["titlesonly"] = False
    wrapper = nodes.compound(classes=["toctree-wrapper"])
    wrapper += node
    return wrapper
