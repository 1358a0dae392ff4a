"""Text notebooks: find them, read them as myst-nb reads them, and check their front matter.

A notebook source is what myst-nb itself takes for one: a MyST Markdown file whose front matter
has the jupytext header (``jupytext.text_representation.format_name: myst``). Its ``kernelspec``
must name a kernel the build registers, and an optional ``mystnb.execution_timeout`` overrides the
per-cell timeout, as in myst-nb itself. A file with a kernelspec but no jupytext header is an
error: myst-nb would render its code cells as a warning instead of running them.

Two keys say what a lesson needs from the machine that runs it: ``cores`` (how many cores its
sampler keeps busy at once, 1 by default: the lessons sample their chains one after the other)
and, for a lesson in a GPU kernel, ``cpu-fallback`` (whether it may run on CPU JAX where no GPU
is present; true by default, and its page then says so).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, cast

import myst_nb
import nbformat
from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig
from pydantic import Field

from ose.core.frontmatter import FrontMatter, parse_front_matter
from ose.core.problems import Problem, ProblemsFound
from ose.core.schema import Record, unknown_name, validated
from ose.core.text import file_version, read_text, write_atomically
from ose.execution.guard import DEFAULT_ESS_FLOOR, GuardSettings
from ose.execution.hygiene import HygieneSettings
from ose.kernels import CACHE_DIR_VARIABLE, KERNELS
from ose.markup import MYST_EXTENSIONS
from ose.project import Project

#: Seconds a single cell may run before the lesson fails; generous, since models sample.
DEFAULT_CELL_TIMEOUT = 600


@dataclass(frozen=True)
class NotebookSource:
    """A text notebook and what its front matter says about executing it."""

    path: Path
    kernel: str
    timeout: int
    guard: GuardSettings = field(default_factory=GuardSettings)
    hygiene: HygieneSettings = field(default_factory=HygieneSettings)
    #: cores the lesson keeps busy at once (``cores:``)
    cores: int = 1
    #: a GPU lesson may run on CPU JAX where no GPU is present (``cpu-fallback:``)
    cpu_fallback: bool = True
    #: the front-matter line that a refused GPU lesson is reported at
    accelerator_line: int = 1

    @property
    def needs_gpu(self) -> bool:
        return KERNELS[self.kernel].accelerator == "gpu"

    @property
    def cwd(self) -> Path:
        """Lessons run in their own folder, as myst-nb runs them."""
        return self.path.parent


def _myst_config() -> MdParserConfig:
    return MdParserConfig(enable_extensions=set(MYST_EXTENSIONS))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook exactly as myst-nb builds it, with ``metadata.source_map``: the 1-based
    line where each cell starts, so a failing cell can be reported as ``path:line``.

    Each caller gets a copy of its own to change."""
    try:
        version = file_version(path)
    except OSError:
        return _parse(path)  # read_text says why it cannot be read, in one line
    return copy.deepcopy(_parsed(path, *version))


@functools.lru_cache(maxsize=1024)
def _parsed(path: Path, *version: int) -> nbformat.NotebookNode:
    """Parsed once per version of the file: a build reads each lesson in several stages (check,
    cache lookup, bundles, published notebook), 40 ms each time."""
    return _parse(path)


def _parse(path: Path) -> nbformat.NotebookNode:
    text = read_text(path)
    kept = _kept_file(path, text)
    if kept is not None:
        try:
            return cast(nbformat.NotebookNode, pickle.loads(kept.read_bytes()))
        except Exception:  # not kept yet, or unreadable: read it again
            pass
    notebook = read_myst_markdown_notebook(text, _myst_config(), add_source_map=True, path=path)
    if kept is not None:
        _keep(kept, notebook)
    return notebook


#: What a parsed notebook depends on beyond its path and text.
_READER = (
    f"myst-nb {myst_nb.__version__}, nbformat {nbformat.__version__}, {sorted(MYST_EXTENSIONS)}"
)
#: Parsed notebooks kept at most; the oldest go first.
_KEPT_AT_MOST = 1000


def _kept_file(path: Path, text: str) -> Path | None:
    """Where ``ose build`` keeps this text's parsed notebook between builds: under the kernels'
    cache folder, which it names for the whole process (``OSE_CACHE_DIR``). myst-nb's reader
    takes 70 ms a lesson, half of it validating each cell it has just made, and every build
    reads every lesson once (to check it and look it up in the cache)."""
    folder = os.environ.get(CACHE_DIR_VARIABLE)
    if not folder:
        return None
    key = hashlib.sha256(f"{path}\0{_READER}\0{text}".encode()).hexdigest()[:32]
    return Path(folder) / "notebooks" / f"{key}.pickle"


