"""The views behind the notebooks, checked against figures worked out by hand.

The hand-built book: 100 customers x 10 seats = 1,000 seats that never change (no churn, growth,
swing or new customers), one product of our own at a list price of 20 per seat per month, sold at
list, partner discount 20%, 12 months from 2027-01 (every annual term locked after the April 2025
price change, so the annual-billed-monthly factor is 1.05 throughout).
"""

from __future__ import annotations

import math

import pytest

from cspmodel import analysis, simulate
from cspmodel.io import load_scenario_text

BOOK = """
name: Hand book
horizon_months: 12
start_month: 2027-01
channel: {model: indirect, partner_discount: 0.20, indirect: {distributor_margin: 0.05}}
products:
  - {id: own_suite, list_price_per_seat_month: 20.0}
segments:
  - name: A
    customers_at_start: 100
    new_customers_per_month: 0
    churn_annual: 0
    seats_per_customer: 10
    seat_growth_annual: 0
    seat_volatility_annual: 0
    product_mix: {own_suite: 1.0}
    term_mix: {monthly: 0, annual_billed_monthly: 0, annual_upfront: 1}
    support_tier: desk
support:
  labor_rate_per_hour: 46
  utilization: 0.7
  tiers:
    desk: {price_per_seat_month: 20, tickets_per_seat_month: 0.5, minutes_per_ticket: 20,
           escalation_rate: 0.1, escalation_minutes: 40, coverage: business_hours}
    night: {price_per_seat_month: 40, tickets_per_seat_month: 0.4, minutes_per_ticket: 30,
            escalation_rate: 0.15, escalation_minutes: 60, coverage: 24x7}
"""


@pytest.fixture(scope="module")
def book():
    return load_scenario_text(BOOK, source="hand book")


def test_scaled_book_keeps_the_mix_and_multiplies_customers(book) -> None:
    assert analysis.starting_seats(book) == 1000.0  # 100 x 10
    big = analysis.scaled(book, 2500)
    assert big.segments[0].customers_at_start == pytest.approx(250.0)  # 100 x 2.5
    assert big.segments[0].product_mix == book.segments[0].product_mix
    assert book.segments[0].customers_at_start == 100  # the original is untouched


def test_crossover_equals_direct_fixed_costs_over_the_distributor_margin(book) -> None:
    # Only two things differ between the channels here: indirect leaves the distributor
    # 5% of list = 0.05 x 20 = 1.00 per seat-month (12 per seat-year); direct pays fixed
    # Advanced Support for Partners 15,000 + provisioning 12,000 + portal 2,000 + training
    # 4,000 + compliance 5,000 = 38,000 a year. Crossover: 38,000 / 12 = 3,166.67 seats.
    scan = analysis.crossover_scan(book, [500, 2000, 5000, 20000])
    # at 500 seats direct loses 38,000 - 500 x 12 = 32,000
    assert scan.loc[0, "direct_advantage"] == pytest.approx(-32_000.0, rel=1e-9)
    assert analysis.crossover_point(scan) == pytest.approx(38_000 / 12, rel=1e-9)


def test_crossover_point_reports_no_crossing_and_an_early_lead() -> None:
    import pandas as pd

    never = pd.DataFrame({"seats": [1, 2], "direct_advantage": [-5.0, -1.0]})
    assert math.isnan(analysis.crossover_point(never))
    ahead = pd.DataFrame({"seats": [10, 20], "direct_advantage": [3.0, 9.0]})
    assert analysis.crossover_point(ahead) == 10.0


def test_threshold_seats_from_first_year_licence_revenue(book) -> None:
    # 1,000 seats x 20 x 12 months = 240,000 of licence revenue in the first year; the
    # direct-bill threshold in 2027 is 1,000,000: 1,000 x 1,000,000 / 240,000 = 4,166.67 seats
    assert analysis.direct_bill_threshold(book) == 1_000_000.0
    assert analysis.threshold_seats(book) == pytest.approx(1_000_000 / 240, rel=1e-9)


def test_support_tier_margin_by_hand(book) -> None:
    # hours per seat = 0.5 x (20 + 0.1 x 40) / 60 / 0.7 = 0.285714; x 46 = 13.142857 per seat
    # over 12 months x 1,000 seats: cost 157,714.29; revenue 20 x 12,000 = 240,000
    t = analysis.support_tier_margins(simulate(book)).loc["desk"]
    assert t["seat_months"] == pytest.approx(12_000.0)
    assert t["revenue"] == pytest.approx(240_000.0)
    assert t["cost"] == pytest.approx(12_000 * 0.5 * 24 / 60 / 0.7 * 46)
    assert t["margin_share"] == pytest.approx(1 - 13.142857142857 / 20)  # 34.29%


def test_price_for_target_margin_by_hand_and_by_rerun(book) -> None:
    result = simulate(book)
    # 13.142857 / (1 - 0.4) = 21.904762 per seat per month
    price = analysis.price_for_target_margin(result, "desk", 0.4)
    assert price == pytest.approx(13.142857142857 / 0.6)
    again = simulate(book.with_overrides({"support.tiers.desk.price_per_seat_month": price}))
    assert analysis.support_tier_margins(again).loc["desk", "margin_share"] == pytest.approx(0.4)
    with pytest.raises(ValueError, match="tiers in use: desk"):
        analysis.price_for_target_margin(result, "night", 0.4)


