"""The engine's inputs: every number of a scenario as arrays with a leading paths axis.

:func:`build_inputs` turns a validated scenario into drivers (per segment ``(P, S)``, per
company ``(P, 1)``), the products' shares per user, the cohort layout of the terms in use and
the prices each cohort has locked. The uncertainty layer replaces drivers with draws, one per
path.

Example (which terms does a small MSP's run carry?):
    >>> from cspmodel.io import load_scenario_text
    >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
    ...     "  product_mix: {m365_business_basic: 1}\\n")
    >>> build_inputs(s).layout.terms
    ('monthly', 'annual_billed_monthly', 'annual_upfront')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .opening import BookArrays, book_arrays, terms_in_book
from .pricing import locked_prices
from .schema import Scenario
from .terms import TERM_KEYS, Layout, layout


@dataclass
class Inputs:
    """Every number the core needs, as arrays with a leading paths axis.

    Per-segment drivers have shape ``(P, S)``; company drivers ``(P, 1)``. The uncertainty
    layer replaces any of them with draws, one per path.
    """

    scenario: Scenario
    segments: list[str]
    products: list[str]
    share: np.ndarray  # (S, K) licences of product k per user of segment s
    layout: Layout  # the terms in use and the cohort axis
    locked: np.ndarray  # (T, K, Q, H) list price x term factor locked by cohort q in month m
    locked_before: np.ndarray  # (T, K, Q) the same in the month before the start
    drivers: dict[str, np.ndarray]
    tier_index: np.ndarray  # (S,) index of the segment's support tier among the 24x7 tiers, -1
    n_247: int
    is_direct: bool
    flexible: np.ndarray  # (S,) bool
    horizon: int
    partner_discount: np.ndarray  # (K,)
    book: BookArrays | None = None  # the opening book, subscription by subscription
    azure_season: np.ndarray | None = None  # (S, 12) consumption factors, January first
    azure_smoothing: np.ndarray | None = None  # (S,) months between true-ups, 0: none
    financing_months: np.ndarray | None = None  # (S,) months a financed price is repaid over
    azure_z: np.ndarray | None = None  # (P, S, H) standard normal draws of usage, or None

    @property
    def n_paths(self) -> int:
        return max(v.shape[0] for v in self.drivers.values())


SEGMENT_DRIVERS = (
    "customers_at_start", "new_customers_per_month", "churn_annual", "seats_per_customer",
    "seat_growth_annual", "seat_volatility_annual", "prepay_discount", "markup_vs_list",
    "lapse_share",
)
AZURE_DRIVERS = (
    "consumption_per_customer_month", "growth_annual", "volatility_monthly",
    "pec_eligible_share", "reserved_share", "reservation_discount", "markup_vs_retail",
    "management_fee_share", "payment_days", "bad_debt_rate",
)  # segments[].azure.<name> feeds the driver azure_<name>
FINANCING_DRIVERS = ("share", "annual_rate")  # segments[].financing.<name>: financing_<name>
TIER_DRIVERS = (
    "price_per_seat_month", "tickets_per_seat_month", "minutes_per_ticket", "escalation_rate",
    "escalation_minutes",
)


def build_inputs(scenario: Scenario) -> Inputs:
    """Turn a validated scenario into the arrays of the core (one deterministic path).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> build_inputs(s).locked.shape  # terms, products, cohorts, months
        (3, 1, 13, 36)
    """
    segs = scenario.segments
    products: list[str] = []
    for seg in segs:
        for pid in list(seg.product_mix) + list(seg.addons):
            if pid not in products:
                products.append(pid)
    for sub in scenario.opening_book.subscriptions:
        if sub.product not in products:
            products.append(sub.product)
    S, K, H = len(segs), len(products), scenario.horizon_months
    share = np.zeros((S, K))
    for i, seg in enumerate(segs):
        for pid, v in list(seg.product_mix.items()) + list(seg.addons.items()):
            share[i, products.index(pid)] += v

    booked = terms_in_book(scenario)
    used = [k for k in TERM_KEYS
            if k in booked or any(seg.term_mix.get(k, 0.0) > 0 for seg in segs)]
    if any(not isinstance(seg.lapse_share, (int, float)) or seg.lapse_share > 0
           for seg in segs):
        used.append("extended_service")  # lapsed commitments: a book of their own
    lay = layout(used)
    locked, locked_before = locked_prices(scenario, products, lay)

    drivers: dict[str, np.ndarray] = {}
    for name in SEGMENT_DRIVERS:
        drivers[name] = np.array([[float(getattr(seg, name)) for seg in segs]])
    # the book at the start: its own seats per customer, or NaN for the new customers' (the
    # engine reads NaN as "seats_per_customer", drawn or not)
    drivers["seats_per_customer_at_start"] = np.array([[
        np.nan if seg.seats_per_customer_at_start is None
        else float(seg.seats_per_customer_at_start) for seg in segs]])
    for name in AZURE_DRIVERS:
        drivers[f"azure_{name}"] = np.array([[float(getattr(seg.azure, name)) for seg in segs]])
    for name in FINANCING_DRIVERS:
        drivers[f"financing_{name}"] = np.array([[float(getattr(seg.financing, name))
                                                  for seg in segs]])
    for key in lay.terms:  # the extended service book holds its customers itself (share 1)
        drivers[f"term_{key}"] = np.array([[seg.term_mix.get(key, 1.0 if key ==
                                                             "extended_service" else 0.0)
                                            for seg in segs]])
    for key in ("card", "ach", "invoice"):
        drivers[f"pay_{key}"] = np.array([[seg.payment_mix[key] for seg in segs]])
    tiers = scenario.support.tiers
    for name in TIER_DRIVERS:
        drivers[f"tier_{name}"] = np.array(
            [[float(getattr(tiers[seg.support_tier], name)) for seg in segs]])
    sold = {seg.support_tier for seg in segs}
    tier_names_247 = [n for n, t in tiers.items() if t.coverage == "24x7" and n in sold]
    tier_index = np.array([tier_names_247.index(seg.support_tier)
                           if seg.support_tier in tier_names_247 else -1 for seg in segs])

    for name, v in company_drivers(scenario).items():
        drivers[name] = np.array([[float(v)]])
    drivers["book_scale"] = np.ones((1, 1))  # 0: the run without the opening book
    return Inputs(
        scenario=scenario,
        segments=[s.name for s in segs],
        products=products,
        share=share,
        layout=lay,
        locked=locked,
        locked_before=locked_before,
        drivers=drivers,
        tier_index=tier_index,
        n_247=len(tier_names_247),
        is_direct=scenario.channel.model == "direct",
        flexible=np.array([seg.contract_policy == "flexible" for seg in segs]),
        horizon=H,
        partner_discount=np.array([scenario.partner_discount(pid) for pid in products]),
        book=book_arrays(scenario, [s.name for s in segs], products, lay),
        azure_season=np.array([seg.azure.seasonality for seg in segs], dtype=float),
        azure_smoothing=np.array([seg.azure.smoothing_months for seg in segs], dtype=int),
        financing_months=np.array([seg.financing.months for seg in segs], dtype=int),
    )

def company_drivers(scenario: Scenario) -> dict[str, float]:
    """The company-level numbers of a scenario, by driver name (a channel's own costs are 0 in
    the other channel).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> company_drivers(s)["vendor_plan_per_year"]  # indirect: no Microsoft support plan
        0.0
    """
    sup, costs, services, ch = scenario.support, scenario.costs, scenario.services, scenario.channel
    return {
        "discount_rate_annual": scenario.discount_rate_annual,
        "labor_rate_per_hour": sup.labor_rate_per_hour,
        "utilization": sup.utilization,
        "staff_on_shift_247": sup.staff_on_shift_247,
        "vendor_plan_per_year": sup.vendor_plan_yearly_cost if ch.model == "direct" else 0.0,
        "card_fee_rate": costs.card_fee_rate,
        "card_fee_per_charge": costs.card_fee_per_charge,
        "ach_fee_rate": costs.ach_fee_rate,
        "ach_fee_cap": costs.ach_fee_cap,
        "license_admin_per_seat_change": costs.license_admin_per_seat_change,
        "accounting_per_invoice": costs.accounting_per_invoice,
        "accounting_per_month": costs.accounting_per_month,
        "compliance_per_year": costs.compliance_per_year,
        "systems_per_year": costs.systems_per_year,
        "systems_per_seat_month": costs.systems_per_seat_month,
        "commission_rate": costs.commission_rate,
        "acquisition_cost_per_customer": costs.acquisition_cost_per_customer,
        "bad_debt_rate": costs.bad_debt_rate,
        "onboarding_price_per_customer": services.onboarding_price_per_customer,
        "onboarding_cost_per_customer": services.onboarding_cost_per_customer,
        "deployment_price_per_seat": services.deployment_price_per_seat,
        "deployment_cost_per_seat": services.deployment_cost_per_seat,
        "dso_days": float(scenario.billing.dso_days),
        "dpo_days": float(ch.payment_days),
        "distributor_margin": ch.indirect.distributor_margin if ch.model == "indirect" else 0.0,
        "pec_rate": ch.pec_rate,
        "pec_passed_on": ch.indirect.pec_passed_on if ch.model == "indirect" else 1.0,
        "azure_margin": ch.indirect.azure_margin if ch.model == "indirect" else 0.0,
        "distributor_fee_per_month": (ch.indirect.distributor_fee_per_month
                                      if ch.model == "indirect" else 0.0),
        "escalation_fee_per_ticket": (ch.indirect.escalation_fee_per_ticket
                                      if ch.model == "indirect" else 0.0),
        "direct_programme_per_year": (
            ch.direct.billing_platform_per_year + ch.direct.provisioning_per_year
            + ch.direct.portal_per_year + ch.direct.training_per_year
            + ch.direct.compliance_per_year) if ch.model == "direct" else 0.0,
    }


def is_segment_driver(name: str) -> bool:
    """Whether a driver is kept per segment ``(P, S)`` (else per company ``(P, 1)``).

    Example:
        >>> is_segment_driver("churn_annual"), is_segment_driver("bad_debt_rate")
        (True, False)
    """
    return (name in SEGMENT_DRIVERS or name == "seats_per_customer_at_start"
            or name.startswith(("term_", "pay_", "tier_", "azure_", "financing_")))


def with_book_rows(inp: Inputs) -> Inputs:
    """The inputs the month loop runs on: each row of the opening book (segment, product,
    term) becomes a segment of its own after the scenario's, with its segment's drivers, one
    seat of its product per user, all of its customers on its term, no new customers, and the
    support plan on base products only. :func:`cspmodel.engine.run_core` adds the rows back
    into their segments. Inputs without a book come back as they are.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_premium: 1}\\nopening_book:\\n  subscriptions:\\n"
        ...     "  - {customer: C, segment: A, product: m365_business_premium,"
        ...     " term: annual_upfront, seats: 10, renews: 2026-05}\\n")
        >>> inner = with_book_rows(build_inputs(s))
        >>> inner.segments, inner.drivers["new_customers_per_month"][0].tolist()  # book: none
        (['A', 'A (opening book)'], [1.0, 0.0])
    """
    b = inp.book
    if b is None:
        return inp
    S, K = inp.share.shape
    rows = np.concatenate([np.arange(S), b.parent])
    base = np.arange(S + len(b.parent)) < S
    drivers = {}
    for name, v in inp.drivers.items():
        if not is_segment_driver(name):
            drivers[name] = v
            continue
        x = np.array(np.broadcast_to(v, (v.shape[0], S))[:, rows], dtype=float)
        if name in ("customers_at_start", "new_customers_per_month"):
            x[:, ~base] = 0.0  # the book's customers are placed by run_core
        elif name.startswith("term_") and name != "term_extended_service":
            t = inp.layout.terms.index(name[len("term_"):])
            x[:, ~base] = (b.term == t).astype(float)
        elif name in ("tier_price_per_seat_month", "tier_tickets_per_seat_month"):
            x[:, ~base] *= b.support
        drivers[name] = x
    own = np.zeros((len(b.parent), K))
    own[np.arange(len(b.parent)), b.product] = 1.0
    return Inputs(**{
        **inp.__dict__, "drivers": drivers, "share": np.vstack([inp.share, own]),
        "segments": inp.segments + [f"{inp.segments[p]} (opening book)" for p in b.parent],
        "flexible": np.concatenate([inp.flexible, inp.flexible[b.parent]]),
        "financing_months": np.concatenate([inp.financing_months,
                                            inp.financing_months[b.parent]]),
        "tier_index": np.concatenate([inp.tier_index,
                                      np.where(b.support, inp.tier_index[b.parent], -1)])})
