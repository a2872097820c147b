"""The engine starts from the partner's own book (issue "Start from the partner's own data",
item 4): subscriptions by customer, product, term and renewal month, each renewing on its own
month, in place of customers spread evenly over the renewal months. Hand cases from the price
list's figures; engine against the reference oracle in tests/test_engine_vs_reference.py."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import cspmodel
from cspmodel.errors import ScenarioError
from cspmodel.opening import read_book, write_book
from cspmodel.samples import write_price_list

SCENARIO = """
name: my own book
start_month: 2026-01
horizon_months: {horizon}
catalog:
  price_list: prices.csv
  products:
    premium: CFQ7TTC0LCHC:0002
    e3: CFQ7TTC0LFLZ:0001
segments:
- name: Business
  customers_at_start: 0
  new_customers_per_month: 0
  churn_annual: 0
  seat_growth_annual: 0
  seat_volatility_annual: 0
  prepay_discount: 0
  markup_vs_list: 0
  payment_mix: {{card: 1, ach: 0, invoice: 0}}
  support_tier: included
  product_mix: {{premium: 1}}
  term_mix: {{annual_upfront: 1}}
billing: {{dso_days: 0}}
channel: {{indirect: {{distributor_margin: 0}}}}
costs: {{bad_debt_rate: 0}}
opening_book:
  file: book.csv
