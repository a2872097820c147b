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
    >>> sched = commission_schedule(s)
    >>> sorted(sched.columns)
    ['amount', 'clawback', 'commission', 'earned', 'month', 'plan', 'segment']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import ledger
from .book import monthly_hazard
from .engine import IS_M, IS_U, N_PHASES, PHASE, lagged, opening_settlement

if TYPE_CHECKING:
    from .engine import Inputs
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


@dataclass
class CohortTracker:
    """Per-segment licence amounts that only the month loop sees (cohort by cohort).

    ``run_core`` calls :meth:`record` once a month when the scenario has commission plans and
    :meth:`finish` after the loop; all arrays are ``(paths, segments, months)``.
    """

    booking: np.ndarray
    booking_topup: np.ndarray
    invoice_topup: np.ndarray
    signup_booking: np.ndarray
    signup_invoice: np.ndarray
    licence_before: np.ndarray  # (P, S) what the starting book billed a month before the start

    @classmethod
    def start(cls, inp: Inputs, n_paths: int, licence_before: np.ndarray
              ) -> CohortTracker | None:
        """A tracker for a run, or None when the scenario has no commission plans.
        ``licence_before`` (P, S): the starting book's monthly licence billing before the
        horizon (the engine's opening-receivables rule), collected in the first months."""
        if not inp.scenario.commissions.plans:
            return None
        shape = (n_paths, len(inp.segments), inp.horizon)
        return cls(*(np.zeros(shape) for _ in range(5)),
                   np.broadcast_to(licence_before, shape[:2]).astype(float))

    def record(self, m: int, adds: np.ndarray, committed: np.ndarray, billed_mb: np.ndarray,
               joined: np.ndarray, renew: np.ndarray, price: np.ndarray, prepay: np.ndarray,
               seats_per_customer: np.ndarray) -> None:
        """Store month ``m``: cohort arrays ``(P, S, Q)``, ``price`` per user and month with
        markup, ``renew`` ``(Q,)``, ``prepay`` and ``seats_per_customer`` ``(P, S)``."""
        months_left = np.where(IS_M, 0, N_PHASES - np.mod(m - PHASE, N_PHASES))  # (Q,)
        upfront = np.where(IS_U, 1.0 - prepay[:, :, None], 1.0)  # (P, S, Q)
        booked = np.where(IS_M, billed_mb,
                          np.where(renew, N_PHASES * committed * upfront, adds * months_left))
        topup = np.where(IS_M | renew, 0.0, adds * (N_PHASES - months_left))
        new_seats = joined * seats_per_customer[:, :, None]
        self.booking[:, :, m] = (booked * price).sum(axis=2)
        self.booking_topup[:, :, m] = (topup * price).sum(axis=2)
        self.invoice_topup[:, :, m] = (np.where(IS_U, topup, 0.0) * price).sum(axis=2)
        self.signup_booking[:, :, m] = (
            new_seats * np.where(IS_M, 1.0, N_PHASES * upfront) * price).sum(axis=2)
        self.signup_invoice[:, :, m] = (
            new_seats * np.where(IS_U, N_PHASES * upfront, 1.0) * price).sum(axis=2)

    def finish(self, inp: Inputs, product_lines: np.ndarray, segment_lines: np.ndarray,
               billings: np.ndarray, new_customers: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """The ``commissions`` line ``(P, S, H)`` and the detail ``(P, S, plans, 4, H)``
        (amount, earned, clawback, commission) of every plan."""
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
        invoice = {"resale": billings - sup_rev - serv_rev, "support_plans": sup_rev,
                   "services": serv_rev}
        booking = {"resale": self.booking, "support_plans": sup_rev, "services": serv_rev}
        new_seats = new_customers * seg("seats_per_customer")[:, :, None]
        signup_support = new_seats * seg("tier_price_per_seat_month")[:, :, None]
        signup = {
            "booking": {"resale": self.signup_booking, "support_plans": signup_support,
                        "services": serv_rev},
            "invoice": {"resale": self.signup_invoice, "support_plans": signup_support,
                        "services": serv_rev},
        }
        bad = np.broadcast_to(d["bad_debt_rate"], (P, 1)).astype(float)[:, :, None]
        now_share = (seg("pay_card") + seg("pay_ach"))[:, :, None]
        inv_share = seg("pay_invoice")[:, :, None]
        dso = np.repeat(np.broadcast_to(d["dso_days"], (P, 1)).astype(float), S, axis=0)
        # the starting book's last invoices before the horizon, collected in month 0
        start_seats = seg("customers_at_start") * seg("seats_per_customer")
        before = {"resale": self.licence_before,
                  "support_plans": start_seats * seg("tier_price_per_seat_month"),
                  "services": np.zeros((P, S))}
        arrears = opening_settlement(H)[None]  # (1, 1, H): settled in month 0
        leave = _leave_probabilities(inp, P, S, H)  # (P, S, H) by months since joining

        detail = np.zeros((P, S, len(plans), len(DETAIL_FIELDS), H))
        for i, plan in enumerate(plans):
            cls = plan.product_class
            if plan.payout == "booking":
                amount = booking[cls].copy()
                if not plan.prorate and cls == "resale":
                    amount = amount + self.booking_topup
                first = signup["booking"][cls].copy()
            else:
                amount = invoice[cls].copy()
                if not plan.prorate and cls == "resale":
                    amount = amount + self.invoice_topup
                first = signup["invoice"][cls].copy()
            share = np.ones((P, S, H))
            if plan.basis == "net":
                rev = revenue[cls]
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = np.where(rev > 0, (rev - direct[cls]) / np.where(rev > 0, rev, 1),
                                     0.0)
                share = np.clip(share, 0.0, 1.0)
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
            detail[:, :, i, 0] = amount
            detail[:, :, i, 1] = earned
            detail[:, :, i, 2] = claw
            detail[:, :, i, 3] = earned - claw
        return detail[:, :, :, 3].sum(axis=2), detail


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
    indexed by ``k`` (0 .. H-1), per path and segment (the engine's churn rules)."""
    d = inp.drivers
    churn = np.broadcast_to(d["churn_annual"], (P, S)).astype(float)
    monthly = np.broadcast_to(d["term_monthly"], (P, S)).astype(float)
    hazard = monthly_hazard(churn)
    k = np.arange(H)[None, None, :]
    out = np.where(k >= 1, monthly[:, :, None] * (1.0 - hazard[:, :, None]) ** np.maximum(k - 1, 0)
                   * hazard[:, :, None], 0.0)
    annual = (1.0 - monthly)[:, :, None] * churn[:, :, None]
    return out + np.where(k == N_PHASES, annual, 0.0)


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


def commission_schedule(scenario: Scenario) -> pd.DataFrame:
    """Each plan's amounts by month and segment: the basis amount at its payout event, the
    commission earned, the clawback and the net commission (the ledger line, also its cash).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 2\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> len(commission_schedule(s))  # no plans: nothing to show
        0
    """
    from .engine import build_inputs, run_core

    inp = build_inputs(scenario)
    core = run_core(inp)
    detail = core.commission_plans[0]  # (S, plans, 4, H)
    months = pd.period_range(pd.Period(scenario.start_month, freq="M"),
                             periods=inp.horizon, freq="M")
    rows = []
    for i, plan in enumerate(scenario.commissions.plans):
        for s, seg_name in enumerate(inp.segments):
            frame = pd.DataFrame({"month": months, "plan": plan.name, "segment": seg_name})
            for f, name in enumerate(DETAIL_FIELDS):
                frame[name] = detail[s, i, f]
            rows.append(frame)
    if not rows:
        return pd.DataFrame(columns=["month", "plan", "segment", *DETAIL_FIELDS])
    return pd.concat(rows, ignore_index=True)


def payout_comparison(scenario: Scenario) -> pd.DataFrame:
    """The same plans paid at booking, at invoice and at cash receipt, side by side: total
    commission, operating profit and margin, cash trough and NPV.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 12\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\ncommissions:\\n  plans:\\n"
        ...     "  - {name: r, rate: 0.1}\\n")
        >>> list(payout_comparison(s).index)
        ['booking', 'invoice', 'cash_receipt']
    """
    from .result import simulate

    rows = {}
    for payout in PAYOUTS:
        data = {f"commissions.plans.{i}.payout": payout
                for i in range(len(scenario.commissions.plans))}
        res = simulate(scenario.with_overrides(data))
        lines = res.lines()
        comm = float(lines["commissions"].sum()) if "commissions" in lines else 0.0
        rows[payout] = {
            "commissions": comm,
            "operating_profit": res.summary["operating_profit"],
            "operating_margin": res.summary["operating_margin"],
            "cash_trough": res.summary["cash_trough"],
            "npv": res.summary["npv"],
        }
    df = pd.DataFrame(rows).T
    df.index.name = "payout"
    return df


def payout_timing(scenario: Scenario) -> pd.DataFrame:
    """Monthly commission (ledger line, also its cash) with every plan paid at booking, at
    invoice and at cash receipt: one column per payout timing.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 3\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\ncommissions:\\n  plans:\\n"
        ...     "  - {name: r, rate: 0.1}\\n")
        >>> list(payout_timing(s).columns)
        ['booking', 'invoice', 'cash_receipt']
    """
    from .result import simulate

    cols = {}
    for payout in PAYOUTS:
        data = {f"commissions.plans.{i}.payout": payout
                for i in range(len(scenario.commissions.plans))}
        lines = simulate(scenario.with_overrides(data)).lines()
        cols[payout] = lines["commissions"] if "commissions" in lines else 0.0
    return pd.DataFrame(cols)


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
