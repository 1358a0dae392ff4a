"""The data files a lesson reads: found in its code, and kept inside the repository.

Lessons run in their own folder and read files shipped under ``curriculum/data/`` by a relative
path written in the code (``"../../data/points.csv"``). Every string literal of a code cell that
is such a path names a file the lesson reads. A bundle copies exactly those files, at the same
relative place, so the notebooks run unchanged once unzipped. A path that climbs out of the
repository, or a file that is a symbolic link to somewhere outside it, is refused: a bundle
must never carry a file from the machine that built it.
"""

from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path

from ose.core.problems import Problem
from ose.execution.notebooks import read_notebook
from ose.project import Project

#: Where lessons' data files live, relative to the project root.
DATA_DIR = "curriculum/data"


@dataclass(frozen=True, order=True)
class DataFile:
    """A file a lesson reads: where it is, and where it goes in a bundle (under ``data/``)."""

    path: Path
    bundle_path: str


def _literals(code: str) -> list[tuple[int, str]]:
    """(line within the cell, value) of each plain string literal; nothing if it does not
    tokenize (a cell with IPython magics, say)."""
    found: list[tuple[int, str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type != tokenize.STRING:
                continue
            text = token.string
            prefix = text[: len(text) - len(text.lstrip("rRuUbB"))].lower()
            if "f" in prefix or "b" in prefix:
                continue
            body = text[len(prefix) :]
            quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
            found.append((token.start[0], body[len(quote) : -len(quote)]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def _looks_like_path(value: str) -> bool:
    """A relative or absolute file path: slashes between names (not a hatch pattern "//",
    a unit "km/h" is harmless: it stays inside the repository and names no data file)."""
    return (
        "/" in value
        and not any(c.isspace() for c in value)
        and "://" not in value
        and any(c.isalnum() for c in value)
    )


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _first_code_line(lines: list[str], fence: int, cell: object) -> int:
    """The 1-based line of a code cell's first line of code: after its fence (line ``fence``)
    and any ``:tags:`` option lines."""
    head = str(getattr(cell, "source", "")).split("\n")[0]
    for index in range(fence, len(lines)):
        if lines[index] == head:
            return index + 1
    return fence + 1


def lesson_data(root: Path, lesson: Path) -> tuple[list[DataFile], list[Problem]]:
    """The data files ``lesson`` reads, and a problem for every path that leaves the
    repository or names a data file that is not there."""
    root = root.resolve()
    data_dir = root / DATA_DIR
    relative = lesson.resolve().relative_to(root).as_posix()
    notebook = read_notebook(lesson)
    text_lines = lesson.read_text(encoding="utf-8").split("\n")
    starts = notebook.metadata.get("source_map", [])
    files: dict[str, DataFile] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        first = _first_code_line(text_lines, starts[index] if index < len(starts) else 0, cell)
        for line, value in _literals(cell.source):
            if not _looks_like_path(value):
                continue
            where = first + line - 1
            target = Path(os.path.normpath(lesson.parent.resolve() / value))
            if not _inside(target, root):
                problems.append(
                    Problem(
                        relative,
                        where,
                        f"the path {value!r} climbs out of the repository "
                        f"(allowed: files under {DATA_DIR}/, e.g. '../../data/file.csv')",
                    )
                )
                continue
            if not _inside(target, data_dir):
                continue
            shown = target.relative_to(root).as_posix()
            if not _inside(target.resolve(), root):
                problems.append(
                    Problem(
                        relative,
                        where,
                        f"{shown} is a symbolic link to {target.resolve()}, outside the "
                        f"repository (allowed: a file kept in {DATA_DIR}/)",
                    )
                )
                continue
            if target.is_dir():  # a folder the lesson lists: every file in it
                for inner in sorted(target.rglob("*")):
                    if not inner.is_file():
                        continue
                    if not _inside(inner.resolve(), root):
                        problems.append(
                            Problem(
                                relative,
                                where,
                                f"{inner.relative_to(root).as_posix()} is a symbolic link to "
                                f"{inner.resolve()}, outside the repository (allowed: a file "
                                f"kept in {DATA_DIR}/)",
                            )
                        )
                        continue
                    bundle = "data/" + inner.relative_to(data_dir).as_posix()
                    files[bundle] = DataFile(inner, bundle)
                continue
            if not target.is_file():
                problems.append(
                    Problem(
                        relative,
                        where,
                        f"the lesson reads {value!r} but there is no file {shown} "
                        f"(allowed: files under {DATA_DIR}/)",
                    )
                )
                continue
            bundle = "data/" + target.relative_to(data_dir).as_posix()
            files[bundle] = DataFile(target, bundle)
    return sorted(files.values()), problems


def check_lesson_data(project: Project) -> list[Problem]:
    """The ``ose check`` rule: no lesson reads a path that leaves the repository, a data file
    that links out of it, or a data file that is not there (nothing to do without lessons)."""
    from ose.curriculum.load import read_curriculum

    curriculum, _ = read_curriculum(project)  # the curriculum's own problems are its check's
    problems: list[Problem] = []
    for lesson in curriculum.lessons.values():
        source = project.root / lesson.path
        if source.is_file():
            problems.extend(lesson_data(project.root, source)[1])
    return problems
