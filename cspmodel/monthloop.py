"""The month loop: the rules of one month over plain numpy arrays, compiled with numba.

Every rule here is a small function over numpy arrays and numbers (no Python objects), written
as plain loops so that numba compiles it to machine code; the same source runs as ordinary
Python where numba is absent or disabled (``NUMBA_DISABLE_JIT=1``), which the tests compare.
numba is imported on the first run (:func:`compiled`), never by ``import cspmodel``.

The state of the book is one set of arrays ``(S, Q, P)``: segments, cohorts (the renewal phases
of each commitment group, one after another, :class:`cspmodel.terms.Layout`) and paths
(innermost). :mod:`cspmodel.engine` packs a scenario's inputs into these arrays, calls
:func:`month_loop` once, and reads the ledger it wrote. The rules are in ``docs/engine.md``.

Example (a book of 10 customers of 5 users on a monthly term, 20% of them leave a year:
how many customers are left after a month?):
    >>> import numpy as np
    >>> N, U, C = (np.full((1, 1, 1), x) for x in (10.0, 50.0, 50.0))
    >>> gone_n, gone_u = np.zeros((1, 1)), np.zeros((1, 1))
    >>> keep = np.full((1, 1), 0.98)
    >>> renew(0, keep, np.zeros((1, 1)), np.full((1, 1), 5.0), N, U, C, U.copy(), False,
    ...       keep, gone_n, gone_u, gone_n.copy(), gone_u.copy())
    >>> round(float(N[0, 0, 0]), 6), round(float(gone_n[0, 0]), 6)
    (9.8, 0.2)
"""

from __future__ import annotations

import os

import numpy as np

from . import ledger
from .financing import financing_month

# the drivers the loop reads, as rows of one array: per segment (S, P) and per company (P,)
SEG_DRIVERS = ("seats_per_customer", "prepay_discount", "mk", "growth", "add_rate", "red_rate",
               "new_customers_per_month", "pay_card", "pay_ach", "tier_price_per_seat_month",
               "tier_tickets_per_seat_month", "tier_escalation_rate", "financing_share",
               "hours_per_user", "onb_price", "onb_cost", "onb_billed", "share_sum",
               "gshare_sum")
COM_DRIVERS = ("labor_rate_per_hour", "escalation_fee_per_ticket", "systems_per_seat_month",
               "card_fee_rate", "card_fee_per_charge", "license_admin_per_seat_change",
               "accounting_per_invoice", "commission_rate", "acquisition_cost_per_customer",
               "bad_debt_rate", "ach_fee_rate", "ach_fee_cap", "distributor_margin",
               "floor_hours")
(SPC, PREPAY, MK, GROWTH, ADD_RATE, RED_RATE, NEW, PAY_CARD, PAY_ACH, TIER_PRICE, TICKETS,
 ESC_RATE, FIN_SHARE, HOURS, ONB_PRICE, ONB_COST, ONB_BILLED, SHARE_SUM,
 GSHARE_SUM) = range(len(SEG_DRIVERS))
(LABOR, ESC_FEE, TOOLS, CARD_RATE, CARD_FEE, ADMIN_FEE, ACCT_INVOICE, COMMISSION, ACQUISITION,
 BAD_DEBT, ACH_RATE, ACH_CAP, DIST_MARGIN, FLOOR_HOURS) = range(len(COM_DRIVERS))

# the segment lines the loop writes, in the order of its scratch array, and their positions
# in the ledger (by name, from the registry)
LOOP_LINES = ("support_plans", "services", "financing_interest", "financing_write_offs",
              "support_labor", "escalation_fees", "services_cost", "per_seat_tools",
              "card_processing", "ach_fees", "license_admin", "accounting", "commissions",
              "acquisition", "bad_debt")
(L_SUPPORT, L_SERVICES, L_FIN_INTEREST, L_FIN_OFF, L_LABOR, L_ESCALATION, L_SERV_COST,
 L_TOOLS, L_CARD, L_ACH, L_ADMIN, L_ACCOUNTING, L_COMMISSIONS, L_ACQUISITION,
 L_BAD_DEBT) = range(len(LOOP_LINES))
LOOP_LINE_POSITIONS = np.array([ledger.index("segment", n) for n in LOOP_LINES])
K_RESALE = ledger.index("product", "license_resale")
K_COST = ledger.index("product", "license_cost")
K_STRANDED = ledger.index("product", "stranded_seats")
K_DIST = ledger.index("product", "distributor_margin")
C_FLOOR = ledger.index("company", "support_247_floor")
N_EVENTS = 5  # booking, booking_topup, invoice_topup, signup_booking, signup_invoice


# --------------------------------------------------------------------------------------------
# Section 2: the book
# --------------------------------------------------------------------------------------------
def change_seats(U: np.ndarray, C: np.ndarray, U_ref: np.ndarray, G: np.ndarray,
                 since: np.ndarray, growth: np.ndarray, waits: np.ndarray,
                 adds: np.ndarray) -> None:
    """2(a): users ``U`` ``(S, Q, P)`` change by the month's expected net growth; a commitment
    that waits for renewal (``waits`` per cohort) holds the expected running maximum of its
    users since the term started, ``max(U, U_ref x G(j))`` (``G`` ``(S, J, P)``
    :func:`cspmodel.book.running_max_factor` at ``j = since`` months), so an addition first
    reuses an idle committed seat; a monthly term follows its users. Writes the seats bought
    this month into ``adds``.

    Example (100 users, no growth, G(1) = 1.023: the annual cohort buys 2.3 seats):
        >>> U, C = np.full((1, 2, 1), 100.0), np.full((1, 2, 1), 100.0)
        >>> G = np.array([[[1.0], [1.023]]])
        >>> adds = np.zeros((1, 2, 1))
        >>> change_seats(U, C, U.copy(), G, np.array([1, 1]), np.ones((1, 1)),
        ...              np.array([False, True]), adds)
        >>> C[0, :, 0].round(6).tolist(), round(float(adds[0, 1, 0]), 6)
        ([100.0, 102.3], 2.3)
    """
    S, Q, P = U.shape
    for s in range(S):
        for q in range(Q):
            j = since[q]
            for p in range(P):
                u = U[s, q, p] * growth[s, p]
                U[s, q, p] = u
                target = u
                if waits[q]:
                    held = U_ref[s, q, p] * G[s, j, p]
                    if held > u:
                        target = held
                bought = target - C[s, q, p]
                adds[s, q, p] = bought if bought > 0.0 else 0.0
                C[s, q, p] = target


