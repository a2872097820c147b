"""Channel rules: Microsoft's programme thresholds, checked on every trailing 12 months.

A direct-bill partner must keep USD 1M of CSP billed revenue over the trailing 12 months
(from 2025-10-01; Microsoft reassesses yearly), an indirect reseller USD 1,000 per tenant. A book
that starts above a threshold can fall below it later; the check runs at every month from the
twelfth on and names the first month the book falls below.

Example (is my shrinking direct book still eligible in its second year?):
    >>> import numpy as np
    >>> lic = np.array([100_000.0] * 12 + [50_000.0] * 12)
    >>> c = check_threshold(lic, np.full(24, 1_000_000.0))
    >>> c.first_below, round(c.ttm_at_first_below)
    (16, 950000)
    >>> check_threshold(lic, np.full(24, 600_000.0)).first_below is None
    True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .catalog import direct_bill_threshold_on
from .schema import Scenario
from .util import add_months

MONTHS = 12


def trailing_12(amounts: np.ndarray) -> np.ndarray:
    """Sum of the 12 months to each month, from month 11 (the first full year) on.

    Example:
        >>> trailing_12(np.arange(1.0, 14.0))  # months 1..13
        array([78., 90.])
    """
    return np.convolve(np.asarray(amounts, dtype=float), np.ones(MONTHS), mode="valid")


@dataclass(frozen=True)
class ThresholdCheck:
    """A programme threshold checked month by month.

    ``first_below``: index (0-based month of the horizon) of the first month whose trailing 12
    months fall below the threshold in force then, or None. For a horizon shorter than a year
    the check is on a year at the pace of the months there are (month ``H - 1``).
    """

    first_below: int | None
    ttm_at_first_below: float
    need_at_first_below: float
    first_year: float
    last_year: float
    full_year: bool


def check_threshold(licence_revenue: np.ndarray, need: np.ndarray) -> ThresholdCheck:
    """Check trailing-12-month CSP billed revenue (licences and Azure) against ``need`` (the
    threshold month by month).

    Example (a launch that crosses the threshold only in its second year is below from the
    first check):
        >>> c = check_threshold(np.linspace(0, 200_000, 24), np.full(24, 1_000_000.0))
        >>> c.first_below
        11
    """
    lic = np.asarray(licence_revenue, dtype=float)
    H = len(lic)
    if H >= MONTHS:
        ttm = trailing_12(lic)
        months = np.arange(MONTHS - 1, H)
        full = True
    else:
        ttm = np.array([lic.sum() * MONTHS / H]) if H else np.zeros(1)
        months = np.array([max(H - 1, 0)])
        full = False
    below = np.nonzero(ttm < np.asarray(need, dtype=float)[months])[0]
    if len(below):
        i = int(below[0])
        return ThresholdCheck(int(months[i]), float(ttm[i]), float(need[months[i]]),
                              float(ttm[0]), float(ttm[-1]), full)
    return ThresholdCheck(None, float("nan"), float("nan"), float(ttm[0]), float(ttm[-1]), full)


def direct_bill_need(scenario: Scenario) -> np.ndarray:
    """The direct-bill threshold in force in each month of the horizon (the scenario's own
    figure, else the catalog's on that date).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 3\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> direct_bill_need(s)
        array([1000000., 1000000., 1000000.])
    """
    own = scenario.thresholds.direct_bill_min_ttm_revenue
    dates = [add_months(scenario.start_month, m) for m in range(scenario.horizon_months)]
    return np.array([float(own) if own is not None else direct_bill_threshold_on(d)
                     for d in dates])


def direct_bill_open(scenario: Scenario, licence_revenue: np.ndarray) -> bool:
    """Whether Microsoft would admit and keep the book as a direct-bill partner: its
    trailing-12-month CSP billings (licences and Azure) meet the threshold in every month checked.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 12\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> direct_bill_open(s, np.full(12, 50_000.0)), direct_bill_open(s, np.full(12, 9e4))
        (False, True)
    """
    return check_threshold(licence_revenue, direct_bill_need(scenario)).first_below is None


def indirect_reseller_need(scenario: Scenario) -> np.ndarray:
    """The indirect reseller minimum in each month of the horizon.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 2\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> indirect_reseller_need(s)
        array([1000., 1000.])
    """
    return np.full(scenario.horizon_months,
                   float(scenario.thresholds.indirect_reseller_min_ttm_revenue))


def threshold_warning(scenario: Scenario, licence_revenue: np.ndarray,
                      money: Callable[[float], str]) -> str | None:
    """The warning sentence for the scenario's channel, or None when the book stays above its
    threshold in every month checked. ``money`` formats an amount in the scenario's currency.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 12\\nchannel: {model: direct}\\n"
        ...     "support: {vendor_plan: advanced_support_for_partners}\\n"
        ...     "segments:\\n- name: A\\n  product_mix: {m365_business_basic: 1}\\n")
        >>> threshold_warning(s, np.full(12, 1000.0), lambda x: f"{x:,.0f}")[:40]
        'Direct bill requires 1,000,000 of CSP re'
    """
    direct = scenario.channel.model == "direct"
    need = direct_bill_need(scenario) if direct else indirect_reseller_need(scenario)
    c = check_threshold(licence_revenue, need)
    if c.first_below is None:
        return None
    if direct:
        head = (f"Direct bill requires {money(c.need_at_first_below)} of CSP revenue over "
                "12 months")
        tail = "Microsoft would not admit or keep it as a direct-bill partner"
        later = "Microsoft would not keep it as a direct-bill partner"
    else:
        head = (f"Indirect resellers need {money(c.need_at_first_below)} of revenue over 12 "
                "months per tenant")
        tail = "The distributor's programme would not keep it as a reseller"
        later = tail
    H = len(licence_revenue)
    if not c.full_year:
        return (f"{head}; this book bills {money(c.first_year)} a year at the pace of its "
                f"first {H} months. {tail}.")
    if c.first_below == MONTHS - 1:
        return (f"{head}; this book bills {money(c.first_year)} in its first 12 months"
                + (f" and {money(c.last_year)} in its last 12" if H > MONTHS else "")
                + f". {tail}.")
    when: dt.date = add_months(scenario.start_month, c.first_below)
    return (f"{head}, reassessed every year; this book bills {money(c.first_year)} in its "
            f"first 12 months but falls below from {when:%Y-%m} (month {c.first_below + 1}), "
            f"with {money(c.ttm_at_first_below)} over the 12 months to then, and "
            f"{money(c.last_year)} in its last 12. {later} from then.")
