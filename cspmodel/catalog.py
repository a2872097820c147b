"""The catalog: every default figure of the model, each with its source.

One place for every number a partner did not type: list prices with the date they took effect,
term price factors, programme thresholds, support-plan prices, card fees, ticket benchmarks.
A scenario overrides any of them. Figures without a public source are marked ``UNSOURCED`` and
carry ``confidence="assumption"``: they are placeholders a partner should replace with its own.

Sources follow ``../shared/docs/model.md`` and ``csp-facts.md``: ``[MS]`` is Microsoft's Partner
Center documentation, ``[3P]`` a third party.

Example:
    >>> from cspmodel.catalog import FACTS, PRODUCTS
    >>> FACTS["monthly_term_factor"].value
    1.2
    >>> PRODUCTS["m365_business_premium"].price_on("2026-08-01")
    22.0
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Confidence = Literal["sourced", "illustrative", "assumption", "stale"]


@dataclass(frozen=True)
class Fact:
    """One default figure with where it comes from.

    Example:
        >>> Fact(0.029, "Stripe public pricing").value
        0.029
    """

    value: float | int | str | None
    source: str
    as_of: str = ""
    confidence: Confidence = "sourced"
    note: str = ""


@dataclass(frozen=True)
class PricePoint:
    """A list price (USD per seat per month, annual term, ERP) from a date on."""

    effective: dt.date
    price: float


@dataclass(frozen=True)
class Product:
    """A catalog product: its name, dated list prices and the terms Microsoft offers.

    Example:
        >>> PRODUCTS["m365_business_basic"].price_on("2026-06-30")
        6.0
        >>> PRODUCTS["m365_business_basic"].price_on("2026-07-01")
        7.0
    """

    id: str
    name: str
    prices: tuple[PricePoint, ...]
    source: str
    terms: tuple[str, ...] = ("monthly", "annual")
    kind: Literal["base", "addon"] = "base"
    note: str = ""

    def price_on(self, when: dt.date | str) -> float:
        """The list price in effect on a date (the latest price point on or before it)."""
        day = dt.date.fromisoformat(when) if isinstance(when, str) else when
        current = self.prices[0].price
        for point in self.prices:
            if point.effective <= day:
                current = point.price
        return float(current)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


_EARLY = _d("2000-01-01")

FACTS: dict[str, Fact] = {
    # --- terms and billing (csp-facts section 1) ---------------------------------------------
    "monthly_term_factor": Fact(
        1.20,
        "[3P] NCE operating guide as quoted by partners (interstellarng.com; spiretech.com: "
        "Business Premium $22 annual vs $26.40 monthly)",
        "2022",
    ),
    "annual_billed_monthly_factor": Fact(
        1.05,
        "[3P] Microsoft pricing update of April 2025 as reported by licensing advisers "
        "(redresscompliance.com; riverflowsbv.com); 1.00 before 2025-04-01 (cppassociates.com)",
        "2025-04-01",
    ),
    "annual_billed_monthly_factor_from": Fact(
        "2025-04-01", "[3P] redresscompliance.com, riverflowsbv.com", "2025-04-01"
    ),
    "annual_upfront_factor": Fact(1.00, "[MS] pricing-and-offers.md: the annual list price"),
    "extended_service_from": Fact(
        "2026-05-04", "[MS] model.md, facts of late 2026: the extended service term of new "
        "commerce licence-based subscriptions", "2026-05-04"),
    "extended_service_uplift": Fact(
        0.03, "[MS] model.md, facts of late 2026: month to month at the monthly price + 3%",
        "2026-05-04"),
    "extended_service_factor_no_monthly": Fact(
        1.23, "[MS] model.md, facts of late 2026: up to + 23% on the annual price where the "
        "product has no monthly plan (the most, taken as the figure)", "2026-05-04"),
    # --- channel (csp-facts sections 3 and 4) ---------------------------------------------------
    "partner_discount": Fact(
        0.20,
        "[3P] work365apps.com 'The Math behind it all' (2020): direct partner 20% of ERP; "
        "Microsoft defines margin as ERP - partner price but does not publish it",
        "2020",
        "illustrative",
    ),
    "distributor_margin": Fact(
        0.05,
        "[3P] work365apps.com (2020): indirect reseller 15% vs direct 20% of ERP, so the "
        "distributor keeps about 5 points; the exact share is UNSOURCED",
        "2020",
        "illustrative",
    ),
    "dpo_days_direct": Fact(60, "[MS] billing-basics.md: direct partners pay net 60", "2023"),
    "dpo_days_indirect": Fact(
        30, "UNSOURCED: distributor credit terms, typically net 30", "", "assumption"
    ),
    "direct_bill_min_ttm_revenue": Fact(
        1_000_000,
        "[MS-web] CSP requirements page, FY26: USD 1M trailing-12-month billed revenue from "
        "2025-10-01 (USD 300,000 from 2020-10 / 2021-01, [MS] direct-partner-new-requirements.md)",
        "2025-10-01",
    ),
    "direct_bill_min_ttm_revenue_before_fy26": Fact(
        300_000, "[MS] direct-partner-new-requirements.md", "2020-10-27"
    ),
    "indirect_reseller_min_ttm_revenue": Fact(
        1_000,
        "[MS] new-indirect-reseller-requirement.md: USD 1,000 trailing 12 months per tenant",
        "2024-04-01",
    ),
    "direct_provisioning_per_year": Fact(
        12_000, "[3P] work365apps.com (2020): provisioning 12k/yr", "2020", "illustrative"
    ),
    "direct_portal_per_year": Fact(
        2_000, "[3P] work365apps.com (2020): self-service portal 2k/yr", "2020", "illustrative"
    ),
    "direct_training_per_year": Fact(
        4_000, "[3P] work365apps.com (2020): training 4k/yr", "2020", "illustrative"
    ),
    "direct_billing_platform_per_year": Fact(
        0,
        "[3P] work365apps.com (2020) counts ticketing/billing (25k) for both channels; it sits "
        "in costs.systems_per_year, so direct adds nothing here by default",
        "2020",
        "illustrative",
    ),
    "direct_compliance_per_year": Fact(
        5_000,
        "UNSOURCED: annual reassessment, security score and credit checks of FY26 direct bill",
        "",
        "assumption",
    ),
    # --- vendor support plans (csp-facts section 4) --------------------------------------------
    "advanced_support_for_partners_per_year": Fact(
        15_000,
        "[3P] rcpmag.com (May 2018); channelpronetwork.com; work365apps.com (2020). Last "
        "sourced price: stale",
        "2018",
        "stale",
    ),
    "premier_support_for_partners_per_year": Fact(
        30_000,
        "[3P] keenondots.com (EUR 30,000, 2018); the seeds' 'Premier $30,000'. Stale",
        "2018",
        "stale",
    ),
    # --- cost of service (csp-facts section 6, seed 004) --------------------------------------
    "card_fee_rate": Fact(0.029, "[3P] Stripe public pricing: 2.9% + $0.30 per charge"),
    "card_fee_per_charge": Fact(0.30, "[3P] Stripe public pricing: 2.9% + $0.30 per charge"),
    "ach_fee_rate": Fact(0.008, "[3P] Stripe public pricing: ACH 0.8% capped at $5"),
    "ach_fee_cap": Fact(5.0, "[3P] Stripe public pricing: ACH 0.8% capped at $5"),
    "dso_days": Fact(
        30,
        "model.md: an annual invoice is collected in 15 to 30 days (partners' billing practice)",
        "",
        "illustrative",
    ),
    "systems_per_year": Fact(
        25_000,
        "[3P] work365apps.com (2020): ticketing/billing 25k/yr, both channels",
        "2020",
        "illustrative",
    ),
    "systems_per_seat_month": Fact(
        0.0,
        "[3P] mspbuilder.com: RMM/AV tooling ~$250-400 per agent-year for managed seats; 0 by "
        "default because resale-only seats need none",
        "",
        "assumption",
    ),
    "license_admin_per_seat_change": Fact(
        2.0, "UNSOURCED: a few minutes of admin per seat change", "", "assumption"
    ),
    "accounting_per_invoice": Fact(
        1.5, "UNSOURCED: invoicing and reconciliation time per invoice", "", "assumption"
    ),
    "accounting_per_month": Fact(
        500.0, "UNSOURCED: monthly close, vendor-bill reconciliation", "", "assumption"
    ),
    "compliance_per_year": Fact(
        2_000.0, "UNSOURCED: PCI self-assessment and tooling for card payments", "", "assumption"
    ),
    "commission_rate": Fact(
        0.03,
        "UNSOURCED: flat sales commission on recurring revenue until commission plans refine it",
        "",
        "assumption",
    ),
    "acquisition_cost_per_customer": Fact(
        1_500.0, "UNSOURCED: marketing and pre-sales cost per new customer", "", "assumption"
    ),
    "bad_debt_rate": Fact(
        0.005,
        "UNSOURCED: share of billings never collected; the partner carries the credit risk "
        "([MS] create-a-new-subscription.md)",
        "",
        "assumption",
    ),
    # --- support (csp-facts section 6) ------------------------------------------------------
    "tickets_per_seat_month": Fact(
        0.5,
        "[3P] ecs.rocks: about one ticket per user every two months (low confidence)",
        "",
        "illustrative",
    ),
    "tickets_per_seat_month_included": Fact(
        0.05,
        "UNSOURCED: licensing and billing questions only, for resale without a support plan",
        "",
        "assumption",
    ),
    "minutes_per_ticket": Fact(
        20.0,
        "UNSOURCED: level-1 handling time, chosen so that a ticket costs ~$22 at the default "
        "labor rate and utilization (ghdsi.com / MetricNet: ~$22 per L1 ticket)",
        "",
        "assumption",
    ),
    "labor_rate_per_hour": Fact(
        46.0,
        "Derived: $22 per L1 ticket (ghdsi.com citing MetricNet) = 20 min / 60 / 0.70 x $46.2",
        "2014",
        "illustrative",
    ),
    "utilization": Fact(
        0.70, "UNSOURCED: share of paid hours spent on tickets", "", "assumption"
    ),
    "escalation_rate": Fact(
        0.10, "UNSOURCED: share of tickets escalated beyond level 1", "", "assumption"
    ),
    "escalation_minutes": Fact(
        40.0,
        "[3P] ghdsi.com: ticket cost triples with each escalation, so an escalated ticket takes "
        "about twice the level-1 minutes more",
        "",
        "illustrative",
    ),
    "hours_per_week_247": Fact(168, "model.md: a 24/7 tier covers 168 hours a week"),
    "weeks_per_month": Fact(52 / 12, "calendar: 52 weeks / 12 months"),
    "standard_support_price_per_seat_month": Fact(
        15.0, "UNSOURCED: a basic per-user helpdesk plan", "", "assumption"
    ),
    "premium_support_price_per_seat_month": Fact(
        35.0, "UNSOURCED: a 24/7 per-user support plan", "", "assumption"
    ),
    # --- services ---------------------------------------------------------------------------
    "onboarding_price_per_customer": Fact(
        1_000.0, "UNSOURCED: fixed-fee onboarding project", "", "assumption"
    ),
    "onboarding_cost_per_customer": Fact(
        600.0,
        "UNSOURCED: delivery cost at ~40% project margin ([3P] MSP services margins 40-60%)",
        "",
        "assumption",
    ),
    # --- finance ----------------------------------------------------------------------------
    "discount_rate_annual": Fact(
        0.10, "UNSOURCED: a small firm's cost of capital", "", "assumption"
    ),
    "pec_rate": Fact(0.15, "[MS] azure-plan-billing.md: 15% partner-earned credit", "2023"),
    "reservation_discount_max": Fact(
        0.72, "seed 004: 'Azure Reserved Instances: Get 72% price savings when purchasing VMs "
        "upfront for one or three years'; model.md: reservations save up to 72% against "
        "pay-as-you-go (the most, for a three-year term)"),
    "cpor_min_paid_units": Fact(
        150,
        "[MS-web] partner feedback portal, Microsoft response 2021-09-08: 150 paid available "
        "units per workload (the seeds' '300 seats' is UNSOURCED)",
        "2021-09-08",
    ),
    # --- partner of record (csp-facts section 5); rates are not published in our sources -----
    "cpor_opt_out_business_days": Fact(
        5, "[MS] incentives-customer-associations-intro.md: the customer has 5 business days "
        "to opt out of a CPOR claim", "2023"),
    "usage_incentive_per_unit": Fact(
        5.0, "UNSOURCED: CPOR usage incentives pay per compensable unit on a rate card "
        "([MS-web] learn.microsoft.com earnings/modern-work-and-security) but the rates are "
        "not in our sources; a placeholder per active unit, once per engagement", "",
        "assumption"),
    "usage_incentive_max_units": Fact(
        10_000, "UNSOURCED: the rate card caps compensable units ([MS-web] earnings/"
        "modern-work-and-security); the cap itself is not in our sources", "", "assumption"),
    "dpor_incentive_rate": Fact(
        0.03, "UNSOURCED: DPOR counts toward some incentives on EA online subscriptions "
        "([MS] link-partner-id-for-azure-performance-pal-dpor.md); no rate is published in "
        "our sources; share of licence revenue", "", "assumption"),
    "pal_incentive_rate": Fact(
        0.02, "UNSOURCED: PAL attributes Azure consumption to the linked partner ([MS] "
        "link-partner-id-for-azure-performance-pal-dpor.md); no incentive rate in our "
        "sources; share of consumption", "", "assumption"),
    "recognition_claimants_per_workload": Fact(
        1, "[MS] incentives-customer-associations-intro.md: one CPOR per workload, several "
        "partners per customer", "2023"),
}

_PRICES_2026 = "[3P] 2026-07-01 price update (lasvegasitservices.com; servola.de; npifinancial.com)"

PRODUCTS: dict[str, Product] = {
    p.id: p
    for p in [
        Product(
            "m365_business_basic",
            "Microsoft 365 Business Basic",
            (PricePoint(_EARLY, 5.0), PricePoint(_d("2022-03-01"), 6.0),
             PricePoint(_d("2026-07-01"), 7.0)),
            "[3P] vpls.com (2022); " + _PRICES_2026,
        ),
        Product(
            "m365_business_standard",
            "Microsoft 365 Business Standard",
            (PricePoint(_EARLY, 12.5), PricePoint(_d("2026-07-01"), 14.0)),
            _PRICES_2026,
        ),
        Product(
            "m365_business_premium",
            "Microsoft 365 Business Premium",
            (PricePoint(_EARLY, 20.0), PricePoint(_d("2022-03-01"), 22.0)),
            "[3P] vpls.com (2022); unchanged in the 2026 update (lasvegasitservices.com)",
        ),
        Product(
            "o365_e3",
            "Office 365 E3",
            (PricePoint(_EARLY, 20.0), PricePoint(_d("2022-03-01"), 23.0),
             PricePoint(_d("2026-07-01"), 26.0)),
            "[3P] vpls.com (2022); servola.de (2026)",
        ),
        Product(
            "m365_e3",
            "Microsoft 365 E3",
            (PricePoint(_EARLY, 32.0), PricePoint(_d("2022-03-01"), 36.0),
             PricePoint(_d("2026-07-01"), 39.0)),
            "[3P] vpls.com (2022); npifinancial.com (2026)",
            terms=("monthly", "annual", "triennial"),  # P3Y: model.md, late-2026 facts
        ),
        Product(
            "m365_e5",
            "Microsoft 365 E5",
            (PricePoint(_EARLY, 57.0), PricePoint(_d("2026-07-01"), 60.0)),
            "[3P] seatmapai.online; npifinancial.com (2026)",
            terms=("monthly", "annual", "triennial"),  # P3Y: model.md, late-2026 facts
        ),
        Product(
            "d365_sales_enterprise",
            "Dynamics 365 Sales Enterprise",
            (PricePoint(_EARLY, 95.0), PricePoint(_d("2024-10-01"), 105.0)),
            "[3P] thenegotiationexperts.com; microsoftnegotiations.com (Oct 2024 update)",
            terms=("monthly", "annual", "triennial"),  # P3Y: model.md, late-2026 facts
        ),
        Product(
            "d365_sales_professional",
            "Dynamics 365 Sales Professional",
            (PricePoint(_EARLY, 65.0),),
            "[3P] thenegotiationexperts.com",
            terms=("monthly", "annual", "triennial"),  # P3Y: model.md, late-2026 facts
        ),
        Product(
            "m365_copilot",
            "Microsoft 365 Copilot",
            (PricePoint(_EARLY, 30.0),),
            "[3P] redresscompliance.com (2024-)",
            kind="addon",
        ),
        Product(
            "entra_id_p1",
            "Microsoft Entra ID P1",
            (PricePoint(_EARLY, 6.0),),
            "[3P] thenegotiationexperts.com; samexpert.com",
            kind="addon",
        ),
        Product(
            "intune_p1",
            "Microsoft Intune Plan 1",
            (PricePoint(_EARLY, 8.0),),
            "[3P] admodumcompliance.com (about $8); annual term only ([MS] "
            "new-commerce-license-based.md)",
            terms=("annual",),
            kind="addon",
        ),
    ]
}

VENDOR_PLANS: dict[str, str] = {
    "advanced_support_for_partners": "advanced_support_for_partners_per_year",
    "premier_support_for_partners": "premier_support_for_partners_per_year",
}


def value(key: str) -> float:
    """The default value of a catalog figure, as a float.

    Example:
        >>> value("card_fee_rate")
        0.029
    """
    return float(FACTS[key].value)  # type: ignore[arg-type]


def direct_bill_threshold_on(when: dt.date) -> float:
    """Microsoft's direct-bill revenue threshold in force on a date (USD, trailing 12 months).

    Example:
        >>> direct_bill_threshold_on(dt.date(2026, 1, 1))
        1000000.0
    """
    if when >= _d("2025-10-01"):
        return value("direct_bill_min_ttm_revenue")
    return value("direct_bill_min_ttm_revenue_before_fy26")


def annual_billed_monthly_factor_on(when: dt.date) -> float:
    """The annual-term-billed-monthly price factor on a date: 1.05 from 2025-04-01, else 1.00.

    Example:
        >>> annual_billed_monthly_factor_on(dt.date(2025, 3, 31))
        1.0
    """
    start = _d(str(FACTS["annual_billed_monthly_factor_from"].value))
    return value("annual_billed_monthly_factor") if when >= start else 1.0


__all__ = [
    "FACTS",
    "PRODUCTS",
    "VENDOR_PLANS",
    "Fact",
    "PricePoint",
    "Product",
    "annual_billed_monthly_factor_on",
    "direct_bill_threshold_on",
    "value",
]
