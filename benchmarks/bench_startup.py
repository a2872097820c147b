"""Start-up: ``import cspmodel`` (target <= 300 ms), and for information the first simulate
after it and ``cspmodel --help``, each in a fresh interpreter (median of 5)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CODE = ("import time; t = time.perf_counter(); import cspmodel; a = time.perf_counter() - t; "
        "s = cspmodel.load_scenario('scenarios/small_indirect_msp.yaml'); cspmodel.simulate(s); "
        "print(a, time.perf_counter() - t)")


def main() -> dict[str, float]:
    """Print the start-up times and return the import's."""
    imports, firsts, helps = [], [], []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                             check=True).stdout.split()
        imports.append(float(out[0]) * 1000.0)
        firsts.append(float(out[1]) * 1000.0)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cspmodel.cli", "--help"], capture_output=True,
                       check=True)
        helps.append((time.perf_counter() - t0) * 1000.0)
    imp = statistics.median(imports)
    print(f"import cspmodel: {imp:.0f} ms median (target 300 ms: "
          f"{'ok' if imp <= 300 else 'MISSED'}); then a first simulate: "
          f"{statistics.median(firsts):.0f} ms from the import's start; `cspmodel --help` in "
          f"a fresh interpreter: {statistics.median(helps):.0f} ms")
    return {"import_ms": imp}
