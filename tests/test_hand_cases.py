"""Hand-computed cases: each a tiny scenario that isolates one rule of docs/engine.md.

Every case runs through :func:`run`, which runs the slow reference
(``tests/reference.py``, :func:`reference_simulate`) and the fast engine
(``cspmodel.simulate``), and every expected number is asserted on both. Expected values are
written as the arithmetic that produces them, with the reasoning in a comment.

The base scenario has one segment, one product (Business Premium, list 22 since 2022-03-01),
12 customers of 10 seats, no churn, no growth, no new customers, and every cost, service and
support parameter set to 0, so each test switches on only the rule it checks.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest
from reference import reference_simulate

import cspmodel
from cspmodel.io import validate_data
from cspmodel.schema import Scenario

REL = 1e-9


# --------------------------------------------------------------------------------------------
# The harness: one scenario, both implementations
# --------------------------------------------------------------------------------------------
@dataclass
class Run:
    """One implementation's result, seen through the same small interface."""

    name: str
    monthly: pd.DataFrame  # index 0..H-1
    ledger: pd.DataFrame  # the engine's ledger frame: month (a monthly period), segment, ...
    metrics: dict[str, float] = field(default_factory=dict)
    start: Any = None  # the first month, a monthly period

    def col(self, column: str) -> list[float]:
        """A monthly column, month 0 first."""
        return [float(v) for v in self.monthly[column].to_numpy()]

    def line(
        self, name: str, segment: str | None = None, product: str | None = None
    ) -> list[float]:
        """Monthly totals of a ledger line (0 in months without a row)."""
        rows = self.ledger[self.ledger["line"] == name]
        if segment is not None:
            rows = rows[rows["segment"] == segment]
        if product is not None:
            rows = rows[rows["product"] == product]
        totals = [0.0] * len(self.monthly)
        for month, amount in zip(rows["month"], rows["amount"], strict=True):
            totals[(month - self.start).n] += float(amount)
        return totals

    def metric(self, name: str) -> float:
        return float(self.metrics[name])


def run(scenario: Scenario) -> list[Run]:
    """Run the reference and the engine on one scenario: the same frames from both."""
    start = pd.Period(scenario.start_month, freq="M")
    ref = reference_simulate(scenario)
    result = cspmodel.simulate(scenario)
    return [Run("reference", ref.monthly_frame(), ref.ledger_frame(), dict(ref.metrics), start),
            Run("engine", result.monthly.reset_index(drop=True), result.ledger,
                {str(k): float(v) for k, v in result.summary.items()}, start)]


def close(actual: float, expected: float) -> bool:
    return actual == pytest.approx(expected, rel=REL, abs=1e-9)


def check(r: Run, actual: float | list[float], expected: float | list[float]) -> None:
    if isinstance(expected, list):
        assert isinstance(actual, list)
        assert len(actual) >= len(expected), r.name
        for m, (a, e) in enumerate(zip(actual, expected, strict=False)):
            assert close(a, e), f"{r.name}: month {m}: {a} != {e}"
    else:
        assert isinstance(actual, float)
        assert close(actual, expected), f"{r.name}: {actual} != {expected}"


# --------------------------------------------------------------------------------------------
# Scenario builder
# --------------------------------------------------------------------------------------------
BASE: dict[str, Any] = {
    "name": "hand case",
    "horizon_months": 12,
    "start_month": "2026-01",
    "discount_rate_annual": 0.0,
    "channel": {
        "model": "indirect",
        "partner_discount": 0.20,
        "dpo_days": 0,
        "indirect": {
            "distributor_margin": 0.0,
            "distributor_fee_per_month": 0.0,
            "escalation_fee_per_ticket": 0.0,
        },
        "direct": {
            "billing_platform_per_year": 0.0,
            "provisioning_per_year": 0.0,
            "portal_per_year": 0.0,
            "training_per_year": 0.0,
            "compliance_per_year": 0.0,
        },
    },
    "support": {
        "tiers": {"none": {"price_per_seat_month": 0.0, "tickets_per_seat_month": 0.0}},
        "labor_rate_per_hour": 0.0,
        "utilization": 1.0,
        "staff_on_shift_247": 0.0,
    },
    "costs": {
        "card_fee_rate": 0.0,
        "card_fee_per_charge": 0.0,
        "ach_fee_rate": 0.0,
        "ach_fee_cap": 0.0,
        "license_admin_per_seat_change": 0.0,
        "accounting_per_invoice": 0.0,
        "accounting_per_month": 0.0,
        "compliance_per_year": 0.0,
        "systems_per_year": 0.0,
        "systems_per_seat_month": 0.0,
        "commission_rate": 0.0,
        "acquisition_cost_per_customer": 0.0,
        "bad_debt_rate": 0.0,
    },
    "services": {
        "onboarding_price_per_customer": 0.0,
        "onboarding_cost_per_customer": 0.0,
        "deployment_price_per_seat": 0.0,
        "deployment_cost_per_seat": 0.0,
    },
    "billing": {"dso_days": 0},
}

