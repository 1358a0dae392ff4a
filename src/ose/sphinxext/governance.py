"""Governance pages: charter panels, the charter index, roster tables, budget tables and charts.

A thin layer over :mod:`ose.governance`: every fact comes from the data files and the charters'
front matter, parsed and checked there. What it adds to pages:

- a metadata panel under the title of every charter (status, version, owner, review, amendments);
- ``{charter-index}``: every charter with its status, version and review date, overdue flagged;
- ``{roster} BODY``: the seats of one body, vacant or filled, with a ``roster-BODY`` label;
- ``{seat-rules} BODY``: the rules its seats follow, from ``rules.yaml``;
- ``{budget-table} [SECTION]``, ``{revenue-table}``, ``{sponsorship-tiers}``: the budget;
- ``{governance-chart} budget|revenue``: a chart drawn at build time into the build folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ose.core.dates import build_date
from ose.core.problems import ProblemsFound
from ose.governance.budget import Budget, load_budget, money
from ose.governance.charters import (
    GOVERNANCE_DIR,
    Charter,
    charter_paths,
    decision_files,
    load_charter,
)
from ose.governance.charts import budget_chart, revenue_chart
from ose.governance.check import BUDGET_FILE, ROSTER_FILE, RULES_FILE
from ose.governance.roster import Roster, load_roster
from ose.governance.rules import load_rules

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
CSS_FILE = "governance.css"
STATUS_LABELS = {"draft": "Draft", "ratified": "Ratified", "retired": "Retired"}


# -- data access -------------------------------------------------------------------------------


def _srcdir(env: BuildEnvironment) -> Path:
    return Path(env.srcdir)


def _load_roster(env: BuildEnvironment) -> Roster | None:
    path = _srcdir(env) / GOVERNANCE_DIR / ROSTER_FILE
    env.note_dependency(str(path))
    try:
        return load_roster(path, _srcdir(env))
    except (ProblemsFound, OSError) as error:
        logger.warning("cannot read the roster: %s", error, location=env.docname)
        return None


def _load_budget(env: BuildEnvironment) -> Budget | None:
    path = _srcdir(env) / GOVERNANCE_DIR / BUDGET_FILE
    env.note_dependency(str(path))
    try:
        return load_budget(path, _srcdir(env))
    except (ProblemsFound, OSError) as error:
        logger.warning("cannot read the budget: %s", error, location=env.docname)
        return None


def _note_dated(env: BuildEnvironment, docname: str) -> None:
    """This page shows something relative to the build date: re-read it when the date moves."""
    dated: dict[str, date] = env.ose_governance_dated  # type: ignore[attr-defined]
    dated[docname] = build_date()


# -- node helpers ------------------------------------------------------------------------------

Cell = str | nodes.Node | Sequence[nodes.Node]


def _paragraph(cell: Cell) -> nodes.paragraph:
    if isinstance(cell, str):
        return nodes.paragraph(cell, cell)
    if isinstance(cell, nodes.Node):
        return nodes.paragraph("", "", cell)
    return nodes.paragraph("", "", *cell)


def _entry(
    cell: Cell, morecols: int = 0, morerows: int = 0, classes: Sequence[str] = ()
) -> nodes.entry:
    """A table cell, possibly spanning columns or rows."""
    entry = nodes.entry("", _paragraph(cell), classes=list(classes))
    if morecols:
        entry["morecols"] = morecols
    if morerows:
        entry["morerows"] = morerows
    return entry


def _row(cells: Iterable[Cell | nodes.entry], classes: Sequence[str] = ()) -> nodes.row:
    row = nodes.row(classes=list(classes))
    for cell in cells:
        row += cell if isinstance(cell, nodes.entry) else _entry(cell)
    return row


def _table(
    caption: str,
    headers: Sequence[str],
    rows: Iterable[nodes.row],
    classes: Sequence[str] = (),
    widths: Sequence[int] | None = None,
) -> nodes.table:
    """A table with a caption and a header row (what screen readers announce)."""
    table = nodes.table(classes=["ose-governance-table", *classes])
    table += nodes.title(caption, caption)
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths or [1] * len(headers):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += _row(headers)
    group += head
    body = nodes.tbody()
    body.extend(rows)
    group += body
    return table


def _doc_link(target: str, text: str | None = None) -> addnodes.pending_xref:
    """A ``{doc}`` reference: Sphinx resolves it, and warns (fails -W) if the page is missing."""
    explicit = text is not None
    ref = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype="doc",
        reftarget=target,
        refexplicit=explicit,
        refwarn=True,
    )
    ref += nodes.inline(text or "", text or "", classes=["xref", "std", "std-doc"])
    return ref


def _ref_link(label: str, text: str) -> addnodes.pending_xref:
    """A ``{ref}`` reference to a label, such as the roster table of a body."""
    ref = addnodes.pending_xref(
        "", refdomain="std", reftype="ref", reftarget=label, refexplicit=True, refwarn=True
    )
    ref += nodes.inline(text, text, classes=["xref", "std", "std-ref"])
    return ref


def _badge(text: str, kind: str) -> nodes.inline:
    return nodes.inline(text, text, classes=["ose-badge", f"ose-badge-{kind}"])


def roster_label(body_id: str) -> str:
    return f"roster-{body_id}"


def _title(text: str) -> str:
    return text.replace("-", " ").capitalize()


def _review_cell(charter: Charter, today: date) -> list[nodes.Node]:
    cell: list[nodes.Node] = [nodes.Text(str(charter.meta.next_review))]
    if charter.overdue(today):
        cell += [nodes.Text(" "), _badge("review overdue", "overdue")]
    return cell


# -- the charter panel -------------------------------------------------------------------------


def _field(name: str, body: Cell) -> nodes.field:
    field = nodes.field()
    field += nodes.field_name(name, name)
    field += nodes.field_body("", _paragraph(body))
    return field


def _charter_doc(env: BuildEnvironment, docname: str) -> Path | None:
    path = Path(env.doc2path(docname))
    root = _srcdir(env)
    if path.suffix != ".md" or path.resolve() not in {p.resolve() for p in charter_paths(root)}:
        return None
    return path


def charter_panel(
    charter: Charter, roster: Roster | None, decisions: dict[int, Path], today: date
) -> nodes.container:
    """The metadata of one charter, the same on every charter page."""
    meta = charter.meta
    status: list[nodes.Node] = [_badge(STATUS_LABELS[meta.status], meta.status)]
    if meta.ratified is not None:
        status.append(nodes.Text(f" on {meta.ratified}"))
    elif meta.status == "draft":
        status.append(nodes.Text(" (not yet ratified)"))
    body = roster.bodies.get(meta.owner) if roster is not None else None
    owner = _ref_link(roster_label(meta.owner), body.name) if body else meta.owner
    review = [nodes.Text(f"{_title(meta.review_cycle)}; next by "), *_review_cell(charter, today)]
    amendments: list[nodes.Node] = []
    for number in meta.amended_by:
        if amendments:
            amendments.append(nodes.Text(", "))
        path = decisions.get(number)
        if path is None:
            amendments.append(nodes.Text(f"decision {number}"))
        else:
            amendments.append(_doc_link(f"/decisions/{path.stem}", f"Decision {number:04d}"))
    fields = nodes.field_list(classes=["ose-charter-fields"])
    fields += _field("Status", status)
    fields += _field("Version", meta.version)
    fields += _field("Owner", owner)
    fields += _field("Review", review)
    fields += _field("Amended by", amendments or "no amendments yet")
    panel = nodes.container(classes=["ose-charter-panel"])
    panel += nodes.rubric("Charter record", "Charter record", classes=["ose-charter-heading"])
    panel += fields
    return panel


def add_charter_panel(app: Sphinx, doctree: nodes.document) -> None:
    """Put the panel under the title of every charter page."""
    env = app.env
    path = _charter_doc(env, env.docname)
    if path is None:
        return
    try:
        charter = load_charter(path, _srcdir(env))
    except ProblemsFound as found:
        for problem in found.problems:
            logger.warning("%s", problem.message, location=(str(path), problem.line))
        return
    section = doctree.next_node(nodes.section)
    if section is None:
        logger.warning("a charter needs a title heading", location=env.docname)
        return
    today = build_date()
    decisions = decision_files(_srcdir(env))
    panel = charter_panel(charter, _load_roster(env), decisions, today)
    section.insert(section.first_child_matching_class(nodes.title) + 1, panel)
    _note_dated(env, env.docname)


# -- directives --------------------------------------------------------------------------------


class CharterIndex(SphinxDirective):
    """Every charter with its owner, status, version and next review; overdue ones flagged."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        root = _srcdir(self.env)
        roster = _load_roster(self.env)
        today = build_date()
        charters = []
        for path in charter_paths(root):
            self.env.note_dependency(str(path))
            try:
                charters.append(load_charter(path, root))
            except ProblemsFound as found:
                for problem in found.problems:
                    logger.warning("%s", problem, location=self.get_location())
        charters.sort(key=lambda c: c.meta.title.lower())
        rows = []
        for charter in charters:
            meta = charter.meta
            body = roster.bodies.get(meta.owner) if roster else None
            owner = _ref_link(roster_label(meta.owner), body.name) if body else meta.owner
            rows.append(
                _row(
                    [
                        _doc_link(f"/{charter.docname}", meta.title),
                        owner,
                        _badge(STATUS_LABELS[meta.status], meta.status),
                        meta.version,
                        _review_cell(charter, today),
                    ],
                    classes=["ose-overdue"] if charter.overdue(today) else [],
                )
            )
        overdue = sum(charter.overdue(today) for charter in charters)
        summary = f"{len(charters)} charters as of {today}; " + (
            f"{overdue} overdue for review." if overdue else "none is overdue for review."
        )
        _note_dated(self.env, self.env.docname)
        table = _table(
            "Charters: status, version and next review",
            ["Charter", "Owner", "Status", "Version", "Next review"],
            rows,
            classes=["ose-charter-index"],
            widths=[4, 3, 2, 1, 3],
        )
        return [nodes.paragraph(summary, summary, classes=["ose-charter-summary"]), table]


