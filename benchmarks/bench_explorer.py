"""Explorer speed: a control change to redrawn figures (target <= 50 ms median on the largest
shipped scenario), measured in-process on the control's callback: override, simulate, headline
figures, and the visible chart's matplotlib draw and PNG."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import cspmodel  # noqa: E402
from cspmodel.explorer import Explorer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 50.0


def _size(path: Path) -> int:
    s = cspmodel.load_scenario(path)
    return s.horizon_months * len(s.segments)  # months x segments: the engine's work


CPU: list[float] = []  # processor time of the same calls: the share the machine's load is not


def _timed(set_value, values) -> list[float]:  # noqa: ANN001
    times = []
    for v in values:
        t0, c0 = time.perf_counter(), time.process_time()
        set_value(v)
        times.append((time.perf_counter() - t0) * 1000.0)
        CPU.append((time.process_time() - c0) * 1000.0)
    return times


def main() -> dict[str, float]:
    """Print the median and slowest update per kind of change; return the overall median."""
    paths = sorted((ROOT / "scenarios").glob("*.yaml"))
    largest = max(paths, key=_size)
    s = cspmodel.load_scenario(largest)
    print(f"largest shipped scenario: {largest.name} ({s.horizon_months} months x "
          f"{len(s.segments)} segments)")
    t0 = time.perf_counter()
    ex = Explorer(s, path=largest, scenarios_dir=None)
    print(f"building the explorer (first draw): {(time.perf_counter() - t0) * 1000:.0f} ms")
    c = ex.controls
    base_churn = c["churn_annual"].value
    c["churn_annual"].value = base_churn + 0.5  # one warm-up change, not counted

    cases = {
        "slider (churn), profit-and-cash chart":
            (lambda v: setattr(c["churn_annual"], "value", v),
             [base_churn + d for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)]),
        "typed number (customers)":
            (lambda v: setattr(c["customers_at_start"], "value", v),
             [100.0 + 5 * i for i in range(15)]),
        "channel toggle":
            (lambda v: setattr(c["channel"], "value", v),
             ["direct", "indirect"] * 5),
    }
    all_times: list[float] = []
    print(f"{'change':<40} {'median ms':>10} {'max ms':>8} {'target':>7}")
    for label, (setter, values) in cases.items():
        times = _timed(setter, values)
        all_times += times
        med = statistics.median(times)
        print(f"{label:<40} {med:>10.1f} {max(times):>8.1f} "
              f"{'ok' if med <= TARGET_MS else 'MISSED':>7}")
    ex.tabs.selected_index = 1
    times = _timed(lambda v: setattr(c["markup_vs_list"], "value", v), [1.0 * i for i in
                                                                        range(1, 13)])
    all_times += times
    print(f"{'slider (markup), waterfall chart':<40} {statistics.median(times):>10.1f} "
          f"{max(times):>8.1f} {'ok' if statistics.median(times) <= TARGET_MS else 'MISSED':>7}")
    ex.tabs.selected_index = 2
    times = _timed(lambda v: setattr(c["markup_vs_list"], "value", v), [1.0 * i for i in
                                                                        range(1, 13)])
    all_times += times
    print(f"{'slider (markup), direct-vs-indirect':<40} {statistics.median(times):>10.1f} "
          f"{max(times):>8.1f} {'ok' if statistics.median(times) <= TARGET_MS else 'MISSED':>7}")
    med = statistics.median(all_times)
    print(f"control change to redrawn figures, all changes: median {med:.1f} ms wall, "
          f"{statistics.median(CPU):.1f} ms processor time "
          f"(target <= {TARGET_MS:.0f} ms: {'ok' if med <= TARGET_MS else 'MISSED'})")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} "
          f"(wall times above processor times mean other work shared the core)")
    return {"explorer_ms": med}


if __name__ == "__main__":
    main()
