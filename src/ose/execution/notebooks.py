"""Text notebooks: find them, read them as myst-nb reads them, and check their front matter.

A notebook source is a MyST Markdown file whose front matter carries ``kernelspec`` (the
jupytext convention). Its kernel must be one the build registers, and an optional
``mystnb.execution_timeout`` overrides the per-cell timeout, as in myst-nb itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
from myst_nb.core.read import read_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig

from ose.frontmatter import FrontMatter, parse_front_matter
from ose.kernels import KERNELS
from ose.markup import MYST_EXTENSIONS
from ose.problems import Problem, ProblemsFound
from ose.project import Project

#: Seconds a single cell may run before the lesson fails; generous, since models sample.
DEFAULT_CELL_TIMEOUT = 600

_CODE_CELL = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")


@dataclass(frozen=True)
class NotebookSource:
    """A text notebook and what its front matter says about executing it."""

    path: Path
    kernel: str
    timeout: int

    @property
    def cwd(self) -> Path:
        """Lessons run in their own folder, as myst-nb runs them."""
        return self.path.parent


def _myst_config() -> MdParserConfig:
    return MdParserConfig(enable_extensions=set(MYST_EXTENSIONS))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook exactly as myst-nb builds it from the text file, with a cell source map."""
    text = path.read_text(encoding="utf-8")
    return read_myst_markdown_notebook(text, _myst_config(), add_source_map=True, path=path)


def code_cell_lines(path: Path) -> list[int]:
    """1-based line of each ``{code-cell}`` fence, in order: where to point at a failing cell."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [number for number, line in enumerate(lines, start=1) if _CODE_CELL.match(line)]


def is_notebook(front_matter: FrontMatter) -> bool:
    return "kernelspec" in front_matter.data


def notebook_problems(front: FrontMatter, root: Path) -> list[Problem]:
    """What is wrong with a text notebook's execution settings."""
    problems = []
    spec = front.data.get("kernelspec")
    name = spec.get("name") if isinstance(spec, dict) else None
    if name not in KERNELS:
        allowed = ", ".join(sorted(KERNELS))
        problems.append(
            front.problem("kernelspec", f"kernelspec.name is {name!r} (allowed: {allowed})", root)
        )
    timeout = (front.data.get("mystnb") or {}).get("execution_timeout", DEFAULT_CELL_TIMEOUT)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0:
        problems.append(
            front.problem(
                "mystnb",
                f"mystnb.execution_timeout is {timeout!r} (allowed: a positive number of seconds)",
                root,
            )
        )
    return problems


def _source_from(front: FrontMatter) -> NotebookSource:
    timeout = (front.data.get("mystnb") or {}).get("execution_timeout", DEFAULT_CELL_TIMEOUT)
    return NotebookSource(path=front.path, kernel=front.data["kernelspec"]["name"], timeout=timeout)


def iter_front_matter(project: Project) -> Iterator[FrontMatter | Problem]:
    """The front matter of every page source, or the problem that stops it being read."""
    for path in project.markdown_sources():
        try:
            yield parse_front_matter(path, root=project.root)
        except ProblemsFound as found:
            yield from found.problems


def find_notebooks(project: Project) -> list[NotebookSource]:
    """Every text notebook of the site; raise :class:`ProblemsFound` if any is misconfigured."""
    problems: list[Problem] = []
    sources: list[NotebookSource] = []
    for item in iter_front_matter(project):
        if isinstance(item, Problem):
            problems.append(item)
        elif is_notebook(item):
            found = notebook_problems(item, project.root)
            problems.extend(found)
            if not found:
                sources.append(_source_from(item))
    if problems:
        raise ProblemsFound(problems)
    return sources


def check_notebooks(project: Project) -> list[Problem]:
    """The ``ose check`` rule set of this concern."""
    try:
        find_notebooks(project)
    except ProblemsFound as found:
        return found.problems
    return []
