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

import dataclasses
import json
from pathlib import Path
from typing import Any, ClassVar, cast

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ose.core.dates import build_date
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
from ose.sphinxext.base import metadata
from ose.sphinxext.nodes import badge, doc_link, field, insert_under_title, joined, row, table
from ose.sphinxext.problems import ConcernDirective
from ose.sphinxext.state import ose_state

CONCERN = "decisions"
FEED_PATH = f"{FOLDER}/atom.xml"
JSON_PATH = "decisions.json"


# -- loading, once per build ----------------------------------------------------------------


@dataclasses.dataclass
class Records:
    """Every well-formed record, in order, and the names of the bodies and seats that decide."""

    decisions: list[Decision] = dataclasses.field(default_factory=list)
    names: dict[str, str] = dataclasses.field(default_factory=dict)


def _read(app: Sphinx) -> None:
    """Read and lint every record; what the lint finds is warned once pages are known."""
    root = Path(app.srcdir)
    records = read_records(root)
    deciders = load_deciders(root)
    problems = lint_records(records, root, deciders, build_date())
    decisions = sort_decisions([d for d in map(to_decision, records) if d is not None])
    facts = Records(decisions, deciders.names if deciders else {})
    ose_state(app.env).set_facts(CONCERN, facts, problems)


def records_of(env: BuildEnvironment) -> Records:
    return cast(Records, ose_state(env).facts(CONCERN) or Records())


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


def _link(decision: Decision, text: str | None = None) -> nodes.Node:
    """A reference Sphinx resolves (and warns about if broken) to a record's page."""
    return doc_link(decision.docname, text or decision.heading.removeprefix("# "))


def _status_badge(status: str) -> nodes.inline:
    return badge(status.capitalize(), "ose-status-badge", f"ose-status-{status}")


def _links(refs: tuple[Ref, ...], records: dict[Ref, Decision]) -> list[nodes.Node]:
    return joined(
        (_link(records[ref]) if ref in records else nodes.Text(str(ref)) for ref in refs), ", "
    )


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
    fields += field("Number", nodes.Text(number))
    if decision.date:
        fields += field("Date", nodes.Text(decision.date.isoformat()))
    deciders = ", ".join(names.get(d, d) for d in decision.deciders)
    fields += field("Deciders", nodes.Text(deciders))
    if decision.supersedes:
        fields += field("Supersedes", _links(decision.supersedes, records))
    if decision.tags:
        fields += field("Tags", nodes.Text(", ".join(decision.tags)))
    for name, url in (("Discussion", decision.discussion), ("Resolution", decision.resolution)):
        if url:
            fields += field(name, nodes.reference(url, url, refuri=url))
    box += fields
    return box


def _add_banner(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    facts = records_of(env)
    docname = env.current_document.docname
    decision = next((d for d in facts.decisions if d.docname == docname), None)
    if decision is None:
        return
    _note_roster(env)
    insert_under_title(doctree, banner(decision, by_key(facts.decisions), facts.names))


# -- directives -----------------------------------------------------------------------------


class DecisionIndex(ConcernDirective):
    """The table of every record, with a status filter that needs no JavaScript."""

    concern = CONCERN
    has_content = False

    def run(self) -> list[nodes.Node]:
        decisions = records_of(self.env).decisions
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

        rows = [
            row(
                [
                    nodes.Text(decision.label),
                    _link(decision, decision.title),
                    _status_badge(decision.status),
                    nodes.Text(decision.date.isoformat() if decision.date else ""),
                    nodes.Text(", ".join(decision.tags)),
                ],
                classes=[f"ose-status-{decision.status}"],
            )
            for decision in decisions
        ]
        container += table(
            ["Number", "Title", "Status", "Date", "Tags"],
            rows,
            classes=["ose-decision-table"],
            widths=[8, 50, 12, 12, 18],
        )

        up = "../" * self.env.current_document.docname.count("/")
        feeds = nodes.paragraph(classes=["ose-decision-feeds"])
        feeds += nodes.Text("Follow changes in the ")
        feeds += nodes.reference("", "Atom feed", refuri=f"{up}{FEED_PATH}")
        feeds += nodes.Text("; tools can read every record from ")
        feeds += nodes.reference("", JSON_PATH, refuri=f"{up}{JSON_PATH}")
        feeds += nodes.Text(".")
        container += feeds
        return [container]


class DecisionRules(ConcernDirective):
    """The lint's rules, as the code defines them."""

    concern = CONCERN
    has_content = False

    def run(self) -> list[nodes.Node]:
        rows = [
            [
                nodes.literal(rule.name, rule.name),
                self.parse_inline(rule.summary, lineno=self.lineno)[0],
            ]
            for rule in RULES
        ]
        return [
            table(["Rule", "What it asks"], rows, classes=["ose-decision-rules"], widths=[20, 80])
        ]


class DecisionLifecycle(ConcernDirective):
    """The statuses, what each means, and which may follow it."""

    concern = CONCERN
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        rows = [
            [
                _status_badge(status),
                nodes.Text(STATUS_MEANING[status]),
                nodes.Text(", ".join(TRANSITIONS.get(status, ())) or "(final)"),
            ]
            for status in STATUSES
        ]
        return [
            table(
                ["Status", "Meaning", "May become"],
                rows,
                classes=["ose-decision-lifecycle"],
                widths=[14, 66, 20],
            )
        ]


# -- HTML: feed link, exported files --------------------------------------------------------


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
    facts = records_of(app.env)
    decisions, names = facts.decisions, facts.names
    if not decisions and not (Path(app.srcdir) / FOLDER).is_dir():
        return
    base = _base_url(app)

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
    app.setup_extension("ose.sphinxext.base")
    app.add_directive("decision-index", DecisionIndex)
    app.add_directive("decision-rules", DecisionRules)
    app.add_directive("decision-lifecycle", DecisionLifecycle)
    app.connect("builder-inited", _read)
    app.connect("env-get-outdated", _outdated)
    app.connect("doctree-read", _add_banner)
    app.connect("html-page-context", _feed_link)
    app.connect("build-finished", _write_exports)
    app.add_css_file("decisions.css")
    return metadata()
