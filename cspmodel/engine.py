"""The economics engine: vectorized numpy over (paths, segments, cohorts, products), month by month.

The rules are in ``docs/engine.md``. The state of the book is held in arrays shaped
``(paths, segments, cohorts)``: 25 cohorts per segment (the monthly term, and twelve anniversary
phases for each of the two annual terms). Each month is a handful of array operations over every
path, segment and cohort at once; products enter through one matrix product with the cohorts'
locked prices. ``paths=None`` is the deterministic expected-value run (one path).

Example:
    >>> import cspmodel
    >>> s = cspmodel.load_scenario("scenarios/small_indirect_msp.yaml")
    >>> run_core(build_inputs(s)).customers.shape  # (paths, segments, months)
    (1, 1, 36)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ledger
from .book import monthly_hazard, seat_change_rates
from .catalog import annual_billed_monthly_factor_on
from .ledger import (  # noqa: F401 - re-exported for the readers of the engine
    COMPANY_LINES,
    PRODUCT_LINES,
    RECURRING_LINES,
    SEGMENT_LINES,
    STATEMENT_OF_LINE,
)
from .schema import TERM_KEYS, Scenario
from .support import floor_cost
from .support import floor_hours as support_floor_hours
from .util import add_months  # noqa: F401 - re-exported: the engine's calendar

N_PHASES = 12
N_COHORTS = 1 + 2 * N_PHASES
# cohort layout: 0 = monthly term (M), 1..12 = annual billed monthly (B, phase 0..11),
# 13..24 = annual upfront (U, phase 0..11)
IS_M = np.zeros(N_COHORTS, dtype=bool)
IS_M[0] = True
IS_B = np.zeros(N_COHORTS, dtype=bool)
IS_B[1:13] = True
IS_U = np.zeros(N_COHORTS, dtype=bool)
IS_U[13:] = True
PHASE = np.concatenate([[-1], np.arange(12), np.arange(12)])

# the ledger's lines and their order on each level come from the registry (cspmodel.ledger);
# positions are looked up by name, never written down
KL = {n: ledger.index("product", n) for n in PRODUCT_LINES}
SL = {n: ledger.index("segment", n) for n in SEGMENT_LINES}
CL = {n: ledger.index("company", n) for n in COMPANY_LINES}
PAID_SEGMENT = ledger.mask("segment", cash="paid")
PAID_COMPANY = ledger.mask("company", cash="paid")
assert not ledger.mask("product", cash="paid").any()  # product lines are all vendor-settled


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
    locked: np.ndarray  # (K, Q, H) list price x term factor locked by cohort q in month m
    locked_before: np.ndarray  # (K, Q) the same in the month before the start
    drivers: dict[str, np.ndarray]
    tier_index: np.ndarray  # (S,) index of the segment's support tier among the 24x7 tiers, -1
    n_247: int
    is_direct: bool
    flexible: np.ndarray  # (S,) bool
    horizon: int
    partner_discount: np.ndarray  # (K,)

    @property
    def n_paths(self) -> int:
        return max(v.shape[0] for v in self.drivers.values())


SEGMENT_DRIVERS = (
    "customers_at_start", "new_customers_per_month", "churn_annual", "seats_per_customer",
    "seat_growth_annual", "seat_volatility_annual", "prepay_discount", "markup_vs_list",
)
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
        >>> build_inputs(s).locked.shape
        (1, 25, 36)
    """
    segs = scenario.segments
    products: list[str] = []
    for seg in segs:
        for pid in list(seg.product_mix) + list(seg.addons):
            if pid not in products:
                products.append(pid)
    S, K, H = len(segs), len(products), scenario.horizon_months
    share = np.zeros((S, K))
    for i, seg in enumerate(segs):
        for pid, v in list(seg.product_mix.items()) + list(seg.addons.items()):
            share[i, products.index(pid)] += v

    # list price x factor by lock month t = -12 .. H-1, for each term type
    t_all = np.arange(-12, H)
    dates = [add_months(scenario.start_month, int(t)) for t in t_all]
    lp = np.array([[scenario.list_price(pid, d) for d in dates] for pid in products])  # (K, T)
    terms = scenario.terms
    f_m = np.full(len(dates), terms.monthly_term_factor)
    if terms.annual_billed_monthly_factor is not None:
        f_b = np.full(len(dates), terms.annual_billed_monthly_factor)
    else:
        f_b = np.array([annual_billed_monthly_factor_on(d) for d in dates])
    f_u = np.full(len(dates), terms.annual_upfront_factor)
    factor_by_type = np.stack([f_m, f_b, f_u])  # (3, T)
    cohort_type = np.where(IS_M, 0, np.where(IS_B, 1, 2))
    months = np.arange(H)
    lock_month = np.where(
        IS_M[:, None], months[None, :],
        months[None, :] - np.mod(months[None, :] - PHASE[:, None], N_PHASES),
    )  # (Q, H), may be negative (terms started before the horizon)
    idx = lock_month + 12
    locked = lp[:, idx] * factor_by_type[cohort_type[:, None], idx][None, :, :]  # (K, Q, H)
    # what each cohort paid in the month before the start: M locked it in month -1, an annual
    # cohort of phase p at its last renewal before the start, month p - 12
    before = np.where(IS_M, -1, PHASE - N_PHASES) + 12
    locked_before = lp[:, before] * factor_by_type[cohort_type, before][None, :]  # (K, Q)

    drivers: dict[str, np.ndarray] = {}
    for name in SEGMENT_DRIVERS:
        drivers[name] = np.array([[float(getattr(seg, name)) for seg in segs]])
    for key in TERM_KEYS:
        drivers[f"term_{key}"] = np.array([[seg.term_mix[key] for seg in segs]])
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

    sup, costs, services, ch = scenario.support, scenario.costs, scenario.services, scenario.channel
    company = {
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
        "distributor_fee_per_month": (ch.indirect.distributor_fee_per_month
                                      if ch.model == "indirect" else 0.0),
        "escalation_fee_per_ticket": (ch.indirect.escalation_fee_per_ticket
                                      if ch.model == "indirect" else 0.0),
        "direct_programme_per_year": (
            ch.direct.billing_platform_per_year + ch.direct.provisioning_per_year
            + ch.direct.portal_per_year + ch.direct.training_per_year
            + ch.direct.compliance_per_year) if ch.model == "direct" else 0.0,
    }
    for name, v in company.items():
        drivers[name] = np.array([[float(v)]])
    return Inputs(
        scenario=scenario,
        segments=[s.name for s in segs],
        products=products,
        share=share,
        locked=locked,
        locked_before=locked_before,
        drivers=drivers,
        tier_index=tier_index,
        n_247=len(tier_names_247),
        is_direct=ch.model == "direct",
        flexible=np.array([seg.contract_policy == "flexible" for seg in segs]),
        horizon=H,
        partner_discount=np.array([scenario.partner_discount(pid) for pid in products]),
    )