BASE_SEGMENT: dict[str, Any] = {
    "name": "S",
    "customers_at_start": 12.0,
    "new_customers_per_month": 0.0,
    "churn_annual": 0.0,
    "seats_per_customer": 10.0,
    "seat_growth_annual": 0.0,
    "seat_volatility_annual": 0.0,
    "product_mix": {"m365_business_premium": 1.0},
    "term_mix": {"monthly": 1.0},
    "support_tier": "none",
    "payment_mix": {"card": 1.0},
    "prepay_discount": 0.0,
    "markup_vs_list": 0.0,
    "contract_policy": "mirror",
}

BP = 22.0  # Business Premium list price (USD per seat per month, annual term)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in (
            "term_mix",
            "payment_mix",
            "product_mix",
        ):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def make(segment: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """The base scenario with overrides of the segment and of top-level blocks."""
    data = _merge(BASE, top)
    data["segments"] = [_merge(BASE_SEGMENT, segment or {})]
    return validate_data(data, "hand case")


def growth_for_monthly(mu: float) -> float:
    """The seat_growth_annual whose monthly rate is exactly ``mu``."""
    return (1.0 + mu) ** 12 - 1.0


# --------------------------------------------------------------------------------------------
# Terms and prices
# --------------------------------------------------------------------------------------------
def test_monthly_term_bills_1_2_times_annual_upfront() -> None:
    monthly = make({"term_mix": {"monthly": 1.0}})
    upfront = make({"term_mix": {"annual_upfront": 1.0}})
    for rm, ru in zip(run(monthly), run(upfront), strict=True):
        # monthly: 12 customers x 10 seats x 22 x 1.20, billed and recognized every month
        check(rm, rm.col("billings"), [12 * 10 * BP * 1.20] * 12)
        check(rm, rm.col("revenue"), [12 * 10 * BP * 1.20] * 12)
        # upfront: one customer per anniversary phase; each month one of them renews and pays
        # its year (1 customer x 10 seats x 22 x 12 months); all 12 recognize 10 x 22 a month
        check(ru, ru.col("billings"), [1 * 10 * BP * 12] * 12)
        check(ru, ru.col("revenue"), [12 * 10 * BP] * 12)
        # over a year the same seats bill exactly 1.2 times as much on a monthly term
        check(rm, sum(rm.col("billings")), 1.20 * sum(ru.col("billings")))


def test_annual_billed_monthly_factor_is_dated() -> None:
    # Start 2025-01: the initial annual-billed-monthly cohorts locked their price on
    # 2024-01..2024-12 (factor 1.00); phase 3 renews in 2025-04 and takes 1.05, and so on.
    s = make({"term_mix": {"annual_billed_monthly": 1.0}}, start_month="2025-01",
             horizon_months=15)
    for r in run(s):
        bills = r.col("billings")
        # month 0 (2025-01): phase 0 renews before 2025-04, still 1.00
        check(r, bills[0], 12 * 10 * BP * 1.00)
        # month 3 (2025-04): phase 3 renews at 1.05, the other 11 phases keep 1.00
        check(r, bills[3], 10 * BP * (11 * 1.00 + 1 * 1.05))
        # month 11 (2025-12): phases 3..11 renewed at 1.05, phases 0, 1, 2 still at 1.00
        check(r, bills[11], 10 * BP * (3 * 1.00 + 9 * 1.05))
        # month 14 (2026-03): phases 0, 1, 2 renewed in months 12, 13, 14: all at 1.05
        check(r, bills[14], 12 * 10 * BP * 1.05)
    fixed = make({"term_mix": {"annual_billed_monthly": 1.0}}, start_month="2025-01",
                 horizon_months=15, terms={"annual_billed_monthly_factor": 1.0})
    for r in run(fixed):
        # an explicit factor replaces the dated default
        check(r, r.col("billings")[14], 12 * 10 * BP * 1.0)


def test_prepay_discount_on_upfront_year() -> None:
    s = make({"term_mix": {"annual_upfront": 1.0}, "prepay_discount": 0.10})
    for r in run(s):
        # phase 0 renews in month 0: 1 customer x 10 seats x 22 x 12 months x (1 - 0.10)
        check(r, r.col("billings")[0], 1 * 10 * BP * 12 * (1 - 0.10))
        # all 12 phase cohorts recognize 10 x 22 x 0.90 a month
        check(r, r.col("revenue"), [12 * 10 * BP * (1 - 0.10)] * 12)
        # deferred: phase p has p months prepaid before the horizon, and keeps that level
        # (each month one cohort renews: +12 months, and 12 cohorts recognize one month each)
        check(r, r.col("deferred_revenue"), [sum(range(12)) * 10 * BP * (1 - 0.10)] * 12)
        # the partner pays Microsoft its price with no prepay discount: 12 x 10 x 22 x 0.80
        check(r, r.col("vendor_billings")[0], 1 * 10 * BP * 12 * (1 - 0.20))


def test_mid_term_addition_prorated_and_coterminated_without_prepay_discount() -> None:
    # 12 upfront customers of 100 seats (one per phase); users grow exactly 5% a month.
    s = make(
        {
            "term_mix": {"annual_upfront": 1.0},
            "prepay_discount": 0.10,
            "seats_per_customer": 100.0,
            "seat_growth_annual": growth_for_monthly(0.05),
        },
        horizon_months=2,
    )
    for r in run(s):
        # Month 0: every cohort adds 5 seats. Phase 0 renews with 105 seats and pays its year
        # with the prepay discount; phase p (1..11) pays the 5 added seats for the p months
        # left in its term (r = 12 - ((0 - p) mod 12) = p), without the prepay discount.
        expected_bill = 12 * 105 * BP * (1 - 0.10) + sum(5 * BP * p for p in range(1, 12))
        check(r, r.col("billings")[0], expected_bill)
        # Revenue: phase 0 recognizes 105 seats at the discounted price; phases 1..11 their
        # 100 start-of-term seats discounted plus the 5 added seats at the full price.
        expected_rev = 105 * BP * (1 - 0.10) + 11 * (100 * (1 - 0.10) + 5) * BP
        check(r, r.col("revenue")[0], expected_rev)
        # Vendor: 12 x 105 x 22 x 0.80 for phase 0, plus 5 x 22 x 0.80 x p months for p = 1..11
        expected_vendor = 12 * 105 * BP * 0.80 + sum(5 * BP * 0.80 * p for p in range(1, 12))
        check(r, r.col("vendor_billings")[0], expected_vendor)
        # Licence cost is recognized on the 105 committed seats of every cohort
        check(r, r.line("license_cost")[0], 12 * 105 * BP * 0.80)


def test_dated_price_change_reaches_customers_at_renewal_only() -> None:
    product = {
        "id": "own_suite",
        "list_price_per_seat_month": 10.0,
        "price_changes": [{"effective": "2026-03-01", "list_price_per_seat_month": 12.0}],
    }
    annual = make(
        {"term_mix": {"annual_billed_monthly": 1.0}, "product_mix": {"own_suite": 1.0}},
        products=[product],
        terms={"annual_billed_monthly_factor": 1.0},
        horizon_months=14,
    )
    for r in run(annual):
        bills = r.col("billings")
        check(r, bills[1], 12 * 10 * 10.0)  # 2026-02: all at the old price
        check(r, bills[2], 10 * (11 * 10.0 + 1 * 12.0))  # 2026-03: only phase 2 renews
        check(r, bills[5], 10 * (8 * 10.0 + 4 * 12.0))  # phases 2..5 renewed
        check(r, bills[13], 12 * 10 * 12.0)  # 2027-02: phases 0, 1 renewed in months 12, 13
    monthly = make({"product_mix": {"own_suite": 1.0}}, products=[product], horizon_months=3)
    for r in run(monthly):
        # a monthly term renews every month, so it takes the new price in 2026-03 at once
        check(r, r.col("billings"), [12 * 10 * 10.0 * 1.20, 12 * 10 * 10.0 * 1.20,
                                     12 * 10 * 12.0 * 1.20])


# --------------------------------------------------------------------------------------------
# Seats, policies, channel
# --------------------------------------------------------------------------------------------
def test_flexible_reduction_leaves_stranded_seats() -> None:
    # Users shrink exactly 10% a month (no volatility); annual term billed monthly at 1.00.
    seg = {
        "term_mix": {"annual_billed_monthly": 1.0},
        "seats_per_customer": 100.0,
        "seat_growth_annual": growth_for_monthly(-0.10),
        "contract_policy": "flexible",
    }
    s = make(seg, terms={"annual_billed_monthly_factor": 1.0}, horizon_months=2)
    for r in run(s):
        # Month 0: every cohort drops to 90 users. Phase 0 renews at 90 committed seats; phases
        # 1..11 stay committed at 100. The customer pays for its 90 users; the partner pays
        # Microsoft for the 10 seats it cannot drop in each of the 11 phases.
        check(r, r.col("billings")[0], 12 * 90 * BP)
        check(r, r.line("license_cost")[0], 12 * 90 * BP * 0.80)
        check(r, r.line("stranded_seats")[0], 11 * (100 - 90) * BP * 0.80)
        check(r, r.col("vendor_billings")[0], (1 * 90 + 11 * 100) * BP * 0.80)
        # Month 1: 81 users everywhere; phase 1 renews at 81; phase 0 stays committed at 90,
        # phases 2..11 at 100.
        check(r, r.line("stranded_seats")[1], ((90 - 81) + 10 * (100 - 81)) * BP * 0.80)
    mirror = make({**seg, "contract_policy": "mirror"}, terms={"annual_billed_monthly_factor": 1.0},
                  horizon_months=2)
    for r in run(mirror):
        # under mirror the customer stays bound to the committed seats: no stranded seats
        check(r, r.col("billings")[0], (1 * 90 + 11 * 100) * BP)
        check(r, r.line("stranded_seats")[0], 0.0)


def test_indirect_distributor_margin() -> None:
    s = make(channel={"partner_discount": 0.15, "indirect": {"distributor_margin": 0.05}})
    for r in run(s):
        base = 12 * 10 * BP * 1.20  # 120 monthly-term seats at list x 1.20
        check(r, r.line("distributor_margin")[0], base * 0.05)
        check(r, r.line("license_cost")[0], base * (1 - 0.15))
        check(r, r.col("vendor_billings")[0], base * (1 - 0.15 + 0.05))
        # the partner keeps the discount minus the distributor's share
        check(r, r.col("gross_profit")[0], base * (0.15 - 0.05))


def test_direct_vendor_support_plan_and_programme() -> None:
    s = make(
        channel={
            "model": "direct",
            "indirect": {"distributor_margin": 0.05},  # ignored on a direct channel
            "direct": {"provisioning_per_year": 12000.0, "portal_per_year": 2000.0,
                       "training_per_year": 4000.0, "compliance_per_year": 5000.0},
        },
        support={"vendor_plan": "advanced_support_for_partners"},
    )
    for r in run(s):
        check(r, r.line("vendor_support_plan"), [15000 / 12] * 12)  # 1,250 a month
        check(r, r.line("direct_programme"), [(12000 + 2000 + 4000 + 5000) / 12] * 12)
        check(r, r.line("distributor_margin"), [0.0] * 12)
        check(r, r.col("operating_costs"), [15000 / 12 + (12000 + 2000 + 4000 + 5000) / 12] * 12)
        # licence gross profit at the direct discount: 120 seats x 22 x 1.20 x 0.20
        check(r, r.col("gross_profit")[0], 12 * 10 * BP * 1.20 * 0.20)


def test_licence_gross_margin_equals_partner_discount() -> None:
    # Direct, sell at list, no prepay discount: whatever the term mix, growth and volatility,
    # licence gross margin is exactly the partner discount, every month.
    s = make(
        {
            "term_mix": {"monthly": 0.2, "annual_billed_monthly": 0.5, "annual_upfront": 0.3},
            "new_customers_per_month": 1.0,
            "churn_annual": 0.10,
            "seat_growth_annual": 0.05,
            "seat_volatility_annual": 0.10,
        },
        channel={"model": "direct", "partner_discount": 0.20},
        support={"vendor_plan": "advanced_support_for_partners"},
        start_month="2025-01",
        horizon_months=24,
    )
    for r in run(s):
        resale = r.line("license_resale")
        cost = r.line("license_cost")
        check(r, [1 - c / v for c, v in zip(cost, resale, strict=True)], [0.20] * 24)


# --------------------------------------------------------------------------------------------
# Support
# --------------------------------------------------------------------------------------------
def test_247_floor_dominates_at_low_volume() -> None:
    tier = {"price_per_seat_month": 35.0, "tickets_per_seat_month": 0.5,
            "minutes_per_ticket": 20.0, "escalation_rate": 0.0, "coverage": "24x7"}
    s = make({"support_tier": "p247"},
             support={"tiers": {"p247": tier}, "labor_rate_per_hour": 46.0,
                      "utilization": 1.0, "staff_on_shift_247": 1.0})
    for r in run(s):
        # 120 seats x 0.5 tickets x 20 minutes / 60 = 20 hours of tickets a month
        check(r, r.line("support_labor")[0], 120 * 0.5 * 20 / 60 * 46.0)
        # floor: 168 h a week x 52/12 weeks a month = 728 h; the floor pays the difference
        check(r, r.line("support_247_floor")[0], (168 * 52 / 12 - 120 * 0.5 * 20 / 60) * 46.0)
        check(r, r.line("support_labor")[0] + r.line("support_247_floor")[0],
              168 * 52 / 12 * 46.0)
        check(r, r.line("support_plans")[0], 120 * 35.0)
    busy = make({"support_tier": "p247", "seats_per_customer": 1000.0},
                support={"tiers": {"p247": tier}, "labor_rate_per_hour": 46.0,
                         "utilization": 1.0, "staff_on_shift_247": 1.0})
    for r in run(busy):
        # 12,000 seats x 0.5 x 20 / 60 = 2,000 hours > 728: no floor cost
        check(r, r.line("support_247_floor")[0], 0.0)
        check(r, r.line("support_labor")[0], 12000 * 0.5 * 20 / 60 * 46.0)


def test_unsold_247_tier_has_no_floor() -> None:
    # docs/engine.md section 5: only a 24x7 tier sold to at least one segment needs someone on
    # shift; here the segment buys "none", so the p247 tier costs nothing.
    tiers = {"none": {"price_per_seat_month": 0.0, "tickets_per_seat_month": 0.0},
             "p247": {"price_per_seat_month": 35.0, "coverage": "24x7"}}
    s = make(support={"tiers": tiers, "labor_rate_per_hour": 46.0, "staff_on_shift_247": 1.0})
    for r in run(s):
        check(r, r.line("support_247_floor"), [0.0] * 12)
    sold = make({"support_tier": "p247", "customers_at_start": 1, "seats_per_customer": 1},
                support={"tiers": tiers, "labor_rate_per_hour": 46.0,
                         "staff_on_shift_247": 1.0})
    for r in run(sold):
        # one seat: 0.5 tickets x (20 min + 10% escalated x 40 min) / 60 / utilization 1.0
        # = 0.2 h of work; the floor is 168 x 52 / 12 = 728 h a month, so the top-up is
        # (728 - 0.2) x 46
        check(r, r.line("support_247_floor")[0],
              (168 * 52 / 12 - 0.5 * (20 + 0.10 * 40) / 60 / 1.0) * 46.0)


def test_support_labor_and_escalation_fees() -> None:
    tier = {"price_per_seat_month": 15.0, "tickets_per_seat_month": 0.5,
            "minutes_per_ticket": 20.0, "escalation_rate": 0.10, "escalation_minutes": 40.0}
    s = make({"support_tier": "std"},
             support={"tiers": {"std": tier}, "labor_rate_per_hour": 46.0, "utilization": 0.70},
             channel={"indirect": {"escalation_fee_per_ticket": 25.0}})
    for r in run(s):
        tickets = 120 * 0.5
        hours = (tickets * 20.0 + tickets * 0.10 * 40.0) / 60 / 0.70
        check(r, r.line("support_labor")[0], hours * 46.0)
        check(r, r.line("escalation_fees")[0], tickets * 0.10 * 25.0)
        check(r, r.line("support_plans")[0], 120 * 15.0)


# --------------------------------------------------------------------------------------------
# Operating costs
# --------------------------------------------------------------------------------------------
def test_card_fees_monthly_twelve_charges_annual_one() -> None:
    costs = {"card_fee_per_charge": 0.30, "accounting_per_invoice": 1.5}
    monthly = make({"customers_at_start": 1.0}, costs=costs)
    upfront = make({"customers_at_start": 1.0, "term_mix": {"annual_upfront": 1.0}}, costs=costs)
    for rm, ru in zip(run(monthly), run(upfront), strict=True):
        # one monthly customer: 12 charges a year; one upfront customer: 1 charge a year
        # (1/12 of it in each phase, one phase renewing each month)
        check(rm, sum(rm.line("card_processing")), 12 * 0.30)
        check(ru, sum(ru.line("card_processing")), 1 * 0.30)
        check(rm, sum(rm.line("accounting")), 12 * 1.5)
        check(ru, sum(ru.line("accounting")), 1 * 1.5)
    with_rate = make({"customers_at_start": 1.0},
                     costs={"card_fee_rate": 0.029, "card_fee_per_charge": 0.30})
    for r in run(with_rate):
        # 10 seats x 22 x 1.20 charged once a month
        check(r, r.line("card_processing")[0], 0.029 * 10 * BP * 1.20 + 0.30 * 1)


def test_ach_fee_cap_and_additions_without_a_charge() -> None:
    costs = {"ach_fee_rate": 0.008, "ach_fee_cap": 5.0}
    monthly = make({"customers_at_start": 1.0, "payment_mix": {"ach": 1.0}}, costs=costs)
    upfront = make({"customers_at_start": 1.0, "payment_mix": {"ach": 1.0},
                    "term_mix": {"annual_upfront": 1.0}}, costs=costs)
    for rm, ru in zip(run(monthly), run(upfront), strict=True):
        # monthly: 0.8% of 10 x 22 x 1.20 = 2.112 per charge, under the cap, 12 charges
        check(rm, sum(rm.line("ach_fees")), 12 * 0.008 * 10 * BP * 1.20)
        # upfront: 0.8% of 10 x 22 x 12 = 21.12 per charge, capped at 5, one charge a year
        check(ru, sum(ru.line("ach_fees")), 1 * 5.0)
    growing = make({"payment_mix": {"ach": 1.0}, "term_mix": {"annual_upfront": 1.0},
                    "seats_per_customer": 100.0, "seat_growth_annual": growth_for_monthly(0.05)},
                   costs=costs, horizon_months=1)
    for r in run(growing):
        # Month 0: phase 0 renews: one charge of 12 x 105 x 22 (0.8% of it is over the cap: 5).
        # Phases 1..11 are billed their 5 added seats for p months with no charge: rate only.
        check(r, r.line("ach_fees")[0], 5.0 + 0.008 * sum(5 * BP * p for p in range(1, 12)))


def test_license_admin_commissions_services_acquisition() -> None:
    s = make(
        {"seats_per_customer": 100.0, "seat_growth_annual": growth_for_monthly(0.05),
         "addons": {"m365_copilot": 0.5}, "new_customers_per_month": 2.0},
        costs={"license_admin_per_seat_change": 2.0, "commission_rate": 0.03,
               "acquisition_cost_per_customer": 1500.0},
        services={"onboarding_price_per_customer": 1000.0, "onboarding_cost_per_customer": 600.0,
                  "deployment_price_per_seat": 50.0, "deployment_cost_per_seat": 30.0},
        horizon_months=1,
    )
    for r in run(s):
        # Month 0: 12 customers add 5 users each (60) and 2 new customers bring 2 x 100 users;
        # every user takes Business Premium (1) and Copilot at 0.5: 1.5 licences per user.
        check(r, r.line("license_admin")[0], (12 * 5 + 2 * 100) * 1.5 * 2.0)
        # licences: (12 x 105 + 2 x 100) users on BP at 22 and half of them on Copilot at 30
        seats = 12 * 105 + 2 * 100
        check(r, r.line("license_resale", product="m365_business_premium")[0],
              seats * BP * 1.20)
        check(r, r.line("license_resale", product="m365_copilot")[0], seats * 0.5 * 30.0 * 1.20)
        check(r, r.line("commissions")[0], 0.03 * seats * (BP + 0.5 * 30.0) * 1.20)
        check(r, r.line("services")[0], 2 * (1000.0 + 100 * 50.0))
        check(r, r.line("services_cost")[0], 2 * (600.0 + 100 * 30.0))
        check(r, r.line("acquisition")[0], 2 * 1500.0)


def test_bad_debt() -> None:
    s = make(costs={"bad_debt_rate": 0.01})
    for r in run(s):
        billed = 12 * 10 * BP * 1.20
        check(r, r.line("bad_debt"), [0.01 * billed] * 12)
        check(r, r.col("bad_debt"), [0.01 * billed] * 12)
        check(r, r.col("cash_in"), [billed * (1 - 0.01)] * 12)  # card: collected at once
        check(r, r.col("receivables"), [0.0] * 12)
        check(r, r.col("operating_costs"), [0.01 * billed] * 12)


# --------------------------------------------------------------------------------------------
# Deferred revenue and cash
# --------------------------------------------------------------------------------------------
def test_deferred_revenue_of_one_prepaid_year() -> None:
    # One new upfront customer a month (10 seats), none at the start, and every customer
    # leaves at its first renewal (churn_annual 1.0), so each prepays exactly one year. Each
    # pays 12 months (12x) when it joins and recognizes x a month: 11x, 10x, ..., 0 left at
    # the end of its months 0..11. The balance is the sum over the customers in their year.
    s = make({"customers_at_start": 0.0, "new_customers_per_month": 1.0, "churn_annual": 1.0,
              "term_mix": {"annual_upfront": 1.0}}, horizon_months=24)
    x = 10 * BP
    for r in run(s):
        check(r, r.col("billings"), [12 * x] * 24)
        expected = [x * sum(11 - k for k in range(min(m, 11) + 1)) for m in range(24)]
        check(r, r.col("deferred_revenue"), expected)
        # month by month the balance grows by what the newest cohort has left: 11x, 10x, ...
        deferred = r.col("deferred_revenue")
        steps = [deferred[0]] + [deferred[m] - deferred[m - 1] for m in range(1, 24)]
        check(r, steps, [(11 - m) * x if m < 12 else 0.0 for m in range(24)])


def test_dso_and_dpo_cash_lags() -> None:
    # A book that exists at the start has its last month's invoices and vendor bill open, and
    # settles both in month 0 whatever the terms under test (section 7: the opening balances do
    # not depend on DSO or DPO). The terms apply to what is billed from month 0 on.
    s = make(
        {"payment_mix": {"invoice": 1.0}},
        billing={"dso_days": 45},  # 1.5 months: half in m+1, half in m+2
        channel={"model": "direct", "dpo_days": None},  # direct default: 60 days
        support={"vendor_plan": "advanced_support_for_partners",
                 "vendor_plan_cost_per_year": 0.0},
        horizon_months=4,
    )
    billed = 12 * 10 * BP * 1.20
    vendor = billed * (1 - 0.20)
    for r in run(s):
        # month 0 collects month -1's invoices; month 1 the first half of month 0's; from
        # month 2 on half of two months' invoices: 1 x billed
        check(r, r.col("cash_in"), [billed, 0.5 * billed, billed, billed])
        # one month open at the start, then 1.5 months of invoices outstanding
        check(r, r.col("receivables"), [billed, 1.5 * billed, 1.5 * billed, 1.5 * billed])
        # month 0 pays month -1's vendor bill; month 0's is paid in month 2, month 1's in 3
        check(r, r.col("cash_out"), [vendor, 0.0, vendor, vendor])
        check(r, r.col("payables"), [vendor, 2 * vendor, 2 * vendor, 2 * vendor])
        check(r, r.col("cumulative_cash"), [billed - vendor, 1.5 * billed - vendor,
                                            2.5 * billed - 2 * vendor,
                                            3.5 * billed - 3 * vendor])
    # A new business: nobody at the start, 12 customers of 10 seats join every month, so month
    # m bills (m + 1) x billed and nothing was outstanding before the start.
    new = make({"payment_mix": {"invoice": 1.0}, "customers_at_start": 0,
                "new_customers_per_month": 12},
               billing={"dso_days": 45}, channel={"model": "direct", "dpo_days": None},
               support={"vendor_plan": "advanced_support_for_partners",
                        "vendor_plan_cost_per_year": 0.0},
               horizon_months=4)
    for r in run(new):
        check(r, r.col("billings"), [1 * billed, 2 * billed, 3 * billed, 4 * billed])
        # cash in m = 0.5 x billing(m - 1) + 0.5 x billing(m - 2)
        check(r, r.col("cash_in"), [0.0, 0.5 * billed, 0.5 * 2 * billed + 0.5 * billed,
                                    0.5 * 3 * billed + 0.5 * 2 * billed])
        # cash out m = vendor billing(m - 2)
        check(r, r.col("cash_out"), [0.0, 0.0, vendor, 2 * vendor])
        check(r, r.col("receivables"), [billed, 3 * billed - 0.5 * billed,
                                        6 * billed - 2.0 * billed, 10 * billed - 4.5 * billed])
        check(r, r.col("payables"), [vendor, 3 * vendor, 6 * vendor - vendor,
                                     10 * vendor - 3 * vendor])
    split = make({"payment_mix": {"card": 0.5, "invoice": 0.5}}, billing={"dso_days": 30},
                 channel={"dpo_days": None}, horizon_months=3)  # indirect default: 30 days
    for r in run(split):
        # steady state: the card half at once, the invoice half of the month before
        check(r, r.col("cash_in"), [billed, billed, billed])
        check(r, r.col("cash_out"), [vendor, vendor, vendor])
        check(r, r.col("receivables"), [0.5 * billed] * 3)


def test_npv_and_break_even() -> None:
    # A new business: nobody at the start, 12 customers of 10 seats join in every month;
    # invoices collected after 60 days, the vendor paid at once (the base has dpo_days 0).
    s = make({"payment_mix": {"invoice": 1.0}, "customers_at_start": 0,
              "new_customers_per_month": 12},
             billing={"dso_days": 60}, discount_rate_annual=0.10, horizon_months=6)
    billed = 12 * 10 * BP * 1.20  # what one month's joiners bill each month
    vendor = billed * 0.80
    # month m bills (m + 1) x billed; cash in = billing(m - 2); cash out = vendor billing(m)
    net = [(m - 1) * billed * (m >= 2) - (m + 1) * vendor for m in range(6)]
    for r in run(s):
        check(r, r.col("net_cash"), net)
        if r.metrics:
            check(r, r.metric("npv"),
                  sum(c / 1.10 ** ((m + 1) / 12) for m, c in enumerate(net)))
            # cumulative: -0.8b, -2.4b, -3.8b, ... never back above 0
            assert math.isnan(r.metric("break_even_month")), r.name
            check(r, r.metric("cash_trough"), min(sum(net[: m + 1]) for m in range(6)))
    longer = make({"payment_mix": {"invoice": 1.0}, "customers_at_start": 0,
                   "new_customers_per_month": 12},
                  billing={"dso_days": 60}, channel={"partner_discount": 0.50},
                  horizon_months=12)
    for r in run(longer):
        # net cash in month m = (m - 1) b [m >= 2] - 0.5 (m + 1) b; cumulative after month m
        # = b x ((m - 1) m / 2 - (m + 1)(m + 2) / 4) = b x (m^2 - 5m - 2) / 4:
        # negative up to m = 5, positive from m = 6 (0-based): break-even month number 7
        cum = r.col("cumulative_cash")
        for m in range(12):
            check(r, cum[m], billed * (m * m - 5 * m - 2) / 4)
        if r.metrics:
            check(r, r.metric("break_even_month"), 7.0)


def test_the_book_at_the_start_and_new_customers_have_their_own_seats() -> None:
    """Issue 17, item 1: 10 customers of 20 users at the start, each new customer 8 users."""
    s = cspmodel.load_scenario_text(
        "name: seats\nhorizon_months: 3\nsegments:\n- name: A\n  customers_at_start: 10\n"
        "  new_customers_per_month: 1\n  churn_annual: 0\n  seat_growth_annual: 0\n"
        "  seat_volatility_annual: 0\n  seats_per_customer: 8\n"
        "  seats_per_customer_at_start: 20\n  product_mix: {m365_business_basic: 1}\n"
        "  term_mix: {monthly: 1}\n")
    seats = cspmodel.simulate(s).monthly["seats"].tolist()
    assert seats == pytest.approx([208.0, 216.0, 224.0])  # 200 at the start, + 8 a month
    plain = s.with_overrides({"segments.0.seats_per_customer_at_start": None})
    assert cspmodel.simulate(plain).monthly["seats"].tolist() == pytest.approx(
        [88.0, 96.0, 104.0])  # empty: the book at the start has the new customers' 8