def renew(q: int, keep: np.ndarray, joiners: np.ndarray, seats_per_customer: np.ndarray,
          N: np.ndarray, U: np.ndarray, C: np.ndarray, U_ref: np.ndarray, lapses: bool,
          lapse: np.ndarray, gone_n: np.ndarray, gone_u: np.ndarray, moved_n: np.ndarray,
          moved_u: np.ndarray) -> None:
    """2(b, c): the renewing cohort ``q`` keeps ``keep`` ``(S, P)`` of its customers and users,
    takes the month's new customers ``joiners`` with their seats, and commits afresh to its
    users (its running maximum starts again). Writes the customers and users who left into
    ``gone_n`` and ``gone_u``; with ``lapses``, a share ``lapse`` of those kept lets the term
    lapse into the extended service term (``moved_n``, ``moved_u``).

    Example (10 customers of 5 users, 80% stay, 2 join):
        >>> N, U, C = (np.full((1, 1, 1), x) for x in (10.0, 50.0, 60.0))
        >>> gone = np.zeros((1, 1)), np.zeros((1, 1))
        >>> renew(0, np.full((1, 1), 0.8), np.full((1, 1), 2.0), np.full((1, 1), 5.0), N, U,
        ...       C, U.copy(), False, gone[0], *gone, *gone)
        >>> round(float(gone[0][0, 0]), 9), float(N[0, 0, 0]), float(C[0, 0, 0])
        (2.0, 10.0, 50.0)
    """
    S, P = keep.shape
    for s in range(S):
        for p in range(P):
            n, u, k = N[s, q, p], U[s, q, p], keep[s, p]
            gone_n[s, p] = n * (1.0 - k)
            gone_u[s, p] = u * (1.0 - k)
            if lapses:
                moved_n[s, p] = n * k * lapse[s, p]
                moved_u[s, p] = u * k * lapse[s, p]
                k = k * (1.0 - lapse[s, p])
            N[s, q, p] = n * k + joiners[s, p]
            U[s, q, p] = u * k + joiners[s, p] * seats_per_customer[s, p]
            C[s, q, p] = U[s, q, p]
            U_ref[s, q, p] = U[s, q, p]


def per_segment(x: np.ndarray, gshare: np.ndarray, g_offset: np.ndarray, g_commitment: np.ndarray,
                out: np.ndarray) -> None:
    """A cohort array ``(S, Q, P)`` summed over each group's phases times the group's share
    ``gshare`` ``(G, S, P)``, into ``out`` ``(S, P)``.

    Example (a monthly book of 4 and an annual book of 1 + 2, each half the customers):
        >>> out = np.zeros((1, 1))
        >>> per_segment(np.array([[[4.0], [1.0], [2.0]]]), np.full((2, 1, 1), 0.5),
        ...             np.array([0, 1]), np.array([1, 2]), out)
        >>> float(out[0, 0])
        3.5
    """
    S, P = out.shape
    inside = np.empty(P)
    for s in range(S):
        out[s] = 0.0
        for g in range(len(g_offset)):
            inside[:] = 0.0
            for q in range(g_offset[g], g_offset[g] + g_commitment[g]):
                for p in range(P):
                    inside[p] += x[s, q, p]
            for p in range(P):
                out[s, p] += gshare[g, s, p] * inside[p]


# --------------------------------------------------------------------------------------------
# Sections 4 to 6: what each term bills, earns and costs
# --------------------------------------------------------------------------------------------
def term_prices(t: int, m: int, offset: int, c: int, locked: np.ndarray, share: np.ndarray,
                discount: np.ndarray, detail: bool, w: np.ndarray, wc: np.ndarray,
                w_seg: np.ndarray) -> None:
    """The list value ``w`` and cost ``wc`` per user of each cohort of term ``t`` in month
    ``m``, per product with ``detail`` (else summed over products, ``(S, 1, c)``), and the list
    value of all products ``w_seg`` ``(S, c)``: licences per user ``share`` ``(S, K)`` times the
    price the cohort locked, ``locked`` ``(T, K, Q, H)``; the cost less the partner discount.

    Example (0.5 licences of a product at 20 a month, 20% partner discount):
        >>> w, wc, ws = np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), np.zeros((1, 1))
        >>> term_prices(0, 0, 0, 1, np.full((1, 1, 1, 1), 20.0), np.full((1, 1), 0.5),
        ...             np.array([0.2]), True, w, wc, ws)
        >>> float(w[0, 0, 0]), float(wc[0, 0, 0]), float(ws[0, 0])
        (10.0, 8.0, 10.0)
    """
    S, K = share.shape
    for s in range(S):
        for i in range(c):
            total, cost = 0.0, 0.0
            for k in range(K):
                price = locked[t, k, offset + i, m]
                value = share[s, k] * price
                total += value
                cost += share[s, k] * (1.0 - discount[k]) * price
                if detail:
                    w[s, k, i] = value
                    wc[s, k, i] = value * (1.0 - discount[k])
            w_seg[s, i] = total
            if not detail:
                w[s, 0, i] = total
                wc[s, 0, i] = cost