@dataclass
class CoreOutput:
    """Raw arrays from the core, months last."""

    product_lines: np.ndarray  # (P, S, K, 4, H)
    segment_lines: np.ndarray  # (P, S, 13, H)
    company_lines: np.ndarray  # (P, 7, H)
    customers: np.ndarray  # (P, S, H)
    seats: np.ndarray  # (P, S, H)
    new_customers: np.ndarray  # (P, S, H)
    churned_customers: np.ndarray  # (P, S, H)
    billings: np.ndarray  # (P, S, H) everything billed to customers
    vendor_billings: np.ndarray  # (P, H)
    deferred_opening: np.ndarray  # (P,)
    prepaid_opening: np.ndarray  # (P,)
    cash_in: np.ndarray  # (P, H)
    cash_out: np.ndarray  # (P, H)
    receivables: np.ndarray  # (P, H)
    payables: np.ndarray  # (P, H)
    receivables_opening: np.ndarray  # (P,)
    payables_opening: np.ndarray  # (P,)
    commission_plans: np.ndarray  # (P, S, plans, 4, H) see cspmodel.commissions


def _lag_split(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    months = days / 30.0
    whole = np.floor(months)
    return whole.astype(int), months - whole


def lagged(amounts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Pay ``amounts`` (P, H) after ``days`` (P, 1): a month is 30 days, fractions split.

    Example:
        >>> lagged(np.array([[100.0, 0, 0]]), np.array([[45.0]]))
        array([[ 0., 50., 50.]])
    """
    P, H = amounts.shape
    whole, frac = _lag_split(np.broadcast_to(days, (P, 1)).astype(float))
    out = np.zeros((P, H))
    for w in np.unique(whole):
        rows = whole[:, 0] == w
        fr = frac[rows]
        if w < H:
            out[rows, w:] += amounts[rows, : H - w] * (1.0 - fr)
        if w + 1 < H:
            out[rows, w + 1:] += amounts[rows, : H - w - 1] * fr
    return out


def opening_settlement(horizon: int) -> np.ndarray:
    """When the starting book's bills from before the start are settled: all in month 0.

    The opening balances do not depend on the payment terms under test (``docs/engine.md``
    section 7): the book at the start has its last month's invoices and its last month's
    vendor bill open, and settles both in the first month. The terms under test apply to what
    is billed from month 0 on, so that a longer DSO can only delay cash, never bring more in.

    Example (does a slower-paying customer base change what the starting book collects?):
        >>> opening_settlement(3)
        array([[1., 0., 0.]])
    """
    out = np.zeros((1, horizon))
    out[0, 0] = 1.0
    return out


def _many_paths_months(inp: Inputs, new_from: np.ndarray | None, first_month: int,
                       out_k: np.ndarray, out_s: np.ndarray, out_c: np.ndarray,
                       w_all: np.ndarray, rates: dict[str, np.ndarray],
                       company: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """The month loop of ``run_core`` for many paths (``detail=False``): the same rules, laid
    out for speed. Fills ``out_k`` (P, 1, 1, 4, H), ``out_s`` (P, 1, 13, H) and the 24x7
    floor of ``out_c``; returns customers, seats, new and churned customers, billings (P, S, H),
    vendor billings and the collectible amounts (P, H).

    Two changes of layout, same figures to rounding:

    - paths last: every array is ``(S, ..., P)``, so a cohort's slice is a contiguous block
      and pricing is one batched matrix product per state array ((S, v, 12) @ (S, 12, P));
    - one annual book: the billed-monthly (B) and upfront (U) cohorts of a segment churn,
      renew and change seats alike, and both start and grow in the fixed ratio of their term
      shares, so one book of twelve phases per unit of term share (``X``) stands for both:
      B = term_annual_billed_monthly x X, U = term_annual_upfront x X. Only what they are
      billed differs (prices, upfront and prorated amounts), priced from ``X``.

    Products need no axis of their own: the product lines are summed over products and
    segments, so the locked prices enter as each segment's value per user of a cohort,
    ``w = share @ locked`` (list) and ``wc`` (the same at cost, ``1 - partner discount``).
    """
    P = inp.n_paths
    S = len(inp.segments)
    H = inp.horizon

    def t(x: np.ndarray) -> np.ndarray:  # (P, S) or (P, 1) -> (S, P) or (1, P), contiguous
        return np.ascontiguousarray(np.broadcast_to(x, (P, x.shape[1])).T)

    r = {k: t(v) for k, v in rates.items()}
    c = {k: t(v) for k, v in company.items()}
    add_rate, keep_m, keep_a = r["add_rate"], r["keep_m"], r["keep_a"]
    growth = r["growth"]  # users kept after seat changes
    t_m, t_b, t_u = r["t_m"], r["t_b"], r["t_u"]
    t_a = t_b + t_u
    spc, pd_, mk, tier_price = r["spc"], r["pd_"], r["mk"], r["tier_price"]
    one_minus_pd = 1.0 - pd_
    dm, bad_rate = c["dm"], c["bad_rate"]
    new_n = r["new_n"]
    n0 = r["n0"]
    flex = inp.flexible[:, None]  # (S, 1)
    flex_any = bool(inp.flexible.any())
    has_support_price = tier_price > 0  # (S, P)
    pay_ach = r["pay_ach"]
    ach_used = bool((pay_ach > 0).any())
    ach_rate, ach_cap = c["ach_rate"], c["ach_cap"]
    rate_mk = ach_rate * mk  # (S, P)
    rate_tier = ach_rate * tier_price
    rate_onb = ach_rate * r["onb_price"]
    collect_now_share = r["pay_card"] + pay_ach
    disc = inp.partner_discount
    wc_all = np.einsum("sk,kqm->sqm", inp.share * (1.0 - disc)[None, :], inp.locked)

    # the book: monthly term (S, P), and the annual book per unit of term share (S, 12, P)
    Nm = n0 * t_m
    Sm = Nm * spc  # a monthly term's committed seats follow its users
    NX = np.repeat((n0 / N_PHASES)[:, None, :], N_PHASES, axis=1)
    SX = NX * spc[:, None, :]
    CX = SX.copy()
    AX = np.zeros_like(CX)
    addsX = np.empty_like(CX)
    tmp = np.empty_like(CX)
    tmp2 = np.empty_like(CX)

    k_lines = np.zeros((H, len(PRODUCT_LINES), P))
    s_lines = np.zeros((H, len(SEGMENT_LINES), P))
    customers = np.zeros((H, S, P))
    seats = np.zeros((H, S, P))
    new_c = np.zeros((H, S, P))
    churned_c = np.zeros((H, S, P))
    billings = np.zeros((H, S, P))
    vendor_b = np.zeros((H, P))
    collectible_now = np.zeros((H, P))
    collectible_inv = np.zeros((H, P))
    phases = np.arange(N_PHASES)
    for m in range(first_month, H):
        ph = m % N_PHASES
        ml = (N_PHASES - np.mod(m - phases, N_PHASES)).astype(float)  # upfront months left
        ml[ph] = 0.0  # the renewing upfront cohort bills a full year instead
        w_m, wc_m = w_all[:, 0, m], wc_all[:, 0, m]  # (S,)
        w_b, wc_b = w_all[:, 1:1 + N_PHASES, m], wc_all[:, 1:1 + N_PHASES, m]  # (S, 12)
        w_u, wc_u = w_all[:, 1 + N_PHASES:, m], wc_all[:, 1 + N_PHASES:, m]

        # (a) seat changes: additions are new co-termed purchases, reductions leave C alone
        users_before = Sm + t_a * SX.sum(axis=1)
        np.multiply(SX, add_rate[:, None, :], out=addsX)
        SX *= growth[:, None, :]
        Sm = Sm * growth
        CX += addsX
        AX += addsX  # the mid-term additions (priced for the upfront cohorts)
        added_value = np.matmul(np.stack([w_u * ml, wc_u * ml], axis=1), addsX)  # (S, 2, P)

        # (b) renewals and (c) new customers: the monthly term and annual phase ph
        n_now = new_n if new_from is None else np.where((m >= new_from)[None, :], 0.0, new_n)
        nx, sx = NX[:, ph, :], SX[:, ph, :]
        churned_c[m] = Nm * (1.0 - keep_m) + t_a * nx * (1.0 - keep_a)
        churned_seats = Sm * (1.0 - keep_m) + t_a * sx * (1.0 - keep_a)
        Nm = Nm * keep_m + n_now * t_m
        Sm = Sm * keep_m + n_now * t_m * spc
        NX[:, ph, :] = nx * keep_a + n_now
        SX[:, ph, :] = sx * keep_a + n_now * spc
        CX[:, ph, :] = SX[:, ph, :]
        AX[:, ph, :] = 0.0
        n_joined = n_now * (t_m + t_a)

        # priced values per segment (S, P): list (w) and cost (wc) weights
        c_val = np.matmul(np.stack([w_b, wc_b, w_u, wc_u], axis=1), CX)  # (S, 4, P)
        cb_w, cb_c, cu_w, cu_c = c_val[:, 0], c_val[:, 1], c_val[:, 2], c_val[:, 3]
        au_w = np.matmul(w_u[:, None, :], AX)[:, 0]
        if flex_any:
            s_val = np.matmul(np.stack([w_b, wc_b], axis=1), SX)
            bx_w = np.where(flex, s_val[:, 0], cb_w)
            bx_c = np.where(flex, s_val[:, 1], cb_c)
            stranded = np.where(flex, t_b * (cb_c - s_val[:, 1]), 0.0)
        else:
            bx_w, bx_c, stranded = cb_w, cb_c, None
        m_w, m_c = Sm * w_m[:, None], Sm * wc_m[:, None]
        renew_units = 12.0 * t_u * CX[:, ph, :]  # the renewing upfront cohort's year
        renew_w, renew_c = renew_units * w_u[:, ph, None], renew_units * wc_u[:, ph, None]
        # revenue: upfront seats recognised at the prepaid price, additions at list
        lic_rev = mk * (m_w + t_b * bx_w + t_u * (cu_w * one_minus_pd + au_w * pd_))
        lic_bill = mk * (m_w + t_b * bx_w + t_u * added_value[:, 0] + renew_w * one_minus_pd)
        k_lines[m, KL["license_resale"]] = lic_rev.sum(axis=0)
        k_lines[m, KL["license_cost"]] = (m_c + t_b * bx_c + t_u * cu_c).sum(axis=0)
        if stranded is not None:
            k_lines[m, KL["stranded_seats"]] = stranded.sum(axis=0)
        k_lines[m, KL["distributor_margin"]] = (dm * (m_w + t_b * cb_w + t_u * cu_w)).sum(axis=0)
        vendor_b[m] = (m_c + dm * m_w + t_b * (cb_c + dm * cb_w)
                       + t_u * (added_value[:, 1] + dm * added_value[:, 0])
                       + renew_c + dm * renew_w).sum(axis=0)

        # support, services
        users = Sm + t_a * SX.sum(axis=1)
        sup_rev = users * tier_price
        hours = users * r["hours_per_user"]
        serv_rev = n_joined * r["onb_price"]
        sum_nx = NX.sum(axis=1)
        n_charges = Nm + t_b * sum_nx + t_u * np.where(has_support_price, sum_nx, NX[:, ph, :])
        bill_total = lic_bill + sup_rev + serv_rev
        card_fee = r["pay_card"] * (c["card_rate"] * bill_total + c["card_fix"] * n_charges)
        if ach_used:
            # per cohort min(rate x amount, cap x customers), per unit of term share for the
            # annual book; an upfront cohort not billed this month (no support price) pays the
            # rate alone on what it is billed (additions)
            fee_m = np.minimum(rate_mk * m_w + rate_tier * Sm + rate_onb * n_now * t_m,
                               ach_cap * Nm)
            cap = np.multiply(NX, ach_cap[:, None, :], out=tmp2)  # (S, 12, P)
            # billed-monthly phases: billed units x price + support
            base = SX * rate_tier[:, None, :]  # support on every cohort
            base[:, ph, :] += rate_onb * n_now
            billed = np.where(flex[:, :, None], SX, CX) if flex_any else CX
            np.multiply(billed, w_b[:, :, None], out=tmp)
            tmp *= rate_mk[:, None, :]
            tmp += base
            fee_b = np.minimum(tmp, cap, out=tmp).sum(axis=1)
            # upfront phases: prorated additions, the renewing phase a year (less prepay)
            np.multiply(addsX, (w_u * ml)[:, :, None], out=tmp)
            tmp[:, ph, :] = 12.0 * CX[:, ph, :] * one_minus_pd * w_u[:, ph, None]
            tmp *= rate_mk[:, None, :]
            tmp += base
            all_u = tmp.sum(axis=1)
            ren_u = tmp[:, ph, :].copy()
            capped_u = np.minimum(tmp, cap, out=tmp).sum(axis=1)
            fee_u = np.where(has_support_price, capped_u,
                             all_u - ren_u + np.minimum(ren_u, cap[:, ph, :]))
            ach_fee = pay_ach * (fee_m + t_b * fee_b + t_u * fee_u)
        else:
            ach_fee = None
        lic_changes = (r["change_rate"] * users_before + churned_seats
                       + n_joined * spc) * r["share_sum"]
        sl = s_lines[m]
        sl[SL["support_plans"]] = sup_rev.sum(axis=0)
        sl[SL["services"]] = serv_rev.sum(axis=0)
        sl[SL["support_labor"]] = (hours * c["rate"]).sum(axis=0)
        sl[SL["escalation_fees"]] = (users * r["esc_fee"]).sum(axis=0)
        sl[SL["services_cost"]] = (n_joined * r["onb_cost"]).sum(axis=0)
        sl[SL["per_seat_tools"]] = (users * c["tools_rate"]).sum(axis=0)
        sl[SL["card_processing"]] = card_fee.sum(axis=0)
        if ach_fee is not None:
            sl[SL["ach_fees"]] = ach_fee.sum(axis=0)
        sl[SL["license_admin"]] = (lic_changes * c["admin_rate"]).sum(axis=0)
        sl[SL["accounting"]] = (n_charges * c["invoice_rate"]).sum(axis=0)
        sl[SL["commissions"]] = ((lic_rev + sup_rev) * c["commission_rate"]).sum(axis=0)
        sl[SL["acquisition"]] = (n_joined * c["cac_rate"]).sum(axis=0)
        sl[SL["bad_debt"]] = (bill_total * bad_rate).sum(axis=0)
        if inp.n_247:  # one shift serves every 24/7 tier sold
            out_c[:, CL["support_247_floor"], m] = floor_cost(
                hours[inp.tier_index >= 0].sum(axis=0), c["floor_hours"][0], c["rate"][0])

        customers[m] = Nm + t_a * sum_nx
        seats[m] = users
        new_c[m] = n_joined
        billings[m] = bill_total
        collect = bill_total * (1.0 - bad_rate)
        collectible_now[m] = (collect * collect_now_share).sum(axis=0)
        collectible_inv[m] = (collect * r["pay_invoice"]).sum(axis=0)

    out_k[:, 0, 0] = k_lines.transpose(2, 1, 0)
    out_s[:, 0] = s_lines.transpose(2, 1, 0)

    def last(x: np.ndarray) -> np.ndarray:  # (H, ..., P) -> (P, ..., H)
        return np.ascontiguousarray(np.moveaxis(x, (0, -1), (-1, 0)))

    return (last(customers), last(seats), last(new_c), last(churned_c), last(billings),
            last(vendor_b), last(collectible_now), last(collectible_inv))


def run_core(inp: Inputs, new_from: np.ndarray | None = None, detail: bool = True,
             first_month: int = 0) -> CoreOutput:
    """Run every month for every path at once. ``new_from`` (P,) stops new customers from
    that month on (used for net revenue retention); None lets them join throughout.

    ``detail=False`` (Monte Carlo, sweeps: many paths) sums the product and segment lines over
    segments and products inside the month loop, so ``product_lines`` is ``(P, 1, 1, 4, H)``
    and ``segment_lines`` ``(P, 1, 13, H)``: the memory of the full detail, ``(P, S, K, 4, H)``,
    is too much for 10,000 paths. Every statement and metric is the same either way (to
    rounding). Its month loop is ``_many_paths_months`` (paths last, one shared annual book).

    ``first_month`` skips the months before it (left at zero): only for a book that is empty
    until then (no customers at the start, e.g. the customers joining from some month on)."""
    d = inp.drivers
    P = inp.n_paths
    S, K = inp.share.shape
    H = inp.horizon
    Q = N_COHORTS

    def seg(name: str) -> np.ndarray:  # (P, S)
        return np.broadcast_to(d[name], (P, S)).astype(float)

    def com(name: str) -> np.ndarray:  # (P, 1)
        return np.broadcast_to(d[name], (P, 1)).astype(float)

    n0, new_n = seg("customers_at_start"), seg("new_customers_per_month")
    churn, spc = seg("churn_annual"), seg("seats_per_customer")
    pd_, markup = seg("prepay_discount"), seg("markup_vs_list")
    add_rate, red_rate = seat_change_rates(seg("seat_growth_annual"),
                                           seg("seat_volatility_annual"))
    hazard_m = monthly_hazard(churn)

    # term shares per cohort: (P, S, Q)
    t_m, t_b, t_u = seg("term_monthly"), seg("term_annual_billed_monthly"), seg(
        "term_annual_upfront")
    q_share = np.zeros((P, S, Q))
    q_share[:, :, 0] = t_m
    q_share[:, :, 1:13] = (t_b / 12.0)[:, :, None]
    q_share[:, :, 13:] = (t_u / 12.0)[:, :, None]

    N = n0[:, :, None] * q_share
    Su = N * spc[:, :, None]
    C = Su.copy()
    A = np.zeros_like(C)

    share = inp.share  # (S, K)
    mk = 1.0 + markup  # (P, S)
    disc = inp.partner_discount  # (K,)
    dm = com("distributor_margin")  # (P, 1)
    flex = inp.flexible[None, :, None]  # (1, S, 1)

    tier_price = seg("tier_price_per_seat_month")
    tps = seg("tier_tickets_per_seat_month")
    esc = seg("tier_escalation_rate")
    minutes = tps * (seg("tier_minutes_per_ticket") + esc * seg("tier_escalation_minutes"))
    util, rate = com("utilization"), com("labor_rate_per_hour")
    pay_card, pay_ach = seg("pay_card"), seg("pay_ach")
    card_rate, card_fix = com("card_fee_rate"), com("card_fee_per_charge")
    ach_rate, ach_cap = com("ach_fee_rate"), com("ach_fee_cap")
    bad_rate = com("bad_debt_rate")
    onb_price = com("onboarding_price_per_customer") + spc * com("deployment_price_per_seat")
    onb_cost = com("onboarding_cost_per_customer") + spc * com("deployment_cost_per_seat")
    share_sum = share.sum(axis=1)[None, :]  # (1, S)
    esc_fee = tps * esc * com("escalation_fee_per_ticket")
    tools_rate = com("systems_per_seat_month")
    admin_rate = com("license_admin_per_seat_change")
    invoice_rate = com("accounting_per_invoice")
    commission_rate = com("commission_rate")
    cac_rate = com("acquisition_cost_per_customer")
    pay_invoice = seg("pay_invoice")
    hours_per_user = minutes / 60.0 / util
    w_all = np.einsum("sk,kqm->sqm", share, inp.locked)  # (S, Q, H) list value per user
    has_support_price = (tier_price > 0)[:, :, None]  # (P, S, 1)
    floor_hours = support_floor_hours(com("staff_on_shift_247"))  # (P, 1)

    # opening balances of the initial upfront cohorts (phase >= 1 has phase months left)
    months_left0 = np.where(IS_U, np.where(PHASE == 0, 0, PHASE), 0).astype(float)  # (Q,)
    price0 = inp.locked_before  # (K, Q) the prices of the terms running before the start
    sell0 = np.einsum("sk,kq->sq", share, price0)  # (S, Q)
    cost_rate_k = (1.0 - disc)[:, None] * price0  # (K, Q)
    cost0 = np.einsum("sk,kq->sq", share, cost_rate_k)[None] + dm[:, :, None] * sell0[None]
    deferred_opening = (C * months_left0 * sell0[None] * (mk * (1 - pd_))[:, :, None]).sum((1, 2))
    prepaid_opening = (C * months_left0 * cost0).sum((1, 2))
    # the book at the start billed like this in each month before the horizon (upfront
    # renewals averaged over their twelve phases): what is still unpaid opens the balances
    sell_rate0 = sell0[None] * mk[:, :, None] * np.where(IS_U, 1.0 - pd_[:, :, None], 1.0)
    bill_before = (C * sell_rate0).sum(axis=2) + Su.sum(axis=2) * seg("tier_price_per_seat_month")
    inv_before = (bill_before * seg("pay_invoice") * (1.0 - com("bad_debt_rate"))).sum(axis=1)
    vendor_before = (C * cost0).sum(axis=(1, 2))

    if detail:
        out_k = np.zeros((P, S, K, len(PRODUCT_LINES), H))
        out_s = np.zeros((P, S, len(SEGMENT_LINES), H))
    else:  # summed over segments and products inside the month loop
        out_k = np.zeros((P, 1, 1, len(PRODUCT_LINES), H))
        out_s = np.zeros((P, 1, len(SEGMENT_LINES), H))
    out_c = np.zeros((P, len(COMPANY_LINES), H))
    # the per-segment series are filled month-first (contiguous writes), months last at the end
    # (the many-paths loop makes its own)
    customers = np.zeros((H, P, S))
    seats = np.zeros((H, P, S))
    new_c = np.zeros((H, P, S))
    churned_c = np.zeros((H, P, S))
    billings = np.zeros((H, P, S))
    vendor_b = np.zeros((H, P))
    collectible_now = np.zeros((H, P))
    collectible_inv = np.zeros((H, P))

    # the cohorts' fixed blocks: monthly and billed-monthly (M, B) first, then upfront (U); the
    # selections below write each block once instead of computing both sides of a where
    MB, U = slice(0, 1 + N_PHASES), slice(1 + N_PHASES, Q)
    keep_m, keep_a = 1.0 - hazard_m, 1.0 - churn  # (P, S)
    one_minus_pd = 1.0 - pd_  # (P, S)
    flex_any = bool(inp.flexible.any())

    def qsum(x: np.ndarray) -> np.ndarray:  # sum over cohorts
        return x.sum(axis=2)

    ach_used = bool((pay_ach > 0).any())
    from .commissions import CohortTracker  # here: that module builds on this one

    tracker = CohortTracker.start(inp, P, (C * sell_rate0).sum(axis=2))  # None: no plans
    if tracker is not None and not detail:
        raise ValueError("commission plans need the per-segment detail: run with detail=True")
    growth = (1.0 + add_rate - red_rate)[:, :, None]  # (P, S, 1) users kept after changes
    change_rate = add_rate + red_rate  # licences touched per user
    keep3 = np.stack([keep_m, keep_a, keep_a], axis=2)  # (P, S, 3) for M, B(phase), U(phase)
    term3 = np.stack([t_m, t_b, t_u], axis=2)  # where new customers go
    if not detail:  # paths last, one shared annual book: see _many_paths_months
        (customers, seats, new_c, churned_c, billings, vendor_b, collectible_now,
         collectible_inv) = _many_paths_months(
            inp, new_from, first_month, out_k, out_s, out_c, w_all, rates=dict(
                add_rate=add_rate, change_rate=change_rate, growth=growth[:, :, 0], n0=n0,
                keep_m=keep_m, keep_a=keep_a,
                t_m=t_m, t_b=t_b, t_u=t_u, new_n=new_n, spc=spc, pd_=pd_, mk=mk,
                tier_price=tier_price, hours_per_user=hours_per_user, esc_fee=esc_fee,
                onb_price=onb_price, onb_cost=onb_cost, pay_card=pay_card, pay_ach=pay_ach,
                pay_invoice=pay_invoice, share_sum=np.broadcast_to(share_sum, (P, S))),
            company=dict(dm=dm, rate=rate, card_rate=card_rate, card_fix=card_fix,
                         ach_rate=ach_rate, ach_cap=ach_cap, bad_rate=bad_rate,
                         tools_rate=tools_rate, admin_rate=admin_rate,
                         invoice_rate=invoice_rate, commission_rate=commission_rate,
                         cac_rate=cac_rate, floor_hours=floor_hours))
    else:
        stack = np.zeros((P, S, 6, Q))
        for m in range(first_month, H):
            phase = m % N_PHASES
            renew = IS_M | (PHASE == phase)  # (Q,)
            months_left = np.where(IS_U, N_PHASES - np.mod(m - PHASE, N_PHASES), 0)  # (Q,)
            qb, qu = 1 + phase, 1 + N_PHASES + phase  # the B and U cohorts renewing this month
            ren = [0, qb, qu]

            # (a) seat changes: additions are new co-termed purchases, reductions leave C alone
            users_before = qsum(Su)
            adds = add_rate[:, :, None] * Su
            Su = Su * growth
            C += adds
            C[:, :, 0] = Su[:, :, 0]  # a monthly term follows the users
            A[:, :, U] += adds[:, :, U]  # A is 0 outside the upfront cohorts

            # (b) renewals and (c) new customers touch only cohorts M, B(phase), U(phase)
            n_r, s_r = N[:, :, ren], Su[:, :, ren]
            churned_c[m] = (n_r * (1.0 - keep3)).sum(axis=2)
            churned_seat_total = (s_r * (1.0 - keep3)).sum(axis=2)
            n_now = new_n if new_from is None else np.where((m >= new_from)[:, None], 0.0, new_n)
            joined3 = n_now[:, :, None] * term3
            n_r = n_r * keep3 + joined3
            s_r = s_r * keep3 + joined3 * spc[:, :, None]
            N[:, :, ren] = n_r
            Su[:, :, ren] = s_r
            C[:, :, ren] = s_r
            A[:, :, ren] = 0.0
            if tracker is not None:
                joined = np.zeros((P, S, Q))
                joined[:, :, ren] = joined3

            # seats per variant -> one matrix product with the locked prices
            bill_mb = np.where(flex, Su[:, :, MB], C[:, :, MB]) if flex_any else C[:, :, MB]
            stack[:, :, 0, MB] = bill_mb
            stack[:, :, 0, U] = (C[:, :, U] - A[:, :, U]) * one_minus_pd[:, :, None] + A[:, :, U]
            stack[:, :, 1, MB] = bill_mb
            stack[:, :, 1, U] = adds[:, :, U] * months_left[U]
            stack[:, :, 1, qu] = 12.0 * C[:, :, qu] * one_minus_pd
            stack[:, :, 2, MB] = bill_mb
            stack[:, :, 2, U] = C[:, :, U]
            if flex_any:
                stack[:, :, 3, MB] = np.where(flex, C[:, :, MB] - Su[:, :, MB], 0.0)
            stack[:, :, 4] = C
            stack[:, :, 5, MB] = C[:, :, MB]
            stack[:, :, 5, U] = adds[:, :, U] * months_left[U]
            stack[:, :, 5, qu] = 12.0 * C[:, :, qu]
            priced = stack @ inp.locked[:, :, m].T  # (P, S, 6, K)
            priced = priced * share[None, :, None, :]
            billed_units = stack[:, :, 1]
            lic_rev = priced[:, :, 0] * mk[:, :, None]
            lic_bill = priced[:, :, 1] * mk[:, :, None]
            ok = out_k[..., m]  # (P, S, K, 4)
            ok[:, :, :, KL["license_resale"]] = lic_rev
            ok[:, :, :, KL["license_cost"]] = priced[:, :, 2] * (1.0 - disc)
            ok[:, :, :, KL["stranded_seats"]] = priced[:, :, 3] * (1.0 - disc)
            ok[:, :, :, KL["distributor_margin"]] = priced[:, :, 4] * dm[:, :, None]
            vendor_b[m] = (priced[:, :, 5] * ((1.0 - disc) + dm[:, :, None])).sum(axis=(1, 2))

            # support, services
            users = qsum(Su)
            sup_rev = users * tier_price
            hours = users * hours_per_user
            n_joined = joined3.sum(axis=2)
            serv_rev = n_joined * onb_price
            # per-cohort amounts for payment fees
            wq = w_all[None, :, :, m] * mk[:, :, None]  # (P, S, Q) price per user
            if tracker is not None:
                billed = np.where(flex, Su, C) if flex_any else C  # (P, S, Q)
                tracker.record(m, adds, C, billed, joined, renew, wq, pd_, spc)
            amount_q = billed_units * wq + Su * tier_price[:, :, None]
            amount_q[:, :, ren] += joined3 * onb_price[:, :, None]
            # one charge per customer of a cohort billed this month: M and B every month, U on
            # renewal or, with a priced support tier, every month
            n_charges = (qsum(N[:, :, MB]) + np.where(has_support_price[:, :, 0], qsum(N[:, :, U]),
                                                      N[:, :, qu]))
            bill_total = qsum(lic_bill) + sup_rev + serv_rev
            card_fee = pay_card * (card_rate * bill_total + card_fix * n_charges)
            if ach_used:
                # per charge min(rate x amount / charges, cap), times charges; an amount billed
                # with no charge (an addition to an upfront term) pays the rate alone
                cap_q = ach_cap[:, :, None] * N
                cap_q[:, :, U] = np.where(has_support_price, cap_q[:, :, U], np.inf)
                cap_q[:, :, qu] = ach_cap[:, :] * N[:, :, qu]
                ach_fee = pay_ach * qsum(np.minimum(ach_rate[:, :, None] * amount_q, cap_q))
            else:
                ach_fee = np.zeros((P, S))
            lic_changes = (change_rate * users_before + churned_seat_total
                           + n_joined * spc) * share_sum
            recurring = qsum(lic_rev) + sup_rev

            os_ = out_s[..., m]  # (P, S, 13)
            os_[:, :, SL["support_plans"]] = sup_rev
            os_[:, :, SL["services"]] = serv_rev
            os_[:, :, SL["support_labor"]] = hours * rate
            os_[:, :, SL["escalation_fees"]] = users * esc_fee
            os_[:, :, SL["services_cost"]] = n_joined * onb_cost
            os_[:, :, SL["per_seat_tools"]] = users * tools_rate
            os_[:, :, SL["card_processing"]] = card_fee
            os_[:, :, SL["ach_fees"]] = ach_fee
            os_[:, :, SL["license_admin"]] = lic_changes * admin_rate
            os_[:, :, SL["accounting"]] = n_charges * invoice_rate
            os_[:, :, SL["commissions"]] = recurring * commission_rate
            os_[:, :, SL["acquisition"]] = n_joined * cac_rate
            os_[:, :, SL["bad_debt"]] = bill_total * bad_rate
            if inp.n_247:  # one shift serves every 24/7 tier sold
                out_c[:, CL["support_247_floor"], m] = floor_cost(
                    hours[:, inp.tier_index >= 0].sum(axis=1), floor_hours[:, 0], rate[:, 0])

            customers[m] = qsum(N)
            seats[m] = users
            new_c[m] = n_joined
            billings[m] = bill_total
            collect = bill_total * (1.0 - bad_rate)
            collectible_now[m] = (collect * (pay_card + pay_ach)).sum(axis=1)
            collectible_inv[m] = (collect * pay_invoice).sum(axis=1)

        def months_last(x: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(np.moveaxis(x, 0, -1))

        customers, seats, new_c = months_last(customers), months_last(seats), months_last(new_c)
        churned_c, billings = months_last(churned_c), months_last(billings)
        vendor_b = months_last(vendor_b)
        collectible_now = months_last(collectible_now)
        collectible_inv = months_last(collectible_inv)

    # company-level fixed lines
    out_c[:, CL["accounting"], :] = com("accounting_per_month")
    out_c[:, CL["compliance"], :] = com("compliance_per_year") / 12.0
    out_c[:, CL["systems"], :] = com("systems_per_year") / 12.0
    out_c[:, CL["vendor_support_plan"], :] = com("vendor_plan_per_year") / 12.0
    out_c[:, CL["direct_programme"], :] = com("direct_programme_per_year") / 12.0
    out_c[:, CL["distributor_fees"], :] = com("distributor_fee_per_month")

    commission_plans = np.zeros((P, S, 0, 4, H))
    if tracker is not None:  # the plans replace the flat commission line
        out_s[:, :, SL["commissions"]], commission_plans = tracker.finish(
            inp, out_k, out_s, billings, new_c)
    dso, dpo = com("dso_days"), com("dpo_days")
    cash_in = (collectible_now + lagged(collectible_inv, dso)
               + inv_before[:, None] * opening_settlement(H))
    vendor_paid = lagged(vendor_b, dpo) + vendor_before[:, None] * opening_settlement(H)
    # the registry's cash treatment: licence, stranded and distributor lines are settled through
    # the vendor's bills, bad debt is billing never collected, every line marked "paid" is paid
    # in the month it is incurred
    other_costs = (out_s[:, :, PAID_SEGMENT].sum(axis=(1, 2))
                   + out_c[:, PAID_COMPANY].sum(axis=1))
    cash_out = vendor_paid + other_costs
    receivables_opening = inv_before.copy()  # one month of invoices, whatever the DSO
    payables_opening = vendor_before.copy()  # one month of vendor bills, whatever the DPO
    receivables = receivables_opening[:, None] + np.cumsum(
        collectible_now + collectible_inv - cash_in, axis=1)
    payables = payables_opening[:, None] + np.cumsum(vendor_b - vendor_paid, axis=1)
    return CoreOutput(
        product_lines=out_k, segment_lines=out_s, company_lines=out_c, customers=customers,
        seats=seats, new_customers=new_c, churned_customers=churned_c, billings=billings,
        vendor_billings=vendor_b, deferred_opening=deferred_opening,
        prepaid_opening=prepaid_opening, cash_in=cash_in, cash_out=cash_out,
        receivables=receivables, payables=payables, receivables_opening=receivables_opening,
        payables_opening=payables_opening, commission_plans=commission_plans,
    )
