"""Reading, overriding and writing scenario files.

YAML is read with PyYAML's safe loader only: a tag that would build a Python object is refused.
Every problem becomes a :class:`~cspmodel.errors.ScenarioError` naming the file, the field path,
the bad value and what is allowed.

Example:
    >>> s = load_scenario_text("name: demo\\nsegments:\\n- name: SMB\\n"
    ...                        "  product_mix: {m365_business_premium: 1}\\n")
    >>> s.segments[0].name
    'SMB'
"""

from __future__ import annotations

import copy
import difflib
import os
import types
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from .errors import MISSING, LocatedError, Problem, ScenarioError
from .schema import Scenario, describe_bounds, field_bounds


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate one scenario file.

    Example:
        >>> s = load_scenario("scenarios/small_indirect_msp.yaml")
        >>> s.channel.model
        'indirect'
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(p), "", MISSING, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(p), "", MISSING,
                                     f"cannot read the file: {exc}")]) from None
    return load_scenario_text(text, source=str(p))


def load_scenario_text(text: str, source: str = "<text>") -> Scenario:
    """Validate a scenario given as YAML text (``source`` names it in errors)."""
    data = parse_yaml(text, source)
    return validate_data(data, source)


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key written twice in one block (YAML would silently keep the last one)."""


class _ScenarioLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no Python objects) that also refuses a key written twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the safe loader reports it
                break
            if first is not None:
                raise _DuplicateKey(
                    None, None, f"the key '{key}' is written twice in this block (first on "
                    f"line {first.line + 1}); keep one", key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse YAML safely into a mapping, or raise ScenarioError.

    Example:
        >>> parse_yaml("name: demo\\nhorizon_months: 24\\n", "x.yaml")
        {'name': 'demo', 'horizon_months': 24}
    """
    try:
        data = yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise ScenarioError([Problem(source, _mark(exc), MISSING, str(exc.problem))]) from None
    except yaml.constructor.ConstructorError as exc:
        where = _mark(exc)
        if "tag" not in str(exc.problem):
            raise ScenarioError([Problem(source, where, MISSING,
                                         f"malformed YAML: {exc.problem}")]) from None
        raise ScenarioError([Problem(source, where, MISSING,
                                     f"YAML tag not allowed ({exc.problem}); scenario files "
                                     "hold plain values, lists and mappings only")]) from None
    except yaml.YAMLError as exc:
        where = _mark(exc)
        detail = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError([Problem(source, where, MISSING,
                                     f"malformed YAML: {detail}")]) from None
    if data is None:
        raise ScenarioError([Problem(source, "", MISSING,
                                     "the file is empty; a scenario needs at least a name and "
                                     "one segment")])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(source, "", data, "a scenario file must be a mapping of "
                                     "keys to values (name: ..., segments: ...)")])
    return data


def _mark(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def validate_data(data: dict[str, Any], source: str = "<data>") -> Scenario:
    """Validate a plain mapping into a Scenario, or raise ScenarioError."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, data, source)) from None


def _problems(exc: ValidationError, data: Any, source: str) -> list[Problem]:
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
            message = _unknown_key_message(loc, data)
        elif err["type"] == "missing":
            value = MISSING
            message = "required key is missing"
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        loc = _clean_loc(loc)
        if err["type"] in _PLAIN_WORDS or err["type"] in _BOUND_TYPES:
            message = _plain_message(err["type"], ctx, loc, message)
        out.append(Problem(source, ".".join(str(p) for p in loc), value, message))
    return out


# pydantic's wording names Python types; a partner reads YAML
_PLAIN_WORDS = {
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


def _plain_message(kind: str, ctx: dict[str, Any], loc: tuple[Any, ...], fallback: str) -> str:
    """Say what is allowed in words a partner uses, with the full range and unit of a number."""
    if kind in _PLAIN_WORDS:
        try:
            return _PLAIN_WORDS[kind].format(**ctx)
        except (KeyError, IndexError):
            return fallback
    field = _field_at(loc)
    bounds = field_bounds(field) if field is not None else {}
    if not bounds and _BOUND_TYPES[kind] in ctx:
        bounds = {_BOUND_TYPES[kind]: ctx[_BOUND_TYPES[kind]]}
    if not bounds:
        return fallback
    unit = ((field.json_schema_extra or {}) if field is not None else {}).get("unit", "")
    extra = f" ({unit})" if isinstance(unit, str) and unit else ""
    return f"out of range; allowed: {describe_bounds(bounds)}{extra}"


def _field_at(loc: tuple[Any, ...]) -> FieldInfo | None:
    """The schema field a (cleaned) error path points at, if it is a field of a block."""
    return _walk(loc)[1]


def _walk(loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """Follow a path through blocks, lists and named entries of the schema.

    Returns the block (model) the path ends in, if it ends in one, and the field it names last
    (None when the last step was a list item or a named entry).
    """
    import typing

    ann: Any = Scenario
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


def _unknown_key_message(loc: tuple[Any, ...], data: Any) -> str:
    model = _walk(loc[:-1])[0]
    key = str(loc[-1])
    if model is None:
        return f"unknown key '{key}'"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{key}'{hint}; allowed keys here: {', '.join(allowed)}"


# --------------------------------------------------------------------------------------------
# Overrides and YAML output
# --------------------------------------------------------------------------------------------
def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data (JSON-compatible), every default written out."""
    return scenario.model_dump(mode="json")


def apply_overrides(scenario: Scenario, overrides: dict[str, Any], source: str = "") -> Scenario:
    """A new validated scenario with ``{"dotted.path": value}`` overrides applied.

    List items are addressed by number (``segments.0.churn_annual``); a missing key in a
    mapping is added (``segments.0.addons.m365_copilot``). The given scenario is not changed.

    Example:
        >>> from cspmodel.schema import Scenario
        >>> s = Scenario.model_validate({"name": "x", "segments": [{"name": "A",
        ...     "product_mix": {"m365_business_basic": 1}}]})
        >>> apply_overrides(s, {"horizon_months": 12}).horizon_months
        12
    """
    data = copy.deepcopy(scenario_to_data(scenario))
    label = source or f"overrides of {scenario.name!r}"
    for path, new in overrides.items():
        _set_path(data, str(path), new, label)
    return validate_data(data, label)


def _set_path(data: Any, path: str, new: Any, source: str) -> None:
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


def dump_yaml(scenario: Scenario) -> str:
    """YAML text of a scenario, every key written out; it loads back to an equal scenario."""
    header = f"# {scenario.name}\n"
    if scenario.description:
        header += "".join(f"# {line}\n" for line in scenario.description.splitlines())
    body = yaml.safe_dump(scenario_to_data(scenario), sort_keys=False, allow_unicode=True)
    return header + body


def write_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Write a scenario as YAML, atomically (nothing partial if it fails)."""
    from .util import atomic_write_text

    return atomic_write_text(Path(path), dump_yaml(scenario))


def parse_set_options(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Turn command-line ``key=value`` strings into overrides; values are read as YAML scalars.

    Example:
        >>> parse_set_options(["channel.model=direct", "segments.0.churn_annual=0.1"])
        {'channel.model': 'direct', 'segments.0.churn_annual': 0.1}
    """
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError([Problem("--set", item, MISSING, "write it as key=value, e.g. "
                                         "channel.model=direct")])
        key, _, raw = item.partition("=")
        try:
            out[key.strip()] = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            out[key.strip()] = raw
    return out