def prepaid_term(s: int, k: int, m: int, offset: int, c: int, bill: int, w: np.ndarray,
                 wc: np.ndarray, C: np.ndarray, A: np.ndarray, adds: np.ndarray,
                 prepay: np.ndarray, mk: np.ndarray, dm: np.ndarray, out: np.ndarray,
                 acc: np.ndarray) -> None:
    """Sections 4 and 5 for segment ``s`` and product ``k`` of a term billed ``bill`` months
    ahead, per path. Revenue is recognised each month, ``((C - A) x (1 - prepay) + A) x P``:
    seats added since the last bill ``A`` are at list. A cohort billed this month (``(m -
    phase) mod bill = 0``) is billed ``bill x C x P x (1 - prepay)``; the others bill their
    additions for the months left in the billing period, at list. Licence cost and the
    distributor's margin are recognised on ``C``; the vendor bills ``bill x C`` at cost when
    the customer is billed, and the additions prorated. Writes revenue, billings, cost,
    distributor margin and vendor billings into ``out`` ``(5, P)`` (``acc`` ``(7, P)``:
    scratch).

    Example (10 seats of an annual upfront term billed now at 20 a month, 5% prepay
    discount, partner discount 20%, no distributor):
        >>> one, out = np.ones((1, 1, 1)), np.zeros((5, 1))
        >>> prepaid_term(0, 0, 0, 0, 1, 12, 20 * one, 16 * one, 10 * one, 0 * one, 0 * one,
        ...              np.full((1, 1), 0.05), np.ones((1, 1)), np.zeros(1), out,
        ...              np.zeros((7, 1)))
        >>> out[:, 0].round(6).tolist()
        [190.0, 2280.0, 160.0, 0.0, 1920.0]
    """
    P = out.shape[1]
    acc[:] = 0.0  # the sums over cohorts, per path: vc0 vc1 vc2 vc3 va vd0 vd1
    for i in range(c):
        q = offset + i
        wi, wci = w[s, k, i], wc[s, k, i]
        pos = (m - i) % bill
        for p in range(P):
            acc[0, p] += C[s, q, p] * wi
            acc[1, p] += C[s, q, p] * wci
            acc[4, p] += A[s, q, p] * wi
        if pos == 0:
            for p in range(P):
                acc[2, p] += C[s, q, p] * wi
                acc[3, p] += C[s, q, p] * wci
        else:
            later_w, later_wc = wi * (bill - pos), wci * (bill - pos)
            for p in range(P):
                acc[5, p] += adds[s, q, p] * later_w
                acc[6, p] += adds[s, q, p] * later_wc
    for p in range(P):
        vc0, vc1, vc2, vc3, va, vd0, vd1 = (acc[0, p], acc[1, p], acc[2, p], acc[3, p],
                                            acc[4, p], acc[5, p], acc[6, p])
        pd_ = prepay[s, p]
        out[0, p] = mk[s, p] * ((1.0 - pd_) * vc0 + pd_ * va)
        out[1, p] = mk[s, p] * (bill * (1.0 - pd_) * vc2 + vd0)
        out[2, p] = vc1
        out[3, p] = dm[p] * vc0
        out[4, p] = bill * (vc3 + dm[p] * vc2) + vd1 + dm[p] * vd0


def monthly_term(s: int, k: int, offset: int, c: int, w: np.ndarray, wc: np.ndarray,
                 C: np.ndarray, U: np.ndarray, flexible: bool, mk: np.ndarray, dm: np.ndarray,
                 out: np.ndarray, acc: np.ndarray) -> None:
    """Sections 4 and 5 for segment ``s`` and product ``k`` of a term billed monthly: billed
    seats are the committed seats ``C``, or under a flexible contract on a commitment the
    users ``U``; the partner keeps paying the vendor for ``C``, so ``C - U`` are stranded at
    cost. Writes revenue (= billings), licence cost, stranded seats, distributor margin and
    vendor billings into ``out`` ``(5, P)`` (``acc`` ``(4, P)`` or more: scratch).

    Example (flexible: 10 committed seats, 8 users, list 20, cost 16):
        >>> one, out = np.ones((1, 1, 1)), np.zeros((5, 1))
        >>> monthly_term(0, 0, 0, 1, 20 * one, 16 * one, 10 * one, 8 * one, True,
        ...              np.ones((1, 1)), np.zeros(1), out, np.zeros((4, 1)))
        >>> out[:, 0].tolist()
        [160.0, 128.0, 32.0, 0.0, 160.0]
    """
    P = out.shape[1]
    acc[:4] = 0.0  # the sums over cohorts, per path: vc0 vc1 vs0 vs1
    for i in range(c):
        q = offset + i
        wi, wci = w[s, k, i], wc[s, k, i]
        for p in range(P):
            acc[0, p] += C[s, q, p] * wi
            acc[1, p] += C[s, q, p] * wci
        if flexible:
            for p in range(P):
                acc[2, p] += U[s, q, p] * wi
                acc[3, p] += U[s, q, p] * wci
    for p in range(P):
        vc0, vc1 = acc[0, p], acc[1, p]
        billed_w, billed_wc, stranded = vc0, vc1, 0.0
        if flexible:
            billed_w, billed_wc, stranded = acc[2, p], acc[3, p], vc1 - acc[3, p]
        out[0, p] = mk[s, p] * billed_w
        out[1, p] = billed_wc
        out[2, p] = stranded
        out[3, p] = dm[p] * vc0
        out[4, p] = vc1 + dm[p] * vc0


def billed_units(s: int, m: int, offset: int, c: int, bill: int, prepaid: bool, flexible: bool,
                 C: np.ndarray, U: np.ndarray, adds: np.ndarray, prepay: np.ndarray,
                 units: np.ndarray) -> None:
    """Seat-months each cohort of segment ``s`` is billed this month, ``units`` ``(c, P)``: a
    prepaid cohort billed now ``bill x C x (1 - prepay)``, the others their additions for the
    months left; a monthly-billed term its billed seats (``U`` under a flexible contract).

    Example (an annual upfront cohort billed now, 10 seats, no discount):
        >>> units = np.zeros((1, 1))
        >>> one = np.ones((1, 1, 1))
        >>> billed_units(0, 0, 0, 1, 12, True, False, 10 * one, one, one, np.zeros((1, 1)), units)
        >>> float(units[0, 0])
        120.0
    """
    P = units.shape[1]
    for i in range(c):
        q = offset + i
        pos = (m - i) % bill
        for p in range(P):
            if not prepaid:
                units[i, p] = U[s, q, p] if flexible else C[s, q, p]
            elif pos == 0:
                units[i, p] = bill * C[s, q, p] * (1.0 - prepay[s, p])
            else:
                units[i, p] = adds[s, q, p] * float(bill - pos)


