"""Defect 6d of the engine issue: under seat volatility, a customer who shrank and grows again
reuses its idle committed seats before buying more. Committed seats follow the expected
running maximum of the users within a term (docs/engine.md section 2(a)), not the sum of every
gross addition."""

from __future__ import annotations

import math

import pytest

import cspmodel

BOOK = """
name: volatile seats
start_month: 2026-01
horizon_months: 12
channel: {model: direct}
support: {vendor_plan: advanced_support_for_partners}
segments:
- name: A
  customers_at_start: 12
  new_customers_per_month: 0
  churn_annual: 0
  seats_per_customer: 100
  seat_growth_annual: 0
  seat_volatility_annual: 0.2
  product_mix: {m365_business_premium: 1}
  term_mix: {annual_billed_monthly: 1}
"""


def running_max(j: int) -> float:
    """By hand: with no drift the expected running maximum of a Gaussian random walk of
    monthly steps sigma = 0.2 / sqrt(12) is 1 + sigma phi(0) sum_{k<=j} 1 / sqrt(k)."""
    sigma = 0.2 / math.sqrt(12)
    return 1 + sigma / math.sqrt(2 * math.pi) * sum(1 / math.sqrt(k) for k in range(1, j + 1))


def test_committed_seats_follow_the_expected_running_maximum():
    r = cspmodel.simulate(cspmodel.load_scenario_text(BOOK))
    revenue = r.monthly["license_resale"].to_numpy()
    for m in range(12):
        # 12 customers of 100 users, one per renewal phase; phase p renews in month p and
        # commits afresh to its 100 users; before that its reference is the start. Business
        # Premium 22, annual term billed monthly (mirror: committed seats are billed) at the
        # factor of the lock date: phases 1 and 2 locked in February and March 2025 (1.00),
        # every other lock from April 2025 on (1.05)
        expected = sum(100 * running_max(m + 1 if m < p else m - p) * 22.0
                       * (1.0 if m < p <= 2 else 1.05) for p in range(12))
        assert revenue[m] == pytest.approx(expected, rel=1e-12), m
    # month 10: phase 11 is 11 months on: 112.26 committed seats, not the 125.34 that buying
    # every gross addition (1 + 11 x 0.023033) gave before
    assert 100 * running_max(11) == pytest.approx(112.259, abs=1e-3)


def test_no_volatility_keeps_the_old_rule():
    # without volatility the running maximum is the growing users (or the start when shrinking)
    for growth in (0.1, -0.2):
        s = cspmodel.load_scenario_text(BOOK).with_overrides({
            "segments.0.seat_volatility_annual": 0.0, "segments.0.seat_growth_annual": growth})
        r = cspmodel.simulate(s)
        mu = 1.1 ** (1 / 12) - 1 if growth > 0 else 0.8 ** (1 / 12) - 1
        m = 5
        # users grow from the start whatever the renewals (no churn); a commitment holds the
        # users at its term's start (phase p renewed in month p, else the start) or more
        users = (1 + mu) ** (m + 1)
        committed = [max(users, 1.0 if m < p else (1 + mu) ** (p + 1)) for p in range(12)]
        factor = [1.0 if m < p <= 2 else 1.05 for p in range(12)]
        expected = 100 * sum(c * f for c, f in zip(committed, factor, strict=True)) * 22.0
        assert r.monthly["license_resale"].iloc[m] == pytest.approx(expected, rel=1e-12)
