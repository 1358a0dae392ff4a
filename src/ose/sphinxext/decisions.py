"""Decision records on the site: the generated index, status banners, the feed and the JSON.

The records are read by :mod:`ose.decisions` once per build. This module only renders them:

- ``{decision-index}`` writes the table of records (number, title, status, date, tags) with a
  status filter made of links to ``#status-<name>`` anchors; a CSS ``:target`` rule hides the
  other rows, so the filter works without JavaScript.
- every record page gets a banner derived from its front matter (never written by hand), with
  links to the records it supersedes and to the one that supersedes it;
- ``{decision-rules}`` and ``{decision-lifecycle}`` render the lint rules and the lifecycle for
  the authoring guide, so the guide cannot drift from the code;
- after an HTML build, ``decisions.json`` and ``decisions/atom.xml`` are written to the output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ose.decisions.export import as_json, atom_feed
from ose.decisions.lint import ROSTER, RULES, lint_records, load_deciders
from ose.decisions.records import (
    FOLDER,
    STATUS_MEANING,
    STATUSES,
    TRANSITIONS,
    Decision,
    Ref,
    by_key,
    read_records,
    sort_decisions,
    to_decision,
)

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "decisions" / "static"
FEED_PATH = f"{FOLDER}/atom.xml"
JSON_PATH = "decisions.json"


# -- loading, once per build ----------------------------------------------------------------


def _load(app: Sphinx) -> None:
    """Read and lint every record; keep them on the environment for the readers."""
    from ose.core.dates import build_date

    root = Path(app.srcdir)
    records = read_records(root)
    deciders = load_deciders(root)
    for problem in lint_records(records, root, deciders, build_date()):
        logger.warning(
            problem.message,
            location=f"{root / problem.path}:{problem.line}",
            type="ose",
            subtype="decisions",
        )
    decisions = [d for d in map(to_decision, records) if d is not None]
    env: Any = app.env
    env.ose_decisions = sort_decisions(decisions)
    env.ose_decision_names = deciders.names if deciders else {}


def _decisions(env: BuildEnvironment) -> list[Decision]:
    return getattr(env, "ose_decisions", [])


def _names(env: BuildEnvironment) -> dict[str, str]:
    return getattr(env, "ose_decision_names", {})


def _is_decision_doc(docname: str) -> bool:
    return docname.startswith(f"{FOLDER}/")


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """A change to any record can change the index and its neighbours' banners: re-read all."""
    if any(_is_decision_doc(doc) for doc in added | changed | removed):
        return [doc for doc in env.found_docs if _is_decision_doc(doc)]
    return []


def _note_roster(env: BuildEnvironment) -> None:
    roster = Path(env.srcdir) / ROSTER
    if roster.is_file():
        env.note_dependency(str(roster))


# -- rendering helpers ----------------------------------------------------------------------


def _doc_link(decision: Decision, text: str | None = None) -> addnodes.pending_xref:
    """A reference Sphinx resolves (and warns about if broken) to a record's page."""
    label = text or decision.heading.removeprefix("# ")
    ref = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype="doc",
        reftarget=f"/{decision.docname}",
        refexplicit=True,
        refwarn=True,
    )
    ref += nodes.inline(label, label)
    return ref


def _status_badge(status: str) -> nodes.inline:
    return nodes.inline(
        status, status.capitalize(), classes=["ose-status-badge", f"ose-status-{status}"]
    )


def _field(name: str, *body: nodes.Node) -> nodes.field:
    paragraph = nodes.paragraph()
    paragraph.extend(body)
    return nodes.field("", nodes.field_name(name, name), nodes.field_body("", paragraph))


def _links(refs: tuple[Ref, ...], records: dict[Ref, Decision]) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for ref in refs:
        if out:
            out.append(nodes.Text(", "))
        target = records.get(ref)
        out.append(_doc_link(target) if target else nodes.Text(str(ref)))
    return out


def _table(
    headers: list[str], widths: list[int], classes: list[str]
) -> tuple[nodes.table, nodes.tbody]:
    table = nodes.table(classes=classes)
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    row = nodes.row()
    for header in headers:
        row += nodes.entry("", nodes.paragraph(header, header))
    head += row
    body = nodes.tbody()
    group += [head, body]
    return table, body


def _cell(*content: nodes.Node) -> nodes.entry:
    paragraph = nodes.paragraph()
    paragraph.extend(content)
    return nodes.entry("", paragraph)


# -- the banner of each record --------------------------------------------------------------


def banner(
    decision: Decision, records: dict[Ref, Decision], names: dict[str, str]
) -> nodes.admonition:
    """The status banner of a record page, derived from its front matter.

    An admonition, as python/peps' status banners are: themes style it, and page summaries
    (OpenGraph descriptions) skip it and start with the record's own text.
    """
    status = decision.status
    box = nodes.admonition(classes=["ose-decision-banner", f"ose-status-{status}"])
    title = f"Status: {status.capitalize()}"
    box += nodes.title(title, title)
    box += nodes.paragraph("", STATUS_MEANING[status])
    if decision.superseded_by:
        successor = nodes.paragraph(classes=["ose-decision-successor"])
        successor += nodes.Text("Superseded by ")
        successor.extend(_links(decision.superseded_by, records))
        box += successor
    fields = nodes.field_list(classes=["ose-decision-fields"])
    number = decision.label if decision.number else "none yet (a draft is numbered once decided)"
    fields += _field("Number", nodes.Text(number))
    if decision.date:
        fields += _field("Date", nodes.Text(decision.date.isoformat()))
    deciders = ", ".join(names.get(d, d) for d in decision.deciders)
    fields += _field("Deciders", nodes.Text(deciders))
    if decision.supersedes:
        fields += _field("Supersedes", *_links(decision.supersedes, records))
    if decision.tags:
        fields += _field("Tags", nodes.Text(", ".join(decision.tags)))
    for name, url in (("Discussion", decision.discussion), ("Resolution", decision.resolution)):
        if url:
            fields += _field(name, nodes.reference(url, url, refuri=url))
    box += fields
    return box


