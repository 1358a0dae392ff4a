"""YAML that remembers the line of every key and list item, for data files and front matter.

A check must point at the line to fix, so loading keeps a :class:`LineMap` from each value's path
inside the data (``("bodies", "board", "seats", 2)``) to its line in the file, and the text each
scalar was written as (``1.10`` before YAML made it the number ``1.1``), so that a message can
quote what the author wrote. Keys given twice, anchors and aliases, and dates that do not exist
are refused with their line instead of being silently resolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ose.core.problems import Problem, ProblemsFound
from ose.core.text import read_text

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class LineMap:
    """Where each value of one file sits: its path inside the data mapped to a 1-based line."""

    path: Path
    root: Path | None = None
    lines: Mapping[Loc, int] = field(default_factory=dict)
    #: the text of each scalar as written in the file
    raw: Mapping[Loc, str] = field(default_factory=dict)

    def line(self, loc: Iterable[str | int] | str) -> int:
        """The line of ``loc``, or of its nearest parent that exists (missing keys)."""
        loc = (loc,) if isinstance(loc, str) else tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    def items(self, loc: Iterable[str | int] | str) -> list[int]:
        """The line of each item of the list at ``loc``, in order."""
        loc = (loc,) if isinstance(loc, str) else tuple(loc)
        found = []
        index = 0
        while (*loc, index) in self.lines:
            found.append(self.lines[(*loc, index)])
            index += 1
        return found

    def problem(self, loc: Iterable[str | int] | str, message: str) -> Problem:
        return Problem.at(self.path, self.line(loc), message, self.root)


def dotted(loc: Iterable[str | int]) -> str:
    """``("bodies", "board", "seats", 0)`` as a reader writes it: ``bodies.board.seats[0]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


_TIMESTAMP = "tag:yaml.org,2002:timestamp"

#: libyaml's loader where PyYAML was built with it: the same events, nodes and marks, ten times
#: faster than the pure-Python loader on the hundreds of files a build reads. Its messages are
#: terser ("found character that cannot start any token", without the character), so text that
#: is not valid YAML is read again by the pure-Python loader for the message.
_FAST: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NotValid(Exception):
    """Not valid YAML, found by the fast loader: the pure-Python one says why."""


@dataclass
class _Walk:
    first_line: int
    lines: dict[Loc, int] = field(default_factory=dict)
    raw: dict[Loc, str] = field(default_factory=dict)
    duplicates: list[Loc] = field(default_factory=list)
    #: (loc, text, reason) of dates that look like dates but do not exist: 2027-13-01
    bad_dates: list[tuple[Loc, str, str]] = field(default_factory=list)

    def node(self, node: yaml.Node, loc: Loc) -> None:
        """Record the line of every key and item; note keys given twice (YAML keeps the last)."""
        if isinstance(node, yaml.ScalarNode):
            self.raw[loc] = node.value
            if node.tag == _TIMESTAMP:
                try:
                    yaml.SafeLoader("").construct_yaml_timestamp(node)
                except ValueError as error:
                    self.bad_dates.append((loc, node.value, str(error)))
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = (*loc, str(key_node.value))
                if key in self.lines:
                    self.duplicates.append(key)
                self.lines[key] = key_node.start_mark.line + self.first_line
                self.node(value_node, key)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*loc, index)] = item.start_mark.line + self.first_line
                self.node(item, (*loc, index))


def _reject_aliases(text: str, line_of: Any, loader: type[yaml.SafeLoader]) -> None:
    """Anchors and aliases can blow a small file up into a huge one; no source needs them."""
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise line_of(event.start_mark, "anchors and aliases (& and *) are not allowed here")


def parse_yaml(
    text: str, path: Path, root: Path | None = None, first_line: int = 1, what: str = ""
) -> tuple[Any, LineMap]:
    """The data of YAML ``text`` (which starts at ``first_line`` of ``path``) and its lines."""
    try:
        return _parse(text, path, root, first_line, what, _FAST)
    except _NotValid:
        return _parse(text, path, root, first_line, what, yaml.SafeLoader)


def _parse(
    text: str,
    path: Path,
    root: Path | None,
    first_line: int,
    what: str,
    loader_class: type[yaml.SafeLoader],
) -> tuple[Any, LineMap]:
    def problem(mark: Any, message: str) -> ProblemsFound:
        line = mark.line + first_line if mark is not None else first_line
        return ProblemsFound([Problem.at(path, line, message, root)])

    loader: yaml.SafeLoader | None = None
    walk = _Walk(first_line)
    walk.lines[()] = max(first_line - 1, 1)  # a missing top-level key: the block's start
    try:
        _reject_aliases(text, problem, loader_class)
        loader = loader_class(text)
        node = loader.get_single_node()
        if node is not None:
            walk.node(node, ())
        line_map = LineMap(path, root, walk.lines, walk.raw)
        if walk.bad_dates:
            raise ProblemsFound(
                line_map.problem(
                    loc,
                    f"{dotted(loc)} {text} is not a real date: {reason} "
                    "(allowed: an ISO date, YYYY-MM-DD)",
                )
                for loc, text, reason in walk.bad_dates
            )
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        if loader_class is not yaml.SafeLoader:
            raise _NotValid from None
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        context = getattr(error, "context", None)
        if context and "expected a single document" in context:
            reason = "it holds more than one document (a line '---' inside it?)"
        raise problem(mark, f"{what}not valid YAML ({reason})") from None
    finally:
        if loader is not None:
            loader.dispose()
    if walk.duplicates:
        raise ProblemsFound(
            line_map.problem(key, f"{dotted(key)} is given twice (each key once)")
            for key in walk.duplicates
        )
    return data, line_map


def read_yaml(path: Path, root: Path | None = None) -> tuple[Any, LineMap]:
    """The data of a YAML file and its line map; :class:`ProblemsFound` if it is unusable."""
    return parse_yaml(read_text(path, root), path, root)


def read_mapping(path: Path, root: Path | None = None) -> tuple[dict[str, Any], LineMap]:
    """A YAML data file whose top level is a mapping (every data file of the project)."""
    data, lines = read_yaml(path, root)
    if data is None:
        raise ProblemsFound([lines.problem((), "the file is empty (allowed: a mapping of keys)")])
    if not isinstance(data, dict):
        found = type_name(data)
        raise ProblemsFound(
            [lines.problem((), f"the file holds {found} (allowed: a mapping of keys to values)")]
        )
    return data, lines


def type_name(value: Any) -> str:
    """How a reader names the YAML type of ``value``: ``a list``, ``the number 1.1``."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"the text {value!r}"
    if value is None:
        return "nothing"
    return f"the {type(value).__name__} {value}"
