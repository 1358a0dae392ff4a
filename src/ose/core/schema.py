"""Typed records from YAML, and pydantic's errors as one line each, worded once for the project.

Every concern describes its files with pydantic models derived from :class:`Record` and validates
them with :func:`validate`. The wording of each kind of fault is decided here and nowhere else:

- a key that is absent: ``title is missing (required)``;
- a key that is not in the schema: ``titel is not a known key (did you mean 'title'?)``;
- a value of the wrong type: ``version is 1.10, which YAML reads as the number 1.1 (allowed:
  text; put it in quotes: "1.10")``.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from ose.core.problems import Problem, ProblemsFound
from ose.core.yamldata import LineMap, Loc, dotted, read_mapping, type_name

M = TypeVar("M", bound=BaseModel)


class Record(BaseModel):
    """Base of every record read from YAML: kebab-case keys, unknown keys refused, frozen."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=lambda name: name.replace("_", "-"),
        populate_by_name=True,
    )


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


def keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
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
        return [
            f.alias or name
            for name, f in annotation.model_fields.items()
            if not (f.json_schema_extra or {}).get("derived")  # type: ignore[union-attr]
        ]
    return []


def required_keys(model: type[BaseModel]) -> list[str]:
    """The keys a record must be given, as the user writes them (aliases)."""
    return [field.alias or key for key, field in model.model_fields.items() if field.is_required()]


def missing(where: str) -> str:
    """The one wording of a required key that is absent."""
    return f"{where} is missing (required)"


def _suggestion(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return close[0] if close else None


def unknown_key(where: str, allowed: Iterable[str]) -> str:
    """The one wording of a key that the schema does not have."""
    allowed = list(allowed)
    close = _suggestion(where.rsplit(".", 1)[-1], allowed)
    if close:
        return f"{where} is not a known key (did you mean {close!r}?)"
    listed = f"allowed: {', '.join(allowed)}" if allowed else "no key is allowed here"
    return f"{where} is not a known key ({listed})"


def unknown_name(what: str, name: object, kind: str, known: Iterable[str], where: str = "") -> str:
    """The one wording of a name used in one file and not defined where such names are:
    ``owner is 'boardd', not a body of governance/roster.yaml (did you mean 'board'?)``."""
    known = sorted(set(known))
    close = _suggestion(str(name), known)
    defined = f"{kind} of {where}" if where else kind
    if close:
        return f"{what} is {name!r}, not {defined} (did you mean {close!r}?)"
    shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    return f"{what} is {name!r}, not {defined} (allowed: {shown or 'none is defined'})"


DATE = "a date, YYYY-MM-DD"
_ALLOWED = {
    "date_type": DATE,
    "date_parsing": DATE,
    "date_from_datetime_parsing": DATE,
    "date_from_datetime_inexact": DATE,
    "datetime_type": "a date and time, YYYY-MM-DD HH:MM",
    "datetime_parsing": "a date and time, YYYY-MM-DD HH:MM",
    "datetime_from_date_parsing": "a date and time, YYYY-MM-DD HH:MM",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "url_parsing": "a URL, https://...",
    "url_scheme": "a URL, https://...",
    "string_too_short": "text that is not empty",
    "too_short": "a list that is not empty",
}


def _shown(value: Any, raw: str | None) -> str:
    """The value as its author wrote it, when YAML kept the text."""
    if raw is not None and not isinstance(value, str | list | dict):
        return raw if raw else "empty"
    if isinstance(value, list | dict):
        return type_name(value)
    return repr(value)


def _retyped(value: Any, raw: str | None) -> str:
    """What YAML made of a value that was meant as text, or '' when it is plain text."""
    if isinstance(value, bool):
        return f", which YAML reads as {str(value).lower()}"
    if isinstance(value, int | float):
        return f", which YAML reads as the number {value}"
    if isinstance(value, datetime):
        return ", which YAML reads as a date and time"
    if isinstance(value, date):
        return ", which YAML reads as a date"
    if value is None and raw is not None:
        return ", which YAML reads as nothing"
    return ""


def describe(
    error: ErrorDetails, model: type[BaseModel], lines: LineMap | None = None, depth: int = 0
) -> str:
    """One pydantic error as ``what is wrong (what is allowed)``; the first ``depth`` parts of
    its location lie outside ``model``."""
    loc = tuple(error["loc"])
    where = dotted(loc)
    kind = error["type"]
    context = error.get("ctx") or {}
    value = error.get("input")
    raw = lines.raw.get(loc) if lines is not None else None
    if kind == "missing":
        return missing(where)
    if kind == "extra_forbidden":
        return unknown_key(where, keys_at(model, loc[depth:-1]))
    if kind == "value_error":
        reason = str(context.get("error", error["msg"]))
        if reason.startswith((f"{where} ", f"{where}.")):  # it names the key itself
            return reason
        if reason.startswith("allowed: "):  # a validator that only says what is allowed
            return f"{where} is {_shown(value, raw)}{_retyped(value, raw)} ({reason})"
        return f"{where}: {reason}"
    if kind == "assertion_error":
        return f"{where}: {error['msg'].removeprefix('Assertion failed, ')}"
    shown = _shown(value, raw)
    if kind == "string_type":
        retyped = _retyped(value, raw)
        if retyped and raw is not None:
            return f'{where} is {shown}{retyped} (allowed: text; put it in quotes: "{raw}")'
        return f"{where} is {type_name(value)} (allowed: text)"
    if kind == "literal_error" or kind == "enum":
        allowed = f"allowed: {context['expected']}"
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {
            "greater_than": ">",
            "greater_than_equal": ">=",
            "less_than": "<",
            "less_than_equal": "<=",
        }[kind]
        bound = next(context[k] for k in ("gt", "ge", "lt", "le") if k in context)
        allowed = (
            "allowed: a positive number"
            if (sign, bound) == (">", 0)
            else f"allowed: {sign} {bound}"
        )
    elif kind in ("string_pattern_mismatch",):
        allowed = f"allowed: text matching {context.get('pattern')}"
    elif kind in _ALLOWED:
        allowed = f"allowed: {_ALLOWED[kind]}"
    else:
        allowed = error["msg"][0].lower() + error["msg"][1:]
    return f"{where} is {shown} ({allowed})"


def problems_of(
    error: ValidationError, model: type[BaseModel], lines: LineMap, at: Loc = ()
) -> list[Problem]:
    """Every pydantic error of ``error`` as a problem at its line; ``at`` is where ``model``'s
    data sits inside the file (``("convergence-guard",)`` for a nested setting)."""
    problems = []
    for detail in error.errors():
        detail["loc"] = (*at, *detail["loc"])
        problems.append(lines.problem(detail["loc"], describe(detail, model, lines, len(at))))
    return problems


def validate(model: type[M], data: Any, lines: LineMap, at: Loc = ()) -> M:
    """``data`` as ``model``, or :class:`ProblemsFound` with one problem per pydantic error."""
    try:
        return model.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as error:
        raise ProblemsFound(problems_of(error, model, lines, at)) from None


def validated(
    model: type[M], data: Any, lines: LineMap, at: Loc = ()
) -> tuple[M | None, list[Problem]]:
    """``data`` as ``model`` and no problem, or ``None`` and the problems (to collect them)."""
    try:
        return validate(model, data, lines, at), []
    except ProblemsFound as found:
        return None, found.problems


def load(model: type[M], path: Path, root: Path | None = None) -> tuple[M, LineMap]:
    """Read and validate one YAML data file whose top level is a mapping."""
    data, lines = read_mapping(path, root)
    return validate(model, data, lines), lines
