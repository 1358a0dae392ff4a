"""The exercises and instructor notes of a lesson, taken from its source as MyST text.

An instructor guide gathers every note of a workshop's lessons, and a handout every exercise
without its solution. Both are read here, from the lesson's body, so that the Sphinx layer only
renders them and a bundle can reuse them. A block is a colon fence (``:::{exercise} Title``)
closed by a line of at least as many colons; blocks inside code fences are not blocks.
"""

from __future__ import annotations

import re
from pathlib import Path

from ose.core.frontmatter import parse_front_matter
from ose.core.problems import Problem, ProblemsFound
from ose.workshops.model import Block

KINDS = ("exercise", "instructor-note")
_OPEN = re.compile(r"^(?P<colons>:{3,})\{(?P<kind>[a-z-]+)\}\s*(?P<title>.*?)\s*$")
_CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_OPTION = re.compile(r"^:[\w-]+:")


def lesson_blocks(path: Path, root: Path) -> list[Block]:
    """Every exercise and instructor note of the lesson at ``path``, in page order; none when
    the lesson cannot be read (the curriculum's check reports why)."""
    try:
        front = parse_front_matter(path, root=root)
    except ProblemsFound:
        return []
    relative = Problem.at(path, 0, "", root).path
    lines = front.body.splitlines()
    blocks: list[Block] = []
    code_fence: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _CODE_FENCE.match(line)
        if fence:
            marker = fence.group(1)
            if code_fence is None:
                code_fence = marker
            elif marker.startswith(code_fence[0]) and len(marker) >= len(code_fence):
                code_fence = None
            index += 1
            continue
        opening = _OPEN.match(line) if code_fence is None else None
        if opening is None or opening.group("kind") not in KINDS:
            index += 1
            continue
        closing = re.compile(rf"^:{{{len(opening.group('colons'))},}}\s*$")
        start = index + 1
        while start < len(lines) and _OPTION.match(lines[start]):
            start += 1  # options (:name:, :class:) stay with the lesson's own block
        end = start
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        blocks.append(
            Block(
                kind=opening.group("kind"),  # type: ignore[arg-type]
                title=opening.group("title"),
                content="\n".join(lines[start:end]).strip("\n"),
                path=relative,
                line=front.body_start_line + start,
            )
        )
        index = end + 1
    return blocks
