"""A lesson as it goes into a workshop bundle: for learners, or for instructors.

The site writes teaching material with three directives (``exercise``, ``solution``,
``instructor-note``) and tags the code of a worked answer ``solution``. A learner's copy drops
every solution (prose and code) and every instructor note; an instructor's copy keeps them. Both
carry them in forms that mystmd (Jupyter Book 2) knows, since it stops on this site's own
directives: an exercise gets a ``:label:``, a solution names its exercise's label, an instructor
note becomes an admonition.
"""

from __future__ import annotations

import copy
import hashlib
import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbformat.v4 import nbjson

from ose.execution.export import PUBLISHED_KERNELSPEC
from ose.execution.notebooks import read_notebook

Audience = Literal["learner", "instructor"]

#: The code-cell tag that marks the code of a worked answer.
SOLUTION_TAG = "solution"

_OPEN = re.compile(
    r"^(?P<indent> {0,3})(?P<fence>:{3,}|`{3,}|~{3,})\{(?P<name>[^}\s]+)\}(?P<arg>.*)$"
)
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")


@dataclass
class Labels:
    """Numbers exercises in document order, so a solution can name the exercise before it."""

    stem: str
    prefix: str = ""
    #: the lesson's docname, and the bundle's notebooks by docname (``course/stem``), so that
    #: ``{doc}`` links between lessons become links between the bundle's files
    docname: str = ""
    bundled: dict[str, str] = field(default_factory=dict)
    suffix: str = ".md"
    count: int = 0
    current: str | None = None
    used: set[str] = field(default_factory=set)

    def exercise(self, name: str | None) -> str:
        self.count += 1
        label = f"{self.prefix}{name}" if name else f"{self.stem}-exercise-{self.count}"
        self.current = label
        self.used.add(label)
        return label


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {fence[0]} and len(stripped) >= len(fence)


def _split_options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    index = 0
    while index < len(body) and (match := _OPTION.match(body[index].strip())):
        options[match.group("key")] = match.group("value").strip()
        index += 1
    while index < len(body) and not body[index].strip():
        index += 1
    return options, body[index:]


def _rewrite(
    name: str, fence: str, arg: str, body: list[str], audience: Audience, labels: Labels
) -> list[str]:
    """One teaching directive in the form mystmd knows, or nothing for a learner."""
    options, content = _split_options(body)
    title = arg.strip()
    if name == "exercise":
        label = labels.exercise(options.get("name"))
        head = [f"{fence}{{exercise}}" + (f" {title}" if title else ""), f":label: {label}"]
        return [*head, *_transform_lines(content, audience, labels), fence]
    if audience == "learner":
        return []
    if name == "solution":
        target = labels.current
        head = f"{fence}{{solution}}" + (f" {target}" if target else "")
        extra = [f"**{title}**", ""] if title and title != "Solution" else []
        if target is None:  # mystmd needs an exercise: show it as a plain admonition instead
            head = f"{fence}{{admonition}} {title or 'Solution'}"
            extra = []
        return [head, *extra, *_transform_lines(content, audience, labels), fence]
    # instructor-note
    heading = f"Instructor note: {title}" if title else "Instructor note"
    return [
        f"{fence}{{admonition}} {heading}",
        ":class: tip instructor-note",
        *_transform_lines(content, audience, labels),
        fence,
    ]


def _transform_lines(lines: list[str], audience: Audience, labels: Labels) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _OPEN.match(line)
        if match is None:
            out.append(line)
            index += 1
            continue
        fence, name = match.group("fence"), match.group("name")
        end = index + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        body = lines[index + 1 : end]
        if name in ("exercise", "solution", "instructor-note") and not fence.startswith("~"):
            out.extend(_rewrite(name, fence, match.group("arg"), body, audience, labels))
        else:
            out.extend(lines[index : end + 1])
        index = end + 1
    return out


_DOC = re.compile(r"\{doc\}`(?P<body>[^`]+)`")
_TITLED = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)


