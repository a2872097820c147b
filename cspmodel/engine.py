"""The economics engine: one month loop over plain numpy arrays ``(segments, cohorts, paths)``.

The rules are in ``docs/engine.md``; each is a small function named for its business concept,
in this module or the module of its concept (:mod:`cspmodel.book` for churn and seat changes,
:mod:`cspmodel.terms` and :mod:`cspmodel.pricing` for terms and locked prices,
:mod:`cspmodel.support` for the 24/7 floor, :mod:`cspmodel.cash` for cash timing). The state
of the book is one set of arrays per commitment group of terms (the cohort axis of
:class:`cspmodel.terms.Layout`), per unit of the group's share of customers: every term of a
group churns, renews and changes seats alike, and is priced from the group's book times its
share. Paths are the last axis, so a cohort's slice is contiguous for every path at once.

``detail=True`` keeps the ledger per segment and product (a deterministic run, commission
plans); ``detail=False`` sums it over segments and products inside the loop (many paths). The
caller chooses; every statement and metric is the same either way (to rounding).

Example (how many customers does a small MSP's book hold month by month?):
    >>> import cspmodel
    >>> s = cspmodel.load_scenario("scenarios/small_indirect_msp.yaml")
    >>> run_core(build_inputs(s)).customers.shape  # (paths, segments, months)
    (1, 1, 36)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from . import ledger
from .azure import in_use as azure_in_use
from .azure import run_azure
from .book import running_max_factor, seat_change_rates
from .cash import settle
from .financing import financing_month, financing_plan
from .inputs import SEGMENT_DRIVERS, TIER_DRIVERS, Inputs, build_inputs, with_book_rows  # noqa: F401
from .ledger import (  # noqa: F401 - re-exported for the readers of the engine
    COMPANY_LINES,
    PRODUCT_LINES,
    RECURRING_LINES,
    SEGMENT_LINES,
    STATEMENT_OF_LINE,
)
from .support import floor_cost
from .support import floor_hours as support_floor_hours
from .terms import MAX_COMMITMENT, TERMS, keep_at_renewal
from .util import add_months  # noqa: F401 - re-exported: the engine's calendar

# positions of the ledger's lines on each level, looked up by name in the registry
KL = {n: ledger.index("product", n) for n in PRODUCT_LINES}
SL = {n: ledger.index("segment", n) for n in SEGMENT_LINES}
CL = {n: ledger.index("company", n) for n in COMPANY_LINES}
EVENTS = ("booking", "booking_topup", "invoice_topup", "signup_booking", "signup_invoice")


@dataclass
class CoreOutput:
    """Raw arrays from the core, paths first and months last.

    ``product_lines`` ``(P, S, K, 4, H)`` and ``segment_lines`` ``(P, S, L, H)`` with
    ``detail``, else ``(P, 1, 1, 4, H)`` and ``(P, 1, L, H)`` (``L`` the registry's segment
    lines); ``company_lines``
    ``(P, 7, H)``; the book per segment ``(P, S, H)``; ``events``: the cohort events commission
    plans read (licence amounts by segment and month), when asked for.
    """

    product_lines: np.ndarray
    segment_lines: np.ndarray
    company_lines: np.ndarray
    customers: np.ndarray
    seats: np.ndarray
    new_customers: np.ndarray
    churned_customers: np.ndarray
    billings: np.ndarray  # everything billed to customers
    vendor_billings: np.ndarray  # (P, H)
    deferred_opening: np.ndarray  # (P,)
    prepaid_opening: np.ndarray  # (P,)
    invoices_before: np.ndarray  # (P,) the starting book's collectible month of invoices
    vendor_before: np.ndarray  # (P,) and of vendor bills, open at the start
    licence_before: np.ndarray  # (P, S) licences the starting book billed a month before
    support_before: np.ndarray  # (P, S) its support plans billed a month before
    events: dict[str, np.ndarray] = field(default_factory=dict)
    accrued: np.ndarray | None = None  # (P, S, H) revenue recognised less billed (financing,
    # Azure usage) before write-offs
    accrued_opening: np.ndarray | None = None  # (P,) Azure usage of the month before the start
    financed_billings: np.ndarray | None = None  # (P, S, H) installments less the financed
    # part of the services price (billings that are not the services line as recognised)
    azure: dict[str, np.ndarray] = field(default_factory=dict)  # cspmodel.azure.run_azure
    cash_in: np.ndarray | None = None
    cash_out: np.ndarray | None = None
    receivables: np.ndarray | None = None
    payables: np.ndarray | None = None
    receivables_opening: np.ndarray | None = None
    payables_opening: np.ndarray | None = None
    commission_plans: np.ndarray | None = None  # (P, S, plans, 4, H) cspmodel.commissions


def seq_sum(x: np.ndarray, axis: int) -> np.ndarray:
    """Sum along ``axis`` in index order, whatever the array's layout, so that one path gives
    the same bits as each path of many (numpy's ``sum`` adds a contiguous axis pairwise).

    Example:
        >>> seq_sum(np.arange(6.0).reshape(2, 3), 1)
        array([ 3., 12.])
    """
    if x.shape[-1] > 1 and axis != x.ndim - 1:
        return x.sum(axis=axis)  # paths innermost: numpy adds along ``axis`` one by one
    return np.cumsum(x, axis=axis).take(-1, axis=axis)  # one path: in order all the same


# --------------------------------------------------------------------------------------------
# Rules of one month (docs/engine.md section 2): each works on the cohort arrays in place
# --------------------------------------------------------------------------------------------
def change_seats(users: np.ndarray, committed: np.ndarray, reference: np.ndarray,
                 factor: np.ndarray, growth: np.ndarray, waits: np.ndarray) -> np.ndarray:
    """2(a): users change by the month's expected net growth; a commitment that waits for
    renewal holds the expected running maximum of its users since the term started,
    ``max(S, S_ref x G(j))`` (:func:`cspmodel.book.running_max_factor`; ``reference`` the
    users at the term's start, ``factor`` ``G`` at the months since), so an addition first
    reuses an idle committed seat; a monthly term follows its users. Returns the seats bought
    this month ``(S, Q, P)``.

    Example (100 users, no growth, G = 1.023: the annual cohort buys 2.3 seats):
        >>> u, c = np.full((1, 2, 1), 100.0), np.full((1, 2, 1), 100.0)
        >>> bought = change_seats(u, c, u.copy(), np.full((1, 2, 1), 1.023), np.ones((1, 1)),
        ...                       np.array([False, True]))
        >>> [round(float(x), 6) for x in c[0, :, 0]], round(float(bought[0, 1, 0]), 6)
        ([100.0, 102.3], 2.3)
    """
    users *= growth[:, None, :]
    target = np.maximum(users, reference * factor)
    target[:, ~waits, :] = users[:, ~waits, :]
    bought = np.maximum(target - committed, 0.0)
    committed[:] = target
    return bought


def renew(cohort: int, keep: np.ndarray, joiners: np.ndarray, seats_per_customer: np.ndarray,
          customers: np.ndarray, users: np.ndarray, committed: np.ndarray,
          reference: np.ndarray | None = None, lapse: np.ndarray | None = None
          ) -> tuple[np.ndarray, ...]:
    """2(b, c): the renewing cohort keeps ``keep`` of its customers and users, takes the
    month's new customers with their seats, and commits afresh to its users. Returns the
    customers and users who left ``(S, P)``; with ``lapse`` (a share of those kept who let
    the term lapse into the extended service term) also the customers and users who lapsed.

    Example (10 customers of 5 users, 80% stay, 2 join):
        >>> n, u, c = (np.full((1, 1, 1), x) for x in (10.0, 50.0, 60.0))
        >>> gone = renew(0, np.full((1, 1), 0.8), np.full((1, 1), 2.0), np.full((1, 1), 5.0),
        ...              n, u, c)
        >>> [round(float(x[0, 0]), 9) for x in gone], float(n[0, 0, 0]), float(c[0, 0, 0])
        ([2.0, 10.0], 10.0, 50.0)
    """
    n, u = customers[:, cohort], users[:, cohort]
    gone = (n * (1.0 - keep), u * (1.0 - keep))
    if lapse is not None:
        gone += (n * keep * lapse, u * keep * lapse)
        keep = keep * (1.0 - lapse)
    customers[:, cohort] = n * keep + joiners
    users[:, cohort] = u * keep + joiners * seats_per_customer
    committed[:, cohort] = users[:, cohort]
    if reference is not None:  # a new term: its running maximum starts from here
        reference[:, cohort] = users[:, cohort]
    return gone


def billing_position(month: int, commitment: int, billing: int) -> np.ndarray:
    """Months since each phase's last bill, ``(m - phase) mod billing`` (0: billed now), for the
    ``commitment`` phases of a group. A phase renews when ``(m - phase) mod commitment = 0``.

    Example (a three-year term billed yearly, month 14: phases 2, 14 and 26 are billed):
        >>> np.nonzero(billing_position(14, 36, 12) == 0)[0].tolist()
        [2, 14, 26]
    """
    return np.mod(month - np.arange(commitment), billing)


def value_rows(x: np.ndarray, weights: np.ndarray, exact: bool) -> np.ndarray:
    """Value a cohort array ``x`` ``(S, c, P)`` under rows of per-cohort weights ``(S, v, K, c)``
    (prices per user, per product with ``K`` products or summed over them with ``K = 1``):
    ``(S, v, K, P)``. ``exact`` sums the cohorts in order (the same bits for one path as for
    each of many); otherwise one batched matrix product (many paths).

    Example (10 and 20 seats at 5 a seat, 30 and 40 at 1):
        >>> x = np.array([[[10.0], [20.0]]])
        >>> w = np.array([[[[5.0, 5.0]], [[1.0, 0.0]]]])
        >>> value_rows(x, w, True)[0, :, 0, 0].tolist(), value_rows(x, w, False).shape
        ([150.0, 10.0], (1, 2, 1, 1))
    """
    if exact:
        return seq_sum(x[:, None, None, :, :] * weights[..., None], 3)
    S, v, K, c = weights.shape
    return np.matmul(weights.reshape(S, v * K, c), x).reshape(S, v, K, x.shape[-1])


def prepaid_term_values(bill: int, rows_c: np.ndarray, rows_a: np.ndarray, rows_d: np.ndarray,
                        committed: np.ndarray, added: np.ndarray, adds: np.ndarray,
                        prepay: np.ndarray, markup: np.ndarray, dm: np.ndarray, exact: bool
                        ) -> tuple[np.ndarray, ...]:
    """Sections 4 and 5 for a term billed ``bill`` months ahead. Revenue is recognised each
    month, ``((C - A) x (1 - prepay) + A) x P``: seats added since the last bill are at list. A
    cohort billed this month is billed ``bill x C x P x (1 - prepay)``; the others bill their
    additions for the months left in the billing period, at list. Licence cost and the
    distributor's margin are recognised on ``C``; the vendor bills ``bill x C`` at cost when
    the customer is billed, and the additions prorated. The price rows (:func:`term_rows`):
    ``rows_c`` list, cost, list and cost of the cohorts billed now; ``rows_a`` list; ``rows_d``
    list and cost times the months left of the others, each ``(S, v, K, c)``. Returns revenue,
    billings, cost, distributor margin and vendor billings, ``(S, K, P)``.

    Example (10 seats of an annual upfront term billed now at 20 a month, 5% prepay
    discount, partner discount 20%, no distributor):
        >>> one, z = np.ones((1, 1, 1, 1)), np.zeros((1, 1, 1))
        >>> rows = np.concatenate([20 * one, 16 * one, 20 * one, 16 * one], axis=1)
        >>> v = prepaid_term_values(12, rows, 20 * one, np.zeros((1, 2, 1, 1)), 10 + z, z, z,
        ...     np.full((1, 1), 0.05), np.ones((1, 1)), np.zeros((1, 1)), True)
        >>> [round(float(x[0, 0, 0]), 6) for x in v]
        [190.0, 2280.0, 160.0, 0.0, 1920.0]
    """
    vc = value_rows(committed, rows_c, exact)
    va = value_rows(added, rows_a, exact)[:, 0]
    vd = value_rows(adds, rows_d, exact)
    pd_, mk, dm_ = prepay[:, None], markup[:, None], dm[:, None]
    revenue = mk * ((1.0 - pd_) * vc[:, 0] + pd_ * va)
    billed = mk * (bill * (1.0 - pd_) * vc[:, 2] + vd[:, 0])
    vendor = bill * (vc[:, 3] + dm_ * vc[:, 2]) + vd[:, 1] + dm_ * vd[:, 0]
    return revenue, billed, vc[:, 1], dm_ * vc[:, 0], vendor


def monthly_term_values(rows: np.ndarray, committed: np.ndarray, users: np.ndarray,
                        flexible: np.ndarray | None, markup: np.ndarray, dm: np.ndarray,
                        exact: bool) -> tuple[np.ndarray, ...]:
    """Sections 4 and 5 for a term billed monthly: billed seats are the committed seats ``C``,
    or under a flexible contract on a commitment (``flexible``, per segment) the users ``S``;
    the partner keeps paying the vendor for ``C``, so ``C - S`` are stranded at cost. ``rows``:
    list and cost per user of each cohort ``(S, 2, K, c)``. Returns revenue (= billings),
    licence cost, stranded seats, distributor margin and vendor billings, ``(S, K, P)``.

    Example (flexible: 10 committed seats, 8 users, list 20, cost 16):
        >>> one = np.ones((1, 1, 1))
        >>> rows = np.array([20.0, 16.0]).reshape(1, 2, 1, 1)
        >>> v = monthly_term_values(rows, 10 * one, 8 * one, np.array([True]),
        ...                         np.ones((1, 1)), np.zeros((1, 1)), True)
        >>> [float(x[0, 0, 0]) for x in v]
        [160.0, 128.0, 32.0, 0.0, 160.0]
    """
    vc = value_rows(committed, rows, exact)
    dm_ = dm[:, None]
    stranded = None
    billed_w, billed_wc = vc[:, 0], vc[:, 1]
    if flexible is not None:
        vs = value_rows(users, rows, exact)
        flex = flexible[:, None, None]
        billed_w = np.where(flex, vs[:, 0], billed_w)
        billed_wc = np.where(flex, vs[:, 1], billed_wc)
        stranded = np.where(flex, vc[:, 1] - vs[:, 1], 0.0)
    revenue = markup[:, None] * billed_w
    return revenue, billed_wc, stranded, dm_ * vc[:, 0], vc[:, 1] + dm_ * vc[:, 0]


def term_rows(inp: Inputs, t: int, detail: bool) -> dict[str, np.ndarray]:
    """The price rows of term ``t`` for every month, computed once per run: per cohort of its
    group, months since its last bill ``pos`` ``(H, c)``, and the list and cost value per user
    (per product with ``detail``) arranged as :func:`prepaid_term_values` and
    :func:`monthly_term_values` read them, ``(H, S, v, K, c)``.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 3\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> rows = term_rows(build_inputs(s), 2, False)  # the annual upfront term
        >>> rows["pos"].shape, rows["c"].shape  # (months, cohorts), (months, S, v, K, c)
        ((3, 12), (3, 1, 4, 1, 12))
    """
    lay = inp.layout
    term = TERMS[lay.terms[t]]
    span = lay.span(lay.term_group[t])
    c, H = term.commitment, inp.horizon
    pos = np.stack([billing_position(m, c, term.billing) for m in range(H)])  # (H, c)
    locked = inp.locked[t][:, span, :]  # (K, c, H)
    w_seg = np.einsum("sk,kch->hsc", inp.share, locked)  # (H, S, c)
    if detail:
        w = inp.share[None, :, :, None] * np.moveaxis(locked, 2, 0)[:, None]  # (H, S, K, c)
        wc = w * (1.0 - inp.partner_discount)[None, None, :, None]
    else:
        w = w_seg[:, :, None]
        wc = np.einsum("sk,kch->hsc", inp.share * (1.0 - inp.partner_discount)[None],
                       locked)[:, :, None]
    out = {"pos": pos, "seg": w_seg}
    if not term.prepaid:
        out["c"] = np.stack([w, wc], axis=2)
        return out
    e = (pos == 0).astype(float)[:, None, None, :]
    later = ((term.billing - pos) * (pos != 0))[:, None, None, :]
    out["c"] = np.stack([w, wc, w * e, wc * e], axis=2)
    out["a"] = w[:, :, None]
    out["d"] = np.stack([w * later, wc * later], axis=2)
    return out


def ach_fees(amount: np.ndarray, customers: np.ndarray, charged: np.ndarray | None,
             rate: np.ndarray, cap: np.ndarray, work: np.ndarray) -> np.ndarray:
    """Section 6: debit fees of a term's cohorts summed over cohorts ``(S, P)``: per charge
    ``min(rate x amount / charges, cap)`` times the charges (one per customer of a cohort
    charged this month); an amount billed with no charge pays the rate alone. ``amount`` and
    ``customers`` are ``(S, c, P)``; ``charged`` says which cohorts are charged (None: all);
    ``amount`` and ``work`` (the same shape) are overwritten.

    Example (100 debited from each of 2 customers at 0.8% capped at 0.5: 1.0 of fees):
        >>> float(ach_fees(np.full((1, 1, 1), 200.0), np.full((1, 1, 1), 2.0), None,
        ...                np.full((1, 1), 0.008), np.full((1, 1), 0.5),
        ...                np.empty((1, 1, 1)))[0, 0])
        1.0
    """
    amount *= rate[:, None, :]  # the fee at the rate
    np.multiply(customers, cap[:, None, :], out=work)
    np.minimum(amount, work, out=work)  # capped per charge
    if charged is None:
        return work.sum(axis=1)
    np.copyto(amount, work, where=charged)
    return amount.sum(axis=1)


# --------------------------------------------------------------------------------------------
# The month loop
# --------------------------------------------------------------------------------------------
def _drivers(inp: Inputs, P: int) -> tuple:  # noqa: ANN401 - plain arrays for the loop
    S = len(inp.segments)

    def seg(name: str) -> np.ndarray:  # (S, P)
        return np.ascontiguousarray(np.broadcast_to(inp.drivers[name], (P, S)).T, dtype=float)

    def com(name: str) -> np.ndarray:  # (1, P)
        return np.ascontiguousarray(np.broadcast_to(inp.drivers[name], (P, 1)).T, dtype=float)

    return seg, com


@dataclass
class _Run:
    """What a run fixes before its first month: drivers as ``(S, P)`` or ``(1, P)`` arrays,
    the terms' prices for every month, and the rates of the cost lines."""

    P: int
    detail: bool
    terms: list
    shares: np.ndarray  # (T, S, P) each term's share of the customers
    gshare: np.ndarray  # (G, S, P) each commitment group's share
    keep: list  # per group (S, P): customers kept at a renewal
    waits: np.ndarray  # (Q,) commitments whose seats wait for renewal
    rows: list  # per term: prices of every month (term_rows)
    G: np.ndarray  # (S, J, P) expected running maximum of users, by months since the term start
    d: dict  # drivers (S, P) and company rates (1, P)
    lapse: list  # per month: (S, P) share of renewing commitments that lapse, or None
    fin: dict | None = None  # financed vintages (cspmodel.financing.financing_plan), or None


def _prepare(inp: Inputs, P: int, detail: bool) -> _Run:
    """Drivers, prices and rates of a run (docs/engine.md sections 1 to 3)."""
    lay = inp.layout
    T = len(lay.terms)
    seg, com = _drivers(inp, P)
    terms = [TERMS[k] for k in lay.terms]
    shares = np.stack([seg(f"term_{k}") for k in lay.terms])
    gshare = np.stack([shares[[t for t in range(T) if lay.term_group[t] == g]].sum(axis=0)
                       for g in range(len(lay.groups))])
    waits = np.array([all(terms[t].waits_for_renewal for t in range(T)
                          if lay.term_group[t] == g) for g in lay.group])
    d = {name: seg(name) for name in (
        "seats_per_customer", "prepay_discount", "markup_vs_list", "churn_annual",
        "seat_growth_annual", "seat_volatility_annual", "customers_at_start",
        "new_customers_per_month", "pay_card", "pay_ach", "pay_invoice",
        "tier_price_per_seat_month", "tier_tickets_per_seat_month", "tier_escalation_rate",
        "tier_minutes_per_ticket", "tier_escalation_minutes", "financing_share",
        "financing_annual_rate")}
    d.update({name: com(name) for name in (
        "labor_rate_per_hour", "escalation_fee_per_ticket", "systems_per_seat_month",
        "card_fee_rate", "card_fee_per_charge", "license_admin_per_seat_change",
        "accounting_per_invoice", "commission_rate", "acquisition_cost_per_customer",
        "bad_debt_rate", "ach_fee_rate", "ach_fee_cap", "distributor_margin", "utilization",
        "staff_on_shift_247", "onboarding_price_per_customer", "onboarding_cost_per_customer",
        "deployment_price_per_seat", "deployment_cost_per_seat")})
    d["add_rate"], d["red_rate"] = seat_change_rates(d["seat_growth_annual"],
                                                     d["seat_volatility_annual"])
    d["growth"] = 1.0 + d["add_rate"] - d["red_rate"]
    d["mk"] = 1.0 + d["markup_vs_list"]
    d["hours_per_user"] = (d["tier_tickets_per_seat_month"] * (
        d["tier_minutes_per_ticket"] + d["tier_escalation_rate"] * d["tier_escalation_minutes"])
        / 60.0 / d["utilization"])
    spc = d["seats_per_customer"]
    d["onb_price"] = d["onboarding_price_per_customer"] + spc * d["deployment_price_per_seat"]
    d["onb_cost"] = d["onboarding_cost_per_customer"] + spc * d["deployment_cost_per_seat"]
    d["onb_billed"] = d["onb_price"] * (1.0 - d["financing_share"])  # the rest is financed
    d["floor_hours"] = support_floor_hours(d["staff_on_shift_247"])[0]
    d["share_sum"] = inp.share.sum(axis=1)[:, None]
    # what does not change from month to month
    d["has_price"] = d["tier_price_per_seat_month"] > 0
    d["has_price_all"] = bool(d["has_price"].all())
    d["ach_used"] = bool((d["pay_ach"] > 0).any())
    d["flex_any"] = bool(inp.flexible.any())
    d["gshare_sum"] = sum(gshare[g] for g in range(len(lay.groups))
                          if g != lay.extended)  # the books new customers join
    G = np.ascontiguousarray(np.moveaxis(running_max_factor(
        d["seat_growth_annual"], d["seat_volatility_annual"], MAX_COMMITMENT), 2, 1))
    keep = [keep_at_renewal(d["churn_annual"], c) for c in lay.groups]
    fin = None
    if (d["financing_share"] > 0).any() and (d["new_customers_per_month"] > 0).any():
        fin = financing_plan(d["financing_annual_rate"], inp.financing_months, lay.groups,
                             lay.extended)
        fin["keep"] = np.stack(keep)
        fin["joins"] = np.array([g != lay.extended for g in range(len(lay.groups))])
    return _Run(P, detail, terms, shares, gshare, keep, waits,
                [term_rows(inp, t, detail) for t in range(T)], G, d, _lapse(inp, seg), fin)


def _lapse(inp: Inputs, seg) -> list:  # noqa: ANN001
    """Section 2(b): the share of renewing commitments that lapse into the extended service
    term, month by month: none before the term exists (renewals from May 2026 on)."""
    if inp.layout.extended is None:
        return [None] * inp.horizon
    from .catalog import FACTS

    share = seg("lapse_share")
    since = dt.date.fromisoformat(str(FACTS["extended_service_from"].value)).replace(day=1)
    return [share if add_months(inp.scenario.start_month, m) >= since else None
            for m in range(inp.horizon)]


def cost_of_service(d: dict, users: np.ndarray, users_before: np.ndarray,
                    joined: np.ndarray, churned_seats: np.ndarray, billed: np.ndarray,
                    charges: np.ndarray, ach: np.ndarray, licence_revenue: np.ndarray,
                    support_revenue: np.ndarray) -> dict[str, np.ndarray]:
    """Sections 5 and 6: the month's segment lines other than licences, each ``(S, P)``:
    support labour (users x hours per user x rate), escalation fees, services delivery,
    per-seat tools, card processing (rate x billed + fee x charges), debit fees, licence
    administration (licence changes x fee), accounting per invoice, the flat commission,
    acquisition and bad debt.

    Example (what does one new customer of 10 users cost to win and to set up?):
        >>> one = np.ones((1, 1))
        >>> d = {k: 0 * one for k in ("labor_rate_per_hour", "hours_per_user",
        ...      "tier_tickets_per_seat_month", "tier_escalation_rate",
        ...      "escalation_fee_per_ticket", "systems_per_seat_month", "pay_card", "pay_ach",
        ...      "card_fee_rate", "card_fee_per_charge", "add_rate", "red_rate",
        ...      "license_admin_per_seat_change", "accounting_per_invoice",
        ...      "commission_rate", "bad_debt_rate", "share_sum")}
        >>> d.update(onb_cost=600 * one, acquisition_cost_per_customer=1500 * one,
        ...          seats_per_customer=10 * one)
        >>> lines = cost_of_service(d, *(one * x for x in (10, 0, 1, 0, 0, 0, 0, 0, 0)))
        >>> float(lines["acquisition"][0, 0]), float(lines["services_cost"][0, 0])
        (1500.0, 600.0)
    """
    return {
        "support_labor": users * d["hours_per_user"] * d["labor_rate_per_hour"],
        "escalation_fees": users * d["tier_tickets_per_seat_month"]
        * d["tier_escalation_rate"] * d["escalation_fee_per_ticket"],
        "services_cost": joined * d["onb_cost"],
        "per_seat_tools": users * d["systems_per_seat_month"],
        "card_processing": d["pay_card"] * (d["card_fee_rate"] * billed
                                            + d["card_fee_per_charge"] * charges),
        "ach_fees": d["pay_ach"] * ach,
        "license_admin": ((d["add_rate"] + d["red_rate"]) * users_before + churned_seats
                          + joined * d["seats_per_customer"]) * d["share_sum"]
        * d["license_admin_per_seat_change"],
        "accounting": charges * d["accounting_per_invoice"],
        "commissions": (licence_revenue + support_revenue) * d["commission_rate"],
        "acquisition": joined * d["acquisition_cost_per_customer"],
        "bad_debt": billed * d["bad_debt_rate"],
    }


def run_core(inp: Inputs, join_from: np.ndarray | None = None, detail: bool = True,
             first_month: int = 0, events: bool = False, cash: bool = True,
             consumption: bool = True) -> CoreOutput:
    """Run every month for every path at once (``docs/engine.md`` sections 1 to 7).

    ``join_from`` ``(P,)``: new customers join from that month on; ``first_month`` skips the
    months before it (only for a book empty until then); ``detail`` keeps the ledger per
    segment and product; ``events`` records the cohort events commission plans read; ``cash``
    settles the cash (:func:`with_cash`); ``consumption`` adds Azure (section 11; a run that
    reads only the recurring licence and support lines can leave it out).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 12\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> core = run_core(build_inputs(s), detail=False)
        >>> core.product_lines.shape, core.segment_lines.shape
        ((1, 1, 1, 4, 12), (1, 1, 21, 12))
    """
    # at least two paths on the innermost axis, so that numpy adds every other axis in index
    # order (see seq_sum): one path gives the same bits as each path of many
    P_out, H = inp.n_paths, inp.horizon
    P = max(P_out, 2)
    user_inp, inp = inp, with_book_rows(inp)  # the opening book's rows as segments
    S, K = inp.share.shape
    lay = inp.layout
    run = _prepare(inp, P, detail)
    d = run.d
    start = None if join_from is None else np.broadcast_to(np.asarray(join_from), (P,))[None]
    # the book at the start: customers spread evenly over each group's phases (section 1),
    # and the opening book's subscriptions each on its own renewal month
    N = d["customers_at_start"][:, None, :] / lay.commitment[None, :, None]
    if lay.extended is not None:  # no one starts on the extended service term
        N[:, lay.span(lay.extended)] = 0.0
    U = N * seats_at_start(inp, P)[:, None, :]
    if inp.book is not None:
        scale = np.broadcast_to(inp.drivers["book_scale"], (P, 1)).T  # (1, P)
        first = len(user_inp.segments)
        N[first:] += inp.book.customers[:, :, None] * scale[:, None, :]
        U[first:] += inp.book.seats[:, :, None] * scale[:, None, :]
    C, U_ref = U.copy(), U.copy()  # committed seats; users at each term's start
    since = np.zeros(lay.n_cohorts, dtype=int)  # months since then
    A = np.zeros((len(lay.terms), S, lay.n_cohorts, P))  # added since a prepaid term's bill
    opening = _opening(inp, lay, run.terms, run.shares, run.gshare, U, C, d, d["mk"],
                       d["prepay_discount"])
    out_k = np.zeros((H, S, K, len(PRODUCT_LINES), P) if detail
                     else (H, 1, 1, len(PRODUCT_LINES), P))
    out_s = np.zeros((H, S if detail else 1, len(SEGMENT_LINES), P))
    out_c = np.zeros((H, len(COMPANY_LINES), P))
    book = np.zeros((5, H, S, P))  # customers, seats, new, churned, billings
    vendor_b = np.zeros((H, P))
    ev = np.zeros((len(EVENTS), H, S, P)) if events else None
    accrued = np.zeros((H, 2, S, P))  # revenue recognised before it is billed (financing), and
    # the financed deployments' billings less their price
    users = _per_segment(U, run.gshare, lay)
    customers_before = _per_segment(N, run.gshare, lay)
    work: dict = {}  # scratch arrays reused every month
    for m in range(first_month, H):
        joiners = d["new_customers_per_month"]
        if start is not None:
            joiners = np.where(m >= start, joiners, 0.0)
        users = _month(m, inp, run, N, U, C, U_ref, since, A, joiners, users, work, ev,
                       out_k[m], out_s[m], out_c[m], book[:, m], vendor_b[m:m + 1],
                       accrued[m])
    _fixed_company_lines(out_c, inp)

    def out(x: np.ndarray, per_segment: bool = True) -> np.ndarray:
        # (H, S, ..., P) -> (P_out, S, ..., H), the opening book's rows added to their segments
        x = _months_last(x[..., :P_out])
        return _fold_book(x, inp.book, len(user_inp.segments)) if per_segment else x

    core = CoreOutput(
        product_lines=out(out_k, detail), segment_lines=out(out_s, detail),
        company_lines=out(out_c, False), customers=out(book[0]), seats=out(book[1]),
        new_customers=out(book[2]), churned_customers=out(book[3]), billings=out(book[4]),
        vendor_billings=out(vendor_b, False),
        **{k: v[..., :P_out] if k not in PER_SEGMENT_OPENING
           else _fold_book(v[:P_out], inp.book, len(user_inp.segments))
           for k, v in opening.items()},
        events={} if ev is None else {n: out(ev[i]) for i, n in enumerate(EVENTS)},
        accrued=out(accrued[:, 0]), accrued_opening=np.zeros(P_out),
        financed_billings=out(accrued[:, 1]))
    if consumption and azure_in_use(user_inp):
        _add_azure(core, user_inp, _fold_book(customers_before.T[:P_out], inp.book,
                                              len(user_inp.segments)), detail)
    return with_cash(core, user_inp) if cash else core


def _add_azure(core: CoreOutput, inp: Inputs, customers_before: np.ndarray,
               detail: bool) -> None:
    """Section 11: Azure consumption, from the run's customers, into the ledger and balances."""
    az = run_azure(inp, core.customers, customers_before)
    for name in ("azure_consumption", "azure_management_fees", "azure_cost",
                 "azure_reservations", "azure_pec", "azure_bad_debt"):
        value = az[name] if detail else az[name].sum(axis=1, keepdims=True)
        core.segment_lines[:, :, SL[name]] += value
    core.accrued = core.accrued + az["accrued"]
    core.accrued_opening = az["unbilled_before"].sum(axis=1)
    core.azure = az


PER_SEGMENT_OPENING = ("licence_before", "support_before")


def _fold_book(x: np.ndarray, book, S: int) -> np.ndarray:  # noqa: ANN001
    """Add the opening book's rows (segments ``S`` on, axis 1) into their segments."""
    if book is None:
        return x
    folded = x[:, :S].copy()
    for b, parent in enumerate(book.parent):
        folded[:, parent] += x[:, S + b]
    return folded


def _month(m: int, inp: Inputs, run: _Run, N, U, C, U_ref, since, A, joiners, users_before,  # noqa: ANN001, PLR0913
           work, ev, ok, os_, oc, book, vendor_b, accrued) -> np.ndarray:
    """One month of section 2 (seat changes, renewals, new customers) and the pricing and costs
    of sections 4 to 6, written into the month's slices of the outputs. Returns the users."""
    lay, d, S, P = inp.layout, run.d, N.shape[0], N.shape[2]
    since += 1
    adds = change_seats(U, C, U_ref, run.G[:, since, :], d["growth"], run.waits)
    churned, churned_seats = np.zeros((S, P)), np.zeros((S, P))
    joining = [lay.offsets[g] + m % c for g, c in enumerate(lay.groups)]
    lapse, lapsed = run.lapse[m], []
    for g, q in enumerate(joining):
        if g == lay.extended:  # no one joins it; the month's lapsed commitments arrive
            gone_n, gone_u = renew(q, run.keep[g], 0.0, d["seats_per_customer"], N, U, C, U_ref)
            for g0, n0, u0 in lapsed:
                N[:, q] += run.gshare[g0] * n0
                U[:, q] += run.gshare[g0] * u0
            C[:, q] = U[:, q]
        else:
            gone_n, gone_u, *moved = renew(q, run.keep[g], joiners, d["seats_per_customer"],
                                           N, U, C, U_ref, lapse if lay.groups[g] > 1 else None)
            if moved:
                lapsed.append((g, *moved))
        since[q] = 0
        churned += run.gshare[g] * gone_n
        churned_seats += run.gshare[g] * gone_u
    for t, term in enumerate(run.terms):
        if term.prepaid:
            span = lay.span(lay.term_group[t])
            A[t][:, span] += adds[:, span]
            A[t][:, span][:, run.rows[t]["pos"][m] == 0] = 0.0
    rev_k, cost_k, strand_k, dist_k, lic_bill, vendor, charges, ach = _price_terms(
        m, inp, lay, run.terms, run.shares, N, U, C, A, adds, run.rows, d["mk"],
        d["prepay_discount"], d["distributor_margin"], run.detail, joining, joiners,
        d["tier_price_per_seat_month"], d["onb_billed"], d["seats_per_customer"],
        d["has_price"], d["pay_ach"] if d["ach_used"] else None, d, ev, work)
    users = _per_segment(U, run.gshare, lay)
    joined = joiners * d["gshare_sum"]
    sup_rev = users * d["tier_price_per_seat_month"]
    serv_rev = joined * d["onb_price"]
    billed = lic_bill + sup_rev + joined * d["onb_billed"]
    financed = {}
    if run.fin is not None:  # installments ride on the customer's charges (docs/engine.md 11)
        f = run.fin
        joins = joiners[None] * run.gshare * d["financing_share"][None] * f["joins"][:, None,
                                                                                    None]
        inst, interest, off = (x * d["onb_price"] for x in financing_month(
            f["F"], joins, f["keep"], f["renews"], f["alive"], lapse, f["lapsing"],
            lay.extended, f["pay"], f["before"], f["rate"]))
        billed = billed + inst
        ach = ach + d["ach_fee_rate"] * inst  # the rate alone: the cap is the charge's
        financed = {"financing_interest": interest, "financing_write_offs": off}
        accrued[0] = serv_rev - joined * d["onb_billed"] + interest - inst
        accrued[1] = inst - (serv_rev - joined * d["onb_billed"])  # billed unlike services
    lines = {"support_plans": sup_rev, "services": serv_rev, **financed, **cost_of_service(
        d, users, users_before, joined, churned_seats, billed, charges, ach,
        rev_k.sum(axis=1), sup_rev)}
    _store(ok, os_, run.detail, (rev_k, cost_k, strand_k, dist_k), lines)
    if inp.n_247:  # one shift serves every 24/7 tier sold
        hours = users * d["hours_per_user"]
        oc[CL["support_247_floor"]] = floor_cost(hours[inp.tier_index >= 0].sum(axis=0),
                                                 d["floor_hours"], d["labor_rate_per_hour"][0])
    for i, x in enumerate((_per_segment(N, run.gshare, lay), users, joined, churned, billed)):
        book[i] = x
    vendor_b[0] = vendor.sum(axis=0)
    return users


def seats_at_start(inp: Inputs, P: int) -> np.ndarray:
    """Section 1: users per customer of the book at the start, ``(S, P)``: the segment's
    ``seats_per_customer_at_start``, or where it has none its ``seats_per_customer`` (the new
    customers').

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- {name: A, seats_per_customer: 8,"
        ...     " seats_per_customer_at_start: 20, product_mix: {m365_business_basic: 1}}\\n"
        ...     "- {name: B, seats_per_customer: 8, product_mix: {m365_business_basic: 1}}\\n")
        >>> seats_at_start(build_inputs(s), 1)[:, 0].tolist()
        [20.0, 8.0]
    """
    S = inp.drivers["seats_per_customer"].shape[1]
    at_start = np.broadcast_to(inp.drivers["seats_per_customer_at_start"], (P, S)).T
    new = np.broadcast_to(inp.drivers["seats_per_customer"], (P, S)).T
    return np.ascontiguousarray(np.where(np.isnan(at_start), new, at_start), dtype=float)


def _fixed_company_lines(out_c: np.ndarray, inp: Inputs) -> None:
    """Section 6: the company's fixed costs, a twelfth of a year's each month."""
    P = out_c.shape[-1]

    def com(name: str) -> np.ndarray:  # (P,)
        return np.broadcast_to(inp.drivers[name], (P, 1))[:, 0].astype(float)

    for name, value in (("accounting", com("accounting_per_month")),
                        ("compliance", com("compliance_per_year") / 12.0),
                        ("systems", com("systems_per_year") / 12.0),
                        ("vendor_support_plan", com("vendor_plan_per_year") / 12.0),
                        ("direct_programme", com("direct_programme_per_year") / 12.0),
                        ("distributor_fees", com("distributor_fee_per_month"))):
        out_c[:, CL[name]] = value


def _months_last(x: np.ndarray) -> np.ndarray:
    """(H, ..., P) -> (P, ..., H), a view: the loop writes months first, readers sum."""
    return np.moveaxis(x, (0, -1), (-1, 0))


def _per_segment(x: np.ndarray, gshare: np.ndarray, lay) -> np.ndarray:  # noqa: ANN001
    """Sum a cohort array ``(S, Q, P)`` over each group's phases times the group's share."""
    return sum(gshare[g] * seq_sum(x[:, lay.span(g)], 1) for g in range(len(lay.groups)))


def _store(ok: np.ndarray, os_: np.ndarray, detail: bool, product: tuple, lines: dict) -> None:
    """Write a month's ledger: per segment and product, or summed (many paths)."""
    for name, value in zip(("license_resale", "license_cost", "stranded_seats",
                            "distributor_margin"), product, strict=True):
        ok[:, :, KL[name]] = value if detail else seq_sum(value.sum(axis=0), 0)
    for name, value in lines.items():
        os_[:, SL[name]] = value if detail else value.sum(axis=0)


def _price_terms(m: int, inp: Inputs, lay, terms, shares, N, U, C, A, adds, rows, mk, pd_,  # noqa: ANN001, PLR0913
                 dm, detail, joining, joiners, tier_price, onb_price, spc, has_price,
                 pay_ach, rate, ev, work) -> tuple:
    """Sections 4 to 6 for every term of the layout: licence revenue, cost, stranded seats and
    distributor margin (per product with ``detail``), licence billings, vendor billings,
    charges and debit fees per segment; and the cohort events of commission plans."""
    S, K, P = N.shape[0], len(inp.products), N.shape[2]
    kk = K if detail else 1
    rev_k, cost_k, strand_k, dist_k = (np.zeros((S, kk, P)) for _ in range(4))
    bill, vendor, charges, ach = (np.zeros((S, P)) for _ in range(4))
    flex_any = rate["flex_any"]  # rate: the run's drivers
    customers_all: dict[int, np.ndarray] = {}  # customers of each group, summed once
    for t, term in enumerate(terms):
        g = lay.term_group[t]
        span, c = lay.span(g), lay.groups[g]
        sh = shares[t]
        rw = rows[t]
        pos = rw["pos"][m]
        now = pos == 0
        n_, c_, u_ = N[:, span], C[:, span], U[:, span]
        w_seg = rw["seg"][m]  # (S, c) list value per user, all products
        if term.prepaid:
            left = (term.billing - pos).astype(float)
            rev, billed, cost, dist, vend = prepaid_term_values(
                term.billing, rw["c"][m], rw["a"][m], rw["d"][m], c_, A[t][:, span],
                adds[:, span], pd_, mk, dm, detail)
            if pay_ach is not None or ev is not None:  # billed seat-months per cohort
                units = _buffer(work, ("units", g), c_.shape)
                np.multiply(adds[:, span], left[None, :, None], out=units)
                units[:, now] = term.billing * c_[:, now] * (1.0 - pd_[:, None])
        else:
            flexible = inp.flexible if (term.waits_for_renewal and flex_any) else None
            rev, cost, stranded, dist, vend = monthly_term_values(rw["c"][m], c_, u_, flexible,
                                                                  mk, dm, detail)
            billed = rev
            units = c_ if flexible is None else np.where(flexible[:, None, None], u_, c_)
            if stranded is not None:
                strand_k += sh[:, None] * stranded
        rev_k += sh[:, None] * rev
        cost_k += sh[:, None] * cost
        dist_k += sh[:, None] * dist
        bill += sh * billed.sum(axis=1)
        vendor += sh * vend.sum(axis=1)
        if g not in customers_all:
            customers_all[g] = n_.sum(axis=1)
        if now.all() or rate["has_price_all"]:
            charges += sh * customers_all[g]
        else:
            charges += sh * np.where(has_price, customers_all[g], n_[:, now].sum(axis=1))
        if pay_ach is not None:  # what each cohort is charged this month
            amount = _buffer(work, ("amount", g), c_.shape)
            extra = _buffer(work, ("extra", g), c_.shape)
            np.multiply(units, w_seg[:, :, None], out=amount)
            amount *= mk[:, None]
            np.multiply(u_, tier_price[:, None], out=extra)
            amount += extra
            if g != lay.extended:  # no one joins the extended service term
                amount[:, joining[g] - lay.offsets[g]] += joiners * onb_price
            charged = None if now.all() or rate["has_price_all"] else (
                now[None, :, None] | has_price[:, None, :])
            ach += sh * ach_fees(amount, n_, charged, rate["ach_fee_rate"],
                                 rate["ach_fee_cap"], extra)
        if ev is not None:
            _record(ev, m, term, c, pos, sh, c_, adds[:, span], units, w_seg, mk, pd_,
                    joining[g] - lay.offsets[g], joiners * spc * (g != lay.extended))
    return rev_k, cost_k, strand_k, dist_k, bill, vendor, charges, ach


def _buffer(work: dict, key: tuple, shape: tuple) -> np.ndarray:
    """A scratch array of the month loop, allocated once per run and reused every month."""
    buf = work.get(key)
    if buf is None:
        buf = work[key] = np.empty(shape)
    return buf


def _record(ev: np.ndarray, m: int, term, c: int, pos: np.ndarray, sh: np.ndarray,  # noqa: ANN001, PLR0913
            committed: np.ndarray, adds: np.ndarray, billed: np.ndarray, w: np.ndarray,
            mk: np.ndarray, pd_: np.ndarray, phase: int, new_seats: np.ndarray) -> None:
    """Section 6a: the licence amounts commission plans pay on, by segment (price per user
    with markup). A monthly term books what it bills; a commitment books ``c`` months of its
    committed seats at renewal (less the prepay discount on a prepaid term) and, mid-term,
    its additions for the months left in the term; top-ups count additions for the full term
    (booking) or billing period (invoice of a prepaid term)."""
    price = w[:, :, None] * mk[:, None]  # (S, c, P)
    upfront = (1.0 - pd_)[:, None] if term.prepaid else 1.0
    if c == 1:
        booked = billed * price
        topup = np.zeros_like(booked)
    else:
        term_pos = np.mod(m - np.arange(c), c)[None, :, None]
        renewing = term_pos == 0
        booked = np.where(renewing, c * committed * upfront, adds * (c - term_pos)) * price
        topup = np.where(renewing, 0.0, adds * term_pos) * price
    ev[0, m] += sh * booked.sum(axis=1)
    ev[1, m] += sh * topup.sum(axis=1)
    if term.prepaid:
        inv_top = np.where(pos[None, :, None] == 0, 0.0, adds * pos[None, :, None]) * price
        ev[2, m] += sh * inv_top.sum(axis=1)
    p0 = price[:, phase]
    upfront0 = (1.0 - pd_) if term.prepaid else 1.0  # (S, P)
    ev[3, m] += sh * new_seats * p0 * (1.0 if c == 1 else c * upfront0)
    ev[4, m] += sh * new_seats * p0 * (term.billing * upfront0 if term.prepaid else 1.0)


def _opening(inp: Inputs, lay, terms, shares, gshare, U, C, d, mk, pd_  # noqa: ANN001, PLR0913
             ) -> dict[str, np.ndarray]:
    """Opening balances (sections 4, 5 and 7): the deferred revenue and prepaid costs of the
    prepaid terms running at the start (a phase of a term billed every ``b`` months has
    ``phase mod b`` months of its bill left), and what the starting book bills in a month
    (prepaid bills averaged over their months), for the opening receivables and payables."""
    S, P = C.shape[0], C.shape[2]
    dm = d["distributor_margin"]
    deferred, prepaid = np.zeros(P), np.zeros(P)
    licence_month = np.zeros((S, P))
    vendor_month = np.zeros((S, P))
    sell0 = np.einsum("sk,tkq->tsq", inp.share, inp.locked_before)
    cost0 = np.einsum("sk,tkq->tsq", inp.share * (1.0 - inp.partner_discount)[None],
                      inp.locked_before)
    for t, term in enumerate(terms):
        span = lay.span(lay.term_group[t])
        sh = shares[t]
        s0, c0 = sell0[t][:, span, None], cost0[t][:, span, None]
        vend = seq_sum(C[:, span] * (c0 + dm[:, None] * s0), 1)
        vendor_month += sh * vend
        price = s0 * mk[:, None]
        if term.prepaid:
            left = np.mod(np.arange(term.commitment), term.billing)[None, :, None]
            price = price * (1.0 - pd_)[:, None]
            deferred += seq_sum(sh * seq_sum(C[:, span] * left * price, 1), 0)
            prepaid += seq_sum(sh * seq_sum(C[:, span] * left * (c0 + dm[:, None] * s0), 1), 0)
        licence_month += sh * seq_sum(C[:, span] * price, 1)
    support_month = _per_segment(U, gshare, lay) * d["tier_price_per_seat_month"]
    billed = licence_month + support_month
    invoices = seq_sum(billed * d["pay_invoice"] * (1.0 - d["bad_debt_rate"]), 0)
    return {"deferred_opening": deferred, "prepaid_opening": prepaid,
            "invoices_before": invoices, "vendor_before": vendor_month.sum(axis=0),
            "licence_before": np.ascontiguousarray(licence_month.T),
            "support_before": np.ascontiguousarray(support_month.T)}


def with_cash(core: CoreOutput, inp: Inputs) -> CoreOutput:
    """Fill the cash of a core run from its billings and ledger (:func:`cspmodel.cash.settle`);
    called again when a post-processor (commission plans) changes a line paid in cash.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 2\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> with_cash(run_core(build_inputs(s)), build_inputs(s)).cash_in.shape
        (1, 2)
    """
    P, S = inp.n_paths, len(inp.segments)

    def seg(name: str) -> np.ndarray:
        return np.broadcast_to(inp.drivers[name], (P, S)).astype(float)

    def com(name: str) -> np.ndarray:
        return np.broadcast_to(inp.drivers[name], (P, 1)).astype(float)

    c = settle(core.billings, seg("pay_card") + seg("pay_ach"), seg("pay_invoice"),
               com("bad_debt_rate"), com("dso_days"), core.vendor_billings, com("dpo_days"),
               core.segment_lines, core.company_lines, core.invoices_before,
               core.vendor_before, core.azure)
    core.cash_in, core.cash_out = c.cash_in, c.cash_out
    core.receivables, core.payables = c.receivables, c.payables
    core.receivables_opening, core.payables_opening = c.receivables_opening, c.payables_opening
    return core
