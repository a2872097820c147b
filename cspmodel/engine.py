"""The economics engine: one month loop over plain numpy arrays ``(segments, cohorts, paths)``.

The rules are in ``docs/engine.md``; each is a small function named for its business concept:
the month's rules in :mod:`cspmodel.monthloop` (plain loops that numba compiles), the others in
this module or the module of their concept (:mod:`cspmodel.book` for churn and seat changes,
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
from .financing import financing_plan
from .inputs import SEGMENT_DRIVERS, TIER_DRIVERS, Inputs, build_inputs, with_book_rows  # noqa: F401
from .ledger import (  # noqa: F401 - re-exported for the readers of the engine
    COMPANY_LINES,
    PRODUCT_LINES,
    RECURRING_LINES,
    SEGMENT_LINES,
    STATEMENT_OF_LINE,
)
from .monthloop import COM_DRIVERS, SEG_DRIVERS, compiled
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
    joined_product_lines: np.ndarray | None = None  # (P, S, K, 4, 1) and (P, S, L, 1): the
    joined_segment_lines: np.ndarray | None = None  # last month of those who joined from the
    # run's window on, by themselves (net revenue retention)


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
# The month loop
# --------------------------------------------------------------------------------------------
def _drivers(inp: Inputs, P: int) -> tuple:  # noqa: ANN401 - plain arrays for the loop
    S = len(inp.segments)

    def seg(name: str) -> np.ndarray:  # (S, P) from (P or 1, S or 1)
        out = np.empty((S, P))
        out[...] = np.atleast_2d(inp.drivers[name]).T
        return out

    def com(name: str) -> np.ndarray:  # (1, P) from (P or 1, 1)
        out = np.empty((1, P))
        out[...] = np.atleast_2d(inp.drivers[name]).T
        return out

    return seg, com


@dataclass
class _Run:
    """What a run fixes before its first month, as the plain arrays the month loop reads
    (:func:`cspmodel.monthloop.month_loop`)."""

    P: int
    terms: list
    shares: np.ndarray  # (T, S, P) each term's share of the customers
    gshare: np.ndarray  # (G, S, P) each commitment group's share
    d: dict  # drivers (S, P) and company rates (1, P), by name
    loop: dict  # the month loop's arguments, by name


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
    d["floor_hours"] = support_floor_hours(d["staff_on_shift_247"])
    d["share_sum"] = np.broadcast_to(inp.share.sum(axis=1)[:, None], spc.shape)
    d["gshare_sum"] = sum(gshare[g] for g in range(len(lay.groups))
                          if g != lay.extended)  # the books new customers join
    S, G = spc.shape[0], len(lay.groups)
    keep = np.stack([keep_at_renewal(d["churn_annual"], c) for c in lay.groups])
    lapse, lapse_on = _lapse(inp, seg, P)
    fin = None
    if (d["financing_share"] > 0).any() and (d["new_customers_per_month"] > 0).any():
        fin = financing_plan(d["financing_annual_rate"], inp.financing_months, lay.groups,
                             lay.extended)
        fin["joins"] = np.array([g != lay.extended for g in range(G)])
    else:  # nothing financed: empty vintages
        fin = {"F": np.zeros((G, 0, S, P)), "pay": np.zeros((S, P)),
               "before": np.zeros((0, S, P)), "rate": np.zeros((S, P)),
               "alive": np.zeros((0, S), bool), "renews": np.zeros((G, 0), bool),
               "lapsing": np.zeros(G, bool), "joins": np.zeros(G, bool), "none": True}
    loop = {
        "detail": detail, "financed": "none" not in fin,
        "g_commitment": np.array(lay.groups, dtype=np.int64),
        "g_offset": np.array(lay.offsets, dtype=np.int64),
        "extended": -1 if lay.extended is None else int(lay.extended),
        "t_group": np.array(lay.term_group, dtype=np.int64),
        "t_billing": np.array([t.billing for t in terms], dtype=np.int64),
        "t_waits": np.array([t.waits_for_renewal for t in terms]),
        "q_waits": waits,
        "locked": np.ascontiguousarray(inp.locked, dtype=float), "share": inp.share,
        "discount": np.asarray(inp.partner_discount, dtype=float),
        "sd": _rows([d[n] for n in SEG_DRIVERS], (S, P)),
        "cd": _rows([np.reshape(d[n], -1) for n in COM_DRIVERS], (P,)),
        "shares": shares, "gshare": gshare, "keep": keep,
        "G": _running_max(d["seat_growth_annual"], d["seat_volatility_annual"]),
        "lapse": lapse, "lapse_on": lapse_on, "flexible": np.asarray(inp.flexible, bool),
        "tier_index": np.asarray(inp.tier_index, dtype=np.int64),
        **{f"f_{k}" if k != "F" else k: np.ascontiguousarray(v)
           for k, v in fin.items() if k in ("F", "pay", "before", "rate", "alive", "renews",
                                            "lapsing", "joins")}}
    return _Run(P, terms, shares, gshare, d, loop)


def _rows(values: list, shape: tuple[int, ...]) -> np.ndarray:
    """The drivers ``values`` as the rows of one array ``(len(values), *shape)``, each
    broadcast to ``shape``."""
    out = np.empty((len(values), *shape))
    for i, v in enumerate(values):
        out[i] = v
    return out


def _running_max(growth: np.ndarray, volatility: np.ndarray) -> np.ndarray:
    """The running-maximum factor ``G`` ``(S, J, P)`` of section 2(a), computed once per
    segment where every path has the same growth and volatility (most Monte Carlo runs)."""
    P = growth.shape[1]
    if P > 1 and (growth == growth[:, :1]).all() and (volatility == volatility[:, :1]).all():
        growth, volatility = growth[:, :1], volatility[:, :1]
    G = np.moveaxis(running_max_factor(growth, volatility, MAX_COMMITMENT), 2, 1)
    return np.ascontiguousarray(np.broadcast_to(G, (*G.shape[:2], P)))


def _lapse(inp: Inputs, seg, P: int) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Section 2(b): the share of renewing commitments that lapse into the extended service
    term, month by month ``(H, S, P)``, and the months it applies in ``(H,)``: none before the
    term exists (renewals from May 2026 on)."""
    H, S = inp.horizon, inp.share.shape[0]
    if inp.layout.extended is None:
        return np.zeros((H, S, P)), np.zeros(H, bool)
    from .catalog import FACTS

    share = seg("lapse_share")
    since = dt.date.fromisoformat(str(FACTS["extended_service_from"].value)).replace(day=1)
    on = np.array([add_months(inp.scenario.start_month, m) >= since for m in range(H)])
    return np.ascontiguousarray(np.broadcast_to(share, (H, S, P))), on


