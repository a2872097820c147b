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
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from .checking import field_at, problems, set_path, validated
from .errors import MISSING, Problem, ScenarioError
from .schema import Scenario


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate one scenario file.

    Example:
        >>> s = load_scenario("scenarios/small_indirect_msp.yaml")
        >>> s.channel.model
        'indirect'
    """
    p = Path(path)
    return load_scenario_text(read_limited(p), source=str(p), base_dir=p.parent)


MAX_FILE_BYTES = 5 * 1024 * 1024  # a scenario of 1,000 segments is under 1 MB
MAX_NODES = 200_000  # values of the file once its aliases are expanded
MAX_DEPTH = 40  # blocks inside blocks


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The text of a scenario file, refused before it is read when it is not a regular file
    (a device, a pipe, a folder) or larger than ``limit`` bytes.

    Example:
        >>> read_limited(Path("/dev/null"))
        Traceback (most recent call last):
        ...
        cspmodel.errors.ScenarioError: /dev/null: not a regular file (a device, a pipe ...
    """
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), "", MISSING, "no such file")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(str(path), "", MISSING,
                                     f"cannot read the file: {exc}")]) from None
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError([Problem(str(path), "", MISSING, "not a regular file (a device, a "
                                     "pipe or a folder); give a scenario file (.yaml)")])
    if info.st_size > limit:
        raise ScenarioError([Problem(str(path), "", MISSING, f"the file has {info.st_size:,} "
                                     f"bytes; a scenario file holds at most {limit:,}")])
    try:
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)
        if len(raw) > limit:
            raise ScenarioError([Problem(str(path), "", MISSING, "the file grew past "
                                         f"{limit:,} bytes while it was read")])
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(path), "", MISSING,
                                     f"cannot read the file: {exc}")]) from None


def load_scenario_text(text: str, source: str = "<text>",
                       base_dir: str | os.PathLike[str] | None = None) -> Scenario:
    """Validate a scenario given as YAML text (``source`` names it in errors; ``base_dir``:
    where a price list or a book file the scenario names is looked for)."""
    from .opening import expand_opening_book
    from .pricelist import expand_price_list

    data = expand_price_list(parse_yaml(text, source), base_dir, source)
    return validate_data(expand_opening_book(data, base_dir, source), source)


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key written twice in one block (YAML would silently keep the last one)."""


class _TooBig(yaml.composer.ComposerError):
    """Aliases that expand past the node limit, or blocks nested past the depth limit."""


class _ScenarioLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no Python objects) that also refuses a key written twice."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:  # noqa: ANN401
        """Compose as PyYAML does, counting the values an alias stands for (once expanded) and
        the depth of blocks: a file past either limit is refused before anything expands."""
        depth = getattr(self, "_depth", 0) + 1
        if depth > MAX_DEPTH:
            raise _TooBig(None, None, f"blocks nested more than {MAX_DEPTH} deep",
                          self.peek_event().start_mark)
        alias = self.check_event(yaml.events.AliasEvent)
        self._depth = depth
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth = depth - 1
        total = getattr(self, "_nodes", 0) + (_size(node, {}) if alias else 1)
        self._nodes = total
        if total > MAX_NODES:
            raise _TooBig(None, None, f"the file stands for more than {MAX_NODES:,} values once "
                          "its aliases (*name) are expanded", node.start_mark if node else None)
        return node

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


def _size(node: yaml.Node, seen: dict[int, int]) -> int:
    """Values a node stands for once every alias in it is expanded (memoised per node)."""
    key = id(node)
    if key in seen:
        return seen[key]
    seen[key] = 1  # a node that refers back to itself counts once
    if isinstance(node, yaml.SequenceNode):
        total = 1 + sum(_size(child, seen) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        total = 1 + sum(_size(k, seen) + _size(v, seen) for k, v in node.value)
    else:
        total = 1
    seen[key] = total
    return total


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """Parse YAML safely into a mapping, or raise ScenarioError.

    Example:
        >>> parse_yaml("name: demo\\nhorizon_months: 24\\n", "x.yaml")
        {'name': 'demo', 'horizon_months': 24}
    """
    try:
        data = yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 - a SafeLoader subclass
    except (_DuplicateKey, _TooBig) as exc:
        raise ScenarioError([Problem(source, _mark(exc), MISSING, str(exc.problem))]) from None
    except RecursionError:
        raise ScenarioError([Problem(source, "", MISSING, f"blocks nested too deep (at most "
                                     f"{MAX_DEPTH})")]) from None
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
    return validated(Scenario, data, source)


def _problems(exc: ValidationError, data: Any, source: str) -> list[Problem]:
    return problems(exc, data, source, Scenario)


def _field_at(loc: tuple[Any, ...]) -> FieldInfo | None:
    """The scenario field a (cleaned) error path points at, if it is a field of a block."""
    return field_at(loc, Scenario)


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


_set_path = set_path


def dump_yaml(scenario: Scenario) -> str:
    """YAML text of a scenario, every key written out; it loads back to an equal scenario."""
    return scenario.to_yaml()


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
