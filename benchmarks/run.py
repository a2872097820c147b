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


def main(names: list[str] | None = None) -> int:
    """Run the benchmark modules (all, or those whose name contains one of ``names``)."""
    sys.path.insert(0, str(HERE.parent))
    for path in sorted(HERE.glob("bench_*.py")):
        if names and not any(n in path.stem for n in names):
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n=== {path.stem} ===", flush=True)
        t0 = time.perf_counter()
        module.main()
        print(f"({path.stem} took {time.perf_counter() - t0:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
