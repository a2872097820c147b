"""The scenario reference, generated from the schema and the catalog.

:func:`render_reference` walks :class:`~cspmodel.schema.Scenario` and every block inside it and
lists each key a scenario file may hold: its dotted path (``[]`` marks a list item, ``<name>`` an
entry you name yourself), meaning, unit, default, allowed values and the default's source. Then
it lists the product catalog, the vendor support plans and every catalog figure. ``make docs``
writes it to ``docs/scenario-reference.md``; a test fails when that file is out of date.

Example:
    >>> text = render_reference()
    >>> "| `segments[].churn_annual` |" in text
    True
"""

from __future__ import annotations

import datetime as dt
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .catalog import _EARLY, FACTS, PRODUCTS, VENDOR_PLANS, Product
from .schema import PAYMENT_KEYS, TERM_KEYS, Scenario, describe_bounds, field_bounds

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "docs" / "scenario-reference.md"

# Rules the schema enforces in validators rather than in field constraints.
_PRODUCT_IDS = "catalog product ids (see Products below) or ids defined under `products`"
ALLOWED_BY_PATH: dict[str, str] = {
    "segments[].product_mix": "keys: " + _PRODUCT_IDS + "; at least one",
    "segments[].product_mix.<name>": "0 to 1; the shares add up to 1",
    "segments[].addons": "keys: " + _PRODUCT_IDS,
    "segments[].addons.<name>": "0 to 1 (each add-on on its own)",
    "segments[].term_mix": "keys: " + ", ".join(f"`{k}`" for k in TERM_KEYS),
    "segments[].term_mix.<name>": "0 to 1; the shares add up to 1",
    "segments[].payment_mix": "keys: " + ", ".join(f"`{k}`" for k in PAYMENT_KEYS),
    "segments[].payment_mix.<name>": "0 to 1; the shares add up to 1",
    "segments[].support_tier": "a tier name under `support.tiers`",
    "support.vendor_plan": ", ".join(f"`{k}`" for k in VENDOR_PLANS)
    + ", or empty; required when `channel.model` is `direct`",
    "products[].id": "unique; a catalog id, or your own id with `list_price_per_seat_month`",
    "segments[].name": "text, unique among segments",
    "currency": "a three-letter code such as USD or EUR",
}

_INTRO = """\
# Scenario reference

<!-- Generated from cspmodel/schema.py and cspmodel/catalog.py by `make docs`
     (cspmodel/reference_doc.py). Do not edit by hand: a test fails when it is out of date. -->

A scenario is one YAML file describing a partner's business. Only `name` and `segments` are
required, and in each segment only `name` and `product_mix`; every other key has the default
shown here, with its source. Check a file with `cspmodel validate FILE`.

How to read the key paths: `channel.model` is the key `model` inside the block `channel`;
`segments[]` is an item of the list `segments` (write each item as a `- ` line);
`<name>` is an entry you name yourself, such as a product id or a support tier name.

Units: `currency` is the scenario's `currency` (USD by default); a `share` is a fraction from
0 to 1 (0.15 means 15%); `x list` is a multiple of the annual-term list price.

Confidence of a default: **sourced** (a public source, named), **illustrative** (a third
party's example; treat it as a parameter), **assumption** (a placeholder: replace it with your
own figure), **stale** (the latest price found is old).
"""


