"""Questions partners ask, answered with the engine: views that notebooks, the explorer, the
command line and reports share. Nothing here draws; :mod:`cspmodel.plots` draws.

Example:
    >>> from cspmodel.io import load_scenario_text
    >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
    ...     "  product_mix: {m365_business_basic: 1}\\n")
    >>> sorted(both_channels(s))
    ['direct', 'indirect']
"""

from __future__ import annotations

import pandas as pd

from .engine import STATEMENT_OF_LINE
from .result import Result, simulate
from .schema import Scenario

# lines in the order a partner reads a profit and loss: revenue, cost of sales, operating costs
WATERFALL_ORDER = tuple(STATEMENT_OF_LINE)

LINE_LABELS = {
    "license_resale": "Licence resale", "support_plans": "Support plans",
    "services": "Services", "license_cost": "Licence cost",
    "distributor_margin": "Distributor margin", "stranded_seats": "Stranded seats",
    "support_labor": "Support labor", "support_247_floor": "24/7 staffing floor",
    "escalation_fees": "Escalation fees", "services_cost": "Services delivery",
    "per_seat_tools": "Per-seat tools", "card_processing": "Card processing",
    "ach_fees": "Debit (ACH) fees", "license_admin": "Licence admin",
    "accounting": "Accounting", "compliance": "Compliance", "systems": "Systems",
    "commissions": "Commissions", "acquisition": "Customer acquisition",
    "bad_debt": "Bad debt", "vendor_support_plan": "Microsoft support plan",
    "direct_programme": "Direct-bill programme", "distributor_fees": "Distributor fees",
}

DEFAULT_VENDOR_PLAN = "advanced_support_for_partners"


def as_channel(scenario: Scenario, model: str) -> Scenario:
    """The same book bought through another channel (direct gets the default vendor plan if it
    has none).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> as_channel(s, "direct").support.vendor_plan
        'advanced_support_for_partners'
    """
    overrides: dict[str, object] = {"channel.model": model}
    if model == "direct" and scenario.support.vendor_plan is None:
        overrides["support.vendor_plan"] = DEFAULT_VENDOR_PLAN
    return scenario.with_overrides(overrides)


def both_channels(scenario: Scenario) -> dict[str, Result]:
    """Run the scenario as indirect and as direct: {"indirect": Result, "direct": Result}."""
    return {model: simulate(as_channel(scenario, model)) for model in ("indirect", "direct")}


def waterfall_table(result: Result) -> pd.DataFrame:
    """Revenue-to-profit steps over the whole horizon: one row per line, signed amounts
    (revenue positive, costs negative), then operating profit.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"))
        >>> t = waterfall_table(r)
        >>> round(t["amount"].iloc[:-1].sum() - t["amount"].iloc[-1], 6)
        0.0
    """
    totals = result.ledger.groupby("line", observed=True)["amount"].sum()
    kinds = result.ledger.groupby("line", observed=True)["statement"].first()
    rows = []
    for line in WATERFALL_ORDER:
        if line in totals.index and totals[line] != 0:
            sign = 1.0 if kinds[line] == "revenue" else -1.0
            rows.append((line, LINE_LABELS[line], kinds[line], sign * float(totals[line])))
    profit = float(result.monthly["operating_profit"].sum())
    rows.append(("operating_profit", "Operating profit", "result", profit))
    return pd.DataFrame(rows, columns=["line", "label", "statement", "amount"])


def headline(result: Result) -> dict[str, float]:
    """The figures a partner looks at first, as plain floats."""
    keys = ("revenue", "gross_margin", "operating_profit", "operating_margin", "npv",
            "break_even_month", "cash_trough", "ending_arr", "ending_customers", "ending_seats")
    return {k: float(result.summary[k]) for k in keys}


def scan(scenario: Scenario, key: str, values: list[float] | pd.Index,
         metric: str = "operating_profit") -> pd.DataFrame:
    """Run the scenario once per value of one dotted key; a row per value with the metric.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> len(scan(s, "segments.0.churn_annual", [0.1, 0.2]))
        2
    """
    rows = []
    for v in values:
        res = simulate(scenario.with_overrides({key: v}))
        rows.append({key: v, metric: float(res.summary[metric])})
    return pd.DataFrame(rows)
