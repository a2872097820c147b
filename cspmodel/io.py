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
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import MISSING, LocatedError, Problem, ScenarioError
from .schema import Scenario


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate one scenario file.

    Example:
        >>> s = load_scenario("scenarios/small_indirect_msp.yaml")  # doctest: +SKIP
        >>> s.channel.model  # doctest: +SKIP
        'indirect'
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(p), "", MISSING, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(p), "", MISSING, f"cannot read the file: {exc}")]) from None
    return load_scenario_text(text, source=str(p))


def load_scenario_text(text: str, source: str = "<text>") -> Scenario:
    """Validate a scenario given as YAML text (``source`` names it in errors)."""
    data = parse_yaml(text, source)
    return validate_data(data, source)


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse YAML safely into a mapping, or raise ScenarioError."""
    try:
        data = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        where = _mark(exc)
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
        out.append(Problem(source, ".".join(str(p) for p in loc), value, message))
    return out


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic adds validator names ("function-after[...]") and literal tags to some paths
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith(
        "function-"))))


def _unknown_key_message(loc: tuple[Any, ...], data: Any) -> str:
    model: Any = Scenario
    for part in loc[:-1]:
        model = _child_model(model, part)
        if model is None:
            break
    key = str(loc[-1])
    if model is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return f"unknown key '{key}'"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key '{key}'{hint} allowed keys here: {', '.join(allowed)}"


def _child_model(model: Any, part: Any) -> Any:
    import typing

    if isinstance(part, int):
        return model
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    field = model.model_fields.get(part)
    if field is None:
        return None
    ann = field.annotation
    for _ in range(4):
        args = typing.get_args(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return ann
        if not args:
            return None
        # tuple[X, ...], dict[str, X], X | None
        candidates = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if candidates:
            return candidates[0]
        ann = args[-1] if typing.get_origin(ann) is dict else args[0]
    return None


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