"""


def load(tmp_path, rows: list[dict], horizon: int = 16) -> cspmodel.Scenario:
    write_price_list(tmp_path / "prices.csv")
    write_book(rows, tmp_path / "book.csv")
    path = tmp_path / "partner.yaml"
    path.write_text(SCENARIO.format(horizon=horizon), encoding="utf-8")
    return cspmodel.load_scenario(path)


def sub(customer: str, product: str, term: str, seats: float, renews: str | None) -> dict:
    return {"customer": customer, "segment": "Business", "product": product, "term": term,
            "seats": seats, "renews": renews}


def test_ten_seats_billed_yearly_renewing_in_month_four_by_hand(tmp_path):
    # Business Premium: partner price 211.20 and ERP 264.00 a year in the price list; one
    # subscription of 10 seats, annual term billed yearly, renewing in month 4 (2026-05)
    s = load(tmp_path, [sub("Contoso", "premium", "annual_upfront", 10, "2026-05")])
    r = cspmodel.simulate(s)
    lines = r.lines()
    np.testing.assert_allclose(lines["license_resale"], 10 * 264.00 / 12)  # 220.00 a month
    np.testing.assert_allclose(lines["license_cost"], 10 * 211.20 / 12)  # 176.00 a month
    billed = r.monthly["billings"].to_numpy()
    assert billed[4] == pytest.approx(10 * 264.00) and np.delete(billed, 4).sum() == 0
    # the year is collected in the renewal month (card, no delay) and paid to Microsoft then
    assert r.monthly["cash_in"].iloc[4] == pytest.approx(2640.0)
    assert np.delete(r.monthly["cash_in"].to_numpy(), 4).sum() == pytest.approx(0.0)
    assert r.monthly["vendor_billings"].iloc[4] == pytest.approx(10 * 211.20)
    # four months were paid ahead before the start; after the renewal eleven months are left
    deferred = r.monthly["deferred_revenue"].to_numpy()
    assert deferred[3] == pytest.approx(0.0)
    assert deferred[4] == pytest.approx(2640.0 - 220.0)
    assert r.monthly["customers"].iloc[0] == 1.0 and r.monthly["seats"].iloc[0] == 10.0


def test_a_dated_price_change_applies_from_the_first_renewal_on_or_after_its_date(tmp_path):
    # E3 from 36 to 39 on 2026-07-01: a subscription renewing in 2026-03 keeps 36 until its
    # renewal in 2027-03; one renewing in 2026-08 pays 39 from 2026-08
    s = load(tmp_path, [sub("A", "e3", "annual_billed_monthly", 1, "2026-03"),
                        sub("B", "e3", "annual_billed_monthly", 1, "2026-08")], horizon=18)
    led = cspmodel.simulate(s).ledger
    rev = led[led["line"] == "license_resale"].groupby("month")["amount"].sum()
    f = 1.05  # annual term billed monthly, from 2025-04-01
    month = {str(p): v for p, v in rev.items()}
    assert month["2026-06"] == pytest.approx(2 * 36 * f)
    assert month["2026-07"] == pytest.approx(2 * 36 * f)  # the date alone moves nothing
    assert month["2026-08"] == pytest.approx((36 + 39) * f)
    assert month["2027-02"] == pytest.approx((36 + 39) * f)
    assert month["2027-03"] == pytest.approx(2 * 39 * f)


def test_the_starting_book_equals_the_subscriptions(tmp_path):
    rows = [sub("A", "premium", "annual_upfront", 10, "2026-05"),
            sub("A", "e3", "monthly", 3, None),
            sub("B", "premium", "annual_billed_monthly", 25, "2026-11"),
            sub("C", "premium", "annual_upfront", 4, "2026-05")]
    s = load(tmp_path, rows)
    r = cspmodel.simulate(s)
    assert r.monthly["customers"].iloc[0] == pytest.approx(3.0)  # three customers, not four
    assert r.monthly["seats"].iloc[0] == pytest.approx(42.0)
    led = r.ledger
    first = led[(led["month"] == led["month"].min()) & (led["line"] == "license_resale")]
    by_product = first.groupby("product")["amount"].sum()
    assert by_product["premium"] == pytest.approx((10 + 4) * 22.0 + 25 * 22.0 * 1.05)
    assert by_product["e3"] == pytest.approx(3 * 36.0 * 1.2)
    # the prepaid subscriptions are billed exactly in their renewal month
    # what the two subscriptions billed monthly bill (E3 39 from its renewal in 2026-07)
    e3 = np.array([36.0 if m < 6 else 39.0 for m in range(len(r.monthly))])
    upfront = r.monthly["billings"] - 3 * e3 * 1.2 - 25 * 22.0 * 1.05
    assert [str(m) for m in upfront[upfront > 1e-6].index] == ["2026-05"]
    assert upfront.iloc[4] == pytest.approx(14 * 264.0)


def test_growth_churn_and_new_customers_apply_on_top_of_the_book(tmp_path):
    s = load(tmp_path, [sub("A", "premium", "monthly", 10, None)], horizon=12)
    grown = s.with_overrides({"segments.0.new_customers_per_month": 1,
                              "segments.0.seats_per_customer": 5,
                              "segments.0.churn_annual": 0.2})
    r = cspmodel.simulate(grown)
    # twelve new customers of 5 seats join on the annual term; the book's customer leaves
    # at the monthly hazard of a 20% yearly churn
    kept = 0.8 ** (12 / 12)
    assert r.monthly["new_customers"].sum() == pytest.approx(12.0)
    assert r.monthly["customers"].iloc[-1] > kept  # the book kept, plus the new customers
    without = cspmodel.simulate(s.with_overrides({"opening_book.subscriptions": []}))
    assert without.monthly["revenue"].sum() == pytest.approx(0.0)


@pytest.mark.parametrize("row, match", [
    (sub("A", "premium", "annual_upfront", 10, "2027-02"), "must fall from 2026-01"),
    (sub("A", "premium", "annual_upfront", 10, "2025-12"), "must fall from 2026-01"),
    (sub("A", "premium", "annual_upfront", 10, None), "renews"),
    ({**sub("A", "premium", "monthly", 10, None), "segment": "Nobody"}, "unknown segment"),
    (sub("A", "copilot", "monthly", 10, None), "unknown product"),
    (sub("A", "premium", "triennial_upfront", 10, "2026-04"), "has no triennial term"),
    (sub("A", "premium", "monthly", -3, None), "allowed: 0 to 1,000,000"),
])
def test_a_bad_subscription_is_refused_with_its_field(tmp_path, row, match):
    with pytest.raises(ScenarioError, match=match) as err:
        load(tmp_path, [row])
    assert "opening_book.subscriptions.0" in str(err.value)


def test_bad_book_files_are_refused_naming_file_line_and_column(tmp_path):
    bad = tmp_path / "book.csv"
    bad.write_text("customer,segment,product,term,seats\nA,Business,premium,monthly,3\n",
                   encoding="utf-8")
    with pytest.raises(ScenarioError, match="missing column.*renews"):
        read_book(bad)
    bad.write_text("customer,segment,product,term,seats,renews\n"
                   "A,Business,premium,monthly,three,\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="line 2, column seats"):
        read_book(bad)
    bad.write_bytes("customer,segment\nM\xfcller,x\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="UTF-8"):
        read_book(bad)
    with pytest.raises(ScenarioError, match="no such file"):
        read_book(tmp_path / "missing.csv")


def test_a_saved_scenario_loads_back_the_same(tmp_path):
    s = load(tmp_path, [sub("A", "premium", "annual_upfront", 10, "2026-05")])
    again = cspmodel.io.load_scenario_text(s.to_yaml(), base_dir=tmp_path)
    assert again == s
    assert again.opening_book.subscriptions[0].renews == dt.date(2026, 5, 1)


def test_a_lapsed_subscription_continues_on_the_extended_service_term(tmp_path):
    # from 2026-05-04 a subscription neither renewed nor cancelled continues month to month
    # at the monthly price + 3%: 10 Business Premium seats renewing in 2026-06, all lapsing,
    # bill 10 x 22 x 1.20 x 1.03 = 271.92 a month from June; one renewing in 2026-03 (before
    # the term existed) renews for a year as before
    s = load(tmp_path, [sub("A", "premium", "annual_billed_monthly", 10, "2026-06"),
                        sub("B", "premium", "annual_billed_monthly", 5, "2026-03")])
    s = s.with_overrides({"segments.0.lapse_share": 1.0})
    r = cspmodel.simulate(s)
    billed = r.monthly["billings"].to_numpy()
    assert billed[4] == pytest.approx(15 * 22 * 1.05)  # May: both on their annual terms
    assert billed[5] == pytest.approx(10 * 22 * 1.2 * 1.03 + 5 * 22 * 1.05)
    assert billed[15] == pytest.approx(10 * 22 * 1.2 * 1.03 * 1 + 5 * 22 * 1.2 * 1.03)
    # nobody left: the lapsed customers are still customers, month to month
    assert r.monthly["customers"].iloc[-1] == pytest.approx(2.0)


def test_a_product_without_a_monthly_plan_lapses_at_the_annual_price_plus_23_percent():
    from cspmodel.io import load_scenario_text
    from cspmodel.pricing import term_factor

    s = load_scenario_text("name: x\nproducts:\n- {id: yearly_only, list_price_per_seat_month: "
                           "10, terms: [annual]}\nsegments:\n- name: A\n"
                           "  product_mix: {m365_business_premium: 1}\n"
                           "  addons: {yearly_only: 1}\n  term_mix: {annual_upfront: 1}\n")
    when = dt.date(2026, 6, 1)
    assert term_factor(s, "extended_service", when, "m365_business_premium") == (
        pytest.approx(1.2 * 1.03))
    assert term_factor(s, "extended_service", when, "yearly_only") == pytest.approx(1.23)
