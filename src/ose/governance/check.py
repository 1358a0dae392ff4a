"""``ose check`` for governance: charters, roster, rules and budget, all problems at once.

A no-op when the project has no ``governance/`` folder (small fixture sites have none).
"""

from __future__ import annotations

from pathlib import Path

from ose.core.dates import build_date
from ose.core.problems import Problem, ProblemsFound
from ose.governance.budget import budget_problems, load_budget
from ose.governance.charters import (
    GOVERNANCE_DIR,
    charter_paths,
    charter_problems,
    decision_files,
    load_charter,
)
from ose.governance.roster import Roster, load_roster
from ose.governance.rules import load_rules, roster_problems
from ose.project import Project

ROSTER_FILE = "roster.yaml"
RULES_FILE = "rules.yaml"
BUDGET_FILE = "budget.yaml"


def _data_file(project: Project, name: str) -> Path | None:
    path = project.root / GOVERNANCE_DIR / name
    return path if path.is_file() else None


def _roster_problems(project: Project) -> tuple[Roster | None, list[Problem]]:
    path = _data_file(project, ROSTER_FILE)
    if path is None:
        return None, []
    try:
        roster = load_roster(path, project.root)
    except ProblemsFound as found:
        return None, found.problems
    rules_path = _data_file(project, RULES_FILE)
    if rules_path is None:
        return roster, []
    try:
        rules = load_rules(rules_path, project.root)
    except ProblemsFound as found:
        return roster, found.problems
    return roster, roster_problems(roster, rules, build_date())


def check_governance(project: Project) -> list[Problem]:
    """Every governance problem of ``project``."""
    if not (project.root / GOVERNANCE_DIR).is_dir():
        return []
    roster, problems = _roster_problems(project)
    roster_path = _data_file(project, ROSTER_FILE)
    if roster is not None:
        bodies: list[str] | None = list(roster.bodies)
    else:
        bodies = None if roster_path is not None else []
    decisions = decision_files(project.root)
    for path in charter_paths(project.root):
        try:
            charter = load_charter(path, project.root)
        except ProblemsFound as found:
            problems.extend(found.problems)
            continue
        problems.extend(charter_problems(charter, project.root, bodies, decisions))
    budget_path = _data_file(project, BUDGET_FILE)
    if budget_path is not None:
        try:
            problems.extend(budget_problems(load_budget(budget_path, project.root)))
        except ProblemsFound as found:
            problems.extend(found.problems)
    return problems
