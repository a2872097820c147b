"""Sales commission plans: what the sales team earns on subscriptions whose value keeps changing.

A scenario's ``commissions.plans`` (seed 004) replace the flat ``costs.commission_rate``. Each
plan pays on one product class (``resale``, ``support_plans``, ``services``), on a basis
(``revenue``, or ``net`` margin: revenue less the class's direct costs), at a flat rate or at
marginal rates tiered by quota attainment, at a payout event (``booking``, ``invoice``,
``cash_receipt``), prorated with the licence or not, with an optional clawback.

The rules (also in ``docs/engine.md`` section 6a), per plan, segment and month ``m``:

- **Event amount** of the class (revenue basis):
  - ``invoice``: what is invoiced. Licences: the licence billings (an annual upfront term in
    full at renewal, seats added mid-term prorated for the months left); support and services
    as billed.
  - ``booking``: what the customer commits to. Licences: a monthly term books one month; an
    annual term (billed monthly or upfront) books twelve months at its renewal or start (the
    upfront term net of the prepay discount); seats added mid-term book the months left.
    Support plans and services have no term: they book as they are invoiced.
  - ``cash_receipt``: the invoiced amount as it is collected: less ``bad_debt_rate``, the card
    and debit shares in the month, the invoice share ``dso_days`` later (the engine's cash-in
    rule), plus the starting book's last month of invoices from before the horizon, collected
    in month 0 (the engine's opening receivables; on a net basis at month 0's margin).
  - ``prorate: false``: a seat added mid-term on an annual term counts for a full twelve
    months at booking (both annual terms) and at invoice or receipt (upfront terms; a
    term billed monthly has no lump to prorate).
- **Net basis**: the event amount times the class's net margin share in that segment and month,
  ``(revenue - direct costs) / revenue`` recognized, floored at 0. Direct costs: resale = licence
  cost + stranded seats + distributor margin; support plans = support labor + escalation fees;
  services = services cost.
- **Commission**: flat ``rate x amount``; or with ``tiers``, the plan's amount over all its
  segments accumulates from the start of each ``quota_period`` (counted from the first month
  simulated) and the commission to date is ``sum_i rate_i x (part of the cumulative amount
  between from_attainment_i x quota and from_attainment_{i+1} x quota)``; the month pays the
  increase, shared among segments by their amount.
- **Clawback** (``clawback_months = N``): a new customer's sign-up commission (the plan's
  effective rate of the month it joins x its first event at the plan's payout timing: a monthly
  term's first month; an annual term's booking at ``booking``, its first invoice at ``invoice``
  and, less bad debt, at ``cash_receipt``; its first month of support, its onboarding) is
  recovered in the month it leaves if that is within ``N`` months of joining. The effective
  rate is a flat plan's rate, a tiered plan's commission over its amount in the month, or the
  marginal rate at the attainment reached in a month with no amount. Leavers follow the
  engine's churn: a monthly-term customer of month ``j`` leaves in month ``j + k`` with
  probability ``(1 - h)^(k-1) h``; an annual one only at its first renewal (``k = 12``) with
  probability ``churn_annual``.
- A commission is an expense of the month in which it is earned and it is paid in that month:
  the ledger line ``commissions`` and the cash out are the same amounts (earned minus clawed
  back). Payout timing therefore moves both, and ``cash_receipt`` never pays on bad debt.

Example:
    >>> from cspmodel.io import load_scenario_text
    >>> s = load_scenario_text('''
    ... name: x
    ... horizon_months: 3
    ... segments:
    ... - name: A
    ...   product_mix: {m365_business_basic: 1}
    ... commissions:
    ...   plans:
    ...   - {name: resale, product_class: resale, rate: 0.1, payout: invoice}
    ... ''')
    >>> from cspmodel.analysis import commission_schedule
    >>> sched = commission_schedule(s)
    >>> sorted(sched.columns)
    ['amount', 'clawback', 'commission', 'earned', 'month', 'plan', 'segment']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import ledger
from .cash import lagged, opening_settlement
from .engine import CoreOutput, with_cash
from .inputs import Inputs
from .terms import TERMS, keep_at_renewal

if TYPE_CHECKING:
    from .schema import CommissionPlan, Scenario

DETAIL_FIELDS = ("amount", "earned", "clawback", "commission")
PAYOUTS = ("booking", "invoice", "cash_receipt")


def tiered(cumulative: np.ndarray, tiers: list[tuple[float, float]], quota: float) -> np.ndarray:
    """Commission to date on a cumulative amount, with marginal rates by quota attainment.

    ``tiers`` is ``[(from_attainment, rate), ...]`` starting at 0.

    Example:
        >>> # quota 1,000: 5% up to quota, 10% above: 1,500 -> 0.05 x 1,000 + 0.10 x 500 = 100
        >>> float(tiered(np.array(1500.0), [(0.0, 0.05), (1.0, 0.10)], 1000.0))
        100.0
    """
    out = np.zeros_like(np.asarray(cumulative, dtype=float))
    for i, (start, rate) in enumerate(tiers):
        low = start * quota
        high = tiers[i + 1][0] * quota if i + 1 < len(tiers) else np.inf
        out = out + rate * np.clip(cumulative - low, 0.0, high - low)
    return out


def period_cumsum(amounts: np.ndarray, period_months: int) -> np.ndarray:
    """Running sum along the last axis, restarting every ``period_months`` months.

    Example:
        >>> period_cumsum(np.array([1.0, 2, 3, 4]), 2)
        array([1., 3., 3., 7.])
    """
    out = np.empty_like(amounts, dtype=float)
    H = amounts.shape[-1]
    for start in range(0, H, period_months):
        stop = min(H, start + period_months)
        out[..., start:stop] = np.cumsum(amounts[..., start:stop], axis=-1)
    return out


def apply_plans(core: CoreOutput, inp: Inputs) -> CoreOutput:
    """The commission plans of a scenario as a post-processor of a core run: the plans replace
    the flat ``commissions`` line of each segment, their detail goes to
    ``core.commission_plans`` ``(P, S, plans, 4, H)`` (amount, earned, clawback, commission),
    and the cash is settled again (a commission is paid in the month it is earned). A run
    without plans comes back unchanged. The run must keep the per-segment detail and the cohort
    events (``run_core(inp, detail=True, events=True)``).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> from cspmodel.engine import build_inputs, run_core
        >>> s = load_scenario_text("name: x\\nhorizon_months: 2\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\ncommissions:\\n  plans:\\n"
        ...     "  - {name: r, rate: 0.1, payout: invoice}\\n")
        >>> inp = build_inputs(s)
        >>> core = apply_plans(run_core(inp, events=True), inp)
        >>> core.commission_plans.shape  # paths, segments, plans, fields, months
        (1, 1, 1, 4, 2)
    """
    if not inp.scenario.commissions.plans:
        return core
    if not core.events or core.segment_lines.shape[1] != len(inp.segments):
        raise ValueError("commission plans need the per-segment detail and the cohort events: "
                         "run the core with detail=True, events=True")
    line, detail = _commissions(inp, core)
    core.segment_lines[:, :, ledger.index("segment", "commissions")] = line
    core.commission_plans = detail
    return with_cash(core, inp)


def _commissions(inp: Inputs, core: CoreOutput) -> tuple[np.ndarray, np.ndarray]:
    """The ``commissions`` line ``(P, S, H)`` and the detail ``(P, S, plans, 4, H)``
    (amount, earned, clawback, commission) of every plan."""
    product_lines, segment_lines = core.product_lines, core.segment_lines
    billings, new_customers, ev = core.billings, core.new_customers, core.events
    plans = inp.scenario.commissions.plans
    P, S, H = billings.shape
    d = inp.drivers

    def seg(name: str) -> np.ndarray:
        return np.broadcast_to(d[name], (P, S)).astype(float)

    def seg_line(*names: str) -> np.ndarray:  # (P, S, H)
        return sum(segment_lines[:, :, ledger.index("segment", n)] for n in names)

    def product_line(*names: str) -> np.ndarray:  # (P, S, H), summed over products
        return sum(product_lines[:, :, :, ledger.index("product", n)].sum(axis=2)
                   for n in names)

    sup_rev, serv_rev = seg_line("support_plans"), seg_line("services")
    lic_rev = product_line("license_resale")
    revenue = {"resale": lic_rev, "support_plans": sup_rev, "services": serv_rev}
    # a plan's direct costs (docs/engine.md 6a): the resale class's cost of sales, the
    # support tickets' labour and escalation fees, the services' cost
    direct = {
        "resale": product_line(*ledger.lines_where(product_class="resale",
                                                   statement="cost_of_sales")),
        "support_plans": seg_line("support_labor", "escalation_fees"),
        "services": seg_line("services_cost"),
    }
    # services are invoiced as billed: a financed deployment in installments
    serv_billed = serv_rev if core.financed_billings is None else (
        serv_rev + core.financed_billings)
    invoice = {"resale": billings - sup_rev - serv_billed, "support_plans": sup_rev,
               "services": serv_billed}
    booking = {"resale": ev["booking"], "support_plans": sup_rev, "services": serv_rev}
    new_seats = new_customers * seg("seats_per_customer")[:, :, None]
    signup_support = new_seats * seg("tier_price_per_seat_month")[:, :, None]
    signup = {
        "booking": {"resale": ev["signup_booking"], "support_plans": signup_support,
                    "services": serv_rev},
        "invoice": {"resale": ev["signup_invoice"], "support_plans": signup_support,
                    "services": serv_rev},
    }
    bad = np.broadcast_to(d["bad_debt_rate"], (P, 1)).astype(float)[:, :, None]
    now_share = (seg("pay_card") + seg("pay_ach"))[:, :, None]
    inv_share = seg("pay_invoice")[:, :, None]
    dso = np.repeat(np.broadcast_to(d["dso_days"], (P, 1)).astype(float), S, axis=0)
    # the starting book's last invoices before the horizon, collected in month 0
    before = {"resale": core.licence_before, "support_plans": core.support_before,
              "services": np.zeros((P, S))}
    arrears = opening_settlement(H)[None]  # (1, 1, H): settled in month 0
    leave = _leave_probabilities(inp, P, S, H)  # (P, S, H) by months since joining

    detail = np.zeros((P, S, len(plans), len(DETAIL_FIELDS), H))
    for i, plan in enumerate(plans):
        cls = plan.product_class
        if plan.payout == "booking":
            amount = booking[cls].copy()
            if not plan.prorate and cls == "resale":
                amount = amount + ev["booking_topup"]
            first = signup["booking"][cls].copy()
        else:
            amount = invoice[cls].copy()
            if not plan.prorate and cls == "resale":
                amount = amount + ev["invoice_topup"]
            first = signup["invoice"][cls].copy()
        share = net_share(revenue[cls], direct[cls]) if plan.basis == "net" else np.ones(
            (P, S, H))
        amount, first = amount * share, first * share
        if plan.payout == "cash_receipt":
            collect = amount * (1.0 - bad)
            later = lagged((collect * inv_share).reshape(P * S, H), dso).reshape(P, S, H)
            opening = (before[cls][:, :, None] * inv_share * (1.0 - bad) * arrears
                       * share[:, :, :1])
            amount = collect * now_share + later + opening
            first = first * (1.0 - bad)
        covered = np.array([not plan.segments or name in plan.segments
                            for name in inp.segments], dtype=float)[None, :, None]
        amount = np.maximum(amount, 0.0) * covered
        first = np.maximum(first, 0.0) * covered
        earned = _earned(plan, amount)
        claw = _clawback(plan, earned, amount, first, leave)
        detail[:, :, i] = np.stack([amount, earned, claw, earned - claw], axis=2)
    return detail[:, :, :, 3].sum(axis=2), detail


def net_share(revenue: np.ndarray, direct_cost: np.ndarray) -> np.ndarray:
    """Net basis: the share of a class's revenue left after its direct costs, month by month,
    ``clip((revenue - direct cost) / revenue, 0, 1)`` (0 without revenue).

    Example:
        >>> net_share(np.array([100.0, 0.0, 50.0]), np.array([80.0, 5.0, 70.0]))
        array([0.2, 0. , 0. ])
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(revenue > 0, (revenue - direct_cost)
                         / np.where(revenue > 0, revenue, 1), 0.0)
    return np.clip(share, 0.0, 1.0)


