"""Run every benchmark in this folder (``bench_*.py``) and print its figures: ``make bench``.

Speed targets live here, never in unit tests. Each module has a ``main()`` that prints.

Example:
    $ .venv/bin/python benchmarks/run.py
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


# the project's targets (issue "Speed and scale"): measure -> (label, target, unit, better)
TARGETS = {
    "simulate_ms": ("simulate, deterministic, slowest shipped scenario", 3.0, "ms", "lower"),
    "monte_carlo_s": ("Monte Carlo 10,000 paths x 60 months, largest scenario, one core", 0.5,
                      "s", "lower"),
    # the Azure issue's own target, which bench_azure prints too
    "monte_carlo_azure_s": ("Monte Carlo 10,000 paths x 60 months with Azure drivers", 2.0,
                            "s", "lower"),
    "million_paths_s": ("1,000,000 paths x 60 months, every core", 60.0, "s", "lower"),
    "million_paths_gib": ("1,000,000 paths: peak memory", 4.0, "GiB", "lower"),
    "per_path_speedup": ("per-path speedup over the reference loop", 1000.0, "x", "higher"),
    "sweep_s": ("sweep of 10,000 points", 1.0, "s", "lower"),
    "explorer_ms": ("explorer change to redrawn figures", 50.0, "ms", "lower"),
    "batch_2_jobs_s": ("batch of the shipped scenarios, 2 workers", None, "s", "lower"),
    "import_ms": ("import cspmodel", 300.0, "ms", "lower"),
    "dashboard_first_figures_s": ("dashboard: first figures after a page load", 3.0, "s",
                                  "lower"),
}


def report(figures: dict[str, float]) -> str:
    """The figures against their targets, each as a ratio measured in this run.

    Example:
        >>> print(report({"import_ms": 150.0}).splitlines()[1])  # doctest: +NORMALIZE_WHITESPACE
        import cspmodel     150.0 ms     300.0 ms  0.50  met
    """
    rows = [f"{'measure':<60}{'figure':>10}   {'target':>10}  {'ratio':>5}  verdict"]
    for key, (label, target, unit, better) in TARGETS.items():
        if key not in figures:
            continue
        value = figures[key]
        if target is None:  # a target measured in the same run (the batch's kernel starts)
            target = figures.get(f"{key[:-2]}_target_s", float("nan"))
        ratio = value / target if better == "lower" else target / value
        verdict = "met" if ratio <= 1.0 else f"{ratio:.1f} times the target"
        rows.append(f"{label:<60}{value:>8.1f} {unit:<3}{target:>8.1f} {unit:<3}{ratio:>5.2f}  "
                    f"{verdict}")
    return "\n".join(rows)


def main(names: list[str] | None = None) -> int:
    """Run the benchmark modules (all, or those whose name contains one of ``names``), then
    print every figure against its target; always exits 0 (a report, not a test)."""
    import os

    sys.path.insert(0, str(HERE.parent))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    figures: dict[str, float] = {}
    for path in sorted(HERE.glob("bench_*.py")):
        if names and not any(n in path.stem for n in names):
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n=== {path.stem} ===", flush=True)
        t0 = time.perf_counter()
        figures.update(module.main() or {})
        print(f"({path.stem} took {time.perf_counter() - t0:.1f} s)", flush=True)
    end = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n=== against the targets (load average {load:.1f} at the start, {end:.1f} at the "
          "end: figures are inflated when the machine is shared) ===")
    print(report(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