def debit_fees(s: int, m: int, offset: int, c: int, bill: int, charged_all: bool,
               has_price: np.ndarray, units: np.ndarray, w_seg: np.ndarray, N: np.ndarray,
               U: np.ndarray, joining: int, joiners: np.ndarray, sd: np.ndarray,
               cd: np.ndarray, out: np.ndarray) -> None:
    """Section 6: debit (ACH) fees of a term's cohorts of segment ``s``, summed, into ``out``
    ``(P,)``: per charge ``min(rate x amount / charges, cap)`` times the charges (one per
    customer of a cohort charged this month); an amount billed with no charge pays the rate
    alone. The amount is the licences billed (``units`` x price with markup), the support
    plan, and the billed onboarding of the customers joining phase ``joining`` (-1: none).

    Example (100 debited from each of 2 customers at 0.8% capped at 0.5: 1.0 of fees):
        >>> sd = np.zeros((len(SEG_DRIVERS), 1, 1)); sd[MK] = 1.0
        >>> cd = np.zeros((len(COM_DRIVERS), 1)); cd[ACH_RATE], cd[ACH_CAP] = 0.008, 0.5
        >>> out = np.zeros(1)
        >>> debit_fees(0, 0, 0, 1, 1, True, np.ones((1, 1), bool), np.full((1, 1), 200.0),
        ...            np.ones((1, 1)), np.full((1, 1, 1), 2.0), np.zeros((1, 1, 1)), -1,
        ...            np.zeros((1, 1)), sd, cd, out)
        >>> float(out[0])
        1.0
    """
    P = out.shape[0]
    out[:] = 0.0
    for i in range(c):
        q = offset + i
        charged = charged_all or (m - i) % bill == 0
        for p in range(P):
            amount = units[i, p] * w_seg[s, i] * sd[MK, s, p] + U[s, q, p] * sd[TIER_PRICE, s, p]
            if i == joining:
                amount += joiners[s, p] * sd[ONB_BILLED, s, p]
            fee = amount * cd[ACH_RATE, p]
            if charged or has_price[s, p]:
                out[p] += min(fee, N[s, q, p] * cd[ACH_CAP, p])
            else:
                out[p] += fee


def record_events(ev: np.ndarray, s: int, m: int, c: int, bill: int, prepaid: bool,
                  offset: int, sh: np.ndarray, C: np.ndarray, adds: np.ndarray,
                  units: np.ndarray, w_seg: np.ndarray, mk: np.ndarray, prepay: np.ndarray,
                  joining: int, new_seats: np.ndarray) -> None:
    """Section 6a: the licence amounts commission plans pay on, for segment ``s`` (price per
    user with markup), added into ``ev`` ``(5, H, S, P)``. A monthly term books what it bills;
    a commitment books ``c`` months of its committed seats at renewal (less the prepay discount
    on a prepaid term) and, mid-term, its additions for the months left in the term; top-ups
    count additions for the full term (booking) or billing period (invoice of a prepaid term);
    the new customers' seats ``new_seats`` are booked and invoiced at signing.

    Example (a monthly term billing 10 seats at 20: booked 200):
        >>> ev = np.zeros((5, 1, 1, 1))
        >>> one = np.ones((1, 1, 1))
        >>> record_events(ev, 0, 0, 1, 1, False, 0, np.ones((1, 1)), 10 * one, 0 * one,
        ...               np.full((1, 1), 10.0), np.full((1, 1), 20.0), np.ones((1, 1)),
        ...               np.zeros((1, 1)), 0, np.zeros((1, 1)))
        >>> float(ev[0, 0, 0, 0])
        200.0
    """
    P = sh.shape[1]
    for p in range(P):
        upfront = (1.0 - prepay[s, p]) if prepaid else 1.0
        booked, topup, invoice = 0.0, 0.0, 0.0
        for i in range(c):
            q = offset + i
            price = w_seg[s, i] * mk[s, p]
            if c == 1:
                booked += units[i, p] * price
            else:
                tp = (m - i) % c
                if tp == 0:
                    booked += c * C[s, q, p] * upfront * price
                else:
                    booked += adds[s, q, p] * (c - tp) * price
                    topup += adds[s, q, p] * tp * price
            if prepaid:
                pos = (m - i) % bill
                if pos != 0:
                    invoice += adds[s, q, p] * pos * price
        ev[0, m, s, p] += sh[s, p] * booked
        ev[1, m, s, p] += sh[s, p] * topup
        if prepaid:
            ev[2, m, s, p] += sh[s, p] * invoice
        p0 = w_seg[s, joining] * mk[s, p]
        ev[3, m, s, p] += sh[s, p] * new_seats[s, p] * p0 * (1.0 if c == 1 else c * upfront)
        ev[4, m, s, p] += sh[s, p] * new_seats[s, p] * p0 * (bill * upfront if prepaid else 1.0)