def _earned(plan: CommissionPlan, amount: np.ndarray) -> np.ndarray:
    """Commission earned per segment and month on the plan's amounts ``(P, S, H)``."""
    if not plan.tiers:
        return plan.rate * amount
    months = {"month": 1, "quarter": 3, "year": 12}[plan.quota_period]
    total = amount.sum(axis=1)  # (P, H): attainment is the plan's, over its segments
    tiers = [(t.from_attainment, t.rate) for t in plan.tiers]
    to_date = tiered(period_cumsum(total, months), tiers, float(plan.quota or 0.0))
    before = np.zeros_like(to_date)
    before[:, 1:] = to_date[:, :-1]
    restart = (np.arange(total.shape[1]) % months) == 0
    before[:, restart] = 0.0
    month_total = to_date - before  # (P, H)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(total[:, None, :] > 0, amount / np.where(
            total[:, None, :] > 0, total[:, None, :], 1.0), 0.0)
    return weight * month_total[:, None, :]


def _leave_probabilities(inp: Inputs, P: int, S: int, H: int) -> np.ndarray:
    """Probability that a customer who joined in month ``j`` leaves in month ``j + k``,
    indexed by ``k`` (0 .. H-1), per path and segment (the engine's churn rules): a monthly
    term with the monthly hazard each month, a commitment of ``c`` months only at its first
    renewal (``k = c``), with the churn of ``c / 12`` years."""
    d = inp.drivers
    churn = np.broadcast_to(d["churn_annual"], (P, S)).astype(float)
    k = np.arange(H)[None, None, :]
    out = np.zeros((P, S, H))
    for key in inp.layout.terms:
        if TERMS[key].lapsed:  # no one joins on it
            continue
        share = np.broadcast_to(d[f"term_{key}"], (P, S)).astype(float)[:, :, None]
        c = TERMS[key].commitment
        leave = 1.0 - keep_at_renewal(churn, c)[:, :, None]
        if c == 1:
            out += np.where(k >= 1, share * (1.0 - leave) ** np.maximum(k - 1, 0) * leave, 0.0)
        else:
            out += np.where(k == c, share * leave, 0.0)
    return out


