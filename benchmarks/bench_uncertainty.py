"""Uncertainty speed: 10,000 Monte Carlo paths x the largest shipped scenario (target <= 0.5 s
median, one core), a 10,000-point sweep (target <= 1 s), and the speedup over running the
plain-Python reference path by path (target >= 1,000x)."""

from __future__ import annotations

import os
import statistics
import time
import tracemalloc
from pathlib import Path

from cores import one_core

import cspmodel
from cspmodel.engine import build_inputs

ROOT = Path(__file__).resolve().parents[1]
PATHS = 10_000


def largest_scenario() -> cspmodel.Scenario:
    """The shipped scenario with the most segment x product x month cells, over 60 months."""
    best, size = None, -1
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        s = cspmodel.load_scenario(path)
        inp = build_inputs(s)
        n = len(inp.segments) * len(inp.products) * inp.horizon
        if n > size:
            best, size = s, n
    assert best is not None
    return best.with_overrides({"horizon_months": 60})  # the target is stated for 60 months


def with_distributions(s: cspmodel.Scenario) -> cspmodel.Scenario:
    """The scenario with its churn, seats per customer and new customers uncertain."""
    over = {}
    for i, seg in enumerate(s.segments):
        c = float(seg.churn_annual)
        over[f"segments.{i}.churn_annual"] = {"dist": "beta", "a": 20 * c, "b": 20 * (1 - c)}
        spc = float(seg.seats_per_customer)
        over[f"segments.{i}.seats_per_customer"] = {
            "dist": "triangular", "low": 0.7 * spc, "mode": spc, "high": 1.5 * spc}
        over[f"segments.{i}.new_customers_per_month"] = {
            "dist": "poisson", "mean": float(seg.new_customers_per_month)}
    over["support.labor_rate_per_hour"] = {"dist": "normal",
                                           "mean": float(s.support.labor_rate_per_hour),
                                           "sd": 5.0}
    return s.with_overrides(over)


def timed(fn, repeat: int) -> float:  # noqa: ANN001 - any callable
    """Median seconds of ``fn()`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> dict[str, float]:
    """Print the Monte Carlo, sweep and speedup figures, and return them."""
    one_core()
    base = largest_scenario()
    s = with_distributions(base)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} (figures are inflated when the machine is shared)")
    print(f"scenario: {base.name} ({len(base.segments)} segments, {base.horizon_months} months,"
          f" {len(cspmodel.uncertainty.uncertain_fields(s))} uncertain drivers); one core")

    cspmodel.simulate(s, paths=100, seed=1)  # warm-up (imports, first allocations)
    mc = timed(lambda: cspmodel.simulate(s, paths=PATHS, seed=1), 3)
    cpu0 = time.process_time()
    cspmodel.simulate(s, paths=PATHS, seed=1)
    cpu = time.process_time() - cpu0
    tracemalloc.start()
    cspmodel.simulate(s, paths=PATHS, seed=1)
    peak = tracemalloc.get_traced_memory()[1] / 2**30
    tracemalloc.stop()
    print(f"Monte Carlo {PATHS:,} paths: {mc:.2f} s median, {cpu:.2f} s CPU (target 0.5 s: "
          f"{'ok' if mc <= 0.5 else 'MISSED'}); peak traced memory {peak:.2f} GiB "
          f"({peak * 2**30 / (PATHS * base.horizon_months):,.0f} bytes a path-month)")

    import numpy as np

    grid = {"segments.0.churn_annual": np.linspace(0.02, 0.3, 100).tolist(),
            "segments.0.seats_per_customer": np.linspace(5, 50, 100).tolist()}
    sw = timed(lambda: cspmodel.sweep(base, grid=grid), 3)
    print(f"sweep of 10,000 points: {sw:.2f} s median (target 1 s: "
          f"{'ok' if sw <= 1 else 'MISSED'})")

    import sys

    sys.path.insert(0, str(ROOT / "tests"))  # the reference oracle lives with the tests
    from reference import reference_simulate

    label = "reference_simulate"
    one = base.with_overrides({"segments.0.churn_annual": 0.11})

    def per_path() -> None:
        reference_simulate(one)

    n_ref = 3
    ref = timed(per_path, n_ref)
    det = timed(lambda: cspmodel.simulate(base), 10)
    print(f"{label}, one path: {ref * 1000:.0f} ms -> {PATHS:,} paths about {ref * PATHS:,.0f} s;"
          f" speedup of the paths axis {ref * PATHS / mc:,.0f}x (target 1,000x)")
    print(f"deterministic simulate per path: {det * 1000:.1f} ms -> {PATHS:,} paths "
          f"{det * PATHS:,.0f} s; speedup {det * PATHS / mc:,.1f}x")
    return {"monte_carlo_s": mc, "sweep_s": sw, "per_path_speedup": ref * PATHS / mc}
