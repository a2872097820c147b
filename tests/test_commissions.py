"""Commission plans (cspmodel.commissions): each payout timing and basis, proration, tiers and
clawback against hand-computed cases; a scenario without plans keeps the flat rate exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import cspmodel
from cspmodel import ScenarioError
from cspmodel.analysis import commission_schedule, payout_comparison
from cspmodel.commissions import period_cumsum, tiered
from cspmodel.io import validate_data

ROOT = Path(__file__).resolve().parents[1]

# One product at list 10 per seat-month, every term priced at list (factors 1), partner price
# 8 (discount 0.2), no distributor margin, no bad debt, card payments: every figure is round.
BASE = yaml.safe_load("""
name: hand
horizon_months: 14
start_month: 2026-01
terms: {monthly_term_factor: 1.0, annual_billed_monthly_factor: 1.0}
channel: {model: indirect, partner_discount: 0.2, indirect: {distributor_margin: 0.0}}
products:
- {id: own, list_price_per_seat_month: 10, terms: [monthly, annual]}
costs: {bad_debt_rate: 0.0}
services: {onboarding_price_per_customer: 1000, onboarding_cost_per_customer: 600}
segments:
- name: A
  customers_at_start: 10
  new_customers_per_month: 0
  churn_annual: 0
  seats_per_customer: 10
  seat_growth_annual: 0
  seat_volatility_annual: 0
  product_mix: {own: 1}
  term_mix: {monthly: 1}
  payment_mix: {card: 1}
