"""YAML data files that remember the line of every value, validated into pydantic models.

The governance facts (roster, rules, budget) are YAML that people edit in pull requests. A
check must point at the line to fix, so loading keeps a map from each value's path (``("bodies",
"board", "seats", 2)``) to its line, and pydantic's errors become one-line problems there.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from ose.core.problems import Problem, ProblemsFound, display_path

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class Record(BaseModel):
    """Base of every governance record: kebab-case keys in YAML, unknown keys refused."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=lambda name: name.replace("_", "-"),
        populate_by_name=True,
    )


@dataclass(frozen=True)
class LineMap:
    """Where each value of one file sits: its path inside the data mapped to a 1-based line."""

    path: Path
    root: Path | None = None
    lines: Mapping[Loc, int] = field(default_factory=dict)

    def line(self, loc: Iterable[str | int]) -> int:
        """The line of ``loc``, or of its nearest parent that exists (missing keys)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    def problem(self, loc: Iterable[str | int], message: str) -> Problem:
        return Problem.at(self.path, self.line(loc), message, self.root)


class _Loader(yaml.SafeLoader):
    """A safe loader whose bad dates are YAML errors with a line, not bare ValueErrors."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({error})", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int], duplicates: list[Loc]) -> None:
    """Record the line of every key and item; note keys given twice (YAML keeps the last)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*loc, str(key_node.value))
            if key in lines:
                duplicates.append(key)
            lines[key] = key_node.start_mark.line + 1
            _walk(value_node, key, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            _walk(item, (*loc, index), lines, duplicates)


def read_yaml(path: Path, root: Path | None = None) -> tuple[Any, LineMap]:
    """The data of a YAML file and its line map; :class:`ProblemsFound` if it is not YAML."""
    text = path.read_text(encoding="utf-8")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ProblemsFound(
            [Problem(display_path(path, root), line, f"not valid YAML ({reason})")]
        ) from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {(): 1}
    duplicates: list[Loc] = []
    if node is not None:
        _walk(node, (), lines, duplicates)
    line_map = LineMap(path, root, lines)
    if duplicates:
        raise ProblemsFound(
            line_map.problem(key, f"{dotted(key)} is given twice (each key once)")
            for key in duplicates
        )
    return data, line_map


def dotted(loc: Iterable[str | int]) -> str:
    """``("bodies", "board", "seats", 0)`` as a reader writes it: ``bodies.board.seats[0]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


def _unwrap(annotation: Any) -> Any:
    """The model or container inside ``X | None`` and ``Annotated[X, ...]``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys a mapping at ``loc`` accepts, found by walking the model's annotations."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = {f.alias or name: f for name, f in annotation.model_fields.items()}
            if part not in fields:
                return []
            annotation = fields[part].annotation
        else:
            args = typing.get_args(annotation)
            if not args:
                return []
            annotation = args[-1]  # list[X] -> X, dict[K, X] -> X
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return []


_ALLOWED = {
    "date_type": "a date, YYYY-MM-DD",
    "date_parsing": "a date, YYYY-MM-DD",
    "date_from_datetime_parsing": "a date, YYYY-MM-DD",
    "date_from_datetime_inexact": "a date, YYYY-MM-DD",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text; quote values that look like numbers",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}


def describe(error: ErrorDetails, model: type[BaseModel]) -> str:
    """One pydantic error as ``what is wrong (what is allowed)``."""
    loc = tuple(error["loc"])
    where = dotted(loc)
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "missing":
        return f"{where} is missing (required)"
    if kind == "extra_forbidden":
        keys = _keys_at(model, loc[:-1])
        allowed = f"allowed: {', '.join(keys)}" if keys else "not a known key"
        return f"{where} is not a known key ({allowed})"
    if kind == "value_error":
        return f"{where}: {context.get('error', error['msg'])}"
    if kind == "literal_error":
        allowed = f"allowed: {context['expected']}"
    elif kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        sign = {"greater_than": ">", "greater_than_equal": ">=", "less_than_equal": "<="}[kind]
        bound = context.get("gt", context.get("ge", context.get("le")))
        allowed = f"allowed: {sign} {bound}"
    elif kind in _ALLOWED:
        allowed = f"allowed: {_ALLOWED[kind]}"
    else:
        allowed = error["msg"][0].lower() + error["msg"][1:]
    return f"{where} is {error['input']!r} ({allowed})"


def validate(model: type[M], data: Any, lines: LineMap) -> M:
    """``data`` as ``model``, or :class:`ProblemsFound` with one problem per pydantic error."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ProblemsFound(
            lines.problem(detail["loc"], describe(detail, model)) for detail in error.errors()
        ) from None


def load(model: type[M], path: Path, root: Path | None = None) -> tuple[M, LineMap]:
    """Read and validate one YAML data file."""
    data, lines = read_yaml(path, root)
    return validate(model, data, lines), lines
