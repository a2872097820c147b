"""Checking scenario data against the schema, in a partner's words: the bounds of a field, the
path of a bad value, what is allowed, setting a value at a dotted path. Below the schema: the
schema, the readers of files and the distributions use it; it imports none of them.

Example:
    >>> describe_bounds({"ge": 0.0, "le": 1.0})
    '0 to 1'
"""

from __future__ import annotations

import copy
import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from .errors import MISSING, LocatedError, Problem, ScenarioError


def field_bounds(field: FieldInfo) -> dict[str, float]:
    """The numeric bounds (``ge``, ``gt``, ``le``, ``lt``) of a field, also inside ``Money | None``.

    Example:
        >>> from cspmodel.schema import Segment
        >>> field_bounds(Segment.model_fields["churn_annual"])
        {'ge': 0.0, 'le': 1.0}
    """
    found: dict[str, float] = {}
    metadata: list[Any] = list(field.metadata)
    for arg in typing.get_args(field.annotation):  # Annotated aliases inside a union
        for meta in getattr(arg, "__metadata__", ()):
            metadata.extend(getattr(meta, "metadata", [meta]))
    for meta in metadata:
        for name in ("ge", "gt", "le", "lt"):
            bound = getattr(meta, name, None)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                found[name] = bound
    return found


def describe_bounds(bounds: dict[str, float]) -> str:
    """Bounds in words, e.g. ``0 to 1`` or ``more than 0``; empty when there are none.

    Example:
        >>> describe_bounds({"ge": 0.0, "le": 1.0}), describe_bounds({"gt": 0})
        ('0 to 1', 'more than 0')
    """
    def num(v: float) -> str:
        return f"{v:,.0f}" if float(v).is_integer() and abs(v) >= 1000 else f"{v:g}"

    if "ge" in bounds and "le" in bounds:
        return f"{num(bounds['ge'])} to {num(bounds['le'])}"
    if "gt" in bounds and "le" in bounds:
        return f"more than {num(bounds['gt'])} and at most {num(bounds['le'])}"
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    return " and ".join(f"{words[k]} {num(bounds[k])}" for k in ("ge", "gt", "le", "lt")
                        if k in bounds)


def problems(exc: ValidationError, data: Any, source: str, root: type[BaseModel]) -> list[Problem]:
    """The errors of a validation of ``data`` against ``root`` in a partner's words: the file,
    the key path, the value and what is allowed."""
    out: list[Problem] = []
    errors = exc.errors(include_url=False)
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "too_short" and any(
            len(o["loc"]) > len(loc) and tuple(o["loc"][: len(loc)]) == loc for o in errors
        ):
            continue  # a list whose items failed: the items' own errors say why
        value: Any = err.get("input", MISSING)
        message = err["msg"]
        ctx = err.get("ctx") or {}
        inner = ctx.get("error")
        if isinstance(inner, LocatedError):
            loc, value, message = loc + tuple(inner.loc), inner.value, inner.message
        elif err["type"] == "extra_forbidden":
            message = _unknown_key_message(loc, data, root)
        elif err["type"] == "missing":
            value = MISSING
            message = "required key is missing"
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        loc = _clean_loc(loc)
        if err["type"] in _PLAIN_WORDS or err["type"] in _BOUND_TYPES:
            message = _plain_message(err["type"], {**ctx, "_input": value}, loc, message, root)
        out.append(Problem(source, ".".join(str(p) for p in loc), value, message))
    return out


# pydantic's wording names Python types; a partner reads YAML
_PLAIN_WORDS = {
    "finite_number": "must be a finite number (not inf or nan)",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number, without a fractional part",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "dict_type": "must be a block of 'key: value' lines",
    "model_type": "must be a block of 'key: value' lines",
    "model_attributes_type": "must be a block of 'key: value' lines",
    "tuple_type": "must be a list, one '- ' line per item",
    "list_type": "must be a list, one '- ' line per item",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_type": "must be a date written YYYY-MM-DD",
    "literal_error": "must be {expected}",
    "too_short": "needs at least {min_length} item(s)",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} character(s)",
}
_BOUND_TYPES = {"greater_than_equal": "ge", "greater_than": "gt", "less_than_equal": "le",
                "less_than": "lt"}


