"""Engine speed: the deterministic run of each shipped scenario (target <= 3 ms median on one
core), and the speedup of the vectorized engine over the plain-Python reference."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import cspmodel

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 3.0


def median_ms(fn, repeat: int) -> float:  # noqa: ANN001 - any callable
    """Median wall time of ``fn()`` over ``repeat`` runs, in milliseconds (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def main() -> dict[str, float]:
    """Print per-scenario engine and reference times; return the slowest scenario's."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))  # the reference oracle lives with the tests
    from reference import reference_simulate
    print(f"{'scenario':<34} {'months':>6} {'engine ms':>10} {'target':>7} {'reference ms':>13}"
          f" {'speedup':>8}")
    worst = 0.0
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        s = cspmodel.load_scenario(path)
        eng = median_ms(lambda s=s: cspmodel.simulate(s), 25)
        worst = max(worst, eng)
        ref = median_ms(lambda s=s: reference_simulate(s), 3)
        ok = "ok" if eng <= TARGET_MS else "MISSED"
        print(f"{path.stem:<34} {s.horizon_months:>6} {eng:>10.1f} {ok:>7} {ref:>13.1f}"
              f" {ref / eng:>7.0f}x")
    return {"simulate_ms": worst}
