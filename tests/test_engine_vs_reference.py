"""The fast engine against the slow reference (written from docs/engine.md independently):
the same monthly statement, ledger (line by line, month by month) and headline metrics on
generated scenarios, with and without commission plans, and on every shipped scenario."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import reference_simulate

import cspmodel
from cspmodel.io import validate_data

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("customers", "seats", "billings", "revenue", "cost_of_sales", "gross_profit",
           "operating_costs", "operating_profit", "cash_in", "cash_out", "net_cash",
           "cumulative_cash", "deferred_revenue", "receivables", "payables", "prepaid_costs",
           "bad_debt", "vendor_billings", "accrued_revenue", "credit_exposure")
METRICS = ("npv", "break_even_month", "cash_trough", "ending_mrr", "ending_arr",
           "net_revenue_retention", "cac_payback_months", "ltv_to_cac", "gross_margin",
           "operating_margin")
BASE_PRODUCTS = ("m365_business_basic", "m365_business_premium", "m365_e3",
                 "d365_sales_enterprise")
ADDONS = ("m365_copilot", "entra_id_p1")
TRIENNIAL_PRODUCTS = {"m365_e3", "d365_sales_enterprise"}
TERM_KEYS = ("monthly", "annual_billed_monthly", "annual_upfront", "triennial_billed_monthly",
             "triennial_billed_yearly", "triennial_upfront")


def assert_same(scenario: cspmodel.Scenario) -> None:
    """Engine and reference agree on every monthly column, ledger line and metric."""
    eng = cspmodel.simulate(scenario)
    ref = reference_simulate(scenario)
    ref_m = ref.monthly_frame()
    for col in COLUMNS:
        np.testing.assert_allclose(eng.monthly[col].to_numpy(), ref_m[col].to_numpy(),
                                   rtol=1e-9, atol=1e-6, err_msg=col)
    # every ledger line month by month (a line small against its month's statement, such as
    # a commission clawback, is checked on its own)
    # the same ledger frame from both (month, segment, product, line, statement, amount)
    assert list(eng.ledger.columns) == list(ref.ledger_frame().columns)
    e_lines = eng.ledger.groupby(["month", "segment", "product", "line"])["amount"].sum()
    r_led = ref.ledger_frame()
    r_lines = r_led.groupby(["month", "segment", "product", "line"])["amount"].sum()
    joined = e_lines.to_frame("engine").join(r_lines.to_frame("reference"), how="outer")
    joined = joined.fillna(0.0)
    np.testing.assert_allclose(joined["engine"], joined["reference"], rtol=1e-9, atol=1e-6,
                               err_msg=str(joined[~np.isclose(joined["engine"],
                                                              joined["reference"],
                                                              rtol=1e-9, atol=1e-6)]))
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
def scenarios(draw: Any, with_plans: bool | None = None) -> cspmodel.Scenario:
    """A generated scenario; ``with_plans``: True always carries commission plans, False
    never, None sometimes."""
    n_seg = draw(st.integers(1, 3))
    tiers = {
        "none": {"price_per_seat_month": 0.0, "tickets_per_seat_month": draw(
            st.sampled_from([0.0, 0.05]))},
        "std": {"price_per_seat_month": draw(st.sampled_from([10.0, 15.0])),
                "escalation_rate": draw(st.sampled_from([0.0, 0.1]))},
        "p247": {"price_per_seat_month": 35.0, "coverage": "24x7"},
        "p247b": {"price_per_seat_month": 25.0, "coverage": "24x7"},  # shares the one floor
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
            "seats_per_customer_at_start": draw(st.sampled_from([None, None, 3.0, 60.0])),
            "seat_growth_annual": draw(st.sampled_from([-0.3, 0.0, 0.1])),
            "seat_volatility_annual": draw(st.sampled_from([0.0, 0.2])),
            "product_mix": _mix(draw, tuple(products)),
            "term_mix": _mix(draw, ("monthly", "annual_billed_monthly", "annual_upfront")),
            "payment_mix": draw(st.one_of(st.just({"card": 0.0, "ach": 0.0, "invoice": 1.0}),
                                          st.just(None))) or _mix(draw, ("card", "ach",
                                                                         "invoice")),
            "contract_policy": draw(st.sampled_from(["mirror", "flexible"])),
            "support_tier": draw(st.sampled_from(sorted(tiers))),
            "prepay_discount": draw(st.sampled_from([0.0, 0.05])),
            "markup_vs_list": draw(st.sampled_from([-0.05, 0.0, 0.1])),
            "lapse_share": draw(st.sampled_from([0.0, 0.0, 0.25, 1.0])),
        }
        if draw(st.booleans()):  # Azure consumption (issue "New revenue streams")
            seg["azure"] = {
                "consumption_per_customer_month": draw(st.sampled_from([100.0, 5000.0])),
                "growth_annual": draw(st.sampled_from([-0.2, 0.0, 0.3])),
                "seasonality": draw(st.sampled_from([[1.0] * 12, [0.7] * 6 + [1.3] * 6,
                                                     [2.0] + [1.0] * 10 + [0.0]])),
                "pec_eligible_share": draw(st.sampled_from([0.0, 0.6, 1.0])),
                "reserved_share": draw(st.sampled_from([0.0, 0.4])),
                "reservation_discount": draw(st.sampled_from([0.0, 0.4, 0.72])),
                "markup_vs_retail": draw(st.sampled_from([-0.05, 0.0, 0.08])),
                "management_fee_share": draw(st.sampled_from([0.0, 0.12])),
                "smoothing_months": draw(st.sampled_from([0, 0, 2, 3, 12])),
                "payment_days": draw(st.sampled_from([0, 30, 45])),
                "bad_debt_rate": draw(st.sampled_from([0.0, 0.03])),
            }
        if tiers[seg["support_tier"]]["price_per_seat_month"] > 0 and draw(st.booleans()):
            seg["financing"] = {"share": draw(st.sampled_from([0.5, 1.0])),
                                "months": draw(st.sampled_from([1, 6, 12, 24])),
                                "annual_rate": draw(st.sampled_from([0.0, 0.09]))}
        if draw(st.booleans()):
            seg["addons"] = {draw(st.sampled_from(ADDONS)): draw(st.sampled_from([0.2, 1.0]))}
        elif set(products) <= TRIENNIAL_PRODUCTS and draw(st.booleans()):
            # three-year terms, where every product of the segment offers one
            seg["term_mix"] = _mix(draw, TERM_KEYS)
        segments.append(seg)
    model = draw(st.sampled_from(["direct", "indirect"]))
    data = {
        "name": "generated",
        "horizon_months": draw(st.sampled_from([1, 7, 13, 24, 30, 40])),
        "start_month": draw(st.sampled_from(["2025-01", "2025-09", "2026-05"])),
        "discount_rate_annual": draw(st.sampled_from([0.0, 0.1])),
        "channel": {"model": model, "dpo_days": draw(st.sampled_from([None, 0, 45])),
                    "indirect": {"distributor_fee_per_month": 100.0,
                                 "escalation_fee_per_ticket": 20.0,
                                 "pec_passed_on": draw(st.sampled_from([1.0, 0.7])),
                                 "azure_margin": draw(st.sampled_from([0.0, 0.03]))}},
        "segments": segments,
        "support": {"tiers": tiers,
                    "vendor_plan": "advanced_support_for_partners" if model == "direct"
                    else None},
        "billing": {"dso_days": draw(st.sampled_from([0, 15, 30, 75]))},
        "products": [{"id": "m365_business_premium", "price_changes": [
            {"effective": "2026-03-01", "list_price_per_seat_month": 24.0}]}],
        "services": {"onboarding_price_per_customer": draw(st.sampled_from([0.0, 3000.0])),
                     "deployment_price_per_seat": draw(st.sampled_from([0.0, 40.0]))},
    }
    if draw(st.booleans()):
        data["opening_book"] = {"subscriptions": draw(book(
            [seg["name"] for seg in segments], data["start_month"]))}
    if with_plans or (with_plans is None and draw(st.booleans())):
        data["commissions"] = {"plans": draw(plans([s["name"] for s in segments]))}
        data["costs"] = {"bad_debt_rate": draw(st.sampled_from([0.0, 0.02]))}
    return validate_data(data, "generated")


@st.composite
def book(draw: Any, segment_names: list[str], start: str) -> list[dict[str, Any]]:
    """1-6 subscriptions of an opening book: customers with one or more products (add-ons
    too), on every term their product offers, renewing in any month of their term."""
    from cspmodel.catalog import PRODUCTS
    from cspmodel.terms import TERMS
    from cspmodel.util import add_months

    out = []
    for _ in range(draw(st.integers(1, 6))):
        pid = draw(st.sampled_from(BASE_PRODUCTS + ADDONS))
        term = draw(st.sampled_from([k for k in TERM_KEYS
                                     if TERMS[k].product_term in PRODUCTS[pid].terms]))
        c = TERMS[term].commitment
        renews = add_months(cspmodel.schema.dt.date.fromisoformat(start + "-01"),
                            draw(st.integers(0, c - 1)))
        out.append({"customer": draw(st.sampled_from(["C0", "C1", "C2"])),
                    "segment": draw(st.sampled_from(segment_names)), "product": pid,
                    "term": term, "seats": draw(st.sampled_from([1.0, 10.0, 120.0])),
                    "renews": None if c == 1 else renews.strftime("%Y-%m")})
    return out


@st.composite
def plans(draw: Any, segment_names: list[str]) -> list[dict[str, Any]]:
    """1-2 commission plans: every class, basis, payout timing; flat or tiered rates;
    proration on or off; clawback or not; every segment or a subset."""
    out = []
    for i in range(draw(st.integers(1, 2))):
        plan: dict[str, Any] = {
            "name": f"P{i}",
            "product_class": draw(st.sampled_from(["resale", "support_plans", "services"])),
            "basis": draw(st.sampled_from(["revenue", "net"])),
            "payout": draw(st.sampled_from(["booking", "invoice", "cash_receipt"])),
            "prorate": draw(st.booleans()),
            "clawback_months": draw(st.sampled_from([0, 0, 3, 12, 14])),
        }
        if draw(st.booleans()):
            plan["rate"] = draw(st.sampled_from([0.02, 0.1]))
        else:
            starts = [0.0, *sorted(draw(st.sets(st.sampled_from([0.5, 1.0, 1.5]), min_size=1,
                                                max_size=2)))]
            plan["tiers"] = [{"from_attainment": a,
                              "rate": draw(st.sampled_from([0.0, 0.03, 0.08, 0.2]))}
                             for a in starts]
            plan["quota"] = draw(st.sampled_from([300.0, 5_000.0, 80_000.0]))
            plan["quota_period"] = draw(st.sampled_from(["month", "quarter", "year"]))
        if len(segment_names) > 1 and draw(st.booleans()):
            plan["segments"] = draw(st.lists(st.sampled_from(segment_names), min_size=1,
                                             max_size=len(segment_names), unique=True))
        out.append(plan)
    return out


@settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_equals_reference_on_generated_scenarios(scenario: cspmodel.Scenario) -> None:
    assert_same(scenario)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(with_plans=True))
def test_engine_equals_reference_with_commission_plans(scenario: cspmodel.Scenario) -> None:
    """Commission plans (docs/engine.md 6a): every class, basis, payout timing, flat and
    tiered rates, proration on and off, clawback; the ledger's commissions line month by
    month, its cash and the metrics agree."""
    assert scenario.commissions.plans
    assert_same(scenario)


def test_engine_equals_reference_on_shipped_scenarios() -> None:
    paths = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert paths
    for path in paths:
        assert_same(cspmodel.load_scenario(path))


def _one_joiner_a_month(term: str, payout: str, **plan: Any) -> cspmodel.Scenario:
    """One customer of one seat joins every month at list 10 (all term factors 1), on one
    term; churn 50% a year; paid by invoice at 45 days; a flat 10% plan with a 12-month
    clawback (``plan``: other plan fields)."""
    term_mix = {"monthly": 0.0, "annual_billed_monthly": 0.0, "annual_upfront": 0.0}
    term_mix[term] = 1.0
    return validate_data({
        "name": "hand", "horizon_months": 14, "start_month": "2026-01",
        "terms": {"monthly_term_factor": 1.0, "annual_billed_monthly_factor": 1.0},
        "channel": {"model": "indirect", "partner_discount": 0.2,
                    "indirect": {"distributor_margin": 0.0}},
        "products": [{"id": "own", "list_price_per_seat_month": 10,
                      "terms": ["monthly", "annual"]}],
        "costs": {"bad_debt_rate": 0.0}, "billing": {"dso_days": 45},
        "segments": [{"name": "A", "customers_at_start": 0, "new_customers_per_month": 1,
                      "churn_annual": 0.5, "seats_per_customer": 1, "seat_growth_annual": 0,
                      "seat_volatility_annual": 0, "product_mix": {"own": 1},
                      "term_mix": term_mix, "prepay_discount": 0.0,
                      "payment_mix": {"card": 0.0, "ach": 0.0, "invoice": 1.0}}],
        "commissions": {"plans": [{"name": "P", "product_class": "resale", "rate": 0.1,
                                   "payout": payout, "clawback_months": 12, **plan}]},
    }, "hand")


TIERED = {"tiers": [{"from_attainment": 0.0, "rate": 0.05}, {"from_attainment": 1.0, "rate": 0.2}],
          "quota": 100.0, "quota_period": "month"}


@pytest.mark.parametrize(("term", "payout", "plan", "expected"), [
    # Upfront, paid at cash receipt. Each joiner is invoiced 12 x 10 = 120, collected 60 in
    # each of the two months after (45 days = 1.5 months); month 0's cohort renews in month 12
    # at half: 60, of which 30 is collected in month 13. Receipts: 0, 60, 120 x 11, 150;
    # earned 10%: 0, 6, 12 x 11, 15. Sign-up commission 10% x 120 = 12 per month's joiner,
    # half of them leave at month 12: 6 clawed back in months 12 and 13 (the month-0 joiner's
    # too, although nothing was collected in month 0: a flat plan's effective rate is its rate).
    ("annual_upfront", "cash_receipt", {}, [0.0, 6.0] + [12.0] * 10 + [6.0, 9.0]),
    # The same, tiered: 5% up to a monthly quota of 100, 20% above. Receipts 0, 60, 120 x 11,
    # 150 earn 0; 60 x 5% = 3; 100 x 5% + 20 x 20% = 9; 5 + 50 x 20% = 15. Sign-up commission
    # of month 0's joiner: nothing collected, so the marginal rate at attainment 0, 5% x 120 =
    # 6, half clawed back in month 12 (9 - 3 = 6); of month 1's: 3 / 60 = 5% x 120 = 6, half
    # in month 13 (15 - 3 = 12).
    ("annual_upfront", "cash_receipt", TIERED, [0.0, 3.0] + [9.0] * 10 + [6.0, 12.0]),
    # Annual billed monthly, paid at invoice: month m invoices (m + 1) x 10 -> m + 1 earned.
    # Month 12: 0.5 + 11 + 1 customers x 10 x 10% = 12.5, less 0.5 (the sign-up commission is
    # the first invoice's: 10% x 10 = 1, half of it leaves) = 12; month 13: 13 - 0.5 = 12.5.
    ("annual_billed_monthly", "invoice", {}, [float(m + 1) for m in range(12)] + [12.0, 12.5]),
    # The same term paid at booking: each joiner books 12 x 10 = 120 -> 12 a month. Month 12:
    # the renewal books 0.5 x 120 (6) + the joiner 12, less the clawback 12 x 0.5 = 6 -> 12.
    ("annual_billed_monthly", "booking", {}, [12.0] * 14),
])
def test_commission_plan_hand_cases(term: str, payout: str, plan: dict[str, Any],
                                    expected: list[float]) -> None:
    """Clawback of the sign-up commission at each payout timing, by hand, on both."""
    scenario = _one_joiner_a_month(term, payout, **plan)
    ref = reference_simulate(scenario)
    np.testing.assert_allclose(ref.line("commissions"), expected, rtol=1e-12, atol=1e-9)
    eng = cspmodel.simulate(scenario).lines()["commissions"].to_numpy()
    np.testing.assert_allclose(eng, expected, rtol=1e-12, atol=1e-9)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 2**16))
def test_many_paths_equal_the_reference_path_by_path(scenario: cspmodel.Scenario,
                                                     seed: int) -> None:
    # the many-paths mode (line totals summed in the loop, paths on one axis) against the
    # reference run on each path's drawn values, on the same draws
    from cspmodel.drivers import draw

    uncertain = scenario.with_overrides({
        "segments.0.churn_annual": {"dist": "uniform", "low": 0.0, "high": 0.5},
        "segments.0.seats_per_customer": {"dist": "triangular", "low": 2, "mode": 10,
                                          "high": 30},
        "support.labor_rate_per_hour": {"dist": "normal", "mean": 46, "sd": 8}})
    paths = 3
    many = cspmodel.simulate(uncertain, paths=paths, seed=seed)
    drawn = draw(uncertain, paths, seed)
    for i in range(paths):
        one = scenario.with_overrides({k: float(v[i]) for k, v in drawn.items()})
        ref = reference_simulate(one).monthly_frame()
        for col in ("revenue", "operating_profit", "cash_in", "cash_out", "customers",
                    "deferred_revenue", "receivables", "payables"):
            np.testing.assert_allclose(many.path_statements[col][i], ref[col].to_numpy(),
                                       rtol=1e-9, atol=1e-6, err_msg=f"path {i} {col}")