def _plain_message(kind: str, ctx: dict[str, Any], loc: tuple[Any, ...], fallback: str,
                   root: type[BaseModel]) -> str:
    """Say what is allowed in words a partner uses, with the full range and unit of a number."""
    if kind in _PLAIN_WORDS:
        try:
            return _PLAIN_WORDS[kind].format(**ctx)
        except (KeyError, IndexError):
            return fallback
    field = field_at(loc, root)
    bounds = field_bounds(field) if field is not None else {}
    if not bounds and _BOUND_TYPES[kind] in ctx:
        bounds = {_BOUND_TYPES[kind]: ctx[_BOUND_TYPES[kind]]}
    if not bounds:
        return fallback
    unit = ((field.json_schema_extra or {}) if field is not None else {}).get("unit", "")
    extra = f" ({unit})" if isinstance(unit, str) and unit else ""
    hint = ""
    value = ctx.get("_input")
    if (isinstance(unit, str) and unit.startswith("share") and isinstance(value, int | float)
            and 1 < value <= 100 and bounds.get("le") == 1.0):
        hint = f"; did you mean {value / 100:g}? (a share is written as a fraction: 8% is 0.08)"
    return f"out of range; allowed: {describe_bounds(bounds)}{extra}{hint}"


def field_at(loc: tuple[Any, ...], root: type[BaseModel]) -> FieldInfo | None:
    """The schema field a (cleaned) error path points at, if it is a field of a block."""
    return walk(loc, root)[1]


def walk(loc: tuple[Any, ...], root: type[BaseModel]
         ) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """Follow a path through blocks, lists and named entries of the schema.

    Returns the block (model) the path ends in, if it ends in one, and the field it names last
    (None when the last step was a list item or a named entry).
    """
    import typing

    ann: Any = root
    field: FieldInfo | None = None
    for part in loc:
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = ann.model_fields.get(str(part))
            if field is None:
                return None, None
            ann = field.annotation
        elif typing.get_origin(ann) in (tuple, list) and isinstance(part, int):
            ann, field = typing.get_args(ann)[0], None
        elif typing.get_origin(ann) is dict:
            ann, field = typing.get_args(ann)[1], None
        else:
            return None, None
    ann = _unwrap(ann)
    model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return model, field


def _unwrap(ann: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` to ``X``."""
    import typing

    for _ in range(4):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if typing.get_origin(ann) in (typing.Union, types.UnionType) and len(args) == 1:
            ann = args[0]
        elif typing.get_origin(ann) is typing.Annotated:
            ann = args[0]
        else:
            break
    return ann


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic adds validator names ("function-after[...]") and literal tags to some paths
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith(
        "function-"))))


def _unknown_key_message(loc: tuple[Any, ...], data: Any, root: type[BaseModel]) -> str:
    model = walk(loc[:-1], root)[0]
    key = str(loc[-1])
    if model is None:
        return f"unknown key '{key}'"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{key}'{hint}; allowed keys here: {', '.join(allowed)}"


def validated(model: type[BaseModel], data: Any, source: str) -> Any:
    """``data`` validated into ``model``, or a ScenarioError with every problem found.

    Example:
        >>> from pydantic import BaseModel
        >>> class Tiny(BaseModel):
        ...     n: int
        >>> validated(Tiny, {"n": 3}, "x").n
        3
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        found = problems(exc, data, source, model)
    # the checks across fields run only once every field is valid: set the bad keys aside and
    # look again, so that one run names every problem of the file
    data = copy.deepcopy(data)
    for _ in range(MAX_PASSES):
        if not all(_drop(data, p.path) for p in found):
            break
        try:
            model.model_validate(data)
            break
        except ValidationError as exc:
            more = [p for p in problems(exc, data, source, model)
                    if not any(_related(p.path, q.path) for q in found)]
        if not more:
            break
        found += more
    raise ScenarioError(found)


MAX_PASSES = 10


def _related(a: str, b: str) -> bool:
    """The same key, or one inside the other (a follow-on problem of one set aside)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".") or not a or not b


def _drop(data: Any, path: str) -> bool:
    """Remove the key at a dotted path from plain data (its default applies); False when the
    path does not lead to a key that can be removed."""
    parts = path.split(".") if path else []
    node = data
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(
                part) < len(node):
            node = node[int(part)]
        else:
            return False
    if parts and isinstance(node, dict) and parts[-1] in node:
        del node[parts[-1]]
        return True
    return False


def set_path(data: Any, path: str, new: Any, source: str) -> None:
    """Set the value at a dotted path in plain data (list items by number, a missing key of a
    mapping added), or raise ScenarioError naming the path."""
    parts = path.split(".")
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            if not part.lstrip("-").isdigit():
                raise ScenarioError([Problem(source, where, MISSING, "a list is addressed "
                                             "by number, e.g. segments.0")])
            index = int(part)
            if not -len(node) <= index < len(node):
                raise ScenarioError([Problem(source, where, index, f"no item {index}; the list "
                                             f"has {len(node)} item(s), numbered from 0")])
            if last:
                node[index] = new
            else:
                node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = new
            else:
                if part not in node or node[part] is None:
                    node[part] = {}
                node = node[part]
        else:
            raise ScenarioError([Problem(source, where, node, "this value has no parts to "
                                         "set")])
