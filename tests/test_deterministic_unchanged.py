"""Regression: the deterministic run (paths=None) does not drift. Every monthly figure and
headline metric of two rule-rich scenarios equals the values stored in
tests/data/deterministic_golden.json (written by the engine before the Monte Carlo work) to
floating-point rounding (relative 1e-11): refactoring the vectorized loop reorders sums and
products, which moves the last bits, never a figure. Correctness itself is checked against the
independent reference (test_engine_vs_reference.py) and the hand-computed cases.

When an engine rule changes on purpose, regenerate the file and say so in the commit:
    .venv/bin/python tests/test_deterministic_unchanged.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import cspmodel

GOLDEN = Path(__file__).resolve().parent / "data" / "deterministic_golden.json"
SEGMENT = """
- name: {name}
  customers_at_start: {n}
  new_customers_per_month: 1.5
  churn_annual: 0.12
  seats_per_customer: 14
  seat_growth_annual: 0.05
  seat_volatility_annual: 0.2
  product_mix: {{m365_business_premium: 0.7, m365_business_standard: 0.3}}
  addons: {{m365_copilot: 0.1}}
  term_mix: {{monthly: 0.2, annual_billed_monthly: 0.5, annual_upfront: 0.3}}
  contract_policy: {policy}
  support_tier: {tier}
  prepay_discount: 0.03
  markup_vs_list: 0.02
"""
TEXT = ("name: golden\nhorizon_months: 30\nsegments:"
        + SEGMENT.format(name="A", n=40, policy="flexible", tier="standard")
        + SEGMENT.format(name="B", n=12, policy="mirror", tier="premium_247")
        + "billing: {dso_days: 45}\n")
CASES = {
    "indirect": {},
    "direct": {"channel.model": "direct", "support.vendor_plan": "advanced_support_for_partners",
               "costs.bad_debt_rate": 0.01},
}


def figures() -> dict[str, dict[str, list[float]]]:
    """Every monthly column and summary metric of each case, as plain floats."""
    base = cspmodel.load_scenario_text(TEXT, source="golden")
    out = {}
    for name, over in CASES.items():
        r = cspmodel.simulate(base.with_overrides(over))
        data = {c: [float(v) for v in r.monthly[c]] for c in r.monthly.columns}
        data["summary"] = [float(v) for v in r.summary.to_numpy()]
        out[name] = data
    return out


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-11, abs_tol=1e-9)


def test_deterministic_run_does_not_drift():
    golden = json.loads(GOLDEN.read_text())
    now = figures()
    for case, data in golden.items():
        for column, values in data.items():
            got = now[case][column]
            bad = [i for i, (x, y) in enumerate(zip(got, values, strict=True))
                   if not _same(x, y)]
            assert not bad, f"{case} {column}: changed at {bad[:5]}"


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(figures()) + "\n")
    print(f"wrote {GOLDEN}")