class RosterTable(SphinxDirective):
    """The seats of one body, as a table labelled ``roster-BODY`` for ``{ref}`` links."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        roster = _load_roster(self.env)
        body_id = self.arguments[0]
        if roster is None:
            return []
        body = roster.bodies.get(body_id)
        if body is None:
            logger.warning(
                "no body %r in the roster (allowed: %s)",
                body_id,
                ", ".join(roster.bodies),
                location=self.get_location(),
            )
            return []
        rows = []
        for seat in body.seats:
            constituency = (
                roster.constituencies[seat.constituency].name if seat.constituency else "—"
            )
            if seat.holder is None:
                vacant = f"Vacant, {seat.pending}"
                holder: list[Cell | nodes.entry] = [
                    _entry(vacant, morecols=2, classes=["ose-vacant"])
                ]
            else:
                term = f"{seat.holder.term_start} to {seat.holder.term_end}"
                holder = [seat.holder.name, seat.holder.affiliation, term]
            rows.append(
                _row([nodes.literal(seat.id, seat.id), _title(seat.role), constituency, *holder])
            )
        filled = len(body.filled)
        caption = f"{body.name}: {len(body.seats)} seats, {filled} filled"
        table = _table(
            caption,
            ["Seat", "Role", "Constituency", "Held by", "Affiliation", "Term"],
            rows,
            classes=["ose-roster"],
            widths=[3, 2, 3, 3, 2, 2],
        )
        label = roster_label(body.id)
        table["ids"].append(label)
        table["names"].append(label)
        self.state.document.note_explicit_target(table)
        return [table]


class SeatRules(SphinxDirective):
    """The rules a body's seats follow (from rules.yaml), so prose never restates a number."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        roster = _load_roster(self.env)
        path = _srcdir(self.env) / GOVERNANCE_DIR / RULES_FILE
        self.env.note_dependency(str(path))
        try:
            rules = load_rules(path, _srcdir(self.env))
        except (ProblemsFound, OSError) as error:
            logger.warning("cannot read the rules: %s", error, location=self.get_location())
            return []
        body_id = self.arguments[0]
        kind_name = rules.bodies.get(body_id)
        kind = rules.kinds.get(kind_name or "")
        if roster is None or kind is None:
            logger.warning(
                "no rules for body %r (allowed: %s)",
                body_id,
                ", ".join(rules.bodies),
                location=self.get_location(),
            )
            return []
        names = roster.constituencies
        rows = [
            ("Seats", f"{kind.seats.min} to {kind.seats.max}"),
            ("Roles", ", ".join(_title(role) for role in kind.roles)),
        ]
        if kind.required_roles:
            rows.append(("Always has", ", ".join(f"a {role} seat" for role in kind.required_roles)))
        if kind.constituencies:
            represented = "; ".join(names[c].name for c in kind.constituencies if c in names)
            rows.append(("Represents", represented))
        if kind.max_per_affiliation is not None:
            rows.append(("Seats per affiliation", f"at most {kind.max_per_affiliation}"))
        if kind.term_years is not None:
            years = "year" if kind.term_years == 1 else f"{kind.term_years} years"
            rows.append(("Longest term", f"{years}, then re-election or rotation"))
        fields = nodes.field_list(classes=["ose-seat-rules"])
        for name, value in rows:
            fields += _field(name, value)
        return [fields]


