"""``ose decision ...``: scaffold, list and move decision records (a face over :mod:`.edit`)."""

from __future__ import annotations

import argparse

from ose.core.dates import build_date
from ose.core.problems import display_path
from ose.decisions.edit import new_draft, number_drafts, set_status, supersede
from ose.decisions.records import STATUSES, TRANSITIONS, load_decisions
from ose.project import Project


def _root(args: argparse.Namespace) -> Project:
    """The site at ``--root``, checked as every command checks it (one line if unusable)."""
    from ose.cli import source_project

    return source_project(args)


def cmd_new(args: argparse.Namespace) -> int:
    project = _root(args)
    path = new_draft(project.root, args.title, build_date(), args.decider, args.tag)
    print(f"created {display_path(path, project.root)} (status: proposed, no number yet)")
    print("next: write Context, Decision and Consequences, then open a pull request")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    project = _root(args)
    records = [r for r in load_decisions(project.root) if args.status in (None, r.status)]
    for record in records:
        when = record.date.isoformat() if record.date else "?"
        print(f"{record.label:<6} {record.status:<10} {when:<10}  {record.title}")
    if not records:
        print(f"no decision records{f' with status {args.status}' if args.status else ''}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    project = _root(args)
    record = set_status(project.root, args.record, args.status, build_date())
    print(f"{display_path(record.path, project.root)}: status {record.status}, dated {record.date}")
    return 0


def cmd_supersede(args: argparse.Namespace) -> int:
    project = _root(args)
    old, new = supersede(project.root, args.old, args.new, build_date())
    print(f"{display_path(old, project.root)}: superseded by {display_path(new, project.root)}")
    print(f"{display_path(new, project.root)}: supersedes {display_path(old, project.root)}")
    return 0


def cmd_number(args: argparse.Namespace) -> int:
    project = _root(args)
    moves = number_drafts(project.root)
    for move in moves:
        print(f"{display_path(move.old, project.root)} -> {display_path(move.new, project.root)}")
    if not moves:
        print("no decided drafts to number")
    return 0


def add_decision_command(commands: argparse._SubParsersAction) -> None:
    """Register ``ose decision`` and its subcommands."""
    decision = commands.add_parser(
        "decision",
        help="scaffold, list, supersede and number decision records",
        description="Work with the TSC's decision records under decisions/.",
    )
    sub = decision.add_subparsers(dest="decision_command", metavar="ACTION", required=True)

    new = sub.add_parser(
        "new",
        help="scaffold decisions/draft-<slug>.md from the template",
        description="Create a proposed record from decisions/template.md. Drafts have no "
        "number; 'ose decision number' gives one once the TSC has decided.",
    )
    new.add_argument("title", help="the decision's title (at most 80 characters)")
    new.add_argument(
        "--decider", action="append", help="a body or seat id of the roster (repeatable)"
    )
    new.add_argument("--tag", action="append", help="a lower-case tag (repeatable)")
    new.set_defaults(func=cmd_new)

    listing = sub.add_parser("list", help="list the records", description="List the records.")
    listing.add_argument("--status", choices=STATUSES, help="only records with this status")
    listing.set_defaults(func=cmd_list)

    lifecycle = "; ".join(f"{a} -> {', '.join(b)}" for a, b in TRANSITIONS.items())
    status = sub.add_parser(
        "status",
        help="move a record along its lifecycle and date the change",
        description=f"Set a record's status and date. Lifecycle: {lifecycle}.",
    )
    status.add_argument("record", help="number, draft-<slug>, slug or path")
    status.add_argument("status", choices=[s for s in STATUSES if s != "superseded"])
    status.set_defaults(func=cmd_status)

    replace = sub.add_parser(
        "supersede",
        help="record that NEW replaces OLD, in both files",
        description="Mark OLD superseded by NEW (OLD: status, date, superseded-by; NEW: "
        "supersedes). Both must be accepted.",
    )
    replace.add_argument("old", help="the record being replaced")
    replace.add_argument("new", help="the accepted record replacing it")
    replace.set_defaults(func=cmd_supersede)

    number = sub.add_parser(
        "number",
        help="number every decided draft and rewrite links to it (run on main)",
        description="Rename each decided draft-<slug>.md to NNNN-<slug>.md with the next free "
        "numbers, oldest first, and rewrite every link to it.",
    )
    number.set_defaults(func=cmd_number)
