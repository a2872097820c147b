"""Defect 6c of the engine issue: Microsoft reassesses the programme thresholds every year, so
the trailing 12 months are checked at every month from the twelfth, and the warning names the
first month a book falls below (before: only the first 12 months were checked)."""

from __future__ import annotations

import pandas as pd
import pytest

import cspmodel

SHRINKING = """
name: shrinking direct partner
horizon_months: 36
channel: {model: direct}
support: {vendor_plan: advanced_support_for_partners}
segments:
- name: A
  customers_at_start: 120
  new_customers_per_month: 0
  churn_annual: 0.85
  seats_per_customer: 50
  product_mix: {m365_e3: 1}
  term_mix: {monthly: 0.5, annual_billed_monthly: 0.5, annual_upfront: 0}
"""


def _first_below(r: cspmodel.Result, need: float) -> int | None:
    ttm = r.monthly["license_resale"].rolling(12).sum()
    below = [i for i, v in enumerate(ttm) if i >= 11 and v < need]
    return below[0] if below else None


def test_a_shrinking_direct_book_is_warned_from_the_month_it_falls_below():
    r = cspmodel.simulate(cspmodel.load_scenario_text(SHRINKING))
    first_year = r.monthly["license_resale"].iloc[:12].sum()
    assert first_year > 1_000_000  # eligible in its first year: no warning on main
    m = _first_below(r, 1_000_000)
    assert m is not None and m > 11
    when = pd.Period(r.scenario.start_month, freq="M") + m
    [warning] = [w for w in r.warnings if "Direct bill" in w]
    assert f"{when.strftime('%Y-%m')} (month {m + 1})" in warning
    ttm = r.monthly["license_resale"].iloc[m - 11:m + 1].sum()
    assert cspmodel.util.money(ttm, "USD") in warning


def test_a_book_above_the_threshold_every_year_gets_no_warning():
    s = cspmodel.load_scenario_text(SHRINKING).with_overrides(
        {"segments.0.churn_annual": 0.0})
    r = cspmodel.simulate(s)
    assert _first_below(r, 1_000_000) is None
    assert not [w for w in r.warnings if "Direct bill" in w]


@pytest.mark.parametrize("months", [6, 12])
def test_short_horizons_keep_the_first_year_wording(months):
    s = cspmodel.load_scenario_text(SHRINKING).with_overrides(
        {"horizon_months": months, "segments.0.customers_at_start": 5})
    [warning] = [w for w in cspmodel.simulate(s).warnings if "Direct bill" in w]
    assert ("at the pace of its first 6 months" in warning) == (months == 6)
    assert ("in its first 12 months" in warning) == (months == 12)


def test_the_indirect_minimum_is_checked_every_year_too():
    s = cspmodel.load_scenario_text(SHRINKING).with_overrides(
        {"channel.model": "indirect", "support.vendor_plan": None,
         "segments.0.customers_at_start": 1, "segments.0.seats_per_customer": 20,
         "segments.0.churn_annual": 0.5, "segments.0.seat_volatility_annual": 0.0,
         "segments.0.product_mix": {"m365_business_basic": 1}})
    r = cspmodel.simulate(s)
    m = _first_below(r, 1_000)
    [warning] = [w for w in r.warnings if "Indirect resellers" in w]
    assert m is not None and m > 11  # above the minimum in its first year
    assert f"(month {m + 1})" in warning
