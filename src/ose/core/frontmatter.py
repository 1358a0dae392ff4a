"""YAML front matter with the line of every key and list item, so that errors point at the line.

MyST sources (charters, decision records, lessons, course pages) start with a ``---`` block.
A block that is opened and never closed, or that does not start on line 1, is one problem named
as such: without that, the YAML would be read as Markdown and every required key would be
reported missing.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ose.core.problems import Problem, ProblemsFound
from ose.core.text import file_version, read_text
from ose.core.yamldata import LineMap, parse_yaml

FENCE = "---"
_KEY_LINE = re.compile(r"^[A-Za-z_][\w-]*\s*:")


@dataclass
class FrontMatter:
    """The parsed front matter of one file."""

    path: Path
    data: dict[str, Any]
    lines: LineMap
    #: 1-based line of the opening ``---`` (0 when the file has none) and of the closing one
    start_line: int = 0
    end_line: int = 0
    body: str = ""

    @property
    def present(self) -> bool:
        return self.start_line > 0

    @property
    def key_lines(self) -> dict[str, int]:
        """The line of each top-level key."""
        return {str(loc[0]): line for loc, line in self.lines.lines.items() if len(loc) == 1}

    def line_of(self, key: str | Iterable[str | int]) -> int:
        """The line of ``key`` (a name or a path), or of the nearest enclosing one that exists."""
        line = self.lines.line(key)
        return line if self.present else 1

    def item_lines(self, key: str | Iterable[str | int]) -> list[int]:
        """The line of each item of the list at ``key``."""
        return self.lines.items(key)

    def problem(
        self, key: str | Iterable[str | int], message: str, root: Path | None = None
    ) -> Problem:
        """A problem located at ``key`` in this file."""
        return Problem.at(self.path, self.line_of(key), message, root or self.lines.root)

    @property
    def body_start_line(self) -> int:
        """The 1-based line at which the body (after the front matter) starts."""
        return self.end_line + 1


def split_front_matter(text: str) -> tuple[str | None, int, str]:
    """Split ``text`` into (yaml text or None, line count of the block, body).

    Lenient: an unclosed block counts as no block. Readers that report problems use
    :func:`parse_front_matter`, which names those faults.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != FENCE:
        return None, 0, text
    for index in range(1, len(lines)):
        if lines[index].rstrip() == FENCE:
            return "".join(lines[1:index]), index + 1, "".join(lines[index + 1 :])
    return None, 0, text


def _misplaced_fence(lines: list[str]) -> int:
    """The line of a ``---`` block that would be front matter but does not start on line 1."""
    for index, line in enumerate(lines):
        if line.strip() == FENCE:
            following = lines[index + 1 : index + 2]
            if following and _KEY_LINE.match(following[0]):
                return index + 1
            return 0
        if line.strip():
            return 0  # content comes first: a later '---' is a Markdown rule, not front matter
    return 0


def parse_front_matter(
    path: Path, text: str | None = None, root: Path | None = None
) -> FrontMatter:
    """Parse the front matter of ``path``; raise :class:`ProblemsFound` when it is unusable.

    Each caller gets a copy of its own to change."""
    if text is None:
        try:
            version = file_version(path)
        except OSError:
            version = None
        if version is not None:
            return copy.deepcopy(_parsed_once(path, root, version))
        text = read_text(path, root)
    return _parse(path, text, root)


@functools.lru_cache(maxsize=4096)
def _parsed_once(path: Path, root: Path | None, _version: tuple[int, int]) -> FrontMatter:
    """Once per version of the file: a build reads a page's front matter in several stages and
    concerns (the check, each extension's facts, the bundles)."""
    return _parse(path, read_text(path, root), root)


def _parse(path: Path, text: str, root: Path | None) -> FrontMatter:
    def fail(line: int, message: str) -> ProblemsFound:
        return ProblemsFound([Problem.at(path, line, message, root)])

    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != FENCE:
        misplaced = _misplaced_fence(lines)
        if misplaced:
            raise fail(
                misplaced,
                f"front matter must start on line 1 (it starts on line {misplaced}; "
                "remove what comes before the '---')",
            )
        return FrontMatter(path=path, data={}, lines=LineMap(path, root), body=text)
    block, block_lines, body = split_front_matter(text)
    if block is None:
        raise fail(
            1,
            "front matter opened on line 1 is never closed (end it with a line '---')",
        )
    data, line_map = parse_yaml(block, path, root, first_line=2, what="front matter is ")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise fail(2, "front matter must be a mapping of keys to values")
    return FrontMatter(
        path=path,
        data=data,
        lines=line_map,
        start_line=1,
        end_line=block_lines,
        body=body,
    )


def required_front_matter(
    path: Path, root: Path, what: str, keys: Iterable[str], problems: list[Problem]
) -> FrontMatter | None:
    """The front matter of a page that must have one (a lesson, a course, a workshop).

    A file that cannot be read, or whose front matter is broken or absent, adds one problem to
    ``problems`` and gives None, so that no cascade of "missing" lines follows."""
    try:
        front = parse_front_matter(path, root=root)
    except ProblemsFound as found:
        problems.extend(found.problems)
        return None
    if not front.present:
        problems.append(
            Problem.at(path, 1, f"{what} has no front matter (required: {', '.join(keys)})", root)
        )
        return None
    return front


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")


def first_heading(front: FrontMatter) -> tuple[int, str] | None:
    """The line and text of the body's first ``# `` heading, outside code fences."""
    fence: str | None = None
    for offset, line in enumerate(front.body.splitlines()):
        opening = _FENCE.match(line)
        if opening:
            marker = opening.group(1)
            if fence is None:
                fence = marker
            elif marker.startswith(fence[0]) and len(marker) >= len(fence):
                fence = None
            continue
        if fence is None and (match := _HEADING.match(line)):
            return front.body_start_line + offset, match.group(1)
    return None


def title_problems(front: FrontMatter, what: str, root: Path) -> list[Problem]:
    """A page whose front matter has a ``title`` must open with that very ``# `` heading."""
    title = front.data.get("title")
    if not isinstance(title, str) or not title.strip():
        return []  # the record's own rule reports it
    heading = first_heading(front)
    if heading is None:
        return [
            front.problem(
                "title",
                f"{what} has no '# ' heading (write '# {title.strip()}' after the front matter)",
                root,
            )
        ]
    line, text = heading
    if text != title.strip():
        return [
            front.problem(
                "title",
                f"title {title.strip()!r} differs from the page heading {text!r} on line {line} "
                "(make them the same)",
                root,
            )
        ]
    return []