def run_core(inp: Inputs, window: int | None = None, detail: bool = True,
             events: bool = False) -> CoreOutput:
    """Run every month for every path at once (``docs/engine.md`` sections 1 to 7).

    ``window``: the customers who join from that month on are also followed by themselves,
    and their last month's licence and support lines kept (``joined_product_lines``,
    ``joined_segment_lines``: net revenue retention, section 9); ``detail`` keeps the ledger
    per segment and product; ``events`` records the cohort events commission plans read. Azure
    consumption (section 11) and the cash (:func:`with_cash`) are included.

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
    since = np.zeros(lay.n_cohorts, dtype=np.int64)  # months since then
    A = np.zeros((len(lay.terms), S, lay.n_cohorts, P))  # added since a prepaid term's bill
    opening = _opening(inp, lay, run.terms, run.shares, run.gshare, U, C, d, d["mk"],
                       d["prepay_discount"])
    out_k = np.zeros((H, S, K, len(PRODUCT_LINES), P) if detail
                     else (H, 1, 1, len(PRODUCT_LINES), P))
    out_s = np.zeros((H, S if detail else 1, len(SEGMENT_LINES), P))
    out_c = np.zeros((H, len(COMPANY_LINES), P))
    book = np.zeros((5, H, S, P))  # customers, seats, new, churned, billings
    vendor_b = np.zeros((H, P))
    ev = np.zeros((len(EVENTS), H, S, P) if events else (len(EVENTS), 0, S, P))
    accrued = np.zeros((H, 2, S, P))  # revenue recognised before it is billed (financing), and
    # the financed deployments' billings less their price
    users = _per_segment(U, run.gshare, lay)
    customers_before = _per_segment(N, run.gshare, lay)
    joined_k = np.zeros((1, *out_k.shape[1:]))  # the last month of the window's joiners
    joined_s = np.zeros((1, *out_s.shape[1:]))
    compiled()(window=-1 if window is None else int(window), events=events, **run.loop, N=N,
               U=U, C=C, U_ref=U_ref, since=since, A=A, users_before=users.copy(),
               out_k=out_k, out_s=out_s, out_c=out_c, book=book, vendor_b=vendor_b, ev=ev,
               accrued=accrued, joined_k=joined_k, joined_s=joined_s)
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
        financed_billings=out(accrued[:, 1]),
        joined_product_lines=None if window is None else out(joined_k, detail),
        joined_segment_lines=None if window is None else out(joined_s, detail))
    if azure_in_use(user_inp):
        _add_azure(core, user_inp, _fold_book(customers_before.T[:P_out], inp.book,
                                              len(user_inp.segments)), detail)
    return with_cash(core, user_inp)


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
    return x.transpose((x.ndim - 1, *range(1, x.ndim - 1), 0))


def _per_segment(x: np.ndarray, gshare: np.ndarray, lay) -> np.ndarray:  # noqa: ANN001
    """Sum a cohort array ``(S, Q, P)`` over each group's phases times the group's share."""
    return sum(gshare[g] * seq_sum(x[:, lay.span(g)], 1) for g in range(len(lay.groups)))


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


if __name__ == "__main__":  # `python -m cspmodel.engine`: compile the month loop, at set-up
    import time

    from .io import load_scenario_text

    t0 = time.perf_counter()
    run_core(build_inputs(load_scenario_text(
        "name: x\nhorizon_months: 1\nsegments:\n- name: A\n  product_mix: "
        "{m365_business_basic: 1}\n")))
    print(f"month loop ready ({type(compiled()).__name__}) in {time.perf_counter() - t0:.1f} s")
