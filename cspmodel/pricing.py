"""Terms and pricing: the list price each cohort has locked, month by month.

A cohort locks the list price of the day at each renewal, times its term's price factor on that
day (``docs/engine.md`` section 3): monthly term ``monthly_term_factor`` (1.20); billed monthly
under a commitment ``annual_billed_monthly_factor`` (1.05 from 2025-04-01, 1.00 before, unless
the scenario sets it); paid ahead ``annual_upfront_factor`` (1.00). A three-year term takes the
same factors as the annual ones (Microsoft prices P3Y at three times P1Y).

Example (what does a Business Premium seat cost a monthly-term customer in January 2026?):
    >>> import datetime as dt
    >>> from cspmodel.io import load_scenario_text
    >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
    ...     "  product_mix: {m365_business_premium: 1}\\n")
    >>> round(float(term_factor(s, "monthly", dt.date(2026, 1, 1)) * 22.0), 2)
    26.4
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np

from .catalog import FACTS, annual_billed_monthly_factor_on
from .schema import Scenario
from .terms import MAX_COMMITMENT, TERMS, Layout, lock_months
from .util import add_months


def term_factor(scenario: Scenario, term: str, day: dt.date, product: str | None = None
                ) -> float:
    """The price factor of a term on a date, relative to the annual list price.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_e3: 1}\\n")
        >>> term_factor(s, "triennial_billed_monthly", dt.date(2026, 1, 1))
        1.05
    """
    fixed = fixed_term_factor(scenario, term, product)
    return fixed if fixed is not None else float(annual_billed_monthly_factor_on(day))


def fixed_term_factor(scenario: Scenario, term: str, product: str | None = None
                      ) -> float | None:
    """The price factor of a term where it does not depend on the date, else None (a term
    billed monthly under a commitment follows Microsoft's dated factor unless the scenario or
    the product sets its own).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_e3: 1}\\n")
        >>> fixed_term_factor(s, "monthly"), fixed_term_factor(s, "annual_billed_monthly")
        (1.2, None)
    """
    t = scenario.terms
    rule = TERMS[term].factor
    spec = scenario.product_spec(product) if product is not None else None
    if rule == "monthly_term":
        if spec is not None and spec.monthly_term_factor is not None:
            return float(spec.monthly_term_factor)  # the product's own, from a price list
        return float(t.monthly_term_factor)
    if rule == "annual_upfront":
        return float(t.annual_upfront_factor)
    if rule == "extended_service":  # the monthly price + 3%, or + 23% without a monthly plan
        if product is not None and "monthly" not in scenario.product_terms(product):
            return float(FACTS["extended_service_factor_no_monthly"].value)
        monthly = fixed_term_factor(scenario, "monthly", product)
        return float(monthly) * (1.0 + float(FACTS["extended_service_uplift"].value))
    if spec is not None and spec.annual_billed_monthly_factor is not None:
        return float(spec.annual_billed_monthly_factor)
    if t.annual_billed_monthly_factor is not None:
        return float(t.annual_billed_monthly_factor)
    return None


@functools.lru_cache(maxsize=32)
def _calendar(start: dt.date, horizon: int) -> tuple[tuple[dt.date, ...], np.ndarray]:
    """The first day of each month a cohort can have locked its price in (from
    ``MAX_COMMITMENT`` months before the start to the horizon), and the annual-billed-monthly
    factor on each (read-only: shared by every run with this calendar)."""
    dates = tuple(add_months(start, t) for t in range(-MAX_COMMITMENT, horizon))
    dated = np.array([annual_billed_monthly_factor_on(d) for d in dates], dtype=float)
    dated.flags.writeable = False
    return dates, dated


def locked_prices(scenario: Scenario, products: list[str], lay: Layout
                  ) -> tuple[np.ndarray, np.ndarray]:
    """List price x term factor that each cohort has locked: ``(T, K, Q, H)`` by term in use,
    product, cohort and month (0 outside the term's group), and ``(T, K, Q)`` the price each
    cohort paid in the month before the start (locked at its last renewal before it, month
    ``phase - commitment``).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> from cspmodel.terms import layout
        >>> s = load_scenario_text("name: x\\nhorizon_months: 3\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> locked, before = locked_prices(s, ["m365_business_basic"], layout([]))
        >>> locked.shape, before.shape
        ((3, 1, 13, 3), (3, 1, 13))
    """
    H = scenario.horizon_months
    first = -MAX_COMMITMENT
    dates, dated = _calendar(scenario.start_month, H)
    lp = np.array([scenario.list_prices(pid, list(dates)) for pid in products])
    lp = lp.reshape(len(products), len(dates))
    T, K, Q = len(lay.terms), len(products), lay.n_cohorts
    locked = np.zeros((T, K, Q, H))
    before = np.zeros((T, K, Q))
    for i, key in enumerate(lay.terms):
        # each product's factor on each date (a price list gives products their own)
        factor = np.array([dated if (f := fixed_term_factor(scenario, key, pid)) is None
                           else np.full(len(dates), f) for pid in products]
                          ).reshape(len(products), len(dates))
        g = lay.term_group[i]
        c = lay.groups[g]
        span = lay.span(g)
        idx = lock_months(c, H) - first  # (c, H)
        locked[i, :, span, :] = lp[:, idx] * factor[:, idx]
        idx0 = np.arange(c) - c - first  # month phase - c
        before[i, :, span] = lp[:, idx0] * factor[:, idx0]
    return locked, before


def term_minimum_warnings(scenario: Scenario) -> list[str]:
    """Sentences for segments whose customers hold fewer seats of a product than Microsoft
    requires on a term (three-year terms: 100 seats of the product per customer).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n  seats_per_customer: 40\\n"
        ...     "  product_mix: {m365_e3: 1}\\n  term_mix: {triennial_upfront: 1}\\n")
        >>> term_minimum_warnings(s)[0][:60]
        'Segment A: a three-year term needs 100 seats of Microsoft 36'
    """
    out = []
    for seg in scenario.segments:
        for key, share in seg.term_mix.items():
            term = TERMS[key]
            if share <= 0 or not term.min_seats:
                continue
            for pid, per_user in list(seg.product_mix.items()) + list(seg.addons.items()):
                seats = float(seg.seats_per_customer) * per_user
                if seats < term.min_seats:
                    out.append(
                        f"Segment {seg.name}: a {term.label.split(',')[0].lower()} needs "
                        f"{term.min_seats} seats of {scenario.product_name(pid)} per customer; "
                        f"its customers hold {seats:,.0f}, so Microsoft would not sell "
                        f"{100 * share:.0f}% of them that term.")
    return out
