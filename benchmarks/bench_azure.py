"""Monte Carlo with Azure drivers: 10,000 paths x 60 months of the shipped Azure scenario (its
consumption volatility drawn per path, segment and month, its consumption per customer, churn,
seats and new customers uncertain), against the same run without Azure. Target: within the
Monte Carlo target of the largest scenario (<= 2 s median on one core)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from bench_uncertainty import PATHS, timed, with_distributions
from cores import one_core

import cspmodel

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 2.0


def azure_scenario() -> cspmodel.Scenario:
    """The shipped Azure scenario over 60 months, its uncertain drivers drawn."""
    s = cspmodel.load_scenario(ROOT / "scenarios" / "msp_managing_azure.yaml")
    s = with_distributions(s.with_overrides({"horizon_months": 60}))
    over = {}
    for i, seg in enumerate(s.segments):
        base = float(seg.azure.consumption_per_customer_month)
        over[f"segments.{i}.azure.consumption_per_customer_month"] = {
            "dist": "triangular", "low": 0.6 * base, "mode": base, "high": 1.3 * base}
    return s.with_overrides(over)


def main() -> dict[str, float]:
    """Print the Monte Carlo figure with and without the Azure drivers; return it."""
    one_core()
    s = azure_scenario()
    no_azure = s.with_overrides({f"segments.{i}.azure.consumption_per_customer_month": 0.0
                                 for i in range(len(s.segments))})
    n = len(cspmodel.uncertainty.uncertain_fields(s))
    print(f"scenario: {s.name} ({len(s.segments)} segments, {s.horizon_months} months, {n} "
          "uncertain drivers and the month-to-month volatility of consumption); one core")
    cspmodel.simulate(s, paths=100, seed=1)  # warm-up
    with_az = timed(lambda: cspmodel.simulate(s, paths=PATHS, seed=1), 3)
    without = timed(lambda: cspmodel.simulate(no_azure, paths=PATHS, seed=1), 3)
    tracemalloc.start()
    r = cspmodel.simulate(s, paths=PATHS, seed=1)
    peak = tracemalloc.get_traced_memory()[1] / 2**30
    tracemalloc.stop()
    ok = "ok" if with_az <= TARGET_S else "MISSED"
    print(f"Monte Carlo {PATHS:,} paths with Azure drivers: {with_az:.2f} s median ({ok}, "
          f"target {TARGET_S:.0f} s), {peak:.2f} GiB peak; without Azure {without:.2f} s "
          f"(Azure adds {with_az - without:+.2f} s)")
    p = r.paths["operating_profit"]
    exposure = r.path_statements["credit_exposure"].max(axis=1)
    print(f"  operating profit p5 / p50 / p95: {p.quantile(0.05):,.0f} / {p.median():,.0f} / "
          f"{p.quantile(0.95):,.0f} {s.currency}; worst-month credit exposure p95: "
          f"{float(sorted(exposure)[int(0.95 * len(exposure))]):,.0f} {s.currency}")
    return {"monte_carlo_azure_s": with_az}
