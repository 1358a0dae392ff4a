"""The house rules of the code, checked on its import graph.

The data layer (everything outside ``ose/sphinxext``) must run without Sphinx, so the CLI, the
checks and the tests use it alone; the Sphinx layer renders records and parses nothing itself, so
that there is one reader per kind of file.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "ose"
SPHINX_LAYER = PACKAGE / "sphinxext"
#: Modules that are the bridge to Sphinx by purpose: they run or configure a Sphinx build.
BRIDGES = {"sphinx_run.py"}


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth in the file (lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_the_data_layer_imports_neither_sphinx_nor_docutils():
    offenders = {
        path.relative_to(PACKAGE).as_posix(): sorted(
            name for name in imported(path) if name.split(".")[0] in {"sphinx", "docutils"}
        )
        for path in modules(PACKAGE)
        if SPHINX_LAYER not in path.parents and path.name not in BRIDGES
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_sphinx_layer_parses_no_file_itself():
    parsers = {"yaml", "ose.core.yamldata", "ose.core.text", "ose.core.frontmatter", "tomllib"}
    offenders = {
        path.relative_to(PACKAGE).as_posix(): sorted(imported(path) & parsers)
        for path in modules(SPHINX_LAYER)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_every_yaml_reader_goes_through_the_core():
    readers = {
        path.relative_to(PACKAGE).as_posix()
        for path in modules(PACKAGE)
        if "yaml" in imported(path) and "core" not in path.relative_to(PACKAGE).parts
    }
    # writing records back (decision commands) may dump YAML; nothing else may parse it
    assert readers <= {"decisions/edit.py"}
