"""Headline figures that mean what a finance lead reads (engine issue, item 7), each against a
case computed by hand: the cash trough counts the opening 0, a book cash-positive from the start
breaks even "from the start", CAC is not netted against onboarding margin, and LTV and payback
come from a customer's recurring monthly margin and the churn hazard."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cspmodel
from cspmodel.headline import break_even_month, cash_trough

UNIT = """
name: unit economics
start_month: 2026-01
horizon_months: 24
channel: {{model: indirect, partner_discount: 0.2,
          indirect: {{distributor_margin: 0.0, distributor_fee_per_month: 0,
                     escalation_fee_per_ticket: 0}}}}
segments:
- name: A
  customers_at_start: {start}
  new_customers_per_month: 1
  churn_annual: 0.2
  seats_per_customer: 10
  seat_growth_annual: 0
  seat_volatility_annual: 0
  product_mix: {{m365_business_premium: 1}}
  term_mix: {{monthly: 1, annual_billed_monthly: 0, annual_upfront: 0}}
  support_tier: none
support:
  tiers:
    none: {{price_per_seat_month: 0, tickets_per_seat_month: 0}}
costs: {{acquisition_cost_per_customer: 1500, systems_per_seat_month: 0}}
services: {{onboarding_price_per_customer: 5000, onboarding_cost_per_customer: 1000}}
"""


def test_cac_payback_and_ltv_by_hand():
    r = cspmodel.simulate(cspmodel.load_scenario_text(UNIT.format(start=0)))
    # Business Premium 22 a seat-month, monthly term x 1.20 = 26.40; partner discount 20%:
    # cost 21.12, margin 5.28 a seat, 52.80 a customer-month (10 seats).
    # CAC = 1,500 (the 4,000 onboarding margin is a service, not netted against it).
    assert r.summary["cac_payback_months"] == pytest.approx(1500 / 52.80, rel=1e-9)  # 28.41
    h = 1 - 0.8 ** (1 / 12)  # monthly hazard of 20% a year: 0.018423
    assert r.summary["ltv_to_cac"] == pytest.approx(52.80 / h / 1500, rel=1e-9)  # 1.911


def test_the_trough_of_a_cash_positive_book_is_zero_and_it_breaks_even_from_the_start():
    r = cspmodel.simulate(cspmodel.load_scenario_text(UNIT.format(start=500)))
    assert (r.monthly["cumulative_cash"] > 0).all()
    assert r.summary["cash_trough"] == 0.0
    assert r.summary["break_even_month"] == 0.0
    assert "Break-even month          from the start" in r.describe()


def test_a_launch_gets_its_trough_and_the_month_from_which_cash_stays_positive():
    cum = np.array([[-100.0, -250.0, -50.0, 20.0, 10.0, 30.0]])
    assert cash_trough(cum)[0] == -250.0
    assert break_even_month(cum)[0] == 4.0  # month 4 (1-based) and every month after: >= 0
    assert math.isnan(break_even_month(np.array([[5.0, -1.0]]))[0])
    assert cash_trough(np.array([[5.0, 7.0]]))[0] == 0.0
    r = cspmodel.simulate(cspmodel.load_scenario("scenarios/new_msp_launch.yaml"))
    cum = r.monthly["cumulative_cash"].to_numpy()
    assert r.summary["cash_trough"] == pytest.approx(min(0.0, cum.min()))
    be = int(r.summary["break_even_month"])
    assert (cum[be - 1:] >= 0).all() and cum[be - 2] < 0