def cost_of_service(s: int, p: int, sd: np.ndarray, cd: np.ndarray, users: float,
                    users_before: float, joined: float, churned_seats: float, billed: float,
                    charges: float, ach: float, licence_revenue: float, support_revenue: float,
                    lines: np.ndarray) -> None:
    """Sections 5 and 6: the month's segment lines other than licences for segment ``s`` and
    path ``p``, into ``lines`` ``(len(LOOP_LINES), S, P)``: support labour (users x hours per
    user x rate), escalation fees, services delivery, per-seat tools, card processing (rate x
    billed + fee x charges), debit fees, licence administration (licence changes x fee),
    accounting per invoice, the flat commission, acquisition and bad debt.

    Example (what does one new customer of 10 users cost to win and to set up?):
        >>> sd = np.zeros((len(SEG_DRIVERS), 1, 1)); cd = np.zeros((len(COM_DRIVERS), 1))
        >>> sd[ONB_COST], sd[SPC], cd[ACQUISITION] = 600.0, 10.0, 1500.0
        >>> lines = np.zeros((len(LOOP_LINES), 1, 1))
        >>> cost_of_service(0, 0, sd, cd, 10.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, lines)
        >>> float(lines[L_ACQUISITION, 0, 0]), float(lines[L_SERV_COST, 0, 0])
        (1500.0, 600.0)
    """
    lines[L_LABOR, s, p] = users * sd[HOURS, s, p] * cd[LABOR, p]
    lines[L_ESCALATION, s, p] = (users * sd[TICKETS, s, p] * sd[ESC_RATE, s, p]
                                 * cd[ESC_FEE, p])
    lines[L_SERV_COST, s, p] = joined * sd[ONB_COST, s, p]
    lines[L_TOOLS, s, p] = users * cd[TOOLS, p]
    lines[L_CARD, s, p] = sd[PAY_CARD, s, p] * (cd[CARD_RATE, p] * billed
                                                + cd[CARD_FEE, p] * charges)
    lines[L_ACH, s, p] = sd[PAY_ACH, s, p] * ach
    lines[L_ADMIN, s, p] = (((sd[ADD_RATE, s, p] + sd[RED_RATE, s, p]) * users_before
                             + churned_seats + joined * sd[SPC, s, p]) * sd[SHARE_SUM, s, p]
                            * cd[ADMIN_FEE, p])
    lines[L_ACCOUNTING, s, p] = charges * cd[ACCT_INVOICE, p]
    lines[L_COMMISSIONS, s, p] = (licence_revenue + support_revenue) * cd[COMMISSION, p]
    lines[L_ACQUISITION, s, p] = joined * cd[ACQUISITION, p]
    lines[L_BAD_DEBT, s, p] = billed * cd[BAD_DEBT, p]


# --------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------
def month_loop(window: int, detail: bool, events: bool, financed: bool,
               # the layout: per group, per term and per cohort
               g_commitment: np.ndarray, g_offset: np.ndarray, extended: int,
               t_group: np.ndarray, t_billing: np.ndarray, t_waits: np.ndarray,
               q_waits: np.ndarray,
               # prices and drivers
               locked: np.ndarray, share: np.ndarray, discount: np.ndarray, sd: np.ndarray,
               cd: np.ndarray, shares: np.ndarray, gshare: np.ndarray, keep: np.ndarray,
               G: np.ndarray, lapse: np.ndarray, lapse_on: np.ndarray, flexible: np.ndarray,
               tier_index: np.ndarray,
               # financed vintages (cspmodel.financing.financing_plan)
               F: np.ndarray, f_pay: np.ndarray, f_before: np.ndarray, f_rate: np.ndarray,
               f_alive: np.ndarray, f_renews: np.ndarray, f_lapsing: np.ndarray,
               f_joins: np.ndarray,
               # the state of the book, in place
               N: np.ndarray, U: np.ndarray, C: np.ndarray, U_ref: np.ndarray,
               since: np.ndarray, A: np.ndarray, users_before: np.ndarray,
               # the outputs, months first
               out_k: np.ndarray, out_s: np.ndarray, out_c: np.ndarray, book: np.ndarray,
               vendor_b: np.ndarray, ev: np.ndarray, accrued: np.ndarray,
               joined_k: np.ndarray, joined_s: np.ndarray) -> None:
    """Every month of ``docs/engine.md`` sections 2 to 6 (and 11, financed deployment) for
    every path at once: seat changes, renewals and new customers, then what each term bills,
    earns and costs, the cost of service, and the ledger of the month, written into the
    month's slices of the outputs. ``detail`` keeps the ledger per segment and product, else
    summed over them (many paths); ``events`` records what commission plans read.

    The customers who join from month ``window`` on (``-1``: none) are also followed by
    themselves, in a book of their own that takes only them (section 9, net revenue
    retention): the last month's licence lines and support plans of that book go into
    ``joined_k`` and ``joined_s`` (one month of ``out_k`` and ``out_s``).

    :mod:`cspmodel.engine` packs the inputs (``run_core``); see its example.
    """
    S, Q, P = N.shape
    K = share.shape[1]
    KK = K if detail else 1
    H = out_c.shape[0]
    n_groups = len(g_commitment)
    cmax = int(g_commitment.max())
    adds = np.zeros((S, Q, P))
    gone_n, gone_u = np.zeros((S, P)), np.zeros((S, P))
    moved_n, moved_u = np.zeros((n_groups, S, P)), np.zeros((n_groups, S, P))
    moved = np.zeros(n_groups, dtype=np.bool_)
    churned, churned_seats = np.zeros((S, P)), np.zeros((S, P))
    joiners, users, customers = np.zeros((S, P)), np.zeros((S, P)), np.zeros((S, P))
    no_joiners = np.zeros((S, P))
    w, wc, w_seg = np.zeros((S, KK, cmax)), np.zeros((S, KK, cmax)), np.zeros((S, cmax))
    value, units = np.zeros((5, P)), np.zeros((cmax, P))
    rev_k, cost_k, strand_k, dist_k = (np.zeros((S, KK, P)), np.zeros((S, KK, P)),
                                       np.zeros((S, KK, P)), np.zeros((S, KK, P)))
    bill_s, vendor_s, charges, ach = (np.zeros((S, P)), np.zeros((S, P)), np.zeros((S, P)),
                                      np.zeros((S, P)))
    fees, new_seats = np.zeros(P), np.zeros((S, P))
    acc, sums = np.zeros((7, P)), np.zeros((2, P))  # scratch of the rules
    lines = np.zeros((len(LOOP_LINES), S, P))
    joins, installments = np.zeros((n_groups, S, P)), np.zeros((S, P))
    # the joiners' own book (section 9): its state, and its own seats bought and leavers
    follow = window >= 0
    Nj, Uj, Cj, Rj = (np.zeros((S, Q, P)), np.zeros((S, Q, P)), np.zeros((S, Q, P)),
                      np.zeros((S, Q, P)))
    Aj, adds_j = np.zeros(A.shape), np.zeros((S, Q, P))
    churned_j, churned_seats_j = np.zeros((S, P)), np.zeros((S, P))
    has_price = sd[TIER_PRICE] > 0.0
    has_price_all = bool(has_price.all())
    ach_used = bool((sd[PAY_ACH] > 0.0).any())
    flex_any = bool(flexible.any())
    joiners[:] = sd[NEW]
    for m in range(H):
        since += 1
        joined = follow and m >= window
        change_seats(U, C, U_ref, G, since, sd[GROWTH], q_waits, adds)
        if joined:  # the same calendar: a cohort of theirs started its term at a renewal
            change_seats(Uj, Cj, Rj, G, since, sd[GROWTH], q_waits, adds_j)
            _renewals(m, extended, g_commitment, g_offset, keep, lapse[m], bool(lapse_on[m]),
                      joiners, no_joiners, sd[SPC], gshare, Nj, Uj, Cj, Rj, since, gone_n,
                      gone_u, moved_n, moved_u, moved, churned_j, churned_seats_j)
            _added_since_bill(m, t_group, t_billing, g_commitment, g_offset, Aj, adds_j)
        _renewals(m, extended, g_commitment, g_offset, keep, lapse[m], bool(lapse_on[m]),
                  joiners, no_joiners, sd[SPC], gshare, N, U, C, U_ref, since, gone_n, gone_u,
                  moved_n, moved_u, moved, churned, churned_seats)
        _added_since_bill(m, t_group, t_billing, g_commitment, g_offset, A, adds)
        _price_terms(m, detail, events, g_commitment, g_offset, extended, t_group, t_billing,
                     t_waits, locked, share, discount, sd, cd, shares, flexible, flex_any,
                     has_price, has_price_all, ach_used, N, U, C, A, adds, joiners, w, wc,
                     w_seg, value, units, fees, new_seats, rev_k, cost_k, strand_k, dist_k,
                     bill_s, vendor_s, charges, ach, ev, acc, sums)
        per_segment(U, gshare, g_offset, g_commitment, users)
        per_segment(N, gshare, g_offset, g_commitment, customers)
        lines[:] = 0.0
        if financed:
            _finance(m, extended, sd, gshare, joiners, keep, lapse[m], bool(lapse_on[m]), F,
                     f_pay, f_before, f_rate, f_alive, f_renews, f_lapsing, f_joins, joins,
                     installments, lines)
        _month_ledger(m, financed, sd, cd, joiners, users, users_before, customers, churned,
                      churned_seats, rev_k, bill_s, charges, ach, installments, lines, book,
                      accrued)
        _store(m, detail, rev_k, cost_k, strand_k, dist_k, lines, out_k, out_s)
        _vendor_and_floor(m, vendor_s, users, tier_index, sd, cd, vendor_b, out_c)
        users_before[:] = users
    if follow:  # the joiners' last month: their licences and support plans
        m = H - 1
        _price_terms(m, detail, False, g_commitment, g_offset, extended, t_group, t_billing,
                     t_waits, locked, share, discount, sd, cd, shares, flexible, flex_any,
                     has_price, has_price_all, ach_used, Nj, Uj, Cj, Aj, adds_j, joiners, w,
                     wc, w_seg, value, units, fees, new_seats, rev_k, cost_k, strand_k, dist_k,
                     bill_s, vendor_s, charges, ach, ev, acc, sums)
        per_segment(Uj, gshare, g_offset, g_commitment, users)
        lines[:] = 0.0
        for s in range(S):
            for p in range(P):
                lines[L_SUPPORT, s, p] = users[s, p] * sd[TIER_PRICE, s, p]
        _store(0, detail, rev_k, cost_k, strand_k, dist_k, lines, joined_k, joined_s)


