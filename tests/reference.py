"""The slow reference implementation of the engine rules in ``docs/engine.md``.

This module is written for clarity, not speed: plain Python loops over months, segments, cohorts
and products, one rule at a time, in the order of ``docs/engine.md``. It exists so that the fast
vectorized engine (``cspmodel.simulate``) can be checked against an independent implementation
written from the same document. Section numbers in the comments (``# 2(a)``, ``# 4`` ...) point
to the sections of ``docs/engine.md``.

Where the document leaves a choice open, the plainest reading is taken and marked with
``AMBIGUITY:`` in a comment, so the two implementations can be aligned.

Example:
    >>> from cspmodel.io import validate_data
    >>> s = validate_data({"name": "demo", "horizon_months": 12, "segments": [
    ...     {"name": "SMB", "product_mix": {"m365_business_premium": 1.0}}]})
    >>> r = reference_simulate(s)
    >>> len(r.monthly), r.monthly_frame().shape[0]
    (12, 12)
    >>> round(r.monthly[0]["revenue"] - r.monthly[0]["cost_of_sales"], 6) == round(
    ...     r.monthly[0]["gross_profit"], 6)
    True
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cspmodel.catalog import annual_billed_monthly_factor_on
from cspmodel.ledger import STATEMENT_OF_LINE, STATEMENTS, lines_where
from cspmodel.schema import CommissionPlan, Scenario, Segment
from cspmodel.terms import TERMS

if TYPE_CHECKING:  # pragma: no cover - only for type hints
    import pandas as pd

# --------------------------------------------------------------------------------------------
# Names shared with the engine
# --------------------------------------------------------------------------------------------
# the line names, statements and cash treatments come from the ledger-line registry
REVENUE_LINES = lines_where(statement="revenue")
COST_OF_SALES_LINES = lines_where(statement="cost_of_sales")
OPERATING_COST_LINES = lines_where(statement="operating_costs")

# Cost lines settled through the vendor billings (paid with the DPO lag, section 7) and the one
# line that is no cash payment at all (bad debt is billings never collected). Every other cost
# line is paid in the month it is incurred.
VENDOR_SETTLED_LINES = lines_where(cash="vendor")
NON_CASH_LINES = lines_where(cash="none")

ALL = "all"  # product label of non-product lines, segment label of company-level lines

MONTHLY_COLUMNS = (
    "revenue",
    "cost_of_sales",
    "gross_profit",
    "operating_costs",
    "operating_profit",
    "customers",
    "seats",
    "billings",
    "cash_in",
    "cash_out",
    "net_cash",
    "cumulative_cash",
    "deferred_revenue",
    "receivables",
    "payables",
    "prepaid_costs",
    "bad_debt",
    "vendor_billings",
    "accrued_revenue",
    "credit_exposure",
)
METRIC_NAMES = (
    "npv",
    "break_even_month",
    "cash_trough",
    "ending_mrr",
    "ending_arr",
    "net_revenue_retention",
    "cac_payback_months",
    "ltv_to_cac",
    "gross_margin",
    "operating_margin",
    "revenue",
    "gross_profit",
    "operating_profit",
    "ending_customers",
    "ending_seats",
)

LedgerRow = tuple[int, str, str, str, str, float]

HOURS_PER_WEEK_247 = 168.0
WEEKS_PER_MONTH = 52.0 / 12.0
DAYS_PER_MONTH = 30.0  # section 7: a month counts as 30 days for payment timing
OPENING_TERMS_DAYS = 30.0  # section 7: the starting book's earlier bills, whatever the terms
MAX_LIFETIME_MONTHS = 120.0  # section 9


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------
@dataclass
class ReferenceResult:
    """What :func:`reference_simulate` returns.

    ``monthly[m]`` is a dict of the columns in :data:`MONTHLY_COLUMNS` for month ``m``
    (0-based); ``ledger`` is a list of rows ``(month_index, segment, product, line, statement,
    amount)``; ``metrics`` holds the headline metrics of section 9.
    """

    scenario_name: str
    start_month: dt.date
    monthly: list[dict[str, float]]
    ledger: list[LedgerRow]
    metrics: dict[str, float] = field(default_factory=dict)
    opening: dict[str, float] = field(default_factory=dict)

    def monthly_frame(self) -> pd.DataFrame:
        """The monthly columns as a DataFrame indexed by month number 0..H-1."""
        import pandas as pd

        frame = pd.DataFrame(self.monthly, columns=list(MONTHLY_COLUMNS))
        frame.index.name = "month"
        return frame

    def ledger_frame(self) -> pd.DataFrame:
        """The ledger as the engine's ``Result.ledger``: a long frame (month as a monthly
        period, segment, product, line, statement, amount), lines the engine never posts (a
        zero amount) left out."""
        import pandas as pd

        frame = pd.DataFrame(
            self.ledger, columns=["month", "segment", "product", "line", "statement", "amount"]
        )
        frame = frame[frame["amount"] != 0.0].reset_index(drop=True)
        start = pd.Period(self.start_month, freq="M")
        frame["month"] = [start + int(m) for m in frame["month"]]
        return frame

    def line(
        self, name: str, segment: str | None = None, product: str | None = None
    ) -> list[float]:
        """Monthly totals of one ledger line (optionally one segment and/or product)."""
        totals = [0.0] * len(self.monthly)
        for month, seg, prod, line, _statement, amount in self.ledger:
            if line != name:
                continue
            if segment is not None and seg != segment:
                continue
            if product is not None and prod != product:
                continue
            totals[month] += amount
        return totals

    def column(self, name: str) -> list[float]:
        """One monthly column as a list, month 0 first."""
        return [row[name] for row in self.monthly]


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------
def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after (or before, if negative) ``day``'s month.

    Example:
        >>> add_months(dt.date(2026, 1, 1), -12)
        datetime.date(2025, 1, 1)
    """
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def normal_cdf(x: float) -> float:
    """Standard normal cumulative distribution function."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def normal_pdf(x: float) -> float:
    """Standard normal density."""
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def expected_running_max(mu: float, sigma: float, months: int) -> float:
    """Section 2(a): expected running maximum of a customer's users ``months`` into a term,
    per user at its start: ``1 + sum_{k=1..months} E[max(W_k, 0)] / k`` with
    ``W_k ~ Normal(k mu, k sigma^2)`` (Spitzer's identity), written out term by term."""
    total = 1.0
    for k in range(1, months + 1):
        if sigma > 0.0:
            z = math.sqrt(k) * mu / sigma
            total += mu * normal_cdf(z) + sigma * normal_pdf(z) / math.sqrt(k)
        else:
            total += max(mu, 0.0)
    return total


def seat_change_rates(mu: float, sigma: float) -> tuple[float, float]:
    """Expected gross additions and reductions per seat in a month (section 2(a)).

    ``add = E[max(X, 0)]`` and ``red = E[max(-X, 0)] = add - mu`` for ``X ~ Normal(mu, sigma)``.

    Example:
        >>> seat_change_rates(0.01, 0.0)
        (0.01, 0.0)
    """
    if sigma == 0.0:
        return max(mu, 0.0), max(-mu, 0.0)
    z = mu / sigma
    add = mu * normal_cdf(z) + sigma * normal_pdf(z)
    red = add - mu
    return add, red


def term_factor(scenario: Scenario, term: str, when: dt.date, pid: str) -> float:
    """Price factor of a term relative to the annual list price, taken on date ``when``
    (section 3; the term table names which factor each term takes; a product from a price
    list has its own monthly and annual-billed-monthly factors)."""
    terms = scenario.terms
    rule = TERMS[term].factor
    spec = scenario.product_spec(pid)
    if rule == "monthly_term":
        if spec is not None and spec.monthly_term_factor is not None:
            return spec.monthly_term_factor
        return terms.monthly_term_factor
    if rule == "annual_billed_monthly":
        if spec is not None and spec.annual_billed_monthly_factor is not None:
            return spec.annual_billed_monthly_factor
        if terms.annual_billed_monthly_factor is not None:
            return terms.annual_billed_monthly_factor
        return annual_billed_monthly_factor_on(when)
    if rule == "extended_service":
        # month to month at the monthly price + 3%; + 23% on the annual price where the
        # product has no monthly plan (model.md, facts of late 2026)
        if "monthly" not in scenario.product_terms(pid):
            return 1.23
        return term_factor(scenario, "monthly", when, pid) * 1.03
    return terms.annual_upfront_factor


def segment_products(segment: Segment) -> list[tuple[str, float]]:
    """Products of a segment with their share per seat (mix share, or add-on attach rate).

    AMBIGUITY: a product listed both in ``product_mix`` and ``addons`` (the schema does not
    forbid it) takes the sum of its two shares.
    """
    shares: dict[str, float] = {}
    for pid, share in segment.product_mix.items():
        shares[pid] = shares.get(pid, 0.0) + share
    for pid, share in segment.addons.items():
        shares[pid] = shares.get(pid, 0.0) + share
    return list(shares.items())


def schedule_payment(
    payments: list[float], month: int, amount: float, lag_days: float
) -> None:
    """Spread an amount due in ``month`` with a lag of ``lag_days`` days (section 7).

    A lag of ``l = lag_days / 30`` months is paid ``1 - frac(l)`` in month ``month + floor(l)``
    and ``frac(l)`` in the month after; anything falling after the horizon is not paid.
    """
    lag = lag_days / DAYS_PER_MONTH
    whole = math.floor(lag)
    frac = lag - whole
    first = month + whole
    if first < len(payments):
        payments[first] += amount * (1.0 - frac)
    if frac > 0.0 and first + 1 < len(payments):
        payments[first + 1] += amount * frac


def financing_schedule(annual_rate: float, months: int) -> tuple[float, list[float]]:
    """Section 11: the installment per unit of price of an annuity due (first installment in
    the deployment month) and the principal outstanding after each installment."""
    i = annual_rate / 12.0
    if i == 0.0:
        payment = 1.0 / months
    else:
        payment = i * (1.0 + i) ** (months - 1) / ((1.0 + i) ** months - 1.0)
    after = []
    principal = 1.0
    for k in range(months):
        if k > 0:
            principal += principal * i  # a month's interest, paid with installment k
        principal -= payment
        after.append(principal)
    return payment, after


def azure_month(seg: Segment, customers: float, m: int, start: dt.date, pec_rate: float,
                passed_on: float, margin: float) -> dict[str, float]:
    """Section 11: a segment's Azure usage in month ``m`` (``m = -1``: the month before the
    start) and its ledger amounts, at retail pay-as-you-go prices."""
    a = seg.azure
    calendar = (start.month - 1 + m) % 12
    level = customers * a.consumption_per_customer_month * (1.0 + a.growth_annual) ** (m / 12)
    usage = level * a.seasonality[calendar]
    payg = usage * (1.0 - a.reserved_share)
    reserved = usage * a.reserved_share
    spend = payg + reserved * (1.0 - a.reservation_discount)
    price = (1.0 - a.reserved_share * a.reservation_discount) * (
        1.0 + a.markup_vs_retail + a.management_fee_share)
    return {
        "azure_consumption": spend * (1.0 + a.markup_vs_retail),
        "azure_management_fees": spend * a.management_fee_share,
        "azure_cost": payg * (1.0 + margin),
        "azure_reservations": reserved * (1.0 - a.reservation_discount) * (1.0 + margin),
        "azure_pec": -payg * a.pec_eligible_share * pec_rate * passed_on,
        "budget": level * price,
    }


# --------------------------------------------------------------------------------------------
# Cohorts (section 1)
# --------------------------------------------------------------------------------------------
# the extended service term exists for renewals from 2026-05-04 (model.md, facts of late
# 2026); the model's months start on the 1st, so renewals from May 2026 on may lapse into it
EXTENDED_FROM = dt.date(2026, 5, 1)


@dataclass
class Cohort:
    """One cohort of one segment: a term of the term table and a renewal phase."""

    term: str  # a key of the term table (cspmodel.terms.TERMS)
    phase: int  # renewal phase 0 .. commitment - 1
    customers: float  # N
    seats: float  # S, users
    committed: float  # C
    added: float  # A, part of C added since the last bill (prepaid terms)
    locked_on: dt.date  # date whose list price and term factor are locked
    reference_seats: float = 0.0  # users when the current term started (or the horizon)
    months_since: int = 0  # months since then
    products: list | None = None  # an opening-book subscription: [(its product, 1.0)]
    support: bool = True  # its seats take the segment's support plan (not an add-on's)
    origin: str | None = None  # an opening-book extended service cohort: the term it lapsed from
    loans: list = field(default_factory=list)  # section 11: financed deployments, [customers, age]

    @property
    def commitment(self) -> int:
        return TERMS[self.term].commitment

    @property
    def billing(self) -> int:
        return TERMS[self.term].billing

    @property
    def kind(self) -> str:
        """M (a monthly term), B (a commitment billed monthly) or U (a prepaid term)."""
        if self.commitment == 1:
            return "M"
        return "U" if self.billing > 1 else "B"

    @property
    def label(self) -> str:
        return f"{self.term}:{self.phase}"

    def renews_in(self, month: int) -> bool:
        """Section 2(b): a cohort renews when ``(month - phase) mod commitment = 0``."""
        return (month - self.phase) % self.commitment == 0

    def billed_in(self, month: int) -> bool:
        """A prepaid cohort is billed when ``(month - phase) mod billing = 0``."""
        return (month - self.phase) % self.billing == 0


def initial_cohorts(segment: Segment, start: dt.date) -> list[Cohort]:
    """The cohorts of a segment at the start of the horizon (section 1): each term's share of
    the customers spread evenly over its renewal phases; a cohort of phase ``p`` started its
    current term in month ``p - commitment``, before the horizon."""
    cohorts: list[Cohort] = []
    for term, spec in TERMS.items():
        share = segment.term_mix.get(term, 0.0)
        if spec.lapsed and segment.lapse_share > 0:
            # the extended service term: empty at the start, filled by lapsed commitments
            cohorts.append(Cohort(term=term, phase=0, customers=0.0, seats=0.0, committed=0.0,
                                  added=0.0, locked_on=add_months(start, -1)))
            continue
        if share == 0.0 and term not in ("monthly", "annual_billed_monthly", "annual_upfront"):
            continue
        n_phase = segment.customers_at_start * share / spec.commitment
        seats = (segment.seats_per_customer if segment.seats_per_customer_at_start is None
                 else segment.seats_per_customer_at_start)  # the book at the start's
        for phase in range(spec.commitment):
            cohorts.append(
                Cohort(
                    term=term,
                    phase=phase,
                    customers=n_phase,
                    seats=n_phase * seats,
                    committed=n_phase * seats,
                    added=0.0,
                    locked_on=add_months(start, phase - spec.commitment),
                    reference_seats=n_phase * seats,
                )
            )
    return cohorts


def book_cohorts(scenario: Scenario, segment: Segment) -> list[Cohort]:
    """The opening book's subscriptions of a segment as cohorts (section 1): a subscription
    that next renews ``r`` months after the start sits on phase ``r mod commitment``; those of
    one product, term and phase are billed together (one cohort); a customer with ``n``
    subscriptions counts ``1/n`` in each; an add-on product's seats take no support plan."""
    from cspmodel.catalog import PRODUCTS

    subs = scenario.opening_book.subscriptions
    count = {}
    for sub in subs:
        count[sub.customer] = count.get(sub.customer, 0) + 1
    start = scenario.start_month
    cohorts = []
    for sub in subs:
        if sub.segment != segment.name:
            continue
        term = TERMS[sub.term]
        r = 0 if sub.renews is None else (
            (sub.renews.year - start.year) * 12 + sub.renews.month - start.month)
        phase = r % term.commitment
        spec = scenario.product_spec(sub.product)
        kind = spec.kind if spec is not None and spec.kind is not None else (
            PRODUCTS[sub.product].kind if sub.product in PRODUCTS else "base")
        base = kind == "base"
        same = next((c for c in cohorts if c.products == [(sub.product, 1.0)]
                     and c.term == sub.term and c.phase == phase), None)
        if same is not None:  # renewing together on one term: billed together
            same.customers += 1.0 / count[sub.customer]
            same.seats += sub.seats
            same.committed = same.reference_seats = same.seats
            continue
        cohorts.append(Cohort(
            term=sub.term, phase=phase, customers=1.0 / count[sub.customer], seats=sub.seats,
            committed=sub.seats, added=0.0,
            locked_on=add_months(start, phase - term.commitment),
            reference_seats=sub.seats, products=[(sub.product, 1.0)], support=base))
    return cohorts


@dataclass
class Prices:
    """Unit amounts per licence-month of one product in one cohort (section 3)."""

    customer: float  # P = L x f x (1 + u)
    partner: float  # L x f x (1 - d_k): what Microsoft charges the partner
    distributor: float  # L x f x distributor_margin (indirect only, else 0)


def cohort_prices(scenario: Scenario, segment: Segment, cohort: Cohort, pid: str) -> Prices:
    """Unit prices of product ``pid`` locked by ``cohort`` (section 3)."""
    when = cohort.locked_on
    list_price = scenario.list_price(pid, when)
    factor = term_factor(scenario, cohort.term, when, pid)
    base = list_price * factor
    discount = scenario.partner_discount(pid)
    if scenario.channel.model == "indirect":
        dist_margin = scenario.channel.indirect.distributor_margin
    else:
        dist_margin = 0.0
    return Prices(
        customer=base * (1.0 + segment.markup_vs_list),
        partner=base * (1.0 - discount),
        distributor=base * dist_margin,
    )


# --------------------------------------------------------------------------------------------
# Commission plans (section 6a)
# --------------------------------------------------------------------------------------------
@dataclass
class _CommissionEvents:
    """What one segment invoices, books and starts with its new customers in one month."""

    invoice_resale: float = 0.0  # licence billings except additions to upfront terms
    upfront_adds_r: float = 0.0  # additions to upfront terms billed for the r months left
    upfront_adds_12: float = 0.0  # the same additions counted for 12 months (prorate: false)
    booking_resale: float = 0.0  # monthly terms' billing + annual renewals (joiners included)
    annual_adds_r: float = 0.0  # additions to annual terms (B and U) booked for r months
    annual_adds_12: float = 0.0  # the same additions booked for 12 months (prorate: false)
    support: float = 0.0  # support billings
    services: float = 0.0  # services billings
    services_invoice: float = 0.0  # services invoiced: financed deployments in installments
    first_resale_invoice: float = 0.0  # joiners' first invoice: M, B one month, U the term
    first_resale_booking: float = 0.0  # joiners' booking: M one month, B and U the term
    first_support: float = 0.0  # joiners' first month of support
    first_services: float = 0.0  # joiners' onboarding (their services bill)

    def invoiced(self, product_class: str, prorate: bool) -> float:
        """Invoice amount of a class (section 6a, ``invoice``)."""
        if product_class == "resale":
            adds = self.upfront_adds_r if prorate else self.upfront_adds_12
            return self.invoice_resale + adds
        return self.support if product_class == "support_plans" else self.services_invoice

    def booked(self, product_class: str, prorate: bool) -> float:
        """Booking amount of a class (section 6a, ``booking``)."""
        if product_class == "resale":
            adds = self.annual_adds_r if prorate else self.annual_adds_12
            return self.booking_resale + adds
        return self.support if product_class == "support_plans" else self.services

    def first(self, product_class: str, payout: str) -> float:
        """The month's joiners' first event of a class at a payout timing (section 6a,
        clawback); ``cash_receipt`` uses the first invoice (its collection is applied by the
        caller)."""
        if product_class == "resale":
            if payout == "booking":
                return self.first_resale_booking
            return self.first_resale_invoice
        if product_class == "support_plans":
            return self.first_support
        return self.first_services


# revenue line and direct cost lines of each class (section 6a, net basis)
CLASS_REVENUE_LINE = {"resale": "license_resale", "support_plans": "support_plans",
                      "services": "services"}
CLASS_COST_LINES = {
    "resale": ("license_cost", "stranded_seats", "distributor_margin"),
    "support_plans": ("support_labor", "escalation_fees"),
    "services": ("services_cost",),
}
QUOTA_PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def tiered_commission_to_date(cum: float, tiers: list[tuple[float, float]], quota: float) -> float:
    """Commission earned on a cumulative basis amount under marginal tiers (section 6a).

    ``tiers`` are ``(from_attainment, rate)`` pairs, the first from 0; the last band has no top.

    Example:
        >>> # 5% up to quota 100, 10% above: 150 earns 0.05 x 100 + 0.10 x 50 = 10
        >>> round(tiered_commission_to_date(150.0, [(0.0, 0.05), (1.0, 0.10)], 100.0), 9)
        10.0
    """
    total = 0.0
    for i, (start, rate) in enumerate(tiers):
        low = start * quota
        if i + 1 < len(tiers):
            width = (tiers[i + 1][0] - start) * quota
            total += rate * min(max(cum - low, 0.0), width)
        else:
            total += rate * max(cum - low, 0.0)
    return total


def _arrivals_before_start(amount: float, lag_days: float, horizon: int) -> list[float]:
    """Month by month, what the months before the start (each billing ``amount``) pay in.

    With a lag ``l = w + f`` months, month ``m`` receives ``amount x ((1 - f)[m < w] +
    f[m < w + 1])`` (section 7, opening balances).
    """
    lag = lag_days / DAYS_PER_MONTH
    whole = math.floor(lag)
    frac = lag - whole
    out = [0.0] * horizon
    for m in range(horizon):
        if m < whole:
            out[m] += amount * (1.0 - frac)
        if m < whole + 1:
            out[m] += amount * frac
    return out


def _net_ratio(book: _Book, month: int, segment: str, product_class: str) -> float:
    """``clip((revenue - direct cost) / revenue, 0, 1)`` of a class, segment and month.

    AMBIGUITY: with no revenue of the class in the month (e.g. cash collected in a month with
    no services sold), the margin is taken as 0: nothing is known to be earned.
    """
    revenue = 0.0
    cost = 0.0
    for (m, seg, _prod, line), amount in book.amounts.items():
        if m != month or seg != segment:
            continue
        if line == CLASS_REVENUE_LINE[product_class]:
            revenue += amount
        elif line in CLASS_COST_LINES[product_class]:
            cost += amount
    if revenue <= 0.0:
        return 0.0
    return min(max((revenue - cost) / revenue, 0.0), 1.0)


def _post_plan(
    s: Scenario,
    plan: CommissionPlan,
    book: _Book,
    events: dict[str, list[_CommissionEvents]],
    billed_per_month_before: dict[str, dict[str, float]],
) -> None:
    """Compute one commission plan month by month and post it to the ``commissions`` line."""
    horizon = s.horizon_months
    cls = plan.product_class
    covered = [seg for seg in s.segments if not plan.segments or seg.name in plan.segments]
    bad_debt_rate = s.costs.bad_debt_rate
    dso_days = float(s.billing.dso_days)

    # ---- net basis: the class's margin share in the segment and month ----------------------
    ratio: dict[str, list[float]] = {}
    for seg in covered:
        if plan.basis == "net":
            ratio[seg.name] = [_net_ratio(book, m, seg.name, cls) for m in range(horizon)]
        else:
            ratio[seg.name] = [1.0] * horizon

    # ---- basis amount of each segment and month at the payout event ------------------------
    basis: dict[str, list[float]] = {}
    for seg in covered:
        evs = events[seg.name]
        r = ratio[seg.name]
        if plan.payout == "booking":
            basis[seg.name] = [evs[m].booked(cls, plan.prorate) * r[m] for m in range(horizon)]
        elif plan.payout == "invoice":
            basis[seg.name] = [evs[m].invoiced(cls, plan.prorate) * r[m] for m in range(horizon)]
        else:  # cash_receipt: collected billings, as section 7 collects them
            # AMBIGUITY: on a net basis, cash collected carries the margin of the month it was
            # invoiced in (the margin of the sale being paid for); the starting book's invoices
            # from before the start carry month 0's margin (the first one known).
            received = [0.0] * horizon
            immediate = seg.payment_mix["card"] + seg.payment_mix["ach"]
            invoice_share = seg.payment_mix["invoice"]
            for m in range(horizon):
                collectible = evs[m].invoiced(cls, plan.prorate) * r[m] * (1.0 - bad_debt_rate)
                received[m] += collectible * immediate
                schedule_payment(received, m, collectible * invoice_share, dso_days)
            # the starting book's invoices from before the start, as they are collected
            before = billed_per_month_before[seg.name][cls] * invoice_share * (1.0 - bad_debt_rate)
            for m, value in enumerate(_arrivals_before_start(before, OPENING_TERMS_DAYS,
                                                             horizon)):
                received[m] += value * r[0]
            basis[seg.name] = received

    # ---- rate: flat, or marginal tiers on the plan's amount over the quota period -----------
    earned = {name: [0.0] * horizon for name in basis}
    effective_rate = [0.0] * horizon  # the plan's commission over its amount, month by month
    if not plan.tiers:
        for name in basis:
            for m in range(horizon):
                earned[name][m] = plan.rate * basis[name][m]
        effective_rate = [plan.rate] * horizon
    else:
        tiers = [(t.from_attainment, t.rate) for t in plan.tiers]
        quota = float(plan.quota or 0.0)
        period = QUOTA_PERIOD_MONTHS[plan.quota_period]
        cum = 0.0
        for m in range(horizon):
            if m % period == 0:
                cum = 0.0  # a new quota period starts
            total = sum(basis[name][m] for name in basis)
            before = tiered_commission_to_date(cum, tiers, quota)
            cum += total
            increase = tiered_commission_to_date(cum, tiers, quota) - before
            if total > 0.0:
                effective_rate[m] = increase / total
                for name in basis:
                    earned[name][m] = increase * basis[name][m] / total
            else:
                # AMBIGUITY: a month with no amount (e.g. nothing collected yet) has no
                # average rate; its effective rate is the marginal rate at the attainment
                # reached, what the next unit of amount would earn (for a flat plan: its rate).
                effective_rate[m] = [rate for start, rate in tiers if start * quota <= cum][-1]

    # ---- clawback of the sign-up commission --------------------------------------------------
    clawback = {name: [0.0] * horizon for name in basis}
    if plan.clawback_months > 0:
        for seg in covered:
            hazard = 1.0 - (1.0 - seg.churn_annual) ** (1.0 / 12.0)
            monthly_share = seg.term_mix["monthly"]
            for j in range(horizon):
                # AMBIGUITY: "their first event" is read at the plan's payout timing (the
                # doc's list mixed them); the joiners' first event: at booking, a monthly
                # term's first month and an annual term's twelve; at invoice, the first
                # invoice (one month, or an upfront term's twelve); on cash receipt, the first
                # invoice less bad debt. On a net basis, at the margin of month j.
                first = events[seg.name][j].first(cls, plan.payout) * ratio[seg.name][j]
                if plan.payout == "cash_receipt":
                    first *= 1.0 - bad_debt_rate
                signup = effective_rate[j] * first
                if signup == 0.0:
                    continue
                for k in range(1, plan.clawback_months + 1):
                    if j + k >= horizon:
                        break
                    # AMBIGUITY: the whole sign-up commission of the month's joiners (all
                    # terms together) is recovered in proportion to the share of those
                    # joiners leaving in month j + k.
                    leaving = monthly_share * (1.0 - hazard) ** (k - 1) * hazard
                    # a commitment of c months: its joiners leave at their first renewal
                    for term, spec in TERMS.items():
                        if spec.commitment > 1 and k == spec.commitment:
                            leaving += seg.term_mix.get(term, 0.0) * (
                                1.0 - (1.0 - seg.churn_annual) ** (spec.commitment / 12.0))
                    clawback[seg.name][j + k] += signup * leaving

    for name in basis:
        for m in range(horizon):
            book.post(m, name, ALL, "commissions", earned[name][m] - clawback[name][m])


# --------------------------------------------------------------------------------------------
# The simulation
# --------------------------------------------------------------------------------------------
@dataclass
class _Book:
    """Accumulates ledger amounts keyed by (month, segment, product, line)."""

    amounts: dict[tuple[int, str, str, str], float] = field(default_factory=dict)

    def post(self, month: int, segment: str, product: str, line: str, amount: float) -> None:
        key = (month, segment, product, line)
        self.amounts[key] = self.amounts.get(key, 0.0) + amount

    def rows(self) -> list[LedgerRow]:
        # AMBIGUITY: rows whose amount is exactly 0 are left out of the ledger (a line that
        # does not apply, e.g. stranded seats under mirror); compare ledgers by summing.
        out: list[LedgerRow] = []
        for (month, seg, prod, line), amount in self.amounts.items():
            if amount != 0.0:
                out.append((month, seg, prod, line, STATEMENT_OF_LINE[line], amount))
        out.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
        return out


def _run(scenario: Scenario, stop_new_from: int | None = None) -> ReferenceResult:
    """Simulate month by month; ``stop_new_from``: no customer joins from that month on."""
    s = scenario
    horizon = s.horizon_months
    start = s.start_month
    channel = s.channel
    direct = channel.model == "direct"
    indirect = not direct
    costs = s.costs
    services = s.services
    support = s.support
    book = _Book()

    cohorts = {seg.name: initial_cohorts(seg, start) + book_cohorts(s, seg)
               for seg in s.segments}

    # ---- opening balances of deferred revenue and prepaid costs (sections 4 and 5) ----------
    # An initial cohort of a prepaid term was billed before the horizon for `billing` months
    # at a time; its next bill falls in month `phase mod billing`, so that many months are
    # prepaid at the start (none when it is billed in month 0).
    deferred = 0.0
    prepaid = 0.0
    for seg in s.segments:
        for cohort in cohorts[seg.name]:
            left = cohort.phase % cohort.billing
            if cohort.kind != "U" or left == 0:
                continue
            for pid, share in cohort.products or segment_products(seg):
                prices = cohort_prices(s, seg, cohort, pid)
                deferred += (
                    left * cohort.committed * share * prices.customer * (1.0 - seg.prepay_discount)
                )
                prepaid += left * cohort.committed * share * (prices.partner + prices.distributor)

    # ---- opening receivables and payables (section 7) --------------------------------------
    # Every month before the start billed what the starting book bills in a month: M and B
    # cohorts their monthly bill, U cohorts a twelfth of their year (renewals averaged over the
    # phases), plus support. Those months' invoices and vendor bills arrive with their lags.
    invoiced_per_month_before = 0.0  # collectible invoice share
    vendor_per_month_before = 0.0
    # 6a: the same monthly amount by segment and class (resale, support; no services before
    # the start), for commission plans paid on cash receipt
    billed_per_month_before: dict[str, dict[str, float]] = {}
    for seg in s.segments:
        tier = support.tiers[seg.support_tier]
        seg_billing = 0.0
        by_class = {"resale": 0.0, "support_plans": 0.0, "services": 0.0}
        for cohort in cohorts[seg.name]:
            seg_billing += cohort.support * cohort.seats * tier.price_per_seat_month
            by_class["support_plans"] += cohort.support * cohort.seats * tier.price_per_seat_month
            for pid, share in cohort.products or segment_products(seg):
                prices = cohort_prices(s, seg, cohort, pid)
                prepay = (1.0 - seg.prepay_discount) if cohort.kind == "U" else 1.0
                seg_billing += cohort.committed * share * prices.customer * prepay
                by_class["resale"] += cohort.committed * share * prices.customer * prepay
                vendor_per_month_before += (
                    cohort.committed * share * (prices.partner + prices.distributor)
                )
        invoiced_per_month_before += (
            seg_billing * seg.payment_mix["invoice"] * (1.0 - costs.bad_debt_rate)
        )
        billed_per_month_before[seg.name] = by_class
    # the opening balances do not depend on the terms under test: the months before the
    # start are taken as settled on 30-day terms, so one month is open at the start (7)
    dso_days_open = OPENING_TERMS_DAYS
    dpo_days_open = OPENING_TERMS_DAYS
    opening_receivables = 0.0
    opening_payables = 0.0
    cash_in_before = [0.0] * horizon
    vendor_paid_before = [0.0] * horizon
    for before in range(-240, 0):  # every month before the start (lags are at most 180 days)
        for lag_days, amount, into, kind in (
            (dso_days_open, invoiced_per_month_before, cash_in_before, "in"),
            (dpo_days_open, vendor_per_month_before, vendor_paid_before, "out"),
        ):
            lag = lag_days / DAYS_PER_MONTH
            whole = math.floor(lag)
            frac = lag - whole
            for arrives, weight in ((before + whole, 1.0 - frac), (before + whole + 1, frac)):
                if arrives < 0 or weight == 0.0:
                    continue  # paid before the start
                if kind == "in":
                    opening_receivables += amount * weight
                else:
                    opening_payables += amount * weight
                if arrives < horizon:
                    into[arrives] += amount * weight

    # per-month series gathered in the loop
    billings = [0.0] * horizon
    bad_debt_total = [0.0] * horizon
    vendor_billings = [0.0] * horizon
    cash_in = [0.0] * horizon
    vendor_payments = [0.0] * horizon
    customers_end = [0.0] * horizon
    seats_end = [0.0] * horizon
    new_customers = [0.0] * horizon
    deferred_end = [0.0] * horizon
    prepaid_end = [0.0] * horizon
    customer_months_by_hazard: list[tuple[float, float]] = []  # (hazard, customers) per seg-month

    dso_days = float(s.billing.dso_days)
    dpo_days = float(channel.payment_days)
    tiers_sold = {seg.support_tier for seg in s.segments}

    # section 11: Azure, billed in arrears; the usage of the month before the start is billed
    # in month 0 (the book at the start); the vendor bills it then too
    pec_passed_on = channel.indirect.pec_passed_on if indirect else 1.0
    azure_margin = channel.indirect.azure_margin if indirect else 0.0
    azure: dict[str, dict] = {}
    for seg in s.segments:
        if seg.azure.consumption_per_customer_month == 0:
            continue
        n0 = sum(c.customers for c in cohorts[seg.name])
        before = azure_month(seg, n0, -1, start, s.channel.pec_rate, pec_passed_on,
                             azure_margin)
        azure[seg.name] = {
            "to_bill": before["azure_consumption"] + before["azure_management_fees"],
            "vendor_to_bill": before["azure_cost"] + before["azure_reservations"]
            + before["azure_pec"],
            "period": 0.0, "charged": [], "billed": [], "cash": [0.0] * horizon,
            "unbilled_end": [],
        }
        azure[seg.name]["unbilled"] = azure[seg.name]["to_bill"]
    accrued_end = [0.0] * horizon
    # 6a: what each segment invoices, books and starts with new customers, month by month,
    # for the commission plans (applied after the loop, once the month's lines are known)
    events = {seg.name: [_CommissionEvents() for _ in range(horizon)] for seg in s.segments}

    for m in range(horizon):
        today = add_months(start, m)
        hours_by_tier: dict[str, float] = {}

        for seg in s.segments:
            name = seg.name
            tier = support.tiers[seg.support_tier]
            products = segment_products(seg)
            licences_per_seat = sum(share for _pid, share in products)
            spc = seg.seats_per_customer

            # section 2: monthly rates
            mu = (1.0 + seg.seat_growth_annual) ** (1.0 / 12.0) - 1.0
            sigma = seg.seat_volatility_annual / math.sqrt(12.0)
            hazard = 1.0 - (1.0 - seg.churn_annual) ** (1.0 / 12.0)
            add_rate, red_rate = seat_change_rates(mu, sigma)

            joining_total = seg.new_customers_per_month
            if stop_new_from is not None and m >= stop_new_from:
                joining_total = 0.0

            seg_billings = 0.0
            seg_licence_revenue = 0.0
            seg_support_revenue = 0.0
            seat_changes = 0.0  # users added + removed + churned + joining (section 6)
            seg_charges = 0.0  # charges (invoices) of the segment's cohorts this month
            ev = events[name][m]

            # section 11: every financed vintage ages a month; one past its last installment
            # is repaid
            fin = seg.financing
            fin_price = (services.onboarding_price_per_customer
                         + spc * services.deployment_price_per_seat)
            fin_pay, fin_after = financing_schedule(fin.annual_rate, fin.months)
            written_off = 0.0
            for cohort in cohorts[name]:
                for loan in cohort.loans:
                    loan[1] += 1
                cohort.loans = [loan for loan in cohort.loans if loan[1] < fin.months]

            # extended service cohort first: its month's churn before this month's lapses
            order = sorted(cohorts[name], key=lambda c: c.term != "extended_service")
            happened = {}  # what section 2 did to each cohort this month
            for cohort in order:
                # ---- 2(a) seat changes -----------------------------------------------------
                adds = add_rate * cohort.seats
                reds = red_rate * cohort.seats
                cohort.seats += adds - reds
                cohort.months_since += 1
                bought = 0.0
                if cohort.kind == "M":
                    cohort.committed = cohort.seats
                else:
                    # a commitment holds the expected running maximum of its users since the
                    # term started: idle committed seats are reused before any is bought
                    running_max = cohort.reference_seats * expected_running_max(
                        mu, sigma, cohort.months_since)
                    target = max(cohort.seats, running_max)
                    bought = max(target - cohort.committed, 0.0)
                    cohort.committed = target  # a co-terminated purchase; reductions wait
                    if cohort.kind == "U":
                        cohort.added += bought

                # ---- 2(b) renewals ---------------------------------------------------------
                renews = cohort.renews_in(m)
                billed_now = cohort.billed_in(m)
                churned_seats = 0.0
                if renews:
                    # a monthly term: the hazard; a commitment of c months: c/12 years of churn
                    rate = (hazard if cohort.kind == "M"
                            else 1.0 - (1.0 - seg.churn_annual) ** (cohort.commitment / 12.0))
                    churned_customers = cohort.customers * rate
                    churned_seats = cohort.seats * rate
                    for loan in cohort.loans:  # a leaver writes off what it still owes
                        written_off += loan[0] * rate * fin_price * fin_after[loan[1] - 1]
                        loan[0] *= 1.0 - rate
                    cohort.customers -= churned_customers
                    cohort.seats -= churned_seats
                    cohort.committed = cohort.seats
                    cohort.locked_on = today
                    if cohort.commitment > 1 and today >= EXTENDED_FROM and seg.lapse_share:
                        # a share of those kept let the term lapse: month to month on the
                        # extended service term, billed there from this month
                        # (an opening-book cohort keeps its own product and support)
                        # (a book's subscriptions of one product and term lapse together)
                        origin = None if cohort.products is None else cohort.term
                        est = next((c for c in cohorts[name] if c.term == "extended_service"
                                    and c.products == cohort.products
                                    and c.support == cohort.support
                                    and c.origin == origin), None)
                        if est is None:
                            est = Cohort(term="extended_service", phase=0, customers=0.0,
                                         seats=0.0, committed=0.0, added=0.0,
                                         locked_on=today, products=cohort.products,
                                         support=cohort.support, origin=origin)
                            cohorts[name].append(est)  # priced this month, events from next
                            happened[id(est)] = (0.0, 0.0, 0.0, True, True, 0.0)
                        moved_n = cohort.customers * seg.lapse_share
                        moved_s = cohort.seats * seg.lapse_share
                        for loan in cohort.loans:  # a lapsed customer keeps paying
                            est.loans.append([loan[0] * seg.lapse_share, loan[1]])
                            loan[0] *= 1.0 - seg.lapse_share
                        cohort.customers -= moved_n
                        cohort.seats -= moved_s
                        cohort.committed = cohort.seats
                        est.customers += moved_n
                        est.seats += moved_s
                        est.committed = est.seats
                if billed_now:  # a new bill covers every committed seat
                    cohort.added = 0.0

                # ---- 2(c) new customers ----------------------------------------------------
                if renews and cohort.products is None:  # the book takes no new customers
                    joining = joining_total * seg.term_mix.get(cohort.term, 0.0)
                else:
                    joining = 0.0
                cohort.customers += joining
                if joining and fin.share:
                    cohort.loans.append([joining * fin.share, 0])
                cohort.seats += joining * spc
                cohort.committed += joining * spc
                if renews:  # the new term's running maximum starts from its users
                    cohort.reference_seats = cohort.seats
                    cohort.months_since = 0

                per_seat = 1.0 if cohort.products else licences_per_seat
                seat_changes += (adds + reds + churned_seats + joining * spc) * per_seat
                happened[id(cohort)] = (adds, reds, bought, renews, billed_now, joining)

            for cohort in cohorts[name]:
                adds, reds, bought, renews, billed_now, joining = happened[id(cohort)]
                # ---- 4 and 5: licences, product by product ---------------------------------
                cohort_licence_billings = 0.0
                for pid, share in cohort.products or products:
                    prices = cohort_prices(s, seg, cohort, pid)
                    vendor_unit = prices.partner + prices.distributor
                    distributor = cohort.committed * share * prices.distributor
                    if cohort.kind in ("M", "B"):
                        if seg.contract_policy == "flexible":
                            billed_seats = cohort.seats
                        else:
                            billed_seats = cohort.committed
                        bill = billed_seats * share * prices.customer
                        revenue = bill
                        licence_cost = billed_seats * share * prices.partner
                        if seg.contract_policy == "flexible":
                            stranded = (cohort.committed - cohort.seats) * share * prices.partner
                        else:
                            stranded = 0.0
                        vendor = cohort.committed * share * vendor_unit
                        # 6a: a monthly term books its month's billing; an annual term billed
                        # monthly books 12 months at its renewal (joiners included) and its
                        # additions for the months left (r), or 12 without proration.
                        # AMBIGUITY: in a renewal month the seats added before the renewal
                        # are inside the 12 x C booked; no separate addition is booked.
                        c = cohort.commitment
                        ev.invoice_resale += bill
                        if cohort.kind == "M":
                            ev.booking_resale += bill
                        elif renews:
                            ev.booking_resale += c * cohort.committed * share * prices.customer
                        else:
                            term_left = c - ((m - cohort.phase) % c)
                            ev.annual_adds_r += bought * share * prices.customer * term_left
                            ev.annual_adds_12 += bought * share * prices.customer * c
                        # 6a sign-up event of the joiners: their first month's invoice; at
                        # booking, a commitment's whole term
                        first_month = joining * spc * share * prices.customer
                        ev.first_resale_invoice += first_month
                        ev.first_resale_booking += (
                            first_month if cohort.kind == "M" else c * first_month
                        )
                    else:  # prepaid: billed `billing` months at a time
                        c, b = cohort.commitment, cohort.billing
                        upfront = 1.0 - seg.prepay_discount
                        term_left = c - ((m - cohort.phase) % c)
                        if billed_now:
                            bill = b * cohort.committed * share * prices.customer * upfront
                            vendor = b * cohort.committed * share * vendor_unit
                            ev.invoice_resale += bill
                            if renews:  # 6a: the whole term booked at renewal
                                ev.booking_resale += (
                                    c * cohort.committed * share * prices.customer * upfront)
                            else:  # a later bill of the term: this month's additions booked
                                ev.annual_adds_r += bought * share * prices.customer * term_left
                                ev.annual_adds_12 += bought * share * prices.customer * c
                        else:
                            # additions prorated for the months left in the billing period,
                            # without prepay discount
                            months_left = b - ((m - cohort.phase) % b)
                            bill = bought * share * prices.customer * months_left
                            vendor = bought * share * vendor_unit * months_left
                            # 6a: invoiced for r months (or the period), booked for the months
                            # left in the term (or the whole term)
                            ev.upfront_adds_r += bill
                            ev.upfront_adds_12 += bought * share * prices.customer * b
                            ev.annual_adds_r += bought * share * prices.customer * term_left
                            ev.annual_adds_12 += bought * share * prices.customer * c
                        # 6a sign-up event of the joiners: a prepaid term's first invoice; its
                        # booking, the whole term
                        first_unit = joining * spc * share * prices.customer * upfront
                        ev.first_resale_invoice += b * first_unit
                        ev.first_resale_booking += c * first_unit
                        revenue = (
                            (cohort.committed - cohort.added) * (1.0 - seg.prepay_discount)
                            + cohort.added
                        ) * share * prices.customer
                        # cost recognized like revenue: C seats each month, no prepay discount
                        licence_cost = cohort.committed * share * prices.partner
                        stranded = 0.0
                        deferred += bill - revenue
                        prepaid += vendor - licence_cost - distributor

                    book.post(m, name, pid, "license_resale", revenue)
                    book.post(m, name, pid, "license_cost", licence_cost)
                    if seg.contract_policy == "flexible" and cohort.kind in ("M", "B"):
                        book.post(m, name, pid, "stranded_seats", stranded)
                    if indirect:
                        book.post(m, name, pid, "distributor_margin", distributor)
                    cohort_licence_billings += bill
                    seg_licence_revenue += revenue
                    vendor_billings[m] += vendor

                # ---- support plans and services of this cohort -----------------------------
                support_bill = cohort.support * cohort.seats * tier.price_per_seat_month
                services_bill = joining * (
                    services.onboarding_price_per_customer
                    + spc * services.deployment_price_per_seat
                ) * (1.0 - fin.share)  # the financed share is billed in installments
                seg_support_revenue += support_bill
                cohort_billings = cohort_licence_billings + support_bill + services_bill
                seg_billings += cohort_billings

                # ---- 6: card and debit fees of this cohort ---------------------------------
                if (cohort.kind in ("M", "B") or billed_now
                        or cohort.support * tier.price_per_seat_month > 0):
                    charges = cohort.customers
                else:
                    charges = 0.0  # an addition to an upfront term without a support price
                seg_charges += charges
                card_share = seg.payment_mix["card"]
                ach_share = seg.payment_mix["ach"]
                if charges > 0.0:
                    card_fee = card_share * (
                        costs.card_fee_rate * cohort_billings + costs.card_fee_per_charge * charges
                    )
                    ach_fee = ach_share * charges * min(
                        costs.ach_fee_rate * cohort_billings / charges, costs.ach_fee_cap
                    )
                else:
                    # an amount billed with no charge pays the rates only
                    card_fee = card_share * costs.card_fee_rate * cohort_billings
                    ach_fee = ach_share * costs.ach_fee_rate * cohort_billings
                book.post(m, name, ALL, "card_processing", card_fee)
                book.post(m, name, ALL, "ach_fees", ach_fee)

            # ---- 11: installments of financed deployments, billed with the month's charges ----
            installments = interest = outstanding = 0.0
            for cohort in cohorts[name]:
                for customers_, age in cohort.loans:
                    installments += customers_ * fin_price * fin_pay
                    if age > 0:
                        interest += customers_ * fin_price * fin.annual_rate / 12.0 * fin_after[
                            age - 1]
                    outstanding += customers_ * fin_price * fin_after[age]
            if fin.share:
                book.post(m, name, ALL, "financing_interest", interest)
                book.post(m, name, ALL, "financing_write_offs", written_off)
                seg_billings += installments
                # the debit fee of an installment: the rate alone (the cap is the charge's)
                book.post(m, name, ALL, "card_processing",
                          seg.payment_mix["card"] * costs.card_fee_rate * installments)
                book.post(m, name, ALL, "ach_fees",
                          seg.payment_mix["ach"] * costs.ach_fee_rate * installments)
            accrued_end[m] += outstanding

            # ---- segment-level lines -------------------------------------------------------
            seats = sum(c.seats for c in cohorts[name])
            customers = sum(c.customers for c in cohorts[name])

            book.post(m, name, ALL, "support_plans", seg_support_revenue)
            services_revenue = joining_total * (
                services.onboarding_price_per_customer + spc * services.deployment_price_per_seat
            )
            book.post(m, name, ALL, "services", services_revenue)
            # 6a: support and services are invoiced and booked as billed; their sign-up
            # events are the joiners' first month of support and their onboarding.
            # AMBIGUITY: "onboarding" is read as the joiners' whole services bill (onboarding
            # and deployment), the only services a new customer is billed.
            ev.support = seg_support_revenue
            ev.services = services_revenue
            ev.services_invoice = services_revenue * (1.0 - fin.share) + installments
            ev.first_support = joining_total * spc * tier.price_per_seat_month
            ev.first_services = services_revenue

            # 5: support labor on the segment's seats (an add-on's seats take no support)
            tickets = sum(c.seats for c in cohorts[name] if c.support) * tier.tickets_per_seat_month
            escalated = tickets * tier.escalation_rate
            hours = (
                (tickets * tier.minutes_per_ticket + escalated * tier.escalation_minutes)
                / 60.0
                / support.utilization
            )
            hours_by_tier[seg.support_tier] = hours_by_tier.get(seg.support_tier, 0.0) + hours
            book.post(m, name, ALL, "support_labor", hours * support.labor_rate_per_hour)
            if indirect:
                book.post(
                    m,
                    name,
                    ALL,
                    "escalation_fees",
                    escalated * channel.indirect.escalation_fee_per_ticket,
                )
            book.post(
                m,
                name,
                ALL,
                "services_cost",
                joining_total
                * (services.onboarding_cost_per_customer + spc * services.deployment_cost_per_seat),
            )
            book.post(m, name, ALL, "per_seat_tools", seats * costs.systems_per_seat_month)

            # 6: operating lines of the segment
            book.post(
                m,
                name,
                ALL,
                "license_admin",
                seat_changes * costs.license_admin_per_seat_change,
            )
            if not s.commissions.plans:
                book.post(
                    m,
                    name,
                    ALL,
                    "commissions",
                    costs.commission_rate * (seg_licence_revenue + seg_support_revenue),
                )
            book.post(
                m, name, ALL, "acquisition", joining_total * costs.acquisition_cost_per_customer
            )
            book.post(
                m, name, ALL, "accounting", seg_charges * costs.accounting_per_invoice
            )
            seg_bad_debt = costs.bad_debt_rate * seg_billings
            book.post(m, name, ALL, "bad_debt", seg_bad_debt)

            # ---- 11: Azure consumption of the month's customers, invoiced next month --------
            if name in azure:
                az = azure[name]
                usage = azure_month(seg, customers, m, start, s.channel.pec_rate, pec_passed_on,
                                    azure_margin)
                for line_name in ("azure_consumption", "azure_management_fees", "azure_cost",
                                  "azure_reservations", "azure_pec"):
                    book.post(m, name, ALL, line_name, usage[line_name])
                charged = usage["azure_consumption"] + usage["azure_management_fees"]
                bill = az["to_bill"]  # last month's usage (or budget and true-up)
                if seg.azure.smoothing_months:
                    az["period"] += charged - usage["budget"]
                    az["to_bill"] = usage["budget"]
                    if (m + 1) % seg.azure.smoothing_months == 0:  # the period's true-up
                        az["to_bill"] += az["period"]
                        az["period"] = 0.0
                else:
                    az["to_bill"] = charged
                az_bad = bill * seg.azure.bad_debt_rate
                book.post(m, name, ALL, "azure_bad_debt", az_bad)
                billings[m] += bill
                bad_debt_total[m] += az_bad
                schedule_payment(cash_in, m, bill - az_bad, seg.azure.payment_days)
                schedule_payment(az["cash"], m, bill - az_bad, seg.azure.payment_days)
                vendor_billings[m] += az["vendor_to_bill"]
                az["vendor_to_bill"] = (usage["azure_cost"] + usage["azure_reservations"]
                                        + usage["azure_pec"])
                az["charged"].append(charged)
                az["billed"].append(bill - az_bad)  # collectible
                az["unbilled_end"].append(az["unbilled"] + charged - bill)
                az["unbilled"] = az["unbilled_end"][-1]
                accrued_end[m] += az["unbilled"]

            # 7: cash in of the segment's billings, net of bad debt
            collectible = seg_billings * (1.0 - costs.bad_debt_rate)
            immediate = seg.payment_mix["card"] + seg.payment_mix["ach"]
            cash_in[m] += collectible * immediate
            schedule_payment(cash_in, m, collectible * seg.payment_mix["invoice"], dso_days)

            billings[m] += seg_billings
            bad_debt_total[m] += seg_bad_debt
            customers_end[m] += customers
            seats_end[m] += seats
            new_customers[m] += joining_total
            customer_months_by_hazard.append((hazard, customers))

        # ---- company-level lines ---------------------------------------------------------------
        # 5: 24x7 staffing floor. One night-and-weekend shift serves every 24x7 tier sold to at
        # least one segment (a tier nobody buys needs nobody on shift): the floor is counted
        # once, less the ticket hours of all the 24x7 tiers together.
        floor_hours = HOURS_PER_WEEK_247 * WEEKS_PER_MONTH * support.staff_on_shift_247
        hours_247 = 0.0
        any_247 = False
        for tier_name, tier in support.tiers.items():
            if tier.coverage != "24x7" or tier_name not in tiers_sold:
                continue
            any_247 = True
            hours_247 += hours_by_tier.get(tier_name, 0.0)
        if any_247:
            shortfall = max(0.0, floor_hours - hours_247)
            book.post(m, ALL, ALL, "support_247_floor", shortfall * support.labor_rate_per_hour)

        # 6: company-level operating lines.
        # AMBIGUITY: "(company level)" is read as applying to accounting_per_month only: the
        # per-invoice part is posted per segment (above), the monthly close under "all".
        book.post(m, ALL, ALL, "accounting", costs.accounting_per_month)
        book.post(m, ALL, ALL, "compliance", costs.compliance_per_year / 12.0)
        book.post(m, ALL, ALL, "systems", costs.systems_per_year / 12.0)
        if direct:
            book.post(m, ALL, ALL, "vendor_support_plan", support.vendor_plan_yearly_cost / 12.0)
            dc = channel.direct
            programme = (
                dc.billing_platform_per_year
                + dc.provisioning_per_year
                + dc.portal_per_year
                + dc.training_per_year
                + dc.compliance_per_year
            )
            book.post(m, ALL, ALL, "direct_programme", programme / 12.0)
        else:
            book.post(
                m, ALL, ALL, "distributor_fees", channel.indirect.distributor_fee_per_month
            )

        # 7: vendor billings are paid with the DPO lag
        schedule_payment(vendor_payments, m, vendor_billings[m], dpo_days)
        deferred_end[m] = deferred
        prepaid_end[m] = prepaid

    # ---- commission plans (section 6a): they replace costs.commission_rate ------------------
    for plan in s.commissions.plans:
        _post_plan(s, plan, book, events, billed_per_month_before)

    # ---- statements (section 8) ---------------------------------------------------------------
    rows = book.rows()
    statement = [{name: 0.0 for name in STATEMENTS} for _ in range(horizon)]
    paid_now = [0.0] * horizon  # costs paid in the month they are incurred
    for month, _seg, _prod, line, stmt, amount in rows:
        statement[month][stmt] += amount
        if stmt != "revenue" and line not in VENDOR_SETTLED_LINES and line not in NON_CASH_LINES:
            paid_now[month] += amount

    # 11: credit exposure: Azure usage not yet collected, plus the next month's usage
    exposure = [0.0] * horizon
    for az in azure.values():
        owed = 0.0
        for m in range(horizon):
            owed += az["billed"][m] - az["cash"][m]
            following = az["charged"][min(m + 1, horizon - 1)]
            exposure[m] += az["unbilled_end"][m] + owed + following
    monthly: list[dict[str, float]] = []
    cumulative_cash = 0.0
    cum_collectible = 0.0
    cum_cash_in = 0.0
    cum_vendor_billed = 0.0
    cum_vendor_paid = 0.0
    for m in range(horizon):
        revenue = statement[m]["revenue"]
        cos = statement[m]["cost_of_sales"]
        opex = statement[m]["operating_costs"]
        cash_in[m] += cash_in_before[m]
        vendor_payments[m] += vendor_paid_before[m]
        cash_out = vendor_payments[m] + paid_now[m]
        net_cash = cash_in[m] - cash_out
        cumulative_cash += net_cash
        cum_collectible += billings[m] - bad_debt_total[m]
        cum_cash_in += cash_in[m]
        cum_vendor_billed += vendor_billings[m]
        cum_vendor_paid += vendor_payments[m]
        monthly.append(
            {
                "revenue": revenue,
                "cost_of_sales": cos,
                "gross_profit": revenue - cos,
                "operating_costs": opex,
                "operating_profit": revenue - cos - opex,
                "customers": customers_end[m],
                "seats": seats_end[m],
                "billings": billings[m],
                "cash_in": cash_in[m],
                "cash_out": cash_out,
                "net_cash": net_cash,
                "cumulative_cash": cumulative_cash,
                "deferred_revenue": deferred_end[m],
                "receivables": opening_receivables + cum_collectible - cum_cash_in,
                "payables": opening_payables + cum_vendor_billed - cum_vendor_paid,
                "prepaid_costs": prepaid_end[m],
                "bad_debt": bad_debt_total[m],
                "vendor_billings": vendor_billings[m],
                "accrued_revenue": accrued_end[m],
                "credit_exposure": exposure[m],
                # extra columns used by the metrics
                "new_customers": new_customers[m],
            }
        )

    result = ReferenceResult(
        scenario_name=s.name, start_month=start, monthly=monthly, ledger=rows
    )
    result.metrics["_hazard_weighted"] = _weighted_hazard(customer_months_by_hazard)
    result.opening = {"receivables": opening_receivables, "payables": opening_payables}
    return result


def _weighted_hazard(pairs: list[tuple[float, float]]) -> float:
    """Monthly churn hazard averaged over segments, weighted by customer-months."""
    weight = sum(c for _h, c in pairs)
    if weight <= 0.0:
        return 0.0
    return sum(h * c for h, c in pairs) / weight


# --------------------------------------------------------------------------------------------
# Headline metrics (section 9)
# --------------------------------------------------------------------------------------------
def _recurring_revenue(result: ReferenceResult) -> list[float]:
    lic = result.line("license_resale")
    sup = result.line("support_plans")
    return [a + b for a, b in zip(lic, sup, strict=True)]


def _metrics(scenario: Scenario, result: ReferenceResult) -> dict[str, float]:
    horizon = scenario.horizon_months
    monthly = result.monthly
    nan = float("nan")

    net_cash = [row["net_cash"] for row in monthly]
    cumulative = [row["cumulative_cash"] for row in monthly]
    rate = scenario.discount_rate_annual
    npv = sum(cash / (1.0 + rate) ** ((m + 1) / 12.0) for m, cash in enumerate(net_cash))

    # first month number (1-based) from which cumulative cash stays >= 0; 0 when it never goes
    # below 0 (from the start), NaN when it is below 0 at the end
    if cumulative[-1] < 0.0:
        break_even = nan
    else:
        last_negative = None
        for m, value in enumerate(cumulative):
            if value < 0.0:
                last_negative = m
        break_even = 0.0 if last_negative is None else float(last_negative + 2)

    # the cash trough counts the opening position (0): a book never below 0 needs no funding
    cash_trough = min([0.0] + cumulative)

    recurring = _recurring_revenue(result)
    ending_mrr = recurring[-1]

    # net revenue retention: a second run in which no customer joins from month w on
    w = max(1, horizon - 12)
    base = recurring[w - 1]
    if w >= horizon:
        retained = recurring[-1]  # the second run is identical (no month >= w exists)
    else:
        retained = _recurring_revenue(_run(scenario, stop_new_from=w))[-1]
    nrr = retained / base if base != 0.0 else nan

    totals = {line: sum(result.line(line)) for line in STATEMENT_OF_LINE}
    revenue = sum(row["revenue"] for row in monthly)
    gross_profit = sum(row["gross_profit"] for row in monthly)
    operating_profit = sum(row["operating_profit"] for row in monthly)

    # CAC per new customer = acquisition spend / new customers over the horizon (the onboarding
    # projects are services with their own margin, not netted against it). The recurring gross
    # margin a customer brings a month = licence + support revenue less what each customer adds
    # to the cost of sales (licence cost, stranded seats, distributor margin, support labour,
    # escalation fees, per-seat tools; not the company's 24/7 floor, not services), per
    # customer-month (sum over months of the month-end customer count).
    new_total = sum(row["new_customers"] for row in monthly)
    customer_months = sum(row["customers"] for row in monthly)
    variable_cos = sum(totals[line] for line in (
        "license_cost", "stranded_seats", "distributor_margin", "support_labor",
        "escalation_fees", "per_seat_tools"))
    recurring_gp = totals["license_resale"] + totals["support_plans"] - variable_cos
    gp_per_customer_month = recurring_gp / customer_months if customer_months > 0.0 else nan
    cac = totals["acquisition"] / new_total if new_total > 0.0 else nan
    # payback 0 with nothing to pay back (no acquisition cost), NaN when a customer's margin
    # is not positive (it never pays back); LTV/CAC NaN without a positive CAC
    if math.isnan(cac):
        cac_payback = nan
    elif cac == 0.0:
        cac_payback = 0.0
    elif gp_per_customer_month > 0.0:
        cac_payback = cac / gp_per_customer_month
    else:
        cac_payback = nan
    # AMBIGUITY: "monthly churn" is the churn hazard h = 1 - (1 - churn_annual)^(1/12) of
    # section 2, averaged over segments weighted by their customer-months (one segment: h).
    hazard = result.metrics["_hazard_weighted"]
    lifetime = min(1.0 / hazard, MAX_LIFETIME_MONTHS) if hazard > 0.0 else MAX_LIFETIME_MONTHS
    if not math.isnan(cac) and cac > 0.0:
        ltv_to_cac = gp_per_customer_month * lifetime / cac
    else:
        ltv_to_cac = nan

    return {
        "npv": npv,
        "break_even_month": break_even,
        "cash_trough": cash_trough,
        "ending_mrr": ending_mrr,
        "ending_arr": 12.0 * ending_mrr,
        "net_revenue_retention": nrr,
        "cac_payback_months": cac_payback,
        "ltv_to_cac": ltv_to_cac,
        # AMBIGUITY: margins are horizon totals (sum of profit over sum of revenue).
        "gross_margin": gross_profit / revenue if revenue != 0.0 else nan,
        "operating_margin": operating_profit / revenue if revenue != 0.0 else nan,
        "revenue": revenue,
        "gross_profit": gross_profit,
        "operating_profit": operating_profit,
        "ending_customers": monthly[-1]["customers"],
        "ending_seats": monthly[-1]["seats"],
    }


def reference_simulate(scenario: Scenario) -> ReferenceResult:
    """Run the reference simulation of ``docs/engine.md`` on a validated scenario.

    Example:
        >>> from cspmodel.io import validate_data
        >>> s = validate_data({"name": "x", "horizon_months": 3, "segments": [{"name": "SMB",
        ...     "customers_at_start": 10, "new_customers_per_month": 0, "churn_annual": 0,
        ...     "seat_growth_annual": 0, "seat_volatility_annual": 0,
        ...     "term_mix": {"monthly": 1}, "product_mix": {"m365_business_premium": 1}}]})
        >>> r = reference_simulate(s)
        >>> round(r.line("license_resale")[0], 6)  # 10 customers x 15 seats x 22 x 1.20
        3960.0
    """
    result = _run(scenario)
    metrics = _metrics(scenario, result)
    result.metrics = metrics
    return result


__all__ = [
    "COST_OF_SALES_LINES",
    "METRIC_NAMES",
    "MONTHLY_COLUMNS",
    "OPERATING_COST_LINES",
    "REVENUE_LINES",
    "STATEMENT_OF_LINE",
    "ReferenceResult",
    "reference_simulate",
]