def _add_banner(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    records = {d.docname: d for d in _decisions(env)}
    decision = records.get(env.docname)
    if decision is None:
        return
    _note_roster(env)
    section = next(iter(doctree.findall(nodes.section)), None)
    box = banner(decision, by_key(_decisions(env)), _names(env))
    if section is None:
        doctree.insert(0, box)
    else:
        section.insert(1, box)


# -- directives -----------------------------------------------------------------------------


class DecisionIndex(SphinxDirective):
    """The table of every record, with a status filter that needs no JavaScript."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        decisions = _decisions(self.env)
        _note_roster(self.env)
        container = nodes.container(classes=["ose-decision-index"], ids=["decision-index"])
        counts = {status: sum(d.status == status for d in decisions) for status in STATUSES}

        nav = nodes.paragraph(classes=["ose-decision-filter"])
        nav += nodes.Text("Show: ")
        nav += nodes.reference(
            "", f"all ({len(decisions)})", refuri="#decision-index", classes=["ose-filter-all"]
        )
        for status in STATUSES:
            nav += nodes.Text(" · ")
            text = f"{status} ({counts[status]})"
            if counts[status]:
                anchor = f"status-{status}"
                nav += nodes.reference("", text, refuri=f"#{anchor}", ids=[anchor])
            else:
                nav += nodes.inline(text, text, classes=["ose-filter-empty"])
        container += nav

        table, body = _table(
            ["Number", "Title", "Status", "Date", "Tags"],
            [8, 50, 12, 12, 18],
            ["ose-decision-table"],
        )
        for decision in decisions:
            row = nodes.row(classes=[f"ose-status-{decision.status}"])
            row += _cell(nodes.Text(decision.label))
            row += _cell(_doc_link(decision, decision.title))
            row += _cell(_status_badge(decision.status))
            row += _cell(nodes.Text(decision.date.isoformat() if decision.date else ""))
            row += _cell(nodes.Text(", ".join(decision.tags)))
            body += row
        container += table

        up = "../" * self.env.docname.count("/")
        feeds = nodes.paragraph(classes=["ose-decision-feeds"])
        feeds += nodes.Text("Follow changes in the ")
        feeds += nodes.reference("", "Atom feed", refuri=f"{up}{FEED_PATH}")
        feeds += nodes.Text("; tools can read every record from ")
        feeds += nodes.reference("", JSON_PATH, refuri=f"{up}{JSON_PATH}")
        feeds += nodes.Text(".")
        container += feeds
        return [container]


class DecisionRules(SphinxDirective):
    """The lint's rules, as the code defines them."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        table, body = _table(["Rule", "What it asks"], [20, 80], ["ose-decision-rules"])
        for rule in RULES:
            row = nodes.row()
            row += _cell(nodes.literal(rule.name, rule.name))
            row += _cell(*self.parse_inline(rule.summary, lineno=self.lineno)[0])
            body += row
        return [table]


class DecisionLifecycle(SphinxDirective):
    """The statuses, what each means, and which may follow it."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        table, body = _table(
            ["Status", "Meaning", "May become"], [14, 66, 20], ["ose-decision-lifecycle"]
        )
        for status in STATUSES:
            row = nodes.row()
            row += _cell(_status_badge(status))
            row += _cell(nodes.Text(STATUS_MEANING[status]))
            after = ", ".join(TRANSITIONS.get(status, ())) or "(final)"
            row += _cell(nodes.Text(after))
            body += row
        return [table]


# -- HTML: feed link, static files, exported files ------------------------------------------


def _configure(app: Sphinx, config: Config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]


def _feed_link(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if not _is_decision_doc(pagename) or "pathto" not in context:
        return
    href = context["pathto"](FEED_PATH, 1)
    title = f"{app.config.project}: decision records"
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" type="application/atom+xml" title="{title}" href="{href}">'
    )


def _base_url(app: Sphinx) -> str:
    base = app.config.html_baseurl or "/"
    return base if base.endswith("/") else base + "/"


def _write_exports(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    decisions = _decisions(app.env)
    if not decisions and not (Path(app.srcdir) / FOLDER).is_dir():
        return
    base = _base_url(app)
    names = _names(app.env)

    def url_of(decision: Decision) -> str:
        return base + app.builder.get_target_uri(decision.docname)

    outdir = Path(app.outdir)
    index_url = base + app.builder.get_target_uri(f"{FOLDER}/index")
    feed_url = base + FEED_PATH
    data = as_json(decisions, url_of, feed_url)
    (outdir / JSON_PATH).write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    feed = atom_feed(
        decisions,
        url_of,
        index_url,
        feed_url,
        app.config.project,
        lambda d: ", ".join(names.get(x, x) for x in d.deciders),
    )
    (outdir / FEED_PATH).parent.mkdir(parents=True, exist_ok=True)
    (outdir / FEED_PATH).write_bytes(feed)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("decision-index", DecisionIndex)
    app.add_directive("decision-rules", DecisionRules)
    app.add_directive("decision-lifecycle", DecisionLifecycle)
    app.connect("config-inited", _configure)
    app.connect("builder-inited", _load)
    app.connect("env-get-outdated", _outdated)
    app.connect("doctree-read", _add_banner)
    app.connect("html-page-context", _feed_link)
    app.connect("build-finished", _write_exports)
    app.add_css_file("decisions.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