def _renewals(m: int, extended: int, g_commitment: np.ndarray, g_offset: np.ndarray,
              keep: np.ndarray, lapse: np.ndarray, lapse_on: bool, joiners: np.ndarray,
              no_joiners: np.ndarray, spc: np.ndarray, gshare: np.ndarray, N: np.ndarray,
              U: np.ndarray, C: np.ndarray, U_ref: np.ndarray, since: np.ndarray,
              gone_n: np.ndarray, gone_u: np.ndarray, moved_n: np.ndarray, moved_u: np.ndarray,
              moved: np.ndarray, churned: np.ndarray, churned_seats: np.ndarray) -> None:
    """Section 2(b, c): the renewing phase of each commitment group keeps its customers,
    takes the month's new customers, and (from May 2026) lets a share lapse into the extended
    service term, which takes no one new. Writes the customers and users who left,
    ``churned`` and ``churned_seats`` ``(S, P)``."""
    S, P = churned.shape
    churned[:] = 0.0
    churned_seats[:] = 0.0
    moved[:] = False
    for g in range(len(g_commitment)):
        q = g_offset[g] + m % g_commitment[g]
        if g == extended:  # no one joins it; the month's lapsed commitments arrive
            renew(q, keep[g], no_joiners, spc, N, U, C, U_ref, False, lapse, gone_n,
                  gone_u, moved_n[g], moved_u[g])
            for g0 in range(len(g_commitment)):
                if moved[g0]:
                    for s in range(S):
                        for p in range(P):
                            N[s, q, p] += gshare[g0, s, p] * moved_n[g0, s, p]
                            U[s, q, p] += gshare[g0, s, p] * moved_u[g0, s, p]
            C[:, q] = U[:, q]
        else:
            lapses = lapse_on and g_commitment[g] > 1
            renew(q, keep[g], joiners, spc, N, U, C, U_ref, lapses, lapse, gone_n, gone_u,
                  moved_n[g], moved_u[g])
            moved[g] = lapses
        since[q] = 0
        churned += gshare[g] * gone_n
        churned_seats += gshare[g] * gone_u


