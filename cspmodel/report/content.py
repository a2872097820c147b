"""What every view of a report says: headline figures as text, the assumptions (with the
defaults a scenario file did not set), every input by its dotted key.

Example (the tiles of the deck, in the registry's words):
    >>> [TILE_LABELS[k] for k in TILES][:3]
    ['Revenue', 'Operating profit', 'Operating margin']
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pandas as pd

from ..formatting import fmt_figure, fmt_money, fmt_percent
from ..metrics import TILES as TILE_METRICS
from ..notebook import HEADLINE_ROWS
from ..result import Result
from ..schema import Scenario

KIND = {key: kind for key, _label, kind in HEADLINE_ROWS}
LABEL = {key: label for key, label, _kind in HEADLINE_ROWS}
TILES = tuple(m.key for m in TILE_METRICS)
CHANNEL_ROWS = ("revenue", "gross_profit", "gross_margin", "operating_profit",
                "operating_margin", "npv", "cash_trough", "break_even_month", "ending_arr",
                "net_revenue_retention")
TILE_LABELS = {m.key: m.short for m in TILE_METRICS}


def figure_text(result: Result, key: str) -> str:
    """One headline figure as a partner reads it (``USD 1,141,326``, ``19.2%``, ``month 14``).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> from cspmodel import simulate
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"))
        >>> figure_text(r, "revenue") == f"USD {r.summary['revenue']:,.0f}"
        True
    """
    return fmt_figure(float(result.summary[key]), KIND.get(key, "money"), result.currency)


def _per_segment(s: Scenario, text: Callable[[Any], str]) -> str:
    if len(s.segments) == 1:
        return text(s.segments[0])
    return "\n".join(f"{seg.name}: {text(seg)}" for seg in s.segments)


def assumptions(scenario: Scenario) -> list[tuple[str, str]]:
    """The assumptions that move the result most, as (label, text) pairs.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n  churn_annual: 0.1\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> dict(assumptions(s))["Customer churn per year"]
        '10%'
    """
    from ..analysis import starting_seats

    s, cur = scenario, scenario.currency
    ch = s.channel
    if ch.model == "indirect":
        channel = (f"Indirect: distributor keeps {fmt_percent(ch.indirect.distributor_margin)}"
                   f" of list" + (f" + {fmt_money(ch.indirect.distributor_fee_per_month, cur)}"
                                  "/month" if ch.indirect.distributor_fee_per_month else ""))
    else:
        plan = (s.support.vendor_plan or "none").replace("_", " ")
        channel = f"Direct: Microsoft support plan {plan}"
    customers = sum(seg.customers_at_start for seg in s.segments)
    tiers = ", ".join(f"{name} {fmt_money(t.price_per_seat_month, cur, 2)}"
                      for name, t in s.support.tiers.items()) or "none"

    from ..terms import STANDARD_TERMS, TERMS

    shown = [k for k in TERMS if k in STANDARD_TERMS
             or any(seg.term_mix.get(k, 0.0) > 0 for seg in s.segments)]

    def terms(seg: Any) -> str:
        return " / ".join(fmt_percent(seg.term_mix.get(k, 0.0), 0) for k in shown)

    return [
        ("Channel", channel),
        ("Partner discount on list", fmt_percent(ch.partner_discount)),
        ("Horizon", f"{s.horizon_months} months from {s.start_month:%b %Y}"),
        ("Book at start", f"{customers:,.0f} customers, {starting_seats(s):,.0f} seats"),
        ("New customers per month",
         _per_segment(s, lambda seg: f"{seg.new_customers_per_month:,.2f}")),
        ("Customer churn per year", _per_segment(s, lambda seg: fmt_percent(seg.churn_annual,
                                                                            0))),
        ("Seat growth per customer per year",
         _per_segment(s, lambda seg: fmt_percent(seg.seat_growth_annual, 0))),
        ("Term mix: " + " / ".join(TERMS[k].label.lower() for k in shown),
         _per_segment(s, terms)),
        ("Support price per seat per month", tiers),
        ("Support labour", f"{fmt_money(s.support.labor_rate_per_hour, cur, 2)}/hour at "
                           f"{fmt_percent(s.support.utilization, 0)} utilisation"),
        ("Acquisition cost per new customer",
         fmt_money(s.costs.acquisition_cost_per_customer, cur)),
        ("Discount rate for NPV", fmt_percent(s.discount_rate_annual)),
    ]


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a nested mapping/list as (dotted path, value), the paths
    ``Scenario.with_overrides`` takes; an empty list or mapping is one leaf.

    Example:
        >>> list(flatten({"a": {"b": 1}, "s": [{"c": 2}], "e": []}))
        [('a.b', 1), ('s.0.c', 2), ('e', [])]
    """
    if isinstance(value, Mapping) and value:
        for k, v in value.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list | tuple) and value:
        for i, v in enumerate(value):
            yield from flatten(v, f"{prefix}.{i}" if prefix else str(i))
    else:
        yield prefix, value


