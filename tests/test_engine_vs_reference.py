"""The fast engine against the slow reference (written from docs/engine.md independently):
the same monthly statement, ledger and headline metrics on generated scenarios and on every
shipped scenario."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cspmodel
from cspmodel.io import validate_data
from cspmodel.reference import reference_simulate

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("customers", "seats", "billings", "revenue", "cost_of_sales", "gross_profit",
           "operating_costs", "operating_profit", "cash_in", "cash_out", "net_cash",
           "cumulative_cash", "deferred_revenue", "receivables", "payables", "prepaid_costs",
           "bad_debt", "vendor_billings")
METRICS = ("npv", "break_even_month", "cash_trough", "ending_mrr", "ending_arr",
           "net_revenue_retention", "cac_payback_months", "ltv_to_cac", "gross_margin",
           "operating_margin")
BASE_PRODUCTS = ("m365_business_basic", "m365_business_premium", "m365_e3",
                 "d365_sales_enterprise")
ADDONS = ("m365_copilot", "entra_id_p1")


def assert_same(scenario: cspmodel.Scenario) -> None:
    """Engine and reference agree on every monthly column, ledger line and metric."""
    eng = cspmodel.simulate(scenario)
    ref = reference_simulate(scenario)
    ref_m = ref.monthly_frame()
    for col in COLUMNS:
        np.testing.assert_allclose(eng.monthly[col].to_numpy(), ref_m[col].to_numpy(),
                                   rtol=1e-9, atol=1e-6, err_msg=col)
    e_lines = eng.ledger.groupby(["segment", "product", "line"])["amount"].sum()
    r_led = ref.ledger_frame()
    r_lines = r_led.groupby(["segment", "product", "line"])["amount"].sum()
    joined = e_lines.to_frame("engine").join(r_lines.to_frame("reference"), how="outer")
    joined = joined.fillna(0.0)
    np.testing.assert_allclose(joined["engine"], joined["reference"], rtol=1e-9, atol=1e-6)
    for key in METRICS:
        a, b = float(eng.summary[key]), float(ref.metrics[key])
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), (key, a, b)
        else:
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), (key, a, b)


def _mix(draw: Any, keys: tuple[str, ...]) -> dict[str, float]:
    """Shares over ``keys`` that sum to exactly 1 (in sixteenths)."""
    cuts = sorted(draw(st.lists(st.integers(0, 16), min_size=len(keys) - 1,
                                max_size=len(keys) - 1)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 16], strict=True)]
    return {k: p / 16 for k, p in zip(keys, parts, strict=True)}


@st.composite
def scenarios(draw: Any) -> cspmodel.Scenario:
    n_seg = draw(st.integers(1, 3))
    tiers = {
        "none": {"price_per_seat_month": 0.0, "tickets_per_seat_month": draw(
            st.sampled_from([0.0, 0.05]))},
        "std": {"price_per_seat_month": draw(st.sampled_from([10.0, 15.0])),
                "escalation_rate": draw(st.sampled_from([0.0, 0.1]))},
        "p247": {"price_per_seat_month": 35.0, "coverage": "24x7"},
    }
    segments = []
    for i in range(n_seg):
        products = draw(st.lists(st.sampled_from(BASE_PRODUCTS), min_size=1, max_size=2,
                                 unique=True))
        seg: dict[str, Any] = {
            "name": f"S{i}",
            "customers_at_start": draw(st.sampled_from([0.0, 5.0, 30.0])),
            "new_customers_per_month": draw(st.sampled_from([0.0, 1.0, 2.5])),
            "churn_annual": draw(st.sampled_from([0.0, 0.1, 0.3, 1.0])),
            "seats_per_customer": draw(st.sampled_from([1.0, 12.0, 40.0])),
            "seat_growth_annual": draw(st.sampled_from([-0.3, 0.0, 0.1])),
            "seat_volatility_annual": draw(st.sampled_from([0.0, 0.2])),
            "product_mix": _mix(draw, tuple(products)),
            "term_mix": _mix(draw, ("monthly", "annual_billed_monthly", "annual_upfront")),
            "payment_mix": _mix(draw, ("card", "ach", "invoice")),
            "contract_policy": draw(st.sampled_from(["mirror", "flexible"])),
            "support_tier": draw(st.sampled_from(sorted(tiers))),
            "prepay_discount": draw(st.sampled_from([0.0, 0.05])),
            "markup_vs_list": draw(st.sampled_from([-0.05, 0.0, 0.1])),
        }
        if draw(st.booleans()):
            seg["addons"] = {draw(st.sampled_from(ADDONS)): draw(st.sampled_from([0.2, 1.0]))}
        segments.append(seg)
    model = draw(st.sampled_from(["direct", "indirect"]))
    data = {
        "name": "generated",
        "horizon_months": draw(st.integers(1, 30)),
        "start_month": draw(st.sampled_from(["2025-01", "2025-09", "2026-05"])),
        "discount_rate_annual": draw(st.sampled_from([0.0, 0.1])),
        "channel": {"model": model, "dpo_days": draw(st.sampled_from([None, 0, 45])),
                    "indirect": {"distributor_fee_per_month": 100.0,
                                 "escalation_fee_per_ticket": 20.0}},
        "segments": segments,
        "support": {"tiers": tiers,
                    "vendor_plan": "advanced_support_for_partners" if model == "direct"
                    else None},
        "billing": {"dso_days": draw(st.sampled_from([0, 15, 30, 75]))},
        "products": [{"id": "m365_business_premium", "price_changes": [
            {"effective": "2026-03-01", "list_price_per_seat_month": 24.0}]}],
    }
    return validate_data(data, "generated")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_equals_reference_on_generated_scenarios(scenario: cspmodel.Scenario) -> None:
    assert_same(scenario)


def test_engine_equals_reference_on_shipped_scenarios() -> None:
    paths = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert paths
    for path in paths:
        assert_same(cspmodel.load_scenario(path))
