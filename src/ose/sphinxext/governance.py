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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ose.core.dates import build_date
from ose.core.drawn import drawn
from ose.core.problems import Problem, ProblemsFound
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
from ose.governance.rules import Rules, load_rules
from ose.sphinxext.base import metadata
from ose.sphinxext.nodes import (
    Cell,
    badge,
    bullet_list,
    doc_link,
    entry,
    field_list,
    first_section,
    insert_under_title,
    joined,
    ref_link,
    row,
    table,
)
from ose.sphinxext.problems import ConcernDirective, warn_at
from ose.sphinxext.state import ose_state

CONCERN = "governance"
CSS_FILE = "governance.css"
STATUS_LABELS = {"draft": "Draft", "ratified": "Ratified", "retired": "Retired"}
#: Pages showing something relative to the build date, with the date they were read on.
DATED = "governance-dated"


# -- the data files, read once per build -------------------------------------------------------


@dataclass
class Governance:
    """What ``governance/`` holds; None for a data file that is absent or could not be read."""

    today: date
    roster: Roster | None = None
    rules: Rules | None = None
    budget: Budget | None = None
    charters: dict[str, Charter] = field(default_factory=dict)  # by docname
    charter_files: list[Path] = field(default_factory=list)  # valid or not
    decisions: dict[int, Path] = field(default_factory=dict)  # decision records, by number
    absent: set[str] = field(default_factory=set)  # data files not in governance/


def _load_file(root: Path, name: str, loader: Any, facts: Governance, problems: list) -> Any:
    path = root / GOVERNANCE_DIR / name
    if not path.is_file():
        facts.absent.add(name)
        return None
    try:
        return loader(path, root)
    except ProblemsFound as found:
        problems.extend(found.problems)
    except OSError as error:
        problems.append(Problem.at(path, 0, f"cannot be read ({error.strerror})", root))
    return None


def read_governance(root: Path) -> tuple[Governance, list[Problem]]:
    """Every governance file of the project at ``root``, and the problems found reading them."""
    facts = Governance(today=build_date())
    problems: list[Problem] = []
    if not (root / GOVERNANCE_DIR).is_dir():
        facts.absent.update((ROSTER_FILE, RULES_FILE, BUDGET_FILE))
        return facts, problems
    facts.roster = _load_file(root, ROSTER_FILE, load_roster, facts, problems)
    facts.rules = _load_file(root, RULES_FILE, load_rules, facts, problems)
    facts.budget = _load_file(root, BUDGET_FILE, load_budget, facts, problems)
    facts.charter_files = charter_paths(root)
    for path in facts.charter_files:
        try:
            charter = load_charter(path, root)
        except ProblemsFound as found:
            problems.extend(found.problems)
            continue
        facts.charters[charter.docname] = charter
    facts.decisions = decision_files(root)
    return facts, problems


def _read(app: Sphinx) -> None:
    facts, problems = read_governance(Path(app.srcdir))
    ose_state(app.env).set_facts(CONCERN, facts, problems)


def governance_of(env: BuildEnvironment) -> Governance:
    facts = ose_state(env).facts(CONCERN)
    return cast(Governance, facts) if facts is not None else Governance(today=build_date())


def _note_dated(env: BuildEnvironment, docname: str) -> None:
    """This page shows something relative to the build date: re-read it when the date moves."""
    ose_state(env).note_page(DATED, docname, governance_of(env).today)


