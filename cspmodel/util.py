"""Small helpers shared by the command line and the views: atomic writes, money formatting.

Example:
    >>> money(1234567.8, "USD")
    'USD 1,234,568'
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np


def atomic_write_text(path: Path, text: str) -> Path:
    """Write text (UTF-8) to ``path`` through a temporary file and a rename: never a partial
    file."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write bytes to ``path`` through a temporary file and a rename: never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # readable as a normal file, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def beside(base_dir: str | os.PathLike[str] | None, name: str) -> Path:
    """A path a scenario file names (a price list, a book file): relative to the scenario's
    folder unless absolute.

    Example:
        >>> beside("/data/partner", "prices.csv").as_posix()
        '/data/partner/prices.csv'
    """
    path = Path(str(name))
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return path


def publish_dir(staging: Path, target: Path, ours: frozenset[str] | None = None) -> None:
    """Put a fully written staging folder in the place of ``target`` as one unit: the old
    folder is renamed aside, the new one renamed into place, the old one removed; if the second
    rename fails the old folder is put back. A reader sees the old set of files or the new one,
    never a mix. ``ours``: the names a target may hold (anything else there is the user's, and
    the target is refused rather than replaced).

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> (root / "new").mkdir(); _ = (root / "new" / "a.txt").write_text("new")
        >>> publish_dir(root / "new", root / "out")
        >>> (root / "out" / "a.txt").read_text(), (root / "new").exists()
        ('new', False)
    """
    old = None
    if target.exists():
        if ours is not None:
            others = sorted(p.name for p in target.iterdir() if p.name not in ours)
            if others:
                shutil.rmtree(staging, ignore_errors=True)
                raise FileExistsError(f"{target} holds other files ({', '.join(others[:3])}); "
                                      "give a new folder or one this command wrote")
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def money(amount: float, currency: str = "USD", decimals: int = 0) -> str:
    """Format an amount with its currency and thousands separators.

    Example:
        >>> money(-1500, "EUR")
        '-EUR 1,500'
    """
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "n/a"
    sign = "-" if round(amount, decimals) < 0 else ""
    number = f"{abs(amount):,.{decimals}f}"
    return f"{sign}{currency} {number}" if currency else f"{sign}{number}"


def percent(share: float, decimals: int = 1) -> str:
    """Format a share as a percentage.

    Example:
        >>> percent(0.1234)
        '12.3%'
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    return f"{100 * share:.{decimals}f}%"


def add_months(start: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``start`` (negative goes back).

    Example:
        >>> add_months(dt.date(2026, 1, 1), -12)
        datetime.date(2025, 1, 1)
    """
    index = start.year * 12 + (start.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def ordered_sum(x: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """Sum over ``axis`` (one or several) adding the entries one by one in index order, whatever
    the array's memory layout: a path's total is then the same bits whether it was run alone or
    among many paths (numpy's ``sum`` adds a contiguous axis pairwise, a strided one in order).

    Example:
        >>> ordered_sum(np.arange(12.0).reshape(2, 3, 2), (0, 1))
        array([30., 36.])
    """
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % x.ndim for a in axes)
    moved = x.transpose(axes + tuple(i for i in range(x.ndim) if i not in axes))  # a view
    flat = moved.reshape((-1,) + moved.shape[len(axes):])
    out = np.array(flat[0], dtype=float, copy=True)
    for i in range(1, flat.shape[0]):
        out += flat[i]
    return out