def _doc_links(text: str, labels: Labels) -> str:
    """Sphinx's ``{doc}`` role as a Markdown link to the lesson's file in the bundle (mystmd
    advises against the role), or as plain text when the page is not in the bundle."""

    def replace(match: re.Match[str]) -> str:
        body = match.group("body")
        titled = _TITLED.match(body)
        text, target = (titled.group("text"), titled.group("target")) if titled else ("", body)
        if target.startswith("/"):
            docname = posixpath.normpath(target.lstrip("/"))
        else:
            docname = posixpath.normpath(posixpath.join(posixpath.dirname(labels.docname), target))
        here = labels.bundled.get(labels.docname)
        there = labels.bundled.get(docname)
        if here is None or there is None:
            return text or posixpath.basename(target)
        relative = posixpath.relpath(there, posixpath.dirname(here)) + labels.suffix
        return f"[{text}]({relative})"

    return _DOC.sub(replace, text)


def transform_markdown(text: str, audience: Audience, labels: Labels) -> str:
    """A markdown cell's text for ``audience``, in mystmd's forms."""
    lines = _transform_lines(_doc_links(text, labels).split("\n"), audience, labels)
    # no run of blank lines where a block was dropped
    cleaned: list[str] = []
    for line in lines:
        if not line.strip() and cleaned and not cleaned[-1].strip():
            continue
        cleaned.append(line)
    return "\n".join(cleaned).strip("\n")


def _is_solution(cell: Any) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def _cell_id(name: str, index: int) -> str:
    """A cell id unique in the bundle (mystmd takes ids as targets) and valid (at most 64)."""
    ident = f"{name}-{index}"
    if len(ident) > 64:
        ident = f"{hashlib.sha256(name.encode()).hexdigest()[:16]}-{index}"
    return ident


def for_audience(
    notebook: nbformat.NotebookNode,
    audience: Audience,
    name: str,
    docname: str = "",
    bundled: dict[str, str] | None = None,
) -> Any:
    """A copy of ``notebook`` for ``audience`` with a generic kernel (what a learner has).

    ``name`` (``course-lesson``) makes labels and cell ids unique in a bundle; the instructor's
    copy prefixes its own, since both copies of a lesson sit in one Jupyter Book project."""
    notebook = copy.deepcopy(notebook)
    prefix = "instructor-" if audience == "instructor" else ""
    labels = Labels(
        f"{prefix}{name}",
        prefix=prefix,
        docname=docname,
        bundled=bundled or {},
        suffix=".ipynb" if audience == "instructor" else ".md",
    )
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and audience == "learner" and _is_solution(cell):
            continue
        if cell.cell_type == "markdown":
            cell.source = transform_markdown(cell.source, audience, labels)
            if not cell.source.strip():
                continue
        cells.append(cell)
    for index, cell in enumerate(cells):
        cell["id"] = _cell_id(f"{prefix}{name}", index)
        if cell.cell_type == "code" and audience == "learner":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    notebook.cells = cells
    metadata = notebook.metadata
    metadata.pop("source_map", None)
    kept = {key: metadata[key] for key in ("jupytext", "ose") if key in metadata}
    notebook.metadata = nbformat.from_dict(
        {**kept, "kernelspec": dict(PUBLISHED_KERNELSPEC), "language_info": {"name": "python"}}
    )
    return notebook


def ipynb_bytes(notebook: Any) -> bytes:
    """Deterministic ``.ipynb`` text: the same notebook always gives the same bytes, as
    Jupyter writes them (sorted keys, indent 1, text split in lines). nbformat's writer, not
    ``nbformat.writes``, which validates the notebook first only to log what it finds: 10 ms a
    notebook, for notebooks made from ones that were validated as they were read."""
    return (nbjson.writes(nbformat.from_dict(notebook)) + "\n").encode()


def text_notebook_bytes(notebook: Any) -> bytes:
    """The notebook as a MyST text notebook (jupytext), as the site's lessons are written."""
    import jupytext

    text = jupytext.writes(nbformat.from_dict(notebook), fmt="md:myst")
    return text.encode("utf-8")


def learner_notebook(
    source: Path, name: str, docname: str = "", bundled: dict[str, str] | None = None
) -> Any:
    """The lesson without solutions, notes or outputs."""
    return for_audience(read_notebook(source), "learner", name, docname, bundled)


def instructor_notebook(
    published: Path,
    name: str,
    docname: str = "",
    bundled: dict[str, str] | None = None,
) -> Any | None:
    """The executed lesson with solutions and notes, from the notebook the site publishes beside
    the lesson's page (the jupyter-cache's outputs, merged once per build for the page's
    download); None when there is none."""
    try:
        executed = json.loads(published.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return for_audience(nbformat.from_dict(executed), "instructor", name, docname, bundled)