def _keep(kept: Path, notebook: nbformat.NotebookNode) -> None:
    with contextlib.suppress(OSError):
        write_atomically(kept, pickle.dumps(notebook, protocol=pickle.HIGHEST_PROTOCOL))
        others = sorted(kept.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in others[: max(0, len(others) - _KEPT_AT_MOST)]:
            old.unlink(missing_ok=True)


def code_cell_lines(notebook: nbformat.NotebookNode) -> list[int]:
    """The line where each code cell starts, in order (a read notebook's ``source_map``)."""
    source_map = notebook.metadata.get("source_map") or []
    return [
        source_map[index] if index < len(source_map) else 1
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
    ]


def is_notebook(front_matter: FrontMatter) -> bool:
    """The test myst-nb applies, so that both agree on which files are notebooks."""
    path = front_matter.path
    try:
        return _is_notebook(path, *file_version(path))
    except OSError:
        return is_myst_markdown_notebook(read_text(path))


@functools.lru_cache(maxsize=1024)
def _is_notebook(path: Path, *_version: int) -> bool:
    """Once per version of the file. myst-nb's test parses the front matter with pure-Python
    YAML (10 ms a page); it can only pass when the front matter names one of the keys it
    reads, so a page that names neither is not parsed again."""
    text = read_text(path)
    if not any(key in text for key in ("jupytext", "file_format")):
        return False
    return is_myst_markdown_notebook(text)


JUPYTEXT_HEADER = "jupytext: {text_representation: {extension: .md, format_name: myst}}"


def notebook_problems(front: FrontMatter, root: Path) -> list[Problem]:
    """What is wrong with a text notebook's execution settings."""
    problems = []
    spec = front.data.get("kernelspec")
    name = spec.get("name") if isinstance(spec, dict) else None
    if name not in KERNELS:
        message = unknown_name("kernelspec.name", name, "a kernel", KERNELS, "the build")
        problems.append(front.problem(("kernelspec", "name"), message, root))
    timeout = (front.data.get("mystnb") or {}).get("execution_timeout", DEFAULT_CELL_TIMEOUT)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0:
        problems.append(
            front.problem(
                "mystnb",
                f"mystnb.execution_timeout is {timeout!r} (allowed: a positive number of seconds)",
                root,
            )
        )
    problems.extend(_guard_problems(front, root))
    problems.extend(_taught_problems(front))
    problems.extend(_resource_problems(front))
    return problems


CORES_KEY = "cores"
FALLBACK_KEY = "cpu-fallback"
#: The most cores a lesson may declare: more would never find a machine to run on.
MAX_CORES = 256


def _resource_problems(front: FrontMatter) -> list[Problem]:
    problems = []
    cores = front.data.get(CORES_KEY, 1)
    if not isinstance(cores, int) or isinstance(cores, bool) or not 1 <= cores <= MAX_CORES:
        message = (
            f"{CORES_KEY} is {cores!r} (allowed: a whole number from 1 to {MAX_CORES}, the cores "
            "the lesson's sampler keeps busy at once)"
        )
        problems.append(front.problem(CORES_KEY, message))
    fallback = front.data.get(FALLBACK_KEY, True)
    if not isinstance(fallback, bool):
        message = (
            f"{FALLBACK_KEY} is {fallback!r} (allowed: true or false, whether a GPU lesson may run "
            "on CPU JAX where no GPU is present)"
        )
        problems.append(front.problem(FALLBACK_KEY, message))
    return problems


GUARD_KEY = "convergence-guard"


class GuardDeclaration(Record):
    """``convergence-guard:`` in a lesson's front matter: what the lesson says of its models."""

    expected_failures: tuple[str, ...] = ()
    ess_floor: Annotated[float, Field(gt=0)] = DEFAULT_ESS_FLOOR


def _guard(front: FrontMatter) -> tuple[GuardDeclaration | None, list[Problem]]:
    return validated(GuardDeclaration, front.data.get(GUARD_KEY) or {}, front.lines, (GUARD_KEY,))


def _guard_problems(front: FrontMatter, root: Path) -> list[Problem]:
    return _guard(front)[1]


def _guard_settings(front: FrontMatter) -> GuardSettings:
    declared = _guard(front)[0] or GuardDeclaration()
    return GuardSettings(
        ess_floor=declared.ess_floor,
        expected_failures=tuple(declared.expected_failures),
        line=front.line_of(GUARD_KEY),
        failure_lines=tuple(front.item_lines((GUARD_KEY, "expected-failures"))),
    )


TAUGHT_KEY = "taught-output"


def _taught(front: FrontMatter) -> tuple[str, ...] | None:
    value = front.data.get(TAUGHT_KEY, [])
    if isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value):
        return tuple(value)
    return None


def _taught_problems(front: FrontMatter) -> list[Problem]:
    if _taught(front) is not None:
        return []
    message = (
        f"{TAUGHT_KEY} is {front.data.get(TAUGHT_KEY)!r} (allowed: a list of non-empty texts, "
        "each a part of an output that the lesson teaches, e.g. a warning it explains)"
    )
    return [front.problem(TAUGHT_KEY, message)]


#: The keys of a lesson's front matter that say how it is executed.
EXECUTION_KEYS = (GUARD_KEY, TAUGHT_KEY, CORES_KEY, FALLBACK_KEY)


def _hygiene_settings(front: FrontMatter) -> HygieneSettings:
    return HygieneSettings(
        taught=_taught(front) or (),
        line=front.line_of(TAUGHT_KEY),
        item_lines=tuple(front.item_lines((TAUGHT_KEY,))),
    )


def _source_from(front: FrontMatter) -> NotebookSource:
    timeout = (front.data.get("mystnb") or {}).get("execution_timeout", DEFAULT_CELL_TIMEOUT)
    return NotebookSource(
        path=front.path,
        kernel=front.data["kernelspec"]["name"],
        timeout=timeout,
        guard=_guard_settings(front),
        hygiene=_hygiene_settings(front),
        cores=front.data.get(CORES_KEY, 1),
        cpu_fallback=front.data.get(FALLBACK_KEY, True),
        accelerator_line=front.line_of(
            next(k for k in (FALLBACK_KEY, "accelerator", "kernelspec") if k in front.data)
        ),
    )


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
        elif "kernelspec" in item.data:
            problems.append(
                item.problem(
                    "kernelspec",
                    "a kernelspec without the jupytext header: myst-nb would not execute this "
                    f"file (add {JUPYTEXT_HEADER})",
                    project.root,
                )
            )
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