def _distributions_section() -> str:
    """Uncertain inputs: the distribution kinds and the keys that accept one."""
    from .distributions import ALLOWED_FIELDS, KEYS

    meaning = {
        "normal": "normal with that mean and standard deviation (sd at least 0)",
        "lognormal": "lognormal whose own mean and sd are these (mean more than 0)",
        "beta": "beta(a, b) on 0 to 1 (a, b more than 0); mean a / (a + b)",
        "triangular": "low <= mode <= high; mean (low + mode + high) / 3",
        "uniform": "low <= high; mean (low + high) / 2",
        "poisson": "whole-number counts with that mean (at least 0)",
    }
    blocks = {"Segment": "segments[]", "SupportTier": "support.tiers.<name>",
              "Support": "support", "Costs": "costs", "Services": "services",
              "IndirectCosts": "channel.indirect", "DirectCosts": "channel.direct",
              "AzureConsumption": "segments[].azure", "Financing": "segments[].financing",
              "Channel": "channel", "Scenario": "(top level)"}
    lines = [
        "## Uncertain inputs (distributions)\n",
        "A numeric driver may be written as a distribution instead of a number, e.g.",
        "`churn_annual: {dist: beta, a: 2, b: 18}` or",
        "`seats_per_customer: {dist: triangular, low: 10, mode: 15, high: 25}`.",
        "`cspmodel.simulate(scenario, paths=N, seed=S)` draws one value per path (each draw",
        "clipped to the key's allowed range); the deterministic run uses the distribution's",
        "mean, clipped to that range. Every key of a kind is required.\n",
        "| dist | keys | meaning |", "| --- | --- | --- |",
    ]
    lines += [_row(k, ", ".join(v), meaning[k]) for k, v in KEYS.items()]
    lines += ["", "Keys that accept a distribution:\n", "| block | keys |", "| --- | --- |"]
    for cls, names in ALLOWED_FIELDS.items():
        lines.append(_row(blocks[cls], "every number" if names is None
                          else ", ".join(f"`{n}`" for n in names)))
    return "\n".join(lines) + "\n"


def render_reference() -> str:
    """The whole reference as Markdown text (deterministic: same schema, same text).

    Example:
        >>> render_reference().startswith("# Scenario reference")
        True
    """
    parts = [_INTRO, "## Keys\n"]
    for path, model in _sections(Scenario, ""):
        parts.append(_model_section(path, model))
    parts.append(_distributions_section())
    parts.append(_products_section())
    parts.append(_vendor_plans_section())
    parts.append(_facts_section())
    parts.append(_limits_section())
    return "\n".join(parts).rstrip("\n") + "\n"


def write_reference(path: str | Path = DEFAULT_PATH) -> Path:
    """Write the reference to ``path`` (``docs/scenario-reference.md`` by default).

    Example:
        >>> write_reference("/tmp/scenario-reference.md").name  # doctest: +SKIP
        'scenario-reference.md'
    """
    from .util import atomic_write_text

    return atomic_write_text(Path(path), render_reference())


def key_paths() -> list[str]:
    """Every key path the reference lists, in order.

    Example:
        >>> "support.tiers.<name>.coverage" in key_paths()
        True
    """
    out: list[str] = []
    for path, model in _sections(Scenario, ""):
        for name, field in model.model_fields.items():
            key = _join(path, name)
            out.append(key)
            if _dict_value(field.annotation) is not None:
                out.append(key + ".<name>")
    return out


# --------------------------------------------------------------------------------------------
# Walking the schema
# --------------------------------------------------------------------------------------------
def _sections(model: type[BaseModel], path: str) -> list[tuple[str, type[BaseModel]]]:
    """(path, block) for the block itself and every block nested in it, depth first."""
    out = [(path, model)]
    for name, field in model.model_fields.items():
        child, suffix = _nested_model(field.annotation)
        if child is not None:
            out.extend(_sections(child, _join(path, name) + suffix))
    return out


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _unwrap(ann: Any) -> Any:
    """``X | None`` to ``X``."""
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    if typing.get_origin(ann) is typing.Annotated:
        return _unwrap(typing.get_args(ann)[0])
    return ann


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _dict_value(ann: Any) -> Any:
    ann = _unwrap(ann)
    return typing.get_args(ann)[1] if typing.get_origin(ann) is dict else None


def _nested_model(ann: Any) -> tuple[type[BaseModel] | None, str]:
    """The block a field holds (directly, as list items or as named entries) and its suffix."""
    ann = _unwrap(ann)
    if _is_model(ann):
        return ann, ""
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin in (tuple, list) and args and _is_model(_unwrap(args[0])):
        return _unwrap(args[0]), "[]"
    if origin is dict and _is_model(_unwrap(args[1])):
        return _unwrap(args[1]), ".<name>"
    return None, ""


def _nullable(ann: Any) -> bool:
    return typing.get_origin(ann) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(ann))


def _kind(ann: Any) -> str:
    """The kind of value in words a partner uses."""
    empty = " or empty" if _nullable(ann) else ""
    ann = _unwrap(ann)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if _is_model(ann):
        return "block" + empty
    if origin is Literal:
        return "choice" + empty
    if origin in (tuple, list):
        item = _unwrap(args[0]) if args else Any
        return ("list of blocks" if _is_model(item) else f"list of {_kind(item)}s") + empty
    if origin is dict:
        value = _unwrap(args[1])
        return ("named blocks" if _is_model(value) else f"{_kind(value)} by name") + empty
    names = {int: "whole number", float: "number", str: "text", bool: "true or false",
             dt.date: "date"}
    return names.get(ann, getattr(ann, "__name__", str(ann))) + empty