def inputs_table(runs: list[Any]) -> pd.DataFrame:
    """Every scenario key (dotted path) and its value, one column per run (keys of all runs,
    in the order they first appear; a key a run lacks is None)."""
    columns: dict[str, dict[str, Any]] = {}
    keys: list[str] = []
    for run in runs:
        values = dict(flatten(run.scenario.model_dump(mode="json")))
        columns[run.name] = values
        keys.extend(k for k in values if k not in keys)
    return pd.DataFrame({name: [vals.get(k) for k in keys] for name, vals in columns.items()},
                        index=pd.Index(keys, name="key"), dtype=object)


def comparison_table(source: Any) -> pd.DataFrame:  # noqa: ANN401 - a present.Source
    """Headline figures of every run side by side, as text (``batch.comparison_display``)."""
    from ..batch import _row, comparison_display
    from ..result import summary_json as summary_to_json

    rows = [_row(r.name, json.loads(summary_to_json(r.result))) for r in source.runs]
    return comparison_display(pd.DataFrame(rows).set_index("run"))


def count_text(source: Any) -> str:  # noqa: ANN401 - a present.Source
    """``1 scenario`` or ``N scenarios``."""
    n = len(source.runs)
    return f"{n} scenario" + ("" if n == 1 else "s")


def _value_text(value: Any, unit: str, currency: str) -> str:  # noqa: ANN401
    """A default's value with its unit, as a partner reads it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if unit.startswith("share"):
        per = unit[len("share"):].replace("/yr", " a year")
        return fmt_percent(float(value)) + per
    if unit.startswith("currency"):
        per = (unit[len("currency"):].replace("/", " per ").replace("per month", "a month")
               .replace("per yr", "a year"))
        return fmt_money(float(value), currency, 2 if abs(value) < 100 else 0) + per
    return f"{value:,.4g} {unit}".strip()


def _skip(key: str, scenario: Scenario) -> bool:
    """Keys that are not in use in this scenario (the other channel's costs, the vendor plan of
    an indirect partner) or are not assumptions (names, the book, commission plans)."""
    direct = scenario.channel.model == "direct"
    return (key in ("name", "description", "currency") or key.startswith((
        "catalog", "opening_book", "commissions", "products", "support.tiers"))
        or (key.startswith("channel.direct") and not direct)
        or (key.startswith("channel.indirect") and direct)
        or (key.startswith("support.vendor_plan") and not direct)
        or (key.startswith("thresholds.direct") and not direct))


def defaults_in_use(scenario: Scenario) -> list[tuple[str, str, str, str]]:
    """Every value the scenario file did not set and the model therefore took by default, and
    is in use: (key, what it is, value with unit, source). Support tiers taken by default are
    listed with their price.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> row = dict((k, v) for k, _d, v, _s in defaults_in_use(s))
        >>> row["services.onboarding_price_per_customer"]
        'USD 1,000 per customer'
    """
    from pydantic import BaseModel

    cur = scenario.currency
    out: list[tuple[str, str, str, str]] = []

    def walk(model: BaseModel, path: str) -> None:
        for name, field in type(model).model_fields.items():
            key = f"{path}.{name}" if path else name
            if _skip(key, scenario):
                continue
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                walk(value, key)
            elif isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
                for i, item in enumerate(value):
                    walk(item, f"{key}.{i}")
            elif name not in model.model_fields_set and value is not None and not isinstance(
                    value, dict | tuple):
                extra = field.json_schema_extra if isinstance(field.json_schema_extra,
                                                              dict) else {}
                out.append((key, str(field.description or name),
                            _value_text(value, str(extra.get("unit", "")), cur),
                            str(extra.get("source", "the model's default"))))

    walk(scenario, "")
    if "tiers" not in scenario.support.model_fields_set:
        for seg in scenario.segments:
            tier = scenario.support.tiers[seg.support_tier]
            key = f"support.tiers.{seg.support_tier}.price_per_seat_month"
            if key not in {k for k, *_ in out}:
                out.append((key, f"Price of the {seg.support_tier} support tier",
                            fmt_money(tier.price_per_seat_month, cur, 2) + " per seat a month",
                            "partner's own figure"))
    return out


def defaults_table(scenario: Scenario) -> pd.DataFrame:
    """:func:`defaults_in_use` as a table (the report page's assumptions)."""
    rows = defaults_in_use(scenario)
    return pd.DataFrame([{"Assumption": d, "Value": v, "Key": k, "Source": src}
                         for k, d, v, src in rows],
                        columns=["Assumption", "Value", "Key", "Source"])


def assumptions_frame(scenario: Scenario) -> pd.DataFrame:
    """:func:`assumptions` as a table (label, value).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> list(assumptions_frame(s).columns)
        ['Assumption', 'Value']
    """
    return pd.DataFrame(assumptions(scenario), columns=["Assumption", "Value"])
