"""Figures as a partner reads them: money with its currency and thousands separators, shares
as percentages, a break-even month in words. One module that every view formats with.

Example:
    >>> fmt_figure(1234567.8, "money", "USD"), fmt_figure(0.0, "month")
    ('USD 1,234,568', 'from the start')
"""

from __future__ import annotations

import math

from .headline import break_even_text
from .util import money, percent


def fmt_money(x: float, currency: str = "", decimals: int = 0) -> str:
    """``12,345`` or ``USD 12,345``; ``n/a`` for a missing value.

    Example:
        >>> fmt_money(1234.5, "EUR"), fmt_money(float("nan"))
        ('EUR 1,234', 'n/a')
    """
    return money(x, currency, decimals)


fmt_percent = percent  # ``12.3%``; ``n/a`` for a missing value


def fmt_figure(value: float, kind: str, currency: str = "") -> str:
    """One figure as a partner reads it, by its kind: ``money`` (``USD 12,345``), ``money2``
    (two decimals), ``percent``, ``month`` (``month 14`` or ``never``), ``count`` (``1,072``);
    any other kind one decimal.

    Example:
        >>> fmt_figure(0.192, "percent"), fmt_figure(float("nan"), "month")
        ('19.2%', 'never')
    """
    if kind == "money":
        return fmt_money(value, currency)
    if kind == "money2":
        return fmt_money(value, currency, 2)
    if kind == "percent":
        return fmt_percent(value)
    if kind == "month":  # a break-even month: 0 is "from the start"
        return "never" if math.isnan(value) else break_even_text(value, 0)
    if kind == "count":
        return fmt_money(value)
    return "n/a" if math.isnan(value) else f"{value:,.1f}"
