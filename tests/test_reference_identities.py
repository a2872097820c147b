"""Accounting identities of docs/engine.md section 8, checked on the slow reference.

A few hand-written scenarios with every rule switched on (several segments, all three terms,
mirror and flexible, direct and indirect, a 24x7 tier, add-ons, price changes, odd payment lags)
and one run-off scenario in which every customer leaves at its renewal, so every prepaid term is
provably served before the horizon ends.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from reference import (
    METRIC_NAMES,
    MONTHLY_COLUMNS,
    STATEMENT_OF_LINE,
    STATEMENTS,
    ReferenceResult,
    reference_simulate,
)

from cspmodel.io import validate_data
from cspmodel.schema import Scenario

TOL = 1e-7


def approx(value: float) -> Any:
    return pytest.approx(value, rel=TOL, abs=1e-6)


TWO_SEGMENTS_INDIRECT: dict[str, Any] = {
    "name": "two segments, indirect, everything on",
    "horizon_months": 30,
    "start_month": "2025-01",  # crosses the 1.05 annual-billed-monthly date
    "channel": {
        "model": "indirect",
        "partner_discount": 0.18,
        "indirect": {"distributor_margin": 0.04, "distributor_fee_per_month": 250.0,
                     "escalation_fee_per_ticket": 15.0},
    },
    "products": [
        {"id": "m365_business_premium",
         "price_changes": [{"effective": "2025-09-01", "list_price_per_seat_month": 23.5}]},
        {"id": "own_backup", "list_price_per_seat_month": 4.0, "partner_discount": 0.30},
    ],
    "support": {
        "tiers": {
            "standard": {"price_per_seat_month": 18.0},
            "premium": {"price_per_seat_month": 40.0, "coverage": "24x7",
                        "tickets_per_seat_month": 0.8},
        },
        "staff_on_shift_247": 1.5,
    },
    "billing": {"dso_days": 45},
    "segments": [
        {
            "name": "SMB",
            "customers_at_start": 40,
            "new_customers_per_month": 1.5,
            "churn_annual": 0.12,
            "seats_per_customer": 12,
            "seat_growth_annual": 0.06,
            "seat_volatility_annual": 0.25,
            "product_mix": {"m365_business_premium": 0.7, "m365_business_standard": 0.3},
            "addons": {"own_backup": 0.5, "m365_copilot": 0.1},
            "term_mix": {"monthly": 0.2, "annual_billed_monthly": 0.5, "annual_upfront": 0.3},
            "contract_policy": "flexible",
            "support_tier": "standard",
            "payment_mix": {"card": 0.4, "ach": 0.3, "invoice": 0.3},
            "prepay_discount": 0.05,
            "markup_vs_list": 0.08,
        },
        {
            "name": "Mid",
            "customers_at_start": 8,
            "new_customers_per_month": 0.3,
            "churn_annual": 0.06,
            "seats_per_customer": 120,
            "seat_growth_annual": -0.05,
            "seat_volatility_annual": 0.15,
            "product_mix": {"m365_e3": 1.0},
            "addons": {"intune_p1": 0.4},
            "term_mix": {"annual_billed_monthly": 0.4, "annual_upfront": 0.6},
            "contract_policy": "mirror",
            "support_tier": "premium",
            "payment_mix": {"ach": 0.2, "invoice": 0.8},
            "prepay_discount": 0.03,
        },
    ],
}

DIRECT_ONE_SEGMENT: dict[str, Any] = {
    "name": "direct, defaults",
    "horizon_months": 26,
    "start_month": "2026-03",
    "channel": {"model": "direct", "partner_discount": 0.20, "dpo_days": 50},
    "support": {"vendor_plan": "advanced_support_for_partners"},
    "billing": {"dso_days": 17},
    "segments": [
        {
            "name": "All",
            "customers_at_start": 60,
            "new_customers_per_month": 2,
            "seats_per_customer": 25,
            "product_mix": {"m365_business_basic": 0.5, "m365_e3": 0.5},
            "term_mix": {"monthly": 0.3, "annual_billed_monthly": 0.3, "annual_upfront": 0.4},
            "support_tier": "premium_247",
        }
    ],
}

RUN_OFF: dict[str, Any] = {
    "name": "run-off: every customer leaves at its renewal",
    "horizon_months": 16,
    "start_month": "2026-01",
    "channel": {"model": "indirect", "indirect": {"distributor_margin": 0.05}},
    "billing": {"dso_days": 45},
    "segments": [
        {
            "name": "Leaving",
            "customers_at_start": 24,
            "new_customers_per_month": 0,
            "churn_annual": 1.0,
            "seats_per_customer": 20,
            "seat_growth_annual": 0.10,
            "seat_volatility_annual": 0.30,
            "product_mix": {"m365_business_premium": 1.0},
            "addons": {"m365_copilot": 0.25},
            "term_mix": {"monthly": 0.1, "annual_billed_monthly": 0.3, "annual_upfront": 0.6},
            "support_tier": "standard",
            "payment_mix": {"card": 0.2, "invoice": 0.8},
            "prepay_discount": 0.1,
        }
    ],
}

# Azure consumption (smoothed, reserved, seasonal) and financed deployments on top of the
# two-segment indirect case (issue "New revenue streams")
AZURE_AND_FINANCING = {
    **TWO_SEGMENTS_INDIRECT,
    "segments": [
        {**TWO_SEGMENTS_INDIRECT["segments"][0],
         "azure": {"consumption_per_customer_month": 2500, "growth_annual": 0.2,
                   "seasonality": [0.8] * 6 + [1.2] * 6, "reserved_share": 0.3,
                   "reservation_discount": 0.4, "management_fee_share": 0.1,
                   "smoothing_months": 3, "payment_days": 45, "bad_debt_rate": 0.02},
         "financing": {"share": 0.6, "months": 18, "annual_rate": 0.08}},
        *TWO_SEGMENTS_INDIRECT["segments"][1:],
    ],
}

SCENARIOS = {
    "two_segments_indirect": TWO_SEGMENTS_INDIRECT,
    "direct_one_segment": DIRECT_ONE_SEGMENT,
    "run_off": RUN_OFF,
    "azure_and_financing": AZURE_AND_FINANCING,
}


def load(data: dict[str, Any]) -> Scenario:
    return validate_data(data, "identity case")


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def result(request: pytest.FixtureRequest) -> ReferenceResult:
    return reference_simulate(load(SCENARIOS[request.param]))


def test_ledger_rows_are_well_formed(result: ReferenceResult) -> None:
    horizon = len(result.monthly)
    for month, _segment, _product, line, statement, amount in result.ledger:
        assert 0 <= month < horizon
        assert STATEMENT_OF_LINE[line] == statement
        assert math.isfinite(amount)


def test_ledger_sums_to_the_statement(result: ReferenceResult) -> None:
    sums = [{name: 0.0 for name in STATEMENTS} for _ in result.monthly]
    for month, _segment, _product, _line, statement, amount in result.ledger:
        sums[month][statement] += amount
    for m, row in enumerate(result.monthly):
        for name in STATEMENTS:
            assert sums[m][name] == approx(row[name]), (m, name)


def test_profit_is_revenue_minus_costs(result: ReferenceResult) -> None:
    for row in result.monthly:
        assert row["gross_profit"] == approx(row["revenue"] - row["cost_of_sales"])
        assert row["operating_profit"] == approx(
            row["revenue"] - row["cost_of_sales"] - row["operating_costs"]
        )


def test_cash_identities(result: ReferenceResult) -> None:
    cum_in = cum_billed = cum_bad = cum_net = 0.0
    for row in result.monthly:
        cum_in += row["cash_in"]
        cum_billed += row["billings"]
        cum_bad += row["bad_debt"]
        cum_net += row["net_cash"]
        assert row["net_cash"] == approx(row["cash_in"] - row["cash_out"])
        assert row["cumulative_cash"] == approx(cum_net)
        # collected so far + still to collect = opened with + billed - never collectable
        assert cum_in + row["receivables"] == approx(
            result.opening["receivables"] + cum_billed - cum_bad)
        assert row["receivables"] >= -TOL
        assert row["payables"] >= -TOL


def test_bad_debt_column_equals_bad_debt_line(result: ReferenceResult) -> None:
    line = [a + b for a, b in zip(result.line("bad_debt"), result.line("azure_bad_debt"),
                                  strict=True)]
    for m, row in enumerate(result.monthly):
        assert row["bad_debt"] == approx(line[m])


def test_deferred_revenue_and_prepaid_costs_never_negative(result: ReferenceResult) -> None:
    for row in result.monthly:
        assert row["deferred_revenue"] >= -TOL
        assert row["prepaid_costs"] >= -TOL


def test_monthly_frame_has_every_column(result: ReferenceResult) -> None:
    frame = result.monthly_frame()
    assert list(frame.columns) == list(MONTHLY_COLUMNS)
    assert list(frame.index) == list(range(len(result.monthly)))


def test_headline_metrics_follow_the_months(result: ReferenceResult) -> None:
    metrics = result.metrics
    monthly = result.monthly
    assert sorted(metrics) == sorted(METRIC_NAMES)
    assert metrics["ending_arr"] == approx(12 * metrics["ending_mrr"])
    assert metrics["revenue"] == approx(sum(r["revenue"] for r in monthly))
    assert metrics["operating_profit"] == approx(sum(r["operating_profit"] for r in monthly))
    # the trough counts the opening position, 0: never positive
    assert metrics["cash_trough"] == approx(min(0.0, *(r["cumulative_cash"] for r in monthly)))
    assert metrics["ending_customers"] == approx(monthly[-1]["customers"])
    last = len(monthly) - 1
    assert metrics["ending_mrr"] == approx(
        result.line("license_resale")[last] + result.line("support_plans")[last]
    )


def test_run_off_serves_every_prepaid_term() -> None:
    # churn_annual 1.0 and no new customers: the monthly cohort leaves in month 0 (hazard 1),
    # annual phase p leaves at its renewal in month p. Phase 11's term ends with month 10, so
    # from the end of month 10 on nothing is prepaid: deferred revenue and prepaid costs are 0.
    r = reference_simulate(load(RUN_OFF))
    deferred = r.column("deferred_revenue")
    prepaid = r.column("prepaid_costs")
    assert deferred[0] > 0.0 and prepaid[0] > 0.0
    for m in range(10, 16):
        assert deferred[m] == approx(0.0), m
        assert prepaid[m] == approx(0.0), m
    assert r.column("customers")[11] == approx(0.0)
    # with no billing after month 10 and lags of 45 and 30 days, everything is settled by the
    # end: cash collected over the full life = billings - bad debt; the vendor is paid in full
    assert r.column("receivables")[-1] == approx(0.0)
    assert r.column("payables")[-1] == approx(0.0)
    assert r.opening["receivables"] > 0.0  # the book billed before the start
    assert sum(r.column("cash_in")) == approx(
        r.opening["receivables"] + sum(r.column("billings")) - sum(r.column("bad_debt"))
    )


def test_azure_run_off_collects_every_bill_and_leaves_nothing_at_risk() -> None:
    # the run-off book consuming Azure: once the last customer has left (month 11) and its last
    # usage is invoiced (month 12) and paid (45 days), nothing is owed, accrued or at risk
    data = {**RUN_OFF, "horizon_months": 18, "segments": [
        {**RUN_OFF["segments"][0], "azure": {"consumption_per_customer_month": 1000,
                                             "payment_days": 45, "bad_debt_rate": 0.02,
                                             "smoothing_months": 4}}]}
    r = reference_simulate(load(data))
    assert sum(r.line("azure_consumption")) > 0.0
    for column in ("receivables", "payables", "accrued_revenue", "credit_exposure"):
        assert r.column(column)[-1] == approx(0.0), column
    assert sum(r.column("cash_in")) == approx(
        r.opening["receivables"] + sum(r.column("billings")) - sum(r.column("bad_debt")))


def test_direct_licence_margin_is_the_partner_discount() -> None:
    r = reference_simulate(load(DIRECT_ONE_SEGMENT))
    resale = r.line("license_resale")
    cost = r.line("license_cost")
    for m in range(len(resale)):
        assert resale[m] - cost[m] == approx(0.20 * resale[m]), m


def test_npv_at_zero_rate_is_total_net_cash() -> None:
    data = dict(DIRECT_ONE_SEGMENT, discount_rate_annual=0.0)
    r = reference_simulate(load(data))
    assert r.metrics["npv"] == approx(sum(r.column("net_cash")))
