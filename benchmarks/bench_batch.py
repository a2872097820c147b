"""Speed of the main job: the batch over every shipped scenario with 1 and with 2 jobs, and per
notebook the kernel start (papermill start to first cell) and the execution (first cell start to
last cell end), from papermill's own timestamps in each executed notebook.

Run by ``make bench`` (through benchmarks/run.py) or on its own:
``.venv/bin/python benchmarks/bench_batch.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from cores import every_core

ROOT = Path(__file__).resolve().parents[1]


def _run(jobs: int, out: Path):  # noqa: ANN202 - a BatchResult
    from cspmodel.batch import run_batch

    return run_batch([ROOT / "scenarios"], out, jobs=jobs, progress=False,
                     echo=lambda text: print(text, file=sys.stderr))


def main() -> dict[str, float]:
    """Print the batch wall times and the per-notebook kernel start and execution times; return
    the 2-job wall time and its target: 1.5 x (kernel starts x scenarios / 2) + 1 s a
    scenario."""

    # make bench pins the benchmarks to one core; two jobs need the machine's cores (the
    # kernels inherit this process's affinity), so the batch gets them back for its runs
    with every_core() as cores, tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        print(f"Batch over scenarios/ (the package's scenario_report.ipynb, papermill, "
              f"{cores} cores)")
        results = {jobs: _run(jobs, Path(tmp) / f"jobs{jobs}") for jobs in (1, 2)}
    for jobs, res in results.items():
        n_ok = len(res.outcomes) - len(res.failed)
        print(f"  {jobs} job(s): {res.seconds:6.1f} s wall for {len(res.outcomes)} scenario(s) "
              f"({n_ok} ok, kernel {res.kernel})")
    print("  per notebook (1 job):   kernel start   execution   whole run incl. HTML")
    for o in results[1].outcomes:
        ks = f"{o.kernel_start_seconds:6.2f} s" if o.kernel_start_seconds is not None else "   n/a"
        ex = f"{o.execution_seconds:6.2f} s" if o.execution_seconds is not None else "   n/a"
        print(f"    {o.name:<30} {ks}      {ex}      {o.seconds:6.2f} s")
    starts = [o.kernel_start_seconds for o in results[1].outcomes
              if o.kernel_start_seconds is not None]
    n = len(results[2].outcomes)
    mean_start = sum(starts) / len(starts) if starts else 0.0
    return {"batch_2_jobs_s": results[2].seconds,
            "batch_2_jobs_target_s": 1.5 * (mean_start * n / 2) + n}


if __name__ == "__main__":
    main()
