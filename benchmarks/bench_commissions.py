"""Speed of commission plans: a shipped scenario with and without three plans, one path and
200 paths (prints seconds; no target asserted here).

Example:
    $ .venv/bin/python benchmarks/run.py commissions
"""

from __future__ import annotations

import time
from pathlib import Path

import cspmodel

ROOT = Path(__file__).resolve().parents[1]
PLANS = {"commissions.plans": [
    {"name": "resale", "product_class": "resale", "basis": "net", "rate": 0.1,
     "clawback_months": 6},
    {"name": "support", "product_class": "support_plans", "quota": 2_000_000,
     "tiers": [{"from_attainment": 0, "rate": 0.04}, {"from_attainment": 1, "rate": 0.08}]},
    {"name": "services", "product_class": "services", "rate": 0.15, "payout": "cash_receipt"},
]}


def _best(fn, repeat: int = 3) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    """Print run times with and without commission plans."""
    base = cspmodel.load_scenario(ROOT / "scenarios" / "growing_var_weighing_direct.yaml")
    planned = base.with_overrides(PLANS)
    for paths in (None, 200):
        flat = _best(lambda n=paths: cspmodel.simulate(base, paths=n))
        plans = _best(lambda n=paths: cspmodel.simulate(planned, paths=n))
        label = "deterministic" if paths is None else f"{paths} paths"
        print(f"{label:>14}: flat rate {flat * 1000:7.1f} ms, three plans {plans * 1000:7.1f} ms "
              f"(+{(plans / flat - 1) * 100:.0f}%)")


if __name__ == "__main__":
    main()