def _added_since_bill(m: int, t_group: np.ndarray, t_billing: np.ndarray,
                      g_commitment: np.ndarray, g_offset: np.ndarray, A: np.ndarray,
                      adds: np.ndarray) -> None:
    """Sections 4 and 5: the seats added since each prepaid term's last bill, ``A``, back to
    zero in the month a cohort is billed."""
    for t in range(len(t_group)):
        if t_billing[t] > 1:
            g = t_group[t]
            for i in range(g_commitment[g]):
                q = g_offset[g] + i
                if (m - i) % t_billing[t] == 0:
                    A[t, :, q] = 0.0
                else:
                    A[t, :, q] += adds[:, q]


def _month_ledger(m: int, financed: bool, sd: np.ndarray, cd: np.ndarray, joiners: np.ndarray,
                  users: np.ndarray, users_before: np.ndarray, customers: np.ndarray,
                  churned: np.ndarray, churned_seats: np.ndarray, rev_k: np.ndarray,
                  bill_s: np.ndarray, charges: np.ndarray, ach: np.ndarray,
                  installments: np.ndarray, lines: np.ndarray, book: np.ndarray,
                  accrued: np.ndarray) -> None:
    """Sections 5, 6 and 11: the month's support plans, services, billings (with financed
    installments) and cost of service per segment, into ``lines``; the book of the month
    (customers, users, new customers, churned customers, billings) into ``book``."""
    S, P = users.shape
    for s in range(S):
        for p in range(P):
            joined = joiners[s, p] * sd[GSHARE_SUM, s, p]
            support = users[s, p] * sd[TIER_PRICE, s, p]
            services = joined * sd[ONB_PRICE, s, p]
            billed = bill_s[s, p] + support + joined * sd[ONB_BILLED, s, p]
            debits = ach[s, p]
            if financed:  # installments ride on the customer's charges
                inst = installments[s, p]
                billed += inst
                debits += cd[ACH_RATE, p] * inst
                accrued[m, 0, s, p] = (services - joined * sd[ONB_BILLED, s, p]
                                       + lines[L_FIN_INTEREST, s, p] - inst)
                accrued[m, 1, s, p] = inst - (services - joined * sd[ONB_BILLED, s, p])
            licence = 0.0
            for k in range(rev_k.shape[1]):
                licence += rev_k[s, k, p]
            lines[L_SUPPORT, s, p] = support
            lines[L_SERVICES, s, p] = services
            cost_of_service(s, p, sd, cd, users[s, p], users_before[s, p], joined,
                            churned_seats[s, p], billed, charges[s, p], debits, licence,
                            support, lines)
            book[0, m, s, p] = customers[s, p]
            book[1, m, s, p] = users[s, p]
            book[2, m, s, p] = joined
            book[3, m, s, p] = churned[s, p]
            book[4, m, s, p] = billed


def _vendor_and_floor(m: int, vendor_s: np.ndarray, users: np.ndarray, tier_index: np.ndarray,
                      sd: np.ndarray, cd: np.ndarray, vendor_b: np.ndarray,
                      out_c: np.ndarray) -> None:
    """The vendor's bills of the month summed over segments, and the 24/7 floor (section 5):
    one shift serves every 24/7 tier sold, its idle hours at the labour rate."""
    S, P = users.shape
    any_247 = (tier_index >= 0).any()
    for p in range(P):
        total, hours = 0.0, 0.0
        for s in range(S):
            total += vendor_s[s, p]
            if tier_index[s] >= 0:
                hours += users[s, p] * sd[HOURS, s, p]
        vendor_b[m, p] = total
        if any_247:
            out_c[m, C_FLOOR, p] = max(0.0, cd[FLOOR_HOURS, p] - hours) * cd[LABOR, p]


def _finance(m: int, extended: int, sd: np.ndarray, gshare: np.ndarray, joiners: np.ndarray,
             keep: np.ndarray, lapse: np.ndarray, lapse_on: bool, F: np.ndarray,
             f_pay: np.ndarray, f_before: np.ndarray, f_rate: np.ndarray, f_alive: np.ndarray,
             f_renews: np.ndarray, f_lapsing: np.ndarray, f_joins: np.ndarray,
             joins: np.ndarray, installments: np.ndarray, lines: np.ndarray) -> None:
    """Section 11: this month's financed joiners start their vintages; the installments into
    ``installments``, the interest and write-offs into ``lines`` (times the services price)."""
    n_groups, S, P = joins.shape
    for g in range(n_groups):
        for s in range(S):
            for p in range(P):
                joins[g, s, p] = (joiners[s, p] * gshare[g, s, p] * sd[FIN_SHARE, s, p]
                                  * (1.0 if f_joins[g] else 0.0))
    inst, interest, off = financing_month(F, joins, keep, f_renews, f_alive, lapse, lapse_on,
                                          f_lapsing, extended, f_pay, f_before, f_rate)
    for s in range(S):
        for p in range(P):
            price = sd[ONB_PRICE, s, p]
            installments[s, p] = inst[s, p] * price
            lines[L_FIN_INTEREST, s, p] = interest[s, p] * price
            lines[L_FIN_OFF, s, p] = off[s, p] * price