def _effective_rate(plan: CommissionPlan, earned: np.ndarray, amount: np.ndarray
                    ) -> np.ndarray:
    """The plan's effective rate by month ``(P, H)``: a flat plan's rate; with tiers, the
    plan's commission over its amount (all its segments), or in a month with no amount the
    marginal rate at the attainment reached (what the next unit would earn)."""
    P, _S, H = amount.shape
    if not plan.tiers:
        return np.full((P, H), plan.rate)
    total, paid = amount.sum(axis=1), earned.sum(axis=1)
    months = {"month": 1, "quarter": 3, "year": 12}[plan.quota_period]
    cum = period_cumsum(total, months)
    marginal = np.zeros_like(cum)
    for t in plan.tiers:
        marginal = np.where(cum >= t.from_attainment * float(plan.quota or 0.0), t.rate,
                            marginal)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, paid / np.where(total > 0, total, 1.0), marginal)


def _clawback(plan: CommissionPlan, earned: np.ndarray, amount: np.ndarray, first: np.ndarray,
              leave: np.ndarray) -> np.ndarray:
    """Sign-up commission recovered in the month its customer leaves (within the window)."""
    claw = np.zeros_like(earned)
    N = plan.clawback_months
    if N == 0:
        return claw
    rate = _effective_rate(plan, earned, amount)[:, None, :]  # (P, 1, H)
    signup_commission = rate * first  # of all the month's new customers together
    H = earned.shape[2]
    for k in range(1, min(N, H - 1) + 1):
        claw[:, :, k:] += signup_commission[:, :, : H - k] * leave[:, :, k:k + 1]
    return claw


