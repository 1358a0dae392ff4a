"""YAML front matter with the line of every key, so that errors can point at the line.

MyST sources (charters, decision records, lessons) start with a ``---`` block. Parsing keeps a
map from each top-level key to its 1-based line in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ose.core.problems import Problem, ProblemsFound, display_path

FENCE = "---"


@dataclass
class FrontMatter:
    """The parsed front matter of one file."""

    path: Path
    data: dict[str, Any]
    key_lines: dict[str, int] = field(default_factory=dict)
    #: 1-based line of the opening ``---`` (0 when the file has none) and of the closing one
    start_line: int = 0
    end_line: int = 0
    body: str = ""

    def line_of(self, key: str) -> int:
        """The line of ``key``, or of the block's opening fence when the key is absent."""
        return self.key_lines.get(key, max(self.start_line, 1))

    def problem(self, key: str, message: str, root: Path | None = None) -> Problem:
        """A problem located at ``key`` in this file."""
        return Problem.at(self.path, self.line_of(key), message, root)

    @property
    def body_start_line(self) -> int:
        """The 1-based line at which the body (after the front matter) starts."""
        return self.end_line + 1


def split_front_matter(text: str) -> tuple[str | None, int, str]:
    """Split ``text`` into (yaml text or None, line count of the block, body)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != FENCE:
        return None, 0, text
    for index in range(1, len(lines)):
        if lines[index].rstrip() == FENCE:
            return "".join(lines[1:index]), index + 1, "".join(lines[index + 1 :])
    return None, 0, text


def _unbuildable_value(node: yaml.Node | None) -> tuple[int, str, str]:
    """(line, key, text) of the first top-level value YAML cannot construct: a bad date."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            try:
                yaml.SafeLoader("").construct_object(value_node, deep=True)
            except ValueError:
                raw = value_node.value if isinstance(value_node, yaml.ScalarNode) else "value"
                return key_node.start_mark.line + 2, str(key_node.value), str(raw)
    return 2, "a value", ""


def parse_front_matter(
    path: Path, text: str | None = None, root: Path | None = None
) -> FrontMatter:
    """Parse the front matter of ``path``; raise :class:`ProblemsFound` on malformed YAML."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    block, block_lines, body = split_front_matter(text)
    if block is None:
        return FrontMatter(path=path, data={}, body=body)
    node = None
    try:
        node = yaml.compose(block, Loader=yaml.SafeLoader)
        data = yaml.safe_load(block)
    except ValueError as error:  # a date YAML recognises but cannot build: 2027-13-01
        line, key, raw = _unbuildable_value(node)
        message = f"{key} {raw} is not a real date: {error} (allowed: an ISO date, YYYY-MM-DD)"
        raise ProblemsFound([Problem(display_path(path, root), line, message)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ProblemsFound(
            [Problem(display_path(path, root), line, f"front matter is not valid YAML ({reason})")]
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProblemsFound(
            [
                Problem(
                    display_path(path, root), 2, "front matter must be a mapping of keys to values"
                )
            ]
        )
    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key_lines[str(key_node.value)] = key_node.start_mark.line + 2
    return FrontMatter(
        path=path, data=data, key_lines=key_lines, start_line=1, end_line=block_lines, body=body
    )
