"""A scenario can take its products from Microsoft's price list (issue "Start from the
partner's own data", item 2): ``catalog.price_list`` and ``catalog.products`` give each
product its list price, dated prices, partner discount, term factors and terms; the engine and
the reference oracle price per product from them."""

from __future__ import annotations

import pytest
from test_engine_vs_reference import assert_same

import cspmodel
from cspmodel.errors import ScenarioError
from cspmodel.samples import write_price_list

SCENARIO = """
name: from the price list
start_month: 2026-01
horizon_months: 24
catalog:
  price_list: prices.csv
  products:
    premium: CFQ7TTC0LCHC:0002
    w365: CFQ7TTC0J1FV:1
    dynamics: CFQ7TTC0LH18:0001
    e3: CFQ7TTC0LFLZ:0001
segments:
- name: Desktops
  customers_at_start: 10
  new_customers_per_month: 0
  churn_annual: 0
  seats_per_customer: 10
  seat_growth_annual: 0
  seat_volatility_annual: 0
  product_mix: {{{mix}}}
  term_mix: {{{terms}}}
"""


def load(tmp_path, mix: str = "premium: 1", terms: str = "monthly: 1"):
    write_price_list(tmp_path / "prices.csv")
    path = tmp_path / "partner.yaml"
    path.write_text(SCENARIO.format(mix=mix, terms=terms), encoding="utf-8")
    return cspmodel.load_scenario(path)


def test_products_take_price_discount_and_factors_from_the_price_list(tmp_path):
    s = load(tmp_path)
    premium = s.product_spec("premium")
    assert premium.sku == "CFQ7TTC0LCHC:0002" and premium.list_price_per_seat_month == 22.0
    assert premium.partner_discount == pytest.approx(0.2)
    assert s.product_spec("w365").monthly_term_factor == pytest.approx(1.11)
    assert s.product_spec("dynamics").partner_discount == pytest.approx(0.3)
    assert "triennial" in s.product_spec("e3").terms


@pytest.mark.parametrize("product, list_price, factor, discount", [
    ("premium", 22.0, 1.20, 0.20), ("w365", 41.0, 1.11, 0.20), ("dynamics", 105.0, 1.20, 0.30)])
def test_licence_revenue_and_cost_by_hand(tmp_path, product, list_price, factor, discount):
    r = cspmodel.simulate(load(tmp_path, mix=f"{product}: 1"))
    # 10 customers x 10 seats on the monthly term at the product's own monthly factor
    revenue = 100 * list_price * factor
    assert r.monthly["license_resale"].iloc[0] == pytest.approx(revenue)
    cost = r.lines()["license_cost"].iloc[0]
    assert cost == pytest.approx(revenue * (1 - discount))


def test_a_dated_price_change_lands_at_renewal(tmp_path):
    # E3 36 -> 39 from 2026-07-01: an annual customer renewing in 2026-07 pays 39 from then
    s = load(tmp_path, mix="e3: 1", terms="annual_upfront: 1")
    assert s.list_price("e3", cspmodel.schema.dt.date(2026, 6, 30)) == 36.0
    assert s.list_price("e3", cspmodel.schema.dt.date(2026, 7, 1)) == 39.0


def test_a_term_the_product_does_not_offer_and_an_unknown_sku_are_refused(tmp_path):
    with pytest.raises(ScenarioError, match="no triennial term"):
        load(tmp_path, terms="triennial_upfront: 1")
    write_price_list(tmp_path / "prices.csv")
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.format(mix="premium: 1", terms="monthly: 1").replace(
        "CFQ7TTC0LCHC:0002", "CFQ7TTC0XXXX:0001"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        cspmodel.load_scenario(path)
    assert info.value.problems[0].path == "catalog.products.premium"


def test_saved_and_loaded_again_it_is_the_same_scenario(tmp_path):
    s = load(tmp_path, mix="e3: 1", terms="annual_billed_monthly: 1")
    again = tmp_path / "again.yaml"
    again.write_text(s.to_yaml(), encoding="utf-8")
    assert cspmodel.load_scenario(again) == s


@pytest.mark.parametrize("terms", ["monthly: 0.5, annual_upfront: 0.5",
                                   "triennial_billed_yearly: 1"])
def test_engine_equals_the_reference_with_price_list_products(tmp_path, terms):
    s = load(tmp_path, mix="e3: 0.5, dynamics: 0.5", terms=terms)
    assert_same(s.with_overrides({"segments.0.seat_growth_annual": 0.1,
                                  "segments.0.new_customers_per_month": 1}))
