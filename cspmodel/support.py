"""Support labour rules: ticket hours, the one 24/7 staffing floor, and how it is shared.

A 24/7 tier promises someone on shift every hour of the week. One night-and-weekend shift
serves every 24/7 tier the partner sells, so the floor is counted once for the company:
``floor hours = 168 x 52 / 12 x staff_on_shift_247`` a month, and its cost is the part the
24/7 tiers' own ticket hours do not fill, ``max(0, floor hours - hours of all 24/7 tiers) x
labour rate``. A tier's margin carries its share of that cost, pro rata to its seats.

Example (what does an idle 24/7 shift cost me a month with 200 hours of 24/7 tickets?):
    >>> floor = floor_hours(1.0)
    >>> round(floor, 1)
    728.0
    >>> float(floor_cost(200.0, floor, 50.0))
    26400.0
"""

from __future__ import annotations

import numpy as np

HOURS_PER_MONTH_247 = 168.0 * 52.0 / 12.0  # a week's 168 hours x 52 weeks / 12 months


def floor_hours(staff_on_shift: float | np.ndarray) -> float | np.ndarray:
    """Hours a month of a 24/7 shift with ``staff_on_shift`` people on it.

    Example:
        >>> round(floor_hours(2.0))
        1456
    """
    return HOURS_PER_MONTH_247 * staff_on_shift


def floor_cost(hours_247: np.ndarray | float, hours_floor: np.ndarray | float,
               rate: np.ndarray | float) -> np.ndarray:
    """Cost of the 24/7 floor the tickets of every 24/7 tier together leave idle.

    Example (two tiers with 300 and 500 ticket hours fill a 728-hour shift: no floor cost):
        >>> float(floor_cost(300.0 + 500.0, 728.0, 50.0))
        0.0
    """
    return np.maximum(0.0, np.asarray(hours_floor) - np.asarray(hours_247)) * rate


def share_floor(cost: np.ndarray, seats_by_tier: np.ndarray) -> np.ndarray:
    """Share a month-by-month floor cost ``(H,)`` among the 24/7 tiers ``(T, H)`` pro rata to
    their seats (equally in a month without seats).

    Example:
        >>> share_floor(np.array([100.0]), np.array([[30.0], [10.0]]))
        array([[75.],
               [25.]])
    """
    seats = np.asarray(seats_by_tier, dtype=float)
    total = seats.sum(axis=0)
    n = max(seats.shape[0], 1)
    weights = np.where(total > 0, seats / np.where(total > 0, total, 1.0), 1.0 / n)
    return weights * np.asarray(cost)[None, :]