def _amount_cells(amount: int, total: int) -> list[Cell | nodes.entry]:
    return [
        _entry(money(amount), classes=["ose-amount"]),
        _entry(f"{amount / total:.1%}", classes=["ose-amount"]),
    ]


class BudgetTable(SphinxDirective):
    """Without argument: the sections and the total. With a section id: every line of it."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        budget = _load_budget(self.env)
        if budget is None:
            return []
        if not self.arguments:
            rows = [
                _row([s.title, *_amount_cells(s.subtotal, budget.total)]) for s in budget.sections
            ]
            rows.append(
                _row(["Total", *_amount_cells(budget.total, budget.total)], classes=["ose-total"])
            )
            return [
                _table(
                    f"Annual budget by section ({budget.currency})",
                    ["Section", "Amount", "Share of the budget"],
                    rows,
                    classes=["ose-budget"],
                    widths=[4, 2, 2],
                )
            ]
        section = next((s for s in budget.sections if s.id == self.arguments[0]), None)
        if section is None:
            allowed = ", ".join(s.id for s in budget.sections)
            logger.warning(
                "no budget section %r (allowed: %s)",
                self.arguments[0],
                allowed,
                location=self.get_location(),
            )
            return []
        notes = any(line.note for line in section.lines)
        rows = []
        for group in section.groups:
            for index, line in enumerate(group.lines):
                cells: list[Cell | nodes.entry] = []
                if index == 0:
                    cells.append(_entry(group.title, morerows=len(group.lines) - 1))
                cells += [line.item, _entry(money(line.amount), classes=["ose-amount"])]
                rows.append(_row([*cells, line.note] if notes else cells))
        total = _entry(money(section.subtotal), classes=["ose-amount"])
        rows.append(
            _row(
                [_entry("Subtotal", morecols=1), total, *([""] if notes else [])],
                classes=["ose-total"],
            )
        )
        headers = ["Area", "Item", "Amount", *(["What it covers"] if notes else [])]
        return [
            _table(
                f"{section.title}: {money(section.subtotal)}",
                headers,
                rows,
                classes=["ose-budget"],
                widths=[3, 4, 2, 5][: len(headers)],
            )
        ]


class RevenueTable(SphinxDirective):
    """The revenue streams with their expected range and sources."""

    def run(self) -> list[nodes.Node]:
        budget = _load_budget(self.env)
        if budget is None:
            return []

        def amounts(low: int, high: int) -> list[Cell | nodes.entry]:
            return [_entry(money(v), classes=["ose-amount"]) for v in (low, high)]

        rows = [
            _row([s.title, *amounts(s.low, s.high), "; ".join(s.sources)]) for s in budget.revenue
        ]
        rows.append(
            _row(
                ["All streams", *amounts(budget.revenue_low, budget.revenue_high), ""],
                classes=["ose-total"],
            )
        )
        return [
            _table(
                "Expected yearly revenue by stream",
                ["Stream", "Low estimate", "High estimate", "Sources"],
                rows,
                classes=["ose-budget"],
                widths=[3, 2, 2, 5],
            )
        ]


class SponsorshipTiers(SphinxDirective):
    """The sponsorship tiers, lowest first, and the benefits each one includes."""

    def run(self) -> list[nodes.Node]:
        budget = _load_budget(self.env)
        if budget is None or budget.sponsorship is None:
            return []
        offered = budget.sponsorship.benefits
        rows = []
        for tier in budget.sponsorship.tiers:
            benefits = nodes.bullet_list()
            for key in tier.benefits:
                benefits += nodes.list_item("", nodes.paragraph(offered[key], offered[key]))
            row = _row([tier.name, tier.summary])
            row += nodes.entry("", benefits)
            rows.append(row)
        return [
            _table(
                "Sponsorship tiers and their benefits, lowest tier first",
                ["Tier", "Who it is for", "Benefits"],
                rows,
                classes=["ose-tiers"],
                widths=[2, 4, 5],
            )
        ]


class GovernanceChart(SphinxDirective):
    """A chart of the budget or the revenue plan, drawn now into the build folder."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"caption": directives.unchanged}
    CHARTS: ClassVar[dict[str, Any]] = {"budget": budget_chart, "revenue": revenue_chart}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        if name not in self.CHARTS:
            logger.warning(
                "no chart %r (allowed: %s)",
                name,
                ", ".join(self.CHARTS),
                location=self.get_location(),
            )
            return []
        budget = _load_budget(self.env)
        if budget is None:
            return []
        # like matplotlib's plot directive: the image lives in the build folder and the page
        # refers to it by a path relative to the page, so Sphinx copies it into _images/
        chart = Path(self.env.doctreedir).parent / "governance-charts" / f"{name}.svg"
        alt = self.CHARTS[name](budget, chart)
        page_dir = Path(self.env.doc2path(self.env.docname)).parent
        uri = Path(os.path.relpath(chart, page_dir)).as_posix()
        figure = nodes.figure(classes=["ose-chart"])
        figure += nodes.image(uri=uri, alt=alt)
        caption = self.options.get("caption") or "The same figures are given in the table."
        figure += nodes.caption(caption, caption)
        return [figure]