def test_247_floor_of_a_small_tier_by_hand(book) -> None:
    # 100 seats on the 24/7 tier: hours per seat = 0.4 x (30 + 0.15 x 60) / 60 / 0.7 = 0.371429
    # tier hours 37.142857 a month against a floor of 168 x 52 / 12 = 728: the floor costs
    # (728 - 37.142857) x 46 = 31,779.43 a month, 381,353.14 over 12 months
    small = book.with_overrides({"segments.0.support_tier": "night",
                                 "segments.0.customers_at_start": 10})
    result = simulate(small)
    t = analysis.support_tier_margins(result).loc["night"]
    expected = (728 - 100 * 0.4 * 39 / 60 / 0.7) * 46 * 12
    assert t["floor_247"] == pytest.approx(expected, rel=1e-9)
    ledger_floor = result.ledger.query("line == 'support_247_floor'")["amount"].sum()
    assert ledger_floor == pytest.approx(expected, rel=1e-9)


def test_floor_figures_by_hand(book) -> None:
    f = analysis.floor_figures(book, "night")
    assert f["floor_hours_per_month"] == pytest.approx(728.0)
    assert f["floor_cost_per_month"] == pytest.approx(728 * 46)  # 33,488
    assert f["seats_to_fill_floor"] == pytest.approx(728 / (0.4 * 39 / 60 / 0.7))  # 1,960
    assert f["seats_to_pay_floor"] == pytest.approx(728 * 46 / 40)  # 837.2
    assert analysis.floor_figures(book, "desk")["floor_hours_per_month"] == 0.0


def test_term_mixes_price_monthly_at_120_and_billed_monthly_at_105_percent(book) -> None:
    results, notes = analysis.compare_term_mixes(book)
    assert notes == []
    lic = {k: r.monthly["license_resale"].sum() for k, r in results.items()}
    assert lic["All annual, paid upfront"] == pytest.approx(240_000.0)  # 1,000 x 20 x 12
    assert lic["All monthly"] == pytest.approx(1.20 * 240_000)
    assert lic["All annual, billed monthly"] == pytest.approx(1.05 * 240_000)
    table = analysis.term_mix_table(results)
    assert table.loc["All monthly", "peak_deferred_revenue"] == pytest.approx(0.0)
    assert table.loc["All annual, paid upfront", "peak_deferred_revenue"] > 0


def test_term_mix_not_allowed_by_a_product_is_named() -> None:
    s = load_scenario_text(BOOK.replace("{id: own_suite, list_price_per_seat_month: 20.0}",
                                        "{id: own_suite, list_price_per_seat_month: 20.0, "
                                        "terms: [annual]}"))
    results, notes = analysis.compare_term_mixes(s)
    assert "All monthly" not in results and len(notes) == 1
    assert notes[0].startswith("All monthly: not possible")


def test_prepay_discount_scan_matches_direct_runs(book) -> None:
    scan = analysis.prepay_discount_scan(book, [0.0, 0.1])
    upfront = analysis.with_term_mix(book, analysis.TERM_MIXES["All annual, paid upfront"])
    at10 = simulate(upfront.with_overrides({"segments.0.prepay_discount": 0.1}))
    assert scan.loc[1, "npv"] == pytest.approx(float(at10.summary["npv"]))
    # the discount takes 10% of the licence revenue: 0.9 x 240,000 = 216,000
    assert at10.monthly["license_resale"].sum() == pytest.approx(216_000.0)
    assert scan.loc[0, "operating_profit"] > scan.loc[1, "operating_profit"]


def test_contract_policy_scan_strands_seats_only_under_flexible(book) -> None:
    monthly_billed = book.with_overrides({"segments.0.term_mix": {
        "monthly": 0, "annual_billed_monthly": 1, "annual_upfront": 0}})
    t = analysis.contract_policy_scan(monthly_billed, [0.0, 0.3])
    mirror = t[t["policy"] == "mirror"]
    flexible = t[t["policy"] == "flexible"].set_index("seat_volatility_annual")
    assert (mirror["stranded_seats"] == 0).all()
    assert flexible.loc[0.0, "stranded_seats"] == pytest.approx(0.0)  # no swing, nothing dropped
    assert flexible.loc[0.3, "stranded_seats"] > 0


def test_cost_lines_per_seat_by_hand(book) -> None:
    result = simulate(book)
    costs = analysis.cost_lines_table(result)
    # licence cost per seat-month = 20 x (1 - 0.20) = 16.00; distributor 20 x 0.05 = 1.00
    assert costs.loc["Licence cost", "per_seat_month"] == pytest.approx(16.0)
    assert costs.loc["Distributor margin", "per_seat_month"] == pytest.approx(1.0)
    assert costs["amount"].sum() == pytest.approx(
        float(result.summary["revenue"] - result.summary["operating_profit"]))


def test_annual_statement_years_and_totals() -> None:
    s = load_scenario_text(BOOK.replace("horizon_months: 12", "horizon_months: 18"))
    result = simulate(s)
    table = analysis.annual_statement(result)
    assert list(table.columns) == ["Year 1 (2027)", "Year 2 (2028, 6 months)", "Total"]
    # constant book: licence revenue 1,000 x 20 x 12 = 240,000 in year 1, 120,000 in 6 months
    assert table.loc["Licence resale", "Year 1 (2027)"] == pytest.approx(240_000.0)
    assert table.loc["Licence resale", "Year 2 (2028, 6 months)"] == pytest.approx(120_000.0)
    assert table.loc["Operating profit", "Total"] == pytest.approx(
        float(result.summary["operating_profit"]))
    assert table.loc["Seats (year end)", "Total"] == pytest.approx(1000.0)
