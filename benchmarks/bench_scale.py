"""Scale: 1,000,000 Monte Carlo paths x 60 months of the largest shipped scenario on a process
pool of every core of this machine (target: completes, <= 60 s, < 4 GiB), in chunks of
``cspmodel.result.CHUNK_PATHS``."""

from __future__ import annotations

import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from bench_uncertainty import largest_scenario, with_distributions
from cores import every_core

import cspmodel

PATHS = 1_000_000
TARGET_S, TARGET_GIB = 60.0, 4.0


def _peak_gib(pid: int | str) -> float:
    """A live process's peak resident memory (Linux's VmHWM), in GiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20  # kB
    return float("nan")


def main() -> dict[str, float]:
    """Print the time and the peak memory of the million-path run, and return them."""
    s = with_distributions(largest_scenario())
    linux = Path("/proc/self/clear_refs").exists()
    if linux:  # this run's peak, not that of the benchmarks before it in the process
        Path("/proc/self/clear_refs").write_text("5")
    with every_core() as workers, ProcessPoolExecutor(workers,
                                                      mp_context=get_context("spawn")) as pool:
        pool.submit(cspmodel.simulate, s, paths=100, seed=1).result()  # start the workers
        t0 = time.perf_counter()
        r = cspmodel.simulate(s, paths=PATHS, seed=1, executor=pool)
        took = time.perf_counter() - t0
        # each worker's own peak, read before the pool ends (the children's rusage would give
        # the largest of every process this one has waited for, kernels of earlier benchmarks
        # included)
        peaks = [_peak_gib(pid) for pid in pool._processes] if linux else []
    own = (_peak_gib("self") if linux
           else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)  # KiB on Linux
    child = max(peaks) if peaks else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    ok = "ok" if took <= TARGET_S and own + workers * child < TARGET_GIB else "MISSED"
    print(f"{PATHS:,} paths x {s.horizon_months} months on {workers} workers: {took:.1f} s, "
          f"peak {own:.2f} GiB in the parent and {child:.2f} GiB per worker ({ok}; target "
          f"{TARGET_S:.0f} s, {TARGET_GIB:.0f} GiB)")
    print(f"  kept: {', '.join(sorted(r.path_statements))}; operating profit p5 / p50 / p95: "
          f"{r.paths['operating_profit'].quantile(0.05):,.0f} / "
          f"{r.paths['operating_profit'].median():,.0f} / "
          f"{r.paths['operating_profit'].quantile(0.95):,.0f} {s.currency}")
    return {"million_paths_s": took, "million_paths_gib": own + workers * child}