def _allowed(path: str, field: FieldInfo) -> str:
    if path in ALLOWED_BY_PATH:
        return ALLOWED_BY_PATH[path]
    ann = _unwrap(field.annotation)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is Literal:
        return ", ".join(f"`{a}`" for a in args)
    if origin in (tuple, list) and args and typing.get_origin(_unwrap(args[0])) is Literal:
        return "any of " + ", ".join(f"`{a}`" for a in typing.get_args(_unwrap(args[0])))
    rules = []
    bounds = describe_bounds(field_bounds(field))
    if bounds:
        rules.append(bounds)
    for meta in field.metadata:
        if getattr(meta, "min_length", None):
            what = "character" if ann is str else "item"
            rules.append(f"at least {meta.min_length} {what}(s)")
        if getattr(meta, "max_length", None):
            what = "character" if ann is str else "item"
            rules.append(f"at most {meta.max_length} {what}(s)")
    return "; ".join(rules)


def _default(path: str, field: FieldInfo) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if path == "start_month" and isinstance(value, dt.date):
        return f"`{value:%Y-%m}`"
    return _show(value)


def _show(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, BaseModel):
        return "the block's defaults"
    if isinstance(value, dict):
        if not value:
            return "none"
        if all(isinstance(v, BaseModel) for v in value.values()):
            return ", ".join(f"`{k}`" for k in value) + " (see below)"
        return ", ".join(f"`{k}`: {_number(v)}" for k, v in value.items())
    if isinstance(value, tuple | list):
        return "none" if not value else ", ".join(_show(v) for v in value)
    if isinstance(value, str):
        return f"`{value}`" if value else "empty"
    if isinstance(value, dt.date):
        return f"`{value.isoformat()}`"
    return f"`{_number(value)}`"


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return format(float(value), ".6g")


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _source(field: FieldInfo) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    source = str(extra.get("source", "") or "")
    confidence = str(extra.get("confidence", "") or "")
    if not source:
        return ""
    return f"{source} ({confidence})" if confidence else source


def _unit(field: FieldInfo) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return str(extra.get("unit", "") or "")


def _title(path: str) -> str:
    return f"`{path}`" if path else "Top level"


