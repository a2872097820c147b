"""Headline figures a finance lead reads, each defined once (``docs/engine.md`` section 9).

- **Cash trough**: the lowest cumulative cash counting the opening position (0), so a book that
  is cash-positive from the start has a trough of 0: no funding needed, never a positive number.
- **Break-even month**: the first month (1-based) from which cumulative cash stays >= 0; 0 when
  it never goes below 0 ("from the start"); NaN when it is still below 0 at the end.
- **CAC payback and LTV/CAC**: the acquisition cost of a new customer (acquisition spend over new
  customers; onboarding projects are services with their own margin, not netted against it),
  the recurring gross margin a customer brings a month (licence and support revenue less their
  variable cost of sales, per customer-month; the company-level 24/7 floor is a fixed cost, not
  one more customer's), and the churn hazard: payback = CAC / monthly margin; LTV = monthly
  margin x expected lifetime (1 / hazard, at most 120 months); LTV/CAC = LTV / CAC.

Example (does my launch need funding, and when does it pay back?):
    >>> import numpy as np
    >>> cum = np.array([[-500.0, -200.0, 100.0, 400.0], [10.0, 20.0, 30.0, 40.0]])
    >>> cash_trough(cum), break_even_month(cum)
    (array([-500.,    0.]), array([3., 0.]))
    >>> break_even_text(0.0, 4), break_even_text(3.0, 4), break_even_text(float("nan"), 4)
    ('from the start', 'month 3', 'not within 4 months')
"""

from __future__ import annotations

import math

import numpy as np

from .ledger import LINES

MAX_LIFETIME_MONTHS = 120.0
# licence and support cost of sales that one more customer adds (not the company-level floor)
RECURRING_COST_LINES = tuple(
    n for n, line in LINES.items()
    if line.statement == "cost_of_sales" and line.product_class in ("resale", "support")
    and "company" not in line.levels)


def cash_trough(cumulative_cash: np.ndarray) -> np.ndarray:
    """Lowest cumulative cash of each path ``(P, H) -> (P,)``, counting the opening 0.

    Example:
        >>> cash_trough(np.array([[5.0, 3.0]]))
        array([0.])
    """
    return np.minimum(np.asarray(cumulative_cash).min(axis=1), 0.0)


def break_even_month(cumulative_cash: np.ndarray) -> np.ndarray:
    """First month (1-based) from which cumulative cash stays >= 0, per path ``(P, H) -> (P,)``;
    0 when it is never below 0, NaN when it is below 0 at the end.

    Example:
        >>> break_even_month(np.array([[-1.0, 2.0, -1.0]]))
        array([nan])
    """
    cum = np.asarray(cumulative_cash)
    H = cum.shape[1]
    negative = cum < 0
    any_neg = negative.any(axis=1)
    last_neg = H - 1 - np.argmax(negative[:, ::-1], axis=1)
    month = np.where(any_neg, last_neg + 2.0, 0.0)  # the month after the last one below 0
    return np.where(month > H, np.nan, month)


def break_even_text(month: float, horizon: int) -> str:
    """The break-even month in words.

    Example:
        >>> break_even_text(14.0, 36)
        'month 14'
    """
    if month is None or math.isnan(month):
        return f"not within {horizon} months"
    if month == 0:
        return "from the start"
    return f"month {int(month)}"


def unit_economics(lines: dict[str, np.ndarray], customers: np.ndarray, new_customers: np.ndarray,
                   hazard: np.ndarray) -> dict[str, np.ndarray]:
    """CAC, monthly recurring margin per customer, CAC payback (months) and LTV/CAC per path.

    ``lines``: each ledger line's total per path ``(P,)``; ``customers``: customer-months per
    path; ``new_customers``: customers joined per path; ``hazard``: the monthly churn hazard.

    Example (1,500 to win a customer who brings 100 a month and stays 50 months):
        >>> one = lambda x: np.array([float(x)])
        >>> lines = {"acquisition": one(15_000), "license_resale": one(12_000),
        ...          "support_plans": one(0), **{n: one(0) for n in RECURRING_COST_LINES}}
        >>> lines["license_cost"] = one(2_000)
        >>> u = unit_economics(lines, one(100), one(10), one(0.02))
        >>> float(u["cac"][0]), float(u["monthly_margin"][0]), float(u["cac_payback_months"][0])
        (1500.0, 100.0, 15.0)
        >>> round(float(u["ltv_to_cac"][0]), 6)  # 100 x 50 / 1,500
        3.333333
    """
    gp = lines["license_resale"] + lines["support_plans"] - sum(
        lines[n] for n in RECURRING_COST_LINES)
    with np.errstate(divide="ignore", invalid="ignore"):
        cac = np.where(new_customers > 0, lines["acquisition"]
                       / np.where(new_customers > 0, new_customers, 1.0), np.nan)
        margin = np.where(customers > 0, gp / np.where(customers > 0, customers, 1.0), np.nan)
        payback = np.where(cac == 0, 0.0, np.where(margin > 0, cac / margin, np.nan))
        lifetime = np.minimum(np.where(hazard > 0, 1.0 / hazard, MAX_LIFETIME_MONTHS),
                              MAX_LIFETIME_MONTHS)
        ltv_cac = np.where(cac > 0, margin * lifetime / cac, np.nan)
    return {"cac": cac, "monthly_margin": margin, "cac_payback_months": payback,
            "ltv_to_cac": ltv_cac}