def _dated_pages(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages read on another day show stale overdue flags: read them again."""
    today = governance_of(env).today
    dated: dict[str, date] = ose_state(env).pages(DATED)
    return [name for name, day in dated.items() if day != today and name in env.found_docs]


class GovernanceDirective(ConcernDirective):
    """A directive showing governance data: it depends on the file it shows."""

    concern = CONCERN

    @property
    def facts(self) -> Governance:
        return governance_of(self.env)

    def data_file(self, name: str) -> bool:
        """Note that the page shows ``name``; warn (and say False) if there is no such file."""
        if name in self.facts.absent:
            self.warn(f"{self.name} needs {GOVERNANCE_DIR}/{name}, which does not exist")
            return False
        self.env.note_dependency(str(Path(self.env.srcdir) / GOVERNANCE_DIR / name))
        return True

    def roster(self) -> Roster | None:
        """The roster (None if absent or broken: its own problems are warned already)."""
        return self.facts.roster if self.data_file(ROSTER_FILE) else None

    def budget(self) -> Budget | None:
        return self.facts.budget if self.data_file(BUDGET_FILE) else None

    def rules(self) -> Rules | None:
        return self.facts.rules if self.data_file(RULES_FILE) else None


def roster_label(body_id: str) -> str:
    return f"roster-{body_id}"


def _title(text: str) -> str:
    return text.replace("-", " ").capitalize()


def _badge(text: str, kind: str) -> nodes.inline:
    return badge(text, "ose-badge", f"ose-badge-{kind}")


def _table(caption: str, headers: list[str], rows: list[nodes.row], **options: Any) -> nodes.table:
    classes = ["ose-governance-table", *options.pop("classes", [])]
    return table(headers, rows, caption=caption, classes=classes, **options)


def _owner(roster: Roster | None, owner: str) -> Cell:
    body = roster.bodies.get(owner) if roster is not None else None
    return ref_link(roster_label(owner), body.name) if body else owner


def _review_cell(charter: Charter, today: date) -> list[nodes.Node]:
    cell: list[nodes.Node] = [nodes.Text(str(charter.meta.next_review))]
    if charter.overdue(today):
        cell += [nodes.Text(" "), _badge("review overdue", "overdue")]
    return cell


# -- the charter panel -------------------------------------------------------------------------


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
    review = [nodes.Text(f"{_title(meta.review_cycle)}; next by "), *_review_cell(charter, today)]
    amendments = joined(
        (
            doc_link(f"decisions/{decisions[number].stem}", f"Decision {number:04d}")
            if number in decisions
            else nodes.Text(f"decision {number}")
            for number in meta.amended_by
        ),
        ", ",
    )
    fields = field_list(
        [
            ("Status", status),
            ("Version", meta.version),
            ("Owner", _owner(roster, meta.owner)),
            ("Review", review),
            ("Amended by", amendments or "no amendments yet"),
            ("Figures", figure_counts(charter)),
        ],
        classes=["ose-charter-fields"],
    )
    panel = nodes.container(classes=["ose-charter-panel"])
    panel += nodes.rubric("Charter record", "Charter record", classes=["ose-charter-heading"])
    panel += fields
    proposals = meta.proposals()
    if proposals:
        intro = "Proposed here, not given by the Foundation's plan (to be confirmed):"
        panel += nodes.paragraph(intro, intro, classes=["ose-proposals-intro"])
        listed = bullet_list(proposals)
        listed["classes"].append("ose-proposals")
        panel += listed
    return panel


def figure_counts(charter: Charter) -> str:
    """How many of the charter's figures come from the plan and how many are proposals."""
    plan, proposed = len(charter.meta.from_plan()), len(charter.meta.proposals())
    if not plan and not proposed:
        return "none stated"
    return f"{plan} from the plan, {proposed} {'proposal' if proposed == 1 else 'proposals'}"


def add_charter_panel(app: Sphinx, doctree: nodes.document) -> None:
    """Put the panel under the title of every charter page."""
    env = app.env
    docname = env.current_document.docname
    facts = governance_of(env)
    charter = facts.charters.get(docname)
    if charter is None:
        return
    if first_section(doctree) is None:
        warn_at((docname, None), "a charter needs a title heading", CONCERN)
        return
    if ROSTER_FILE not in facts.absent:
        env.note_dependency(str(Path(env.srcdir) / GOVERNANCE_DIR / ROSTER_FILE))
    panel = charter_panel(charter, facts.roster, facts.decisions, facts.today)
    insert_under_title(doctree, panel)
    _note_dated(env, docname)


# -- directives --------------------------------------------------------------------------------


class CharterIndex(GovernanceDirective):
    """Every charter with its owner, status, version and next review; overdue ones flagged."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        facts = self.facts
        roster = self.roster()
        today = facts.today
        for path in facts.charter_files:
            self.env.note_dependency(str(path))
        charters = sorted(facts.charters.values(), key=lambda c: c.meta.title.lower())
        rows = [
            row(
                [
                    doc_link(charter.docname, charter.meta.title),
                    _owner(roster, charter.meta.owner),
                    _badge(STATUS_LABELS[charter.meta.status], charter.meta.status),
                    charter.meta.version,
                    _review_cell(charter, today),
                    str(len(charter.meta.proposals())),
                ],
                classes=["ose-overdue"] if charter.overdue(today) else [],
            )
            for charter in charters
        ]
        overdue = sum(charter.overdue(today) for charter in charters)
        proposed = sum(len(charter.meta.proposals()) for charter in charters)
        summary = f"{len(charters)} charters as of {today}; " + (
            f"{overdue} overdue for review." if overdue else "none is overdue for review."
        )
        if proposed:
            summary += (
                f" {proposed} of the figures they state are proposals the plan does not give."
            )
        _note_dated(self.env, self.env.current_document.docname)
        index = _table(
            "Charters: status, version and next review",
            ["Charter", "Owner", "Status", "Version", "Next review", "Proposed figures"],
            rows,
            classes=["ose-charter-index"],
            widths=[4, 3, 2, 1, 3, 2],
        )
        return [nodes.paragraph(summary, summary, classes=["ose-charter-summary"]), index]


class RosterTable(GovernanceDirective):
    """The seats of one body, as a table labelled ``roster-BODY`` for ``{ref}`` links."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        roster = self.roster()
        if roster is None:
            return []
        body_id = self.arguments[0]
        body = roster.bodies.get(body_id)
        if body is None:
            self.warn(f"no body {body_id!r} in the roster (allowed: {', '.join(roster.bodies)})")
            return []
        rows = []
        for seat in body.seats:
            constituency = (
                roster.constituencies[seat.constituency].name if seat.constituency else "—"
            )
            if seat.holder is None:
                holder: list[Cell | nodes.entry] = [
                    entry(f"Vacant, {seat.pending}", morecols=2, classes=["ose-vacant"])
                ]
            else:
                term = f"{seat.holder.term_start} to {seat.holder.term_end}"
                holder = [seat.holder.name, seat.holder.affiliation, term]
            rows.append(
                row([nodes.literal(seat.id, seat.id), _title(seat.role), constituency, *holder])
            )
        caption = f"{body.name}: {len(body.seats)} seats, {len(body.filled)} filled"
        result = _table(
            caption,
            ["Seat", "Role", "Constituency", "Held by", "Affiliation", "Term"],
            rows,
            classes=["ose-roster"],
            widths=[3, 2, 3, 3, 2, 2],
        )
        label = roster_label(body.id)
        result["ids"].append(label)
        result["names"].append(label)
        self.state.document.note_explicit_target(result)
        return [result]


class SeatRules(GovernanceDirective):
    """The rules a body's seats follow (from rules.yaml), so prose never restates a number."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        roster, rules = self.roster(), self.rules()
        if roster is None or rules is None:
            return []
        body_id = self.arguments[0]
        kind = rules.kinds.get(rules.bodies.get(body_id) or "")
        if kind is None:
            self.warn(f"no rules for body {body_id!r} (allowed: {', '.join(rules.bodies)})")
            return []
        names = roster.constituencies
        fields: list[tuple[str, Cell]] = [
            ("Seats", f"{kind.seats.min} to {kind.seats.max}"),
            ("Roles", ", ".join(_title(role) for role in kind.roles)),
        ]
        if kind.required_roles:
            required = ", ".join(f"a {role} seat" for role in kind.required_roles)
            fields.append(("Always has", required))
        if kind.constituencies:
            represented = "; ".join(names[c].name for c in kind.constituencies if c in names)
            fields.append(("Represents", represented))
        if kind.max_per_affiliation is not None:
            fields.append(("Seats per affiliation", f"at most {kind.max_per_affiliation}"))
        if kind.term_years is not None:
            years = "one year" if kind.term_years == 1 else f"{kind.term_years} years"
            fields.append(("Longest term", f"{years}, then re-election or rotation"))
        return [field_list(fields, classes=["ose-seat-rules"])]


def _amount(amount: int) -> nodes.entry:
    return entry(money(amount), classes=["ose-amount"])


class BudgetTable(GovernanceDirective):
    """Without argument: the sections and the total. With a section id: every line of it."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        budget = self.budget()
        if budget is None:
            return []
        if not self.arguments:
            return [self._summary(budget)]
        section = next((s for s in budget.sections if s.id == self.arguments[0]), None)
        if section is None:
            allowed = ", ".join(s.id for s in budget.sections)
            self.warn(f"no budget section {self.arguments[0]!r} (allowed: {allowed})")
            return []
        notes = any(line.note for line in section.lines)
        rows = []
        for group in section.groups:
            for index, line in enumerate(group.lines):
                cells: list[Cell | nodes.entry] = []
                if index == 0:
                    cells.append(entry(group.title, morerows=len(group.lines) - 1))
                cells += [line.item, _amount(line.amount)]
                rows.append(row([*cells, line.note] if notes else cells))
        subtotal = [entry("Subtotal", morecols=1), _amount(section.subtotal)]
        rows.append(row([*subtotal, *([""] if notes else [])], classes=["ose-total"]))
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

    @staticmethod
    def _summary(budget: Budget) -> nodes.table:
        def cells(amount: int) -> list[Cell | nodes.entry]:
            share = entry(f"{amount / budget.total:.1%}", classes=["ose-amount"])
            return [_amount(amount), share]

        rows = [row([s.title, *cells(s.subtotal)]) for s in budget.sections]
        rows.append(row(["Total", *cells(budget.total)], classes=["ose-total"]))
        return _table(
            f"Annual budget by section ({budget.currency})",
            ["Section", "Amount", "Share of the budget"],
            rows,
            classes=["ose-budget"],
            widths=[4, 2, 2],
        )


class RevenueTable(GovernanceDirective):
    """The revenue streams with their expected range and sources."""

    def run(self) -> list[nodes.Node]:
        budget = self.budget()
        if budget is None:
            return []
        rows = [
            row([s.title, _amount(s.low), _amount(s.high), "; ".join(s.sources)])
            for s in budget.revenue
        ]
        total = ["All streams", _amount(budget.revenue_low), _amount(budget.revenue_high), ""]
        rows.append(row(total, classes=["ose-total"]))
        return [
            _table(
                "Expected yearly revenue by stream",
                ["Stream", "Low estimate", "High estimate", "Sources"],
                rows,
                classes=["ose-budget"],
                widths=[3, 2, 2, 5],
            )
        ]


class SponsorshipTiers(GovernanceDirective):
    """The sponsorship tiers, lowest first, and the benefits each one includes."""

    def run(self) -> list[nodes.Node]:
        budget = self.budget()
        if budget is None or budget.sponsorship is None:
            return []
        offered = budget.sponsorship.benefits
        rows = [
            row([tier.name, tier.summary, bullet_list(offered[key] for key in tier.benefits)])
            for tier in budget.sponsorship.tiers
        ]
        caption = "Sponsorship tiers and their benefits, lowest tier first"
        if budget.sponsorship.tiers_source == "proposal":
            caption += " (the tiers are a proposal: the plan lists the benefits, not the tiers)"
        return [
            _table(
                caption,
                ["Tier", "Who it is for", "Benefits"],
                rows,
                classes=["ose-tiers"],
                widths=[2, 4, 5],
            )
        ]


class GovernanceChart(GovernanceDirective):
    """A chart of the budget or the revenue plan, drawn now into the build folder."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"caption": directives.unchanged}
    CHARTS: ClassVar[dict[str, Any]] = {"budget": budget_chart, "revenue": revenue_chart}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        if name not in self.CHARTS:
            self.warn(f"no chart {name!r} (allowed: {', '.join(self.CHARTS)})")
            return []
        budget = self.budget()
        if budget is None:
            return []
        # like matplotlib's plot directive: the image lives in the build folder and the page
        # refers to it by a path relative to the page, so Sphinx copies it into _images/
        chart = Path(self.env.doctreedir).parent / "governance-charts" / f"{name}.svg"
        alt = drawn(self.CHARTS[name], budget, chart)
        page_dir = Path(self.env.doc2path(self.env.current_document.docname)).parent
        uri = Path(os.path.relpath(chart, page_dir)).as_posix()
        figure = nodes.figure(classes=["ose-chart"])
        figure += nodes.image(uri=uri, alt=alt)
        caption = self.options.get("caption") or "The same figures are given in the table."
        figure += nodes.caption(caption, caption)
        return [figure]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.connect("builder-inited", _read)
    app.connect("env-get-outdated", _dated_pages)
    app.connect("doctree-read", add_charter_panel)
    app.add_directive("charter-index", CharterIndex)
    app.add_directive("roster", RosterTable)
    app.add_directive("seat-rules", SeatRules)
    app.add_directive("budget-table", BudgetTable)
    app.add_directive("revenue-table", RevenueTable)
    app.add_directive("sponsorship-tiers", SponsorshipTiers)
    app.add_directive("governance-chart", GovernanceChart)
    app.add_css_file(CSS_FILE)
    return metadata()