""")


def scenario(plans: list[dict], segment: dict | None = None, **top: object) -> cspmodel.Scenario:
    data = {**BASE, **top, "commissions": {"plans": plans}}
    data["segments"] = [{**BASE["segments"][0], **(segment or {})}]
    return validate_data(data, "test")


def commissions(s: cspmodel.Scenario) -> np.ndarray:
    lines = cspmodel.simulate(s).lines()
    return lines["commissions"].to_numpy() if "commissions" in lines else np.zeros(
        s.horizon_months)


# --- payout timing and basis -----------------------------------------------------------------
def test_invoice_on_revenue() -> None:
    # 10 customers x 10 seats x 10 = 1,000 invoiced a month; 5% -> 50 every month
    s = scenario([{"name": "r", "rate": 0.05, "payout": "invoice"}])
    assert commissions(s) == pytest.approx([50.0] * 14)


def test_invoice_on_net_margin() -> None:
    # licence cost 100 seats x 8 = 800; net 1,000 - 800 = 200; 10% -> 20 a month
    s = scenario([{"name": "r", "rate": 0.10, "basis": "net"}])
    assert commissions(s) == pytest.approx([20.0] * 14)


def test_cash_receipt_waits_for_payment_and_skips_bad_debt() -> None:
    # a new book: one customer a month (100 invoiced each), 10% never collected, paid 45 days
    # later (half in m+1, half in m+2). Collected in month t: 0.45 x (I[t-1] + I[t-2]) with
    # I[m] = 100 (m + 1): 0, 45, 135, 225 -> at 5%: 0, 2.25, 6.75, 11.25
    seg = {"customers_at_start": 0, "new_customers_per_month": 1,
           "payment_mix": {"invoice": 1}}
    s = scenario([{"name": "r", "rate": 0.05, "payout": "cash_receipt"}], segment=seg,
                 costs={"bad_debt_rate": 0.1}, billing={"dso_days": 45}, horizon_months=4)
    assert commissions(s) == pytest.approx([0.0, 2.25, 6.75, 11.25])


def test_cash_receipt_on_the_starting_book_collects_its_old_invoices() -> None:
    # the starting book invoiced 1,000 a month before the horizon too; its last month is open
    # at the start and collected in month 0, whatever the DSO (docs/engine.md section 7): 900
    # after bad debt -> 45. The horizon's invoices are collected 45 days on: month 1 collects
    # half of month 0's (450 -> 22.5), every later month half of two months' (900 -> 45)
    s = scenario([{"name": "r", "rate": 0.05, "payout": "cash_receipt"}],
                 segment={"payment_mix": {"invoice": 1}}, costs={"bad_debt_rate": 0.1},
                 billing={"dso_days": 45})
    assert commissions(s) == pytest.approx([45.0, 22.5] + [45.0] * 12)
    net = scenario([{"name": "r", "rate": 0.10, "basis": "net", "payout": "cash_receipt"}],
                   segment={"payment_mix": {"invoice": 1}}, costs={"bad_debt_rate": 0.1},
                   billing={"dso_days": 45})
    # net 200 a month, 90% collected: 10% of 180 = 18 (half of it in month 1)
    assert commissions(net) == pytest.approx([18.0, 9.0] + [18.0] * 12)


def test_booking_pays_the_committed_annual_term_at_once() -> None:
    # one new customer a month on an annual term billed monthly, 10 seats at 10:
    # booking = 12 x 100 = 1,200 when it joins -> 5% = 60 a month; in month 12 the first
    # customer renews (another 1,200) as the 13th joins: 2,400 -> 120.
    # Invoice timing pays 5% of 100 per customer on the books: 5 x (m + 1).
    seg = {"customers_at_start": 0, "new_customers_per_month": 1,
           "term_mix": {"annual_billed_monthly": 1}}
    booking = commissions(scenario([{"name": "r", "rate": 0.05, "payout": "booking"}], seg))
    invoice = commissions(scenario([{"name": "r", "rate": 0.05, "payout": "invoice"}], seg))
    assert booking == pytest.approx([60.0] * 12 + [120.0, 120.0])
    assert invoice == pytest.approx([5.0 * (m + 1) for m in range(14)])


def test_services_and_support_plans_classes() -> None:
    # services: 1 new customer a month x 1,000 onboarding; net = 1,000 - 600 = 400; 10% -> 40.
    # support plans: standard tier priced 15 per seat: 100 seats (start) + 10 per month joined
    # -> (100 + 10 (m + 1)) x 15 x 2%
    seg = {"new_customers_per_month": 1, "support_tier": "standard"}
    s = scenario([{"name": "s", "product_class": "services", "basis": "net", "rate": 0.10},
                  {"name": "p", "product_class": "support_plans", "rate": 0.02}], seg)
    sched = commission_schedule(s)
    serv = sched[sched.plan == "s"]["commission"].to_numpy()
    sup = sched[sched.plan == "p"]["commission"].to_numpy()
    assert serv == pytest.approx([40.0] * 14)
    assert sup == pytest.approx([(100 + 10 * (m + 1)) * 15 * 0.02 for m in range(14)])


# --- proration -----------------------------------------------------------------------------
def test_proration_of_seats_added_mid_term() -> None:
    # upfront annual terms, one new customer a month, users grow 1% a month (no volatility).
    # Month 1: the month-0 customer adds 0.1 seat with 11 months left -> 0.1 x 11 x 10 = 11;
    #          the new customer prepays 12 x 10 x 10 = 1,200. Invoiced 1,211 -> 10% = 121.1.
    #          Unprorated, the 0.1 seat counts 12 months: 1,212 -> 121.2.
    # Month 2: adds 0.101 (10 months left) and 0.1 (11 left): 10.1 + 11 + 1,200 = 1,221.1;
    #          unprorated 0.201 x 12 x 10 + 1,200 = 1,224.12.
    seg = {"customers_at_start": 0, "new_customers_per_month": 1,
           "seat_growth_annual": 1.01 ** 12 - 1, "term_mix": {"annual_upfront": 1}}
    for payout in ("invoice", "booking"):
        pro = commissions(scenario([{"name": "r", "rate": 0.1, "payout": payout}], seg,
                                   horizon_months=3))
        full = commissions(scenario([{"name": "r", "rate": 0.1, "payout": payout,
                                      "prorate": False}], seg, horizon_months=3))
        assert pro == pytest.approx([120.0, 121.1, 122.11]), payout
        assert full == pytest.approx([120.0, 121.2, 122.412]), payout


def test_annual_billed_monthly_addition_booked_for_its_months_left() -> None:
    # Booking of a term billed monthly: the month-1 addition of 0.1 seat books 11 months
    # (0.1 x 11 x 10 = 11) prorated, 12 months (12) without proration.
    seg = {"customers_at_start": 0, "new_customers_per_month": 1,
           "seat_growth_annual": 1.01 ** 12 - 1, "term_mix": {"annual_billed_monthly": 1}}
    pro = commissions(scenario([{"name": "r", "rate": 0.1, "payout": "booking"}], seg,
                               horizon_months=2))
    full = commissions(scenario([{"name": "r", "rate": 0.1, "payout": "booking",
                                  "prorate": False}], seg, horizon_months=2))
    assert pro == pytest.approx([120.0, 121.1])
    assert full == pytest.approx([120.0, 121.2])


# --- tiers -----------------------------------------------------------------------------------
def test_tiers_by_quota_attainment_restart_each_period() -> None:
    # 1,000 a month against a quarterly quota of 2,500: 4% up to quota, 10% above.
    # Cumulative 1,000 -> 40; 2,000 -> 80; 3,000 -> 0.04 x 2,500 + 0.10 x 500 = 150.
    # Months: 40, 40, 70, then the quarter restarts.
    s = scenario([{"name": "r", "quota": 2500, "quota_period": "quarter",
                   "tiers": [{"from_attainment": 0, "rate": 0.04},
                             {"from_attainment": 1, "rate": 0.10}]}], horizon_months=6)
    assert commissions(s) == pytest.approx([40.0, 40.0, 70.0, 40.0, 40.0, 70.0])


def test_tiers_attainment_is_the_plans_and_shared_by_segment() -> None:
    # segments invoicing 1,000 and 3,000 a month, monthly quota 2,500:
    # 0.04 x 2,500 + 0.10 x 1,500 = 250, shared 1:3 -> 62.5 and 187.5
    data = {**BASE, "horizon_months": 2, "commissions": {"plans": [
        {"name": "r", "quota": 2500, "quota_period": "month",
         "tiers": [{"from_attainment": 0, "rate": 0.04}, {"from_attainment": 1, "rate": 0.1}]}]}}
    data["segments"] = [BASE["segments"][0],
                        {**BASE["segments"][0], "name": "B", "customers_at_start": 30}]
    sched = commission_schedule(validate_data(data, "test"))
    by_seg = sched.groupby("segment")["commission"].sum()
    assert by_seg["A"] == pytest.approx(2 * 62.5)
    assert by_seg["B"] == pytest.approx(2 * 187.5)


def test_tiered_and_period_helpers() -> None:
    tiers = [(0.0, 0.05), (1.0, 0.08), (1.5, 0.12)]
    # 2,000 on a quota of 1,000: 0.05 x 1,000 + 0.08 x 500 + 0.12 x 500 = 150
    assert float(tiered(np.array(2000.0), tiers, 1000.0)) == pytest.approx(150.0)
    assert float(tiered(np.array(0.0), tiers, 1000.0)) == 0.0
    assert period_cumsum(np.array([1.0, 1, 1, 1, 1]), 3).tolist() == [1, 2, 3, 1, 2]


# --- clawback ------------------------------------------------------------------------------
def test_clawback_of_monthly_term_customers_who_leave_early() -> None:
    # services plan, 10% of 1,000 onboarding = 100 per new customer (one a month). Monthly
    # hazard h = 0.1 (churn_annual = 1 - 0.9^12). Clawback window 2 months: a customer leaves
    # one month after joining with 0.1, two months after with 0.9 x 0.1 = 0.09.
    # Month 0: 100; month 1: 100 - 100 x 0.1 = 90; then 100 - 10 - 9 = 81.
    seg = {"customers_at_start": 0, "new_customers_per_month": 1,
           "churn_annual": 1 - 0.9 ** 12}
    s = scenario([{"name": "s", "product_class": "services", "rate": 0.1,
                   "clawback_months": 2}], seg, horizon_months=5)
    assert commissions(s) == pytest.approx([100.0, 90.0, 81.0, 81.0, 81.0])
    sched = commission_schedule(s)
    assert sched["clawback"].to_numpy() == pytest.approx([0.0, 10.0, 19.0, 19.0, 19.0])


def test_clawback_of_annual_customers_only_at_their_first_renewal() -> None:
    # annual billed monthly, one new customer a month, churn 20% at renewal; booking 5%:
    # sign-up commission 0.05 x 1,200 = 60. Month 12: the first customer renews with 0.8 left
    # (0.8 x 1,200) and the 13th joins (1,200): 0.05 x 2,160 = 108, less 0.2 x 60 = 12 -> 96.
    # A window of 11 months never reaches the renewal: no clawback.
    seg = {"customers_at_start": 0, "new_customers_per_month": 1, "churn_annual": 0.2,
           "term_mix": {"annual_billed_monthly": 1}}
    plan = {"name": "r", "rate": 0.05, "payout": "booking"}
    twelve = commissions(scenario([{**plan, "clawback_months": 12}], seg, horizon_months=13))
    eleven = commissions(scenario([{**plan, "clawback_months": 11}], seg, horizon_months=13))
    assert twelve == pytest.approx([60.0] * 12 + [96.0])
    assert eleven == pytest.approx([60.0] * 12 + [108.0])


# --- the flat rate and the statement ---------------------------------------------------------
def test_without_plans_the_flat_rate_applies_exactly() -> None:
    # the flat line: commission_rate x (licence + support revenue), month by month
    s = scenario([], segment={"support_tier": "standard"}, costs={"bad_debt_rate": 0.0,
                                                                   "commission_rate": 0.03})
    r = cspmodel.simulate(s)
    m = r.monthly
    expected = 0.03 * (m["license_resale"] + m["support_plans"])
    np.testing.assert_allclose(r.lines()["commissions"].to_numpy(), expected.to_numpy(),
                               rtol=0, atol=1e-9)
    assert commission_schedule(s).empty


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_plans_equal_to_the_flat_rate_reproduce_it(path: Path) -> None:
    # On every shipped scenario (upfront terms turned into monthly billing so that invoices
    # equal revenue): two invoice plans at the flat rate on resale and support plans give the
    # flat rate's statement exactly.
    base = cspmodel.load_scenario(path)
    over = {}
    for i, seg in enumerate(base.segments):
        mix = dict(seg.term_mix)
        mix["annual_billed_monthly"] += mix["annual_upfront"]
        mix["annual_upfront"] = 0.0
        over[f"segments.{i}.term_mix"] = mix
    flat = base.with_overrides(over)
    rate = flat.costs.commission_rate
    planned = flat.with_overrides({"commissions": {"plans": [
        {"name": "resale", "product_class": "resale", "rate": rate},
        {"name": "support", "product_class": "support_plans", "rate": rate}]}})
    a, b = cspmodel.simulate(flat), cspmodel.simulate(planned)
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=False, rtol=1e-12)
    assert a.lines()["commissions"].sum() > 0


def test_plans_keep_the_identities() -> None:
    s = scenario([{"name": "r", "rate": 0.05, "payout": "booking", "clawback_months": 12},
                  {"name": "s", "product_class": "services", "basis": "net", "rate": 0.1,
                   "payout": "cash_receipt"}],
                 segment={"new_customers_per_month": 2, "churn_annual": 0.15,
                          "term_mix": {"monthly": 0.3, "annual_billed_monthly": 0.3,
                                       "annual_upfront": 0.4},
                          "payment_mix": {"card": 0.5, "invoice": 0.5}})
    r = cspmodel.simulate(s)
    m = r.monthly
    by_statement = r.ledger.groupby(["month", "statement"])["amount"].sum().unstack()
    for col in ("revenue", "cost_of_sales", "operating_costs"):
        np.testing.assert_allclose(by_statement[col].to_numpy(), m[col].to_numpy(), atol=1e-6)
    np.testing.assert_allclose(m["net_cash"], m["cash_in"] - m["cash_out"], atol=1e-9)
    # the commission is paid in the month it is earned: cash out holds it
    sched = commission_schedule(s).groupby("month")["commission"].sum()
    np.testing.assert_allclose(r.lines()["commissions"].to_numpy(), sched.to_numpy(),
                               atol=1e-9)


def test_payout_comparison_orders_the_cash() -> None:
    seg = {"customers_at_start": 0, "new_customers_per_month": 1,
           "term_mix": {"annual_billed_monthly": 1}, "payment_mix": {"invoice": 1}}
    table = payout_comparison(scenario([{"name": "r", "rate": 0.05}], seg,
                                       costs={"bad_debt_rate": 0.02}))
    # booking pays 12 months ahead; receipt pays later and not on bad debt
    assert table.loc["booking", "commissions"] > table.loc["invoice", "commissions"]
    assert table.loc["invoice", "commissions"] > table.loc["cash_receipt", "commissions"]


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("plan,path,words", [
    ({"name": "r", "tiers": [{"from_attainment": 0.5, "rate": 0.1}], "quota": 10},
     "commissions.plans.0.tiers.0.from_attainment", "must start at 0"),
    ({"name": "r", "tiers": [{"from_attainment": 0, "rate": 0.1}]},
     "commissions.plans.0.quota", "needs a quota"),
    ({"name": "r", "payout": "signature"}, "commissions.plans.0.payout", "booking"),
    ({"name": "r", "rate": 1.5}, "commissions.plans.0.rate", "allowed"),
    ({"name": "r", "segments": ["Nope"]}, "commissions.plans.0.segments.0", "allowed: A"),
])
def test_bad_plans_are_named(plan: dict, path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario([plan])
    text = str(caught.value)
    assert path in text and words in text, text
