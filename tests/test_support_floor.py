"""Defect 6e of the engine issue: one night-and-weekend shift serves every 24/7 tier, so two
24/7 tiers get one staffing floor, not two. And the support tier margin has one definition:
the tier's revenue less the support class's cost of sales (labour, its share of the floor,
escalation fees, per-seat tools), the same as the summary's support_gross_margin."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cspmodel
from cspmodel import analysis
from cspmodel.support import HOURS_PER_MONTH_247

TWO_TIERS = """
name: two 24/7 tiers
horizon_months: 3
segments:
- name: A
  customers_at_start: 10
  seats_per_customer: 10
  new_customers_per_month: 0
  churn_annual: 0
  seat_growth_annual: 0
  seat_volatility_annual: 0
  product_mix: {m365_business_basic: 1}
  term_mix: {monthly: 1, annual_billed_monthly: 0, annual_upfront: 0}
  support_tier: gold
- name: B
  customers_at_start: 10
  seats_per_customer: 20
  new_customers_per_month: 0
  churn_annual: 0
  seat_growth_annual: 0
  seat_volatility_annual: 0
  product_mix: {m365_business_basic: 1}
  term_mix: {monthly: 1, annual_billed_monthly: 0, annual_upfront: 0}
  support_tier: platinum
support:
  labor_rate_per_hour: 50
  utilization: 1.0
  staff_on_shift_247: 1
  tiers:
    gold: {price_per_seat_month: 20, tickets_per_seat_month: 0.5, minutes_per_ticket: 60,
           escalation_rate: 0, coverage: 24x7}
    platinum: {price_per_seat_month: 30, tickets_per_seat_month: 0.5, minutes_per_ticket: 60,
               escalation_rate: 0, coverage: 24x7}
costs: {systems_per_seat_month: 1.0}
"""


def test_two_247_tiers_share_one_floor():
    r = cspmodel.simulate(cspmodel.load_scenario_text(TWO_TIERS))
    # hand case: ticket hours a month = seats x 0.5 tickets x 1 h: gold 100 x 0.5 = 50 h,
    # platinum 200 x 0.5 = 100 h; one shift of 728 h less 150 h = 578 h idle x 50 = 28,900
    # (two floors, as on main before: (728 - 50 + 728 - 100) x 50 = 65,300)
    floor = r.lines()["support_247_floor"].to_numpy()
    assert HOURS_PER_MONTH_247 == pytest.approx(728.0)
    np.testing.assert_allclose(floor, [28_900.0] * 3)


def test_tier_margins_share_the_floor_by_seats_and_add_up():
    r = cspmodel.simulate(cspmodel.load_scenario_text(TWO_TIERS))
    t = analysis.support_tier_margins(r)
    # seats 100 and 200: a third of the floor to gold, two thirds to platinum
    assert t.loc["gold", "floor_247"] == pytest.approx(28_900.0)
    assert t.loc["platinum", "floor_247"] == pytest.approx(2 * 28_900.0)
    assert t["floor_247"].sum() == pytest.approx(r.lines()["support_247_floor"].sum())
    # gold: revenue 100 x 20 x 3 = 6,000; labour 50 h x 50 x 3 = 7,500; tools 100 x 1 x 3 = 300
    assert t.loc["gold", "revenue"] == pytest.approx(6_000.0)
    assert t.loc["gold", "cost"] == pytest.approx(7_500.0 + 28_900.0 + 300.0)
    # the tiers together give the summary's support margin
    total = (t["revenue"].sum() - t["cost"].sum()) / t["revenue"].sum()
    assert total == pytest.approx(r.summary["support_gross_margin"], rel=1e-12)


@pytest.mark.parametrize("name", ["small_indirect_msp", "dynamics_247_partner"])
def test_one_tier_margin_equals_the_summary(name):
    r = cspmodel.simulate(cspmodel.load_scenario(f"scenarios/{name}.yaml"))
    t = analysis.support_tier_margins(r)
    if len(t) == 1:
        share = float(t["margin_share"].iloc[0])
        assert math.isclose(share, r.summary["support_gross_margin"], rel_tol=1e-12)
    total = (t["revenue"].sum() - t["cost"].sum()) / t["revenue"].sum()
    assert math.isclose(total, r.summary["support_gross_margin"], rel_tol=1e-12)
