"""The three-year term (engine issue, item 2): a row of the term table, priced, billed, churned
and deferred by the same rules as the others, checked against cases computed by hand."""

from __future__ import annotations

import pytest

import cspmodel
from cspmodel.errors import ScenarioError

BOOK = """
name: three-year book
start_month: 2026-01
horizon_months: 40
channel: {{model: direct}}
support: {{vendor_plan: advanced_support_for_partners}}
segments:
- name: Enterprise
  customers_at_start: 36
  new_customers_per_month: 0
  churn_annual: {churn}
  seats_per_customer: {seats}
  seat_growth_annual: 0
  seat_volatility_annual: 0
  product_mix: {{m365_e3: 1}}
  term_mix: {{{term}: 1}}
  payment_mix: {{card: 0, ach: 0, invoice: 1}}
"""


def book(term: str = "triennial_billed_yearly", seats: int = 100, churn: float = 0.0):
    return cspmodel.load_scenario_text(BOOK.format(term=term, seats=seats, churn=churn))


def test_billed_yearly_at_the_price_locked_for_three_years():
    # 36 customers, one per renewal phase, 100 seats of Microsoft 365 E3 (36 a seat-month,
    # 39 from 2026-07-01). A customer is billed 12 x 100 x its locked price on each
    # anniversary of its phase, every 12 months; the price is locked at its renewal for 36
    # months.
    r = cspmodel.simulate(book())
    billed = r.monthly["billings"].to_numpy()
    # month 0: phase 0 renews (2026-01: 36), phases 12 and 24 start their 2nd and 3rd years
    assert billed[0] == pytest.approx(3 * 12 * 100 * 36)  # 129,600
    # month 6 (2026-07): phase 6 renews at 39; phases 18 and 30 keep 36
    assert billed[6] == pytest.approx(12 * 100 * 39 + 2 * 12 * 100 * 36)  # 133,200
    # month 12: phase 0's second year keeps its 36; phase 12 renews at 39; phase 24 keeps 36
    assert billed[12] == pytest.approx(12 * 100 * 39 + 2 * 12 * 100 * 36)
    # revenue: each customer 100 seats at its locked price every month; in month 0 all at 36
    assert r.monthly["license_resale"].iloc[0] == pytest.approx(36 * 100 * 36)
    # opening deferred revenue: phase p has (p mod 12) months of its year prepaid
    assert r.opening["deferred_revenue"] == pytest.approx(3 * 100 * 36 * sum(range(12)))


def test_billed_monthly_at_the_annual_billed_monthly_factor():
    r = cspmodel.simulate(book("triennial_billed_monthly"))
    # every customer billed monthly at its locked price x the factor of its lock date: 1.05
    # from 2025-04-01, 1.00 before. Phase p (1..35) locked in month p - 36 (2023-02 ..
    # 2025-12): phases 1..26 before April 2025 at 1.00, phases 27..35 and phase 0 (renewing
    # now) at 1.05
    assert r.monthly["billings"].iloc[0] == pytest.approx((26 + 10 * 1.05) * 100 * 36)


def test_upfront_for_three_years():
    r = cspmodel.simulate(book("triennial_upfront"))
    # month 0: only phase 0 is billed, 36 months x 100 seats x 36
    assert r.monthly["billings"].iloc[0] == pytest.approx(36 * 100 * 36)
    # phase 6 renews in 2026-07 at 39
    assert r.monthly["billings"].iloc[6] == pytest.approx(36 * 100 * 39)
    # deferred revenue: phase p has p months left of its three years
    assert r.opening["deferred_revenue"] == pytest.approx(100 * 36 * sum(range(36)))


def test_customers_leave_only_at_renewal_with_three_years_of_churn():
    r = cspmodel.simulate(book(churn=0.1))
    customers = r.monthly["customers"].to_numpy()
    # one customer a phase; phase 0 renews in month 0 keeping 0.9^3 = 0.729 of it
    assert customers[0] == pytest.approx(35 + 0.729)
    assert customers[1] == pytest.approx(34 + 2 * 0.729)
    assert customers[35] == pytest.approx(36 * 0.729)


def test_fewer_than_100_seats_is_warned_and_a_product_without_the_term_refused():
    assert not [w for w in cspmodel.simulate(book()).warnings if "three-year" in w]
    [warning] = [w for w in cspmodel.simulate(book(seats=40)).warnings if "three-year" in w]
    assert "100 seats of Microsoft 365 E3" in warning and "hold 40" in warning
    text = BOOK.format(term="triennial_upfront", seats=100, churn=0).replace(
        "m365_e3", "m365_business_premium")
    with pytest.raises(ScenarioError, match="no triennial term"):
        cspmodel.load_scenario_text(text)


@pytest.mark.parametrize("term", ["triennial_billed_monthly", "triennial_billed_yearly",
                                  "triennial_upfront"])
def test_engine_equals_the_reference_on_three_year_books(term):
    from test_engine_vs_reference import assert_same

    s = book(term, churn=0.15).with_overrides({
        "segments.0.seat_growth_annual": 0.1, "segments.0.seat_volatility_annual": 0.3,
        "segments.0.new_customers_per_month": 0.5, "segments.0.prepay_discount": 0.03,
        "segments.0.term_mix": {term: 0.6, "annual_upfront": 0.2, "monthly": 0.2}})
    assert_same(s)
    assert_same(s.with_overrides({"channel.model": "indirect", "support.vendor_plan": None,
                                  "segments.0.contract_policy": "flexible"}))