# -- environment bookkeeping -------------------------------------------------------------------


def _init_env(app: Sphinx) -> None:
    if not hasattr(app.env, "ose_governance_dated"):
        app.env.ose_governance_dated = {}  # type: ignore[attr-defined]


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "ose_governance_dated", {}).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = getattr(other, "ose_governance_dated", {})
    env.ose_governance_dated.update(  # type: ignore[attr-defined]
        {name: day for name, day in theirs.items() if name in docnames}
    )


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages read on another day show stale overdue flags: read them again."""
    today = build_date()
    dated: dict[str, date] = getattr(env, "ose_governance_dated", {})
    return [name for name, day in dated.items() if day != today and name in env.found_docs]


def _add_static(app: Sphinx, config: Config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _init_env)
    app.connect("config-inited", _add_static)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _outdated)
    app.connect("doctree-read", add_charter_panel)
    app.add_directive("charter-index", CharterIndex)
    app.add_directive("roster", RosterTable)
    app.add_directive("seat-rules", SeatRules)
    app.add_directive("budget-table", BudgetTable)
    app.add_directive("revenue-table", RevenueTable)
    app.add_directive("sponsorship-tiers", SponsorshipTiers)
    app.add_directive("governance-chart", GovernanceChart)
    app.add_css_file(CSS_FILE)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