def _model_section(path: str, model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    lines = [f"### {_title(path)}", "", doc, "",
             "| key | meaning | kind | unit | default | allowed | source of the default |",
             "|---|---|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        key = _join(path, name)
        child, suffix = _nested_model(field.annotation)
        kind = _kind(field.annotation)
        meaning = field.description or ""
        if child is not None:
            meaning += f" (see `{key}{suffix}`)"
        lines.append(_row(key, meaning, kind, _unit(field), _default(key, field),
                          _allowed(key, field), _source(field)))
        value_ann = _dict_value(field.annotation)
        if value_ann is not None:
            entry = key + ".<name>"
            if _is_model(value_ann):
                meaning, unit = f"One entry of `{name}`, named by you (see `{entry}`)", ""
            else:
                meaning, unit = f"One entry of `{name}`", _unit(field) or "share"
            lines.append(_row(entry, meaning, _kind(value_ann), unit, "",
                              ALLOWED_BY_PATH.get(entry, ""), ""))
    text = "\n".join(lines) + "\n"
    for name, field in model.model_fields.items():
        default = field.get_default(call_default_factory=True) if (
            field.default_factory is not None) else None
        if isinstance(default, dict) and default and all(
                isinstance(v, BaseModel) for v in default.values()):
            text += "\n" + _default_entries(_join(path, name), default)
    return text


def _row(*cells: str) -> str:
    key, *rest = cells
    return "| " + " | ".join([f"`{key}`", *(_cell(c) for c in rest)]) + " |"


def _default_entries(path: str, entries: dict[str, BaseModel]) -> str:
    """A table of the entries a named-blocks key holds when the file does not give it."""
    first = next(iter(entries.values()))
    names = list(type(first).model_fields)
    lines = [f"Default `{path}` when the file does not give it (a file that gives "
             f"`{path}` replaces them all):", "",
             "| name | " + " | ".join(f"`{n}`" for n in names) + " |",
             "|---|" + "---|" * len(names)]
    for key, entry in entries.items():
        values = [_show(getattr(entry, n)) for n in names]
        lines.append(f"| `{key}` | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# The catalog
# --------------------------------------------------------------------------------------------
def _prices(product: Product) -> str:
    points = product.prices
    out = []
    for i, point in enumerate(points):
        price = _number(point.price)
        if i == 0 and point.effective <= _EARLY:
            out.append(price if len(points) == 1 else
                       f"{price} before {points[1].effective.isoformat()}")
        else:
            out.append(f"{price} from {point.effective.isoformat()}")
    return "; ".join(out)


def _products_section() -> str:
    lines = ["## Products", "",
             "The catalog's products. Use an id in `segments[].product_mix` (base products) or "
             "`segments[].addons` (add-ons); override a price or define a product of your own "
             "under `products`. List prices are USD per seat per month on an annual term (ERP); "
             "a dated price reaches a customer at its next renewal.", "",
             "| id | name | kind | list price | terms | source |",
             "|---|---|---|---|---|---|"]
    for pid, product in PRODUCTS.items():
        lines.append("| " + " | ".join([f"`{pid}`", _cell(product.name), product.kind,
                                         _prices(product), ", ".join(product.terms),
                                         _cell(product.source)]) + " |")
    return "\n".join(lines) + "\n"


def _vendor_plans_section() -> str:
    lines = ["## Vendor support plans", "",
             "A direct-bill partner must hold one (`support.vendor_plan`); its yearly price is "
             "the default of `support.vendor_plan_cost_per_year`.", "",
             "| plan | yearly cost (USD) | as of | confidence | source |",
             "|---|---|---|---|---|"]
    for plan, key in VENDOR_PLANS.items():
        fact = FACTS[key]
        lines.append("| " + " | ".join([f"`{plan}`", f"{float(fact.value or 0):,.0f}",
                                         fact.as_of, fact.confidence,
                                         _cell(fact.source)]) + " |")
    return "\n".join(lines) + "\n"


def _limits_section() -> str:
    """The bounds every file meets: the caps by unit (for keys without a bound of their own)
    and the limits of a file, with their reasons."""
    from .io import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
    from .schema import FIRST_YEAR, LAST_YEAR, TINY, UNIT_CAPS

    lines = ["## Limits", "",
             "Numbers are finite (no `.inf` or `.nan`), written as numbers (`true` is not 1), and "
             f"either 0 or at least {TINY:g} in size. A key without an upper bound of its own "
             "takes its unit's cap, the most a partner's business can justify (a larger value "
             "is a typo or a unit mistake):", "",
             "| unit | at most | why |", "|---|---|---|"]
    for unit, (cap, why) in UNIT_CAPS.items():
        lines.append(f"| {unit} | {cap:,.0f} | {why} |")
    lines += ["", f"The horizon lies within the years {FIRST_YEAR} to {LAST_YEAR}. A scenario "
              f"file is a regular file of at most {MAX_FILE_BYTES:,} bytes, with at most "
              f"{MAX_NODES:,} values once its aliases (`*name`) are expanded and blocks nested at "
              f"most {MAX_DEPTH} deep; a run whose arrays would pass the memory budget is "
              "refused before it starts (`cspmodel.result.MEMORY_BUDGET_BYTES`)."]
    return "\n".join(lines) + "\n"


def _facts_section() -> str:
    lines = ["## Catalog figures", "",
             "Every default figure of the catalog (`cspmodel/catalog.py`) with its source. "
             "[MS] is Microsoft's Partner Center documentation, [3P] a third party; "
             "UNSOURCED marks a placeholder.", "",
             "| figure | value | as of | confidence | source |",
             "|---|---|---|---|---|"]
    for key, fact in FACTS.items():
        lines.append("| " + " | ".join([f"`{key}`", _cell(_number(fact.value)), fact.as_of,
                                         fact.confidence, _cell(fact.source)]) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m cspmodel.reference_doc [PATH]``: write the reference (used by ``make docs``).

    Example:
        >>> main(["/tmp/scenario-reference.md"])  # doctest: +SKIP
        0
    """
    args = sys.argv[1:] if argv is None else argv
    path = write_reference(args[0] if args else DEFAULT_PATH)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