def plans_table(scenario: Scenario) -> pd.DataFrame:
    """The scenario's commission plans in words, one row per plan (for a notebook or report).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\ncommissions:\\n  plans:\\n"
        ...     "  - {name: r, rate: 0.1, clawback_months: 6}\\n")
        >>> plans_table(s).loc["r", "rate"], plans_table(s).loc["r", "clawback"]
        ('10%', 'within 6 months')
    """
    rows = []
    for p in scenario.commissions.plans:
        if p.tiers:
            bands = [f"{100 * t.rate:g}% from {100 * t.from_attainment:g}%" for t in p.tiers]
            rate = (", ".join(bands) + f" of {p.quota:,.0f} {scenario.currency} a "
                    f"{p.quota_period}")
        else:
            rate = f"{100 * p.rate:g}%"
        rows.append({
            "plan": p.name, "pays on": p.product_class.replace("_", " "),
            "basis": "net margin" if p.basis == "net" else "revenue", "rate": rate,
            "paid at": p.payout.replace("_", " "),
            "added seats": "prorated" if p.prorate else "full term",
            "clawback": f"within {p.clawback_months} months" if p.clawback_months else "none",
            "segments": ", ".join(p.segments) or "all",
        })
    return pd.DataFrame(rows).set_index("plan") if rows else pd.DataFrame()