def _price_terms(m: int, detail: bool, events: bool, g_commitment: np.ndarray,
                 g_offset: np.ndarray, extended: int, t_group: np.ndarray,
                 t_billing: np.ndarray, t_waits: np.ndarray, locked: np.ndarray,
                 share: np.ndarray, discount: np.ndarray, sd: np.ndarray, cd: np.ndarray,
                 shares: np.ndarray, flexible: np.ndarray, flex_any: bool,
                 has_price: np.ndarray, has_price_all: bool, ach_used: bool, N: np.ndarray,
                 U: np.ndarray, C: np.ndarray, A: np.ndarray, adds: np.ndarray,
                 joiners: np.ndarray, w: np.ndarray, wc: np.ndarray, w_seg: np.ndarray,
                 value: np.ndarray, units: np.ndarray, fees: np.ndarray, new_seats: np.ndarray,
                 rev_k: np.ndarray, cost_k: np.ndarray, strand_k: np.ndarray,
                 dist_k: np.ndarray, bill_s: np.ndarray, vendor_s: np.ndarray,
                 charges: np.ndarray, ach: np.ndarray, ev: np.ndarray, acc: np.ndarray,
                 sums: np.ndarray) -> None:
    """Sections 4 to 6 for every term in use: licence revenue, cost, stranded seats and
    distributor margin (per product with ``detail``), licence billings, vendor billings,
    charges and debit fees per segment; and the cohort events of commission plans."""
    S, Q, P = N.shape
    KK = rev_k.shape[1]
    for x in (rev_k, cost_k, strand_k, dist_k):
        x[:] = 0.0
    for x in (bill_s, vendor_s, charges, ach):
        x[:] = 0.0
    mk, prepay, dm = sd[MK], sd[PREPAY], cd[DIST_MARGIN]
    for t in range(len(t_group)):
        g = t_group[t]
        offset, c, bill = g_offset[g], g_commitment[g], t_billing[t]
        prepaid = bill > 1
        joining = m % c if g != extended else -1
        all_now = not prepaid
        charged_all = all_now or has_price_all
        term_prices(t, m, offset, c, locked, share, discount, detail, w, wc, w_seg)
        for s in range(S):
            flex = (not prepaid) and t_waits[t] and flex_any and flexible[s]
            billed_sum, vendor_sum = sums[0], sums[1]
            billed_sum[:] = 0.0
            vendor_sum[:] = 0.0
            for k in range(KK):
                if prepaid:
                    prepaid_term(s, k, m, offset, c, bill, w, wc, C, A[t], adds, prepay, mk,
                                 dm, value, acc)
                else:
                    monthly_term(s, k, offset, c, w, wc, C, U, flex, mk, dm, value, acc)
                for p in range(P):
                    sh = shares[t, s, p]
                    rev_k[s, k, p] += sh * value[0, p]
                    cost_k[s, k, p] += sh * value[2 if prepaid else 1, p]
                    dist_k[s, k, p] += sh * value[3, p]
                    if flex:
                        strand_k[s, k, p] += sh * value[2, p]
                    billed_sum[p] += value[1 if prepaid else 0, p]
                    vendor_sum[p] += value[4, p]
            acc[0] = 0.0  # customers of the term's cohorts, and of those charged now
            acc[1] = 0.0
            for i in range(c):
                now = (m - i) % bill == 0
                for p in range(P):
                    acc[0, p] += N[s, offset + i, p]
                    if now:
                        acc[1, p] += N[s, offset + i, p]
            for p in range(P):
                sh = shares[t, s, p]
                bill_s[s, p] += sh * billed_sum[p]
                vendor_s[s, p] += sh * vendor_sum[p]
                if charged_all or has_price[s, p]:
                    charges[s, p] += sh * acc[0, p]
                else:
                    charges[s, p] += sh * acc[1, p]
            if ach_used or events:
                billed_units(s, m, offset, c, bill, prepaid, flex, C, U, adds, prepay, units)
            if ach_used:
                debit_fees(s, m, offset, c, bill, charged_all, has_price, units, w_seg, N, U,
                           joining, joiners, sd, cd, fees)
                for p in range(P):
                    ach[s, p] += shares[t, s, p] * fees[p]
            if events:
                for p in range(P):
                    new_seats[s, p] = (joiners[s, p] * sd[SPC, s, p]
                                       * (1.0 if g != extended else 0.0))
                record_events(ev, s, m, c, bill, prepaid, offset, shares[t], C, adds, units,
                              w_seg, mk, prepay, max(joining, 0), new_seats)


def _store(m: int, detail: bool, rev_k: np.ndarray, cost_k: np.ndarray, strand_k: np.ndarray,
           dist_k: np.ndarray, lines: np.ndarray, out_k: np.ndarray, out_s: np.ndarray) -> None:
    """Write a month's ledger: per segment and product, or summed over them (many paths)."""
    S, KK, P = rev_k.shape
    for j, x in ((K_RESALE, rev_k), (K_COST, cost_k), (K_STRANDED, strand_k),
                 (K_DIST, dist_k)):
        if detail:
            for s in range(S):
                for k in range(KK):
                    for p in range(P):
                        out_k[m, s, k, j, p] = x[s, k, p]
        else:
            for p in range(P):
                total = 0.0
                for k in range(KK):
                    inside = 0.0
                    for s in range(S):
                        inside += x[s, k, p]
                    total += inside
                out_k[m, 0, 0, j, p] = total
    for i in range(len(LOOP_LINES)):
        j = LOOP_LINE_POSITIONS[i]
        for p in range(P):
            if detail:
                for s in range(S):
                    out_s[m, s, j, p] = lines[i, s, p]
            else:
                total = 0.0
                for s in range(S):
                    total += lines[i, s, p]
                out_s[m, 0, j, p] = total


# --------------------------------------------------------------------------------------------
# Compiling
# --------------------------------------------------------------------------------------------
RULES = ("change_seats", "renew", "per_segment", "term_prices", "prepaid_term", "monthly_term",
         "billed_units", "debit_fees", "record_events", "cost_of_service", "financing_month",
         "_renewals", "_added_since_bill", "_month_ledger", "_vendor_and_floor", "_finance",
         "_price_terms", "_store")
_compiled = None


def compiled():  # noqa: ANN201 - a numba dispatcher or the plain function
    """The month loop, compiled with numba on first use (cached on disk next to this module),
    or the plain Python function where numba is absent or ``CSPMODEL_NO_JIT`` is set.

    Example:
        >>> callable(compiled())
        True
    """
    global _compiled
    if _compiled is None:
        _compiled = month_loop
        if not os.environ.get("CSPMODEL_NO_JIT"):
            try:
                import numba
            except ImportError:  # pragma: no cover - numba is a dependency
                return _compiled
            names = globals()
            for name in RULES:  # the loop calls the compiled rules
                names[name] = numba.njit(cache=True)(names[name])
            _compiled = numba.njit(cache=True)(month_loop)
    return _compiled

