"""Which cores a benchmark runs on: the one-core benchmarks pin this process to one core; a
benchmark that measures every core gets them back for its run (child processes inherit the
affinity)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


def one_core() -> None:
    """Pin this process (and what it starts) to one core, where the machine allows it."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


@contextmanager
def every_core() -> Iterator[int]:
    """Run the block on every core of the machine, then restore the affinity; yields the number
    of cores."""
    pinned = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if pinned is not None:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    try:
        yield os.cpu_count() or 1
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)
