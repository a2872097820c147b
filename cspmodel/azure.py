"""Azure consumption under CSP (``docs/engine.md`` section 11).

The partner resells Azure at Microsoft's retail price and earns its margin through the
partner-earned credit (PEC): 15% of the eligible consumption it manages through an admin
relationship, none on reservations or savings plans. It bills its customer after the month (in
arrears) and owes Microsoft, or the distributor, regardless of whether the customer pays.

Per segment and month, with ``n`` customers using ``u`` each at retail pay-as-you-go prices:

- usage ``U = n x u``, ``u = base x (1 + g)^(m / 12) x season(calendar month) x noise``
  (noise 1 in a deterministic run; lognormal with mean 1 per path in Monte Carlo);
- reserved ``R = r x U`` at ``1 - d`` of pay-as-you-go; the customer's spend at Microsoft's
  prices ``U (1 - r d)``; revenue ``spend x (1 + markup)`` and a management fee ``fee x spend``;
- cost: pay-as-you-go ``(1 - r) U`` and reservations ``r (1 - d) U``, each times ``1 + a`` (the
  distributor's charge, indirect); PEC ``pec x e x (1 - r) U`` (times the share the distributor
  passes on), a credit on the vendor's bill;
- month ``m``'s usage is invoiced in ``m + 1``, paid ``payment_days`` later (less bad debt), and
  the vendor bills it in ``m + 1``; with smoothing every ``N`` months the customer is billed the
  expected usage (no seasonality, no noise) and the difference at each true-up.

Usage depends on the book only through its customers, so these lines are computed over all
months at once, after the month loop.

Example (a partner asking what USD 10,000 of managed consumption a month earns in PEC, and what
40% of it on reservations at 40% off changes):
    >>> U = np.full((1, 1, 1), 10_000.0)
    >>> one = np.ones((1, 1))
    >>> lines = azure_lines(U, reserved=0 * one, discount=0 * one, markup=0 * one, fee=0 * one,
    ...                     eligible=one, pec=0.15 * one, passed_on=one, margin=0 * one)
    >>> float(-lines["azure_pec"][0, 0, 0])
    1500.0
    >>> lines = azure_lines(U, reserved=0.4 * one, discount=0.4 * one, markup=0 * one,
    ...                     fee=0 * one, eligible=one, pec=0.15 * one, passed_on=one,
    ...                     margin=0 * one)
    >>> float(-lines["azure_pec"][0, 0, 0]), float(lines["azure_reservations"][0, 0, 0])
    (900.0, 2400.0)
"""

from __future__ import annotations

import numpy as np

from .cash import lagged

LINES = ("azure_consumption", "azure_management_fees", "azure_cost", "azure_reservations",
         "azure_pec")


def usage(customers: np.ndarray, base: np.ndarray, growth: np.ndarray, season: np.ndarray,
          first_month: int, z: np.ndarray | None, volatility: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Consumption at retail ``(P, S, H)`` of ``customers`` ``(P, S, H)``, and its expected
    level without seasonality or noise (the smoothing budget's base). ``base``, ``growth`` and
    ``volatility`` ``(P, S)``; ``season`` ``(S, 12)`` from January; ``first_month`` the
    calendar month of month 0 (0: January); ``z`` standard normal draws or None.

    Example (20 customers at 500 a month, December 50% above the year's average):
        >>> season = np.ones((1, 12)); season[0, 11], season[0, 0] = 1.5, 0.5
        >>> U, level = usage(np.full((1, 1, 2), 20.0), np.full((1, 1), 500.0), np.zeros((1, 1)),
        ...                  season, 11, None, np.zeros((1, 1)))
        >>> U[0, 0].tolist(), level[0, 0].tolist()
        ([15000.0, 5000.0], [10000.0, 10000.0])
    """
    H = customers.shape[-1]
    months = np.arange(H)
    trend = np.exp(np.log1p(growth)[:, :, None] * (months / 12.0))  # (1 + g)^(m / 12)
    trend *= base[:, :, None]
    level = customers * trend
    U = level * season[:, (first_month + months) % 12][None]
    if z is not None:
        sigma = np.sqrt(np.log1p(volatility ** 2))[:, :, None]
        noise = sigma * z
        noise -= 0.5 * sigma ** 2
        U *= np.exp(noise, out=noise)
    return U, level


def azure_lines(U: np.ndarray, *, reserved: np.ndarray, discount: np.ndarray,
                markup: np.ndarray, fee: np.ndarray, eligible: np.ndarray, pec: np.ndarray,
                passed_on: np.ndarray, margin: np.ndarray) -> dict[str, np.ndarray]:
    """The ledger lines of usage ``U`` at retail ``(P, S, H)``; the rates ``(P, S)`` (company
    rates broadcast). The PEC line is a credit (negative cost of sales).

    Example (1,000 of usage sold at retail + 5% with a 10% management fee):
        >>> one = np.ones((1, 1))
        >>> v = azure_lines(np.full((1, 1, 1), 1000.0), reserved=0 * one, discount=0 * one,
        ...     markup=0.05 * one, fee=0.1 * one, eligible=one, pec=0.15 * one,
        ...     passed_on=one, margin=0 * one)
        >>> {k: round(float(x[0, 0, 0]), 6) for k, x in v.items()}  # doctest: +NORMALIZE_WHITESPACE
        {'azure_consumption': 1050.0, 'azure_management_fees': 100.0, 'azure_cost': 1000.0,
         'azure_reservations': 0.0, 'azure_pec': -150.0}
    """
    spend = 1.0 - reserved * discount  # per unit of usage, (P, S): one product per line
    payg = 1.0 - reserved
    charge = 1.0 + margin
    factors = {
        "azure_consumption": spend * (1.0 + markup),
        "azure_management_fees": spend * fee,
        "azure_cost": payg * charge,
        "azure_reservations": reserved * (1.0 - discount) * charge,
        "azure_pec": -payg * (pec * eligible * passed_on),
    }
    return {name: U * f[:, :, None] for name, f in factors.items()}


def billed_in_arrears(charged: np.ndarray, before: np.ndarray, budget: np.ndarray | None,
                      true_up: np.ndarray) -> np.ndarray:
    """What the customers are invoiced each month ``(P, S, H)``: the month before's usage
    ``charged`` (month 0: ``before`` ``(P, S)``, the last month before the start). A segment
    with smoothing (``true_up`` ``(S,)`` months, 0: none) is billed the ``budget`` of each month
    and, after the last month of each true-up period, the period's usage less its budgets.

    Example (usage 100, 300, 200, 200 against a budget of 200, true-up every 2 months):
        >>> u = np.array([[[100.0, 300.0, 200.0, 200.0]]])
        >>> billed_in_arrears(u, np.zeros((1, 1)), np.full_like(u, 200.0), np.array([2]))
        array([[[  0., 200., 200., 200.]]])
        >>> billed_in_arrears(u, np.zeros((1, 1)), None, np.array([0]))
        array([[[  0., 100., 300., 200.]]])
    """
    H = charged.shape[-1]
    due = charged.copy()
    if budget is not None:
        for s in np.nonzero(true_up > 0)[0]:
            n = int(true_up[s])
            diff = charged[:, s] - budget[:, s]
            due[:, s] = budget[:, s]
            for end in range(n - 1, H, n):  # the period's usage less its budgets
                due[:, s, end] += diff[:, end - n + 1:end + 1].sum(axis=1)
    out = np.empty_like(charged)
    out[..., 0] = before
    out[..., 1:] = due[..., :-1]
    return out


def collected(billed: np.ndarray, bad_debt_rate: np.ndarray, payment_days: np.ndarray
              ) -> np.ndarray:
    """Cash collected from consumption invoices ``(P, S, H)``: the collectible part of each
    invoice ``payment_days`` ``(P, S)`` later (a month is 30 days, fractions split).

    Example (1,000 invoiced, 1% never paid, 45 days):
        >>> collected(np.array([[[1000.0, 0.0, 0.0]]]), np.full((1, 1), 0.01),
        ...           np.full((1, 1), 45.0)).round(2).tolist()
        [[[0.0, 495.0, 495.0]]]
    """
    P, S, H = billed.shape
    flat = (billed * (1.0 - bad_debt_rate[:, :, None])).reshape(P * S, H)
    return lagged(flat, payment_days.reshape(P * S, 1)).reshape(P, S, H)


def credit_exposure(charged: np.ndarray, unbilled_before: np.ndarray, billed: np.ndarray,
                    bad_debt_rate: np.ndarray, cash: np.ndarray) -> np.ndarray:
    """The most the partner could lose if every customer of a segment stopped paying at the
    end of month ``m`` ``(P, S, H)``, at the customer's prices: usage incurred and not yet
    billed, invoices not yet collected, and the next month's usage, which it owes Microsoft
    before it can stop the service (the last month: that month's usage again).

    Example (1,000 a month billed the month after and paid 30 days later: 3,000 at risk):
        >>> u = np.full((1, 1, 3), 1000.0)
        >>> b = billed_in_arrears(u, np.full((1, 1), 1000.0), None, np.array([0]))
        >>> cash = collected(b, np.zeros((1, 1)), np.full((1, 1), 30.0))
        >>> credit_exposure(u, np.full((1, 1), 1000.0), b, np.zeros((1, 1)), cash).tolist()
        [[[3000.0, 3000.0, 3000.0]]]
    """
    unbilled = unbilled_before[:, :, None] + np.cumsum(charged - billed, axis=-1)
    owed = np.cumsum(billed * (1.0 - bad_debt_rate[:, :, None]) - cash, axis=-1)
    following = np.concatenate([charged[..., 1:], charged[..., -1:]], axis=-1)
    return unbilled + owed + following


def in_use(inp) -> bool:  # noqa: ANN001
    """Whether a run has any Azure consumption.

    Example:
        >>> from cspmodel.inputs import build_inputs
        >>> from cspmodel.io import load_scenario_text
        >>> in_use(build_inputs(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")))
        False
    """
    return bool((inp.drivers["azure_consumption_per_customer_month"] > 0).any())


def run_azure(inp, customers: np.ndarray, customers_before: np.ndarray  # noqa: ANN001
              ) -> dict[str, np.ndarray]:
    """Every Azure figure of a run: the ledger lines and what is billed, collected and at risk
    per segment ``(P, S, H)``, the vendor's bills ``(P, H)`` and the usage of the month before
    the start, billed in month 0 (``unbilled_before`` ``(P, S)``). ``customers`` ``(P, S, H)``
    each month, ``customers_before`` ``(P, S)`` at the start.

    Example:
        >>> from cspmodel.inputs import build_inputs
        >>> from cspmodel.io import load_scenario_text
        >>> inp = build_inputs(load_scenario_text("name: x\\nhorizon_months: 2\\nsegments:\\n"
        ...     "- name: A\\n  product_mix: {m365_business_basic: 1}\\n"
        ...     "  azure: {consumption_per_customer_month: 100}\\n"))
        >>> out = run_azure(inp, np.full((1, 1, 2), 10.0), np.full((1, 1), 10.0))
        >>> out["azure_consumption"][0, 0].tolist(), out["billed"][0, 0].tolist()
        ([1000.0, 1000.0], [1000.0, 1000.0])
    """
    P, S, H = customers.shape

    def seg(name: str) -> np.ndarray:
        return np.broadcast_to(inp.drivers[f"azure_{name}"], (P, S)).astype(float)

    def com(name: str) -> np.ndarray:
        return np.broadcast_to(inp.drivers[name], (P, 1)).astype(float)

    first = inp.scenario.start_month.month - 1
    z = None if inp.azure_z is None else inp.azure_z[:P]
    U, level = usage(customers, seg("consumption_per_customer_month"), seg("growth_annual"),
                     inp.azure_season, first, z, seg("volatility_monthly"))
    U0, _ = usage(customers_before[:, :, None], seg("consumption_per_customer_month"),
                  seg("growth_annual"), inp.azure_season, (first - 1) % 12, None,
                  seg("volatility_monthly"))
    U0 = U0[..., 0] / (1.0 + seg("growth_annual")) ** (1.0 / 12.0)  # a month before month 0
    rates = {"reserved": seg("reserved_share"), "discount": seg("reservation_discount"),
             "markup": seg("markup_vs_retail"), "fee": seg("management_fee_share"),
             "eligible": seg("pec_eligible_share"), "pec": com("pec_rate"),
             "passed_on": com("pec_passed_on"), "margin": com("azure_margin")}
    lines = azure_lines(U, **rates)
    lines0 = azure_lines(U0[:, :, None], **rates)
    charged = lines["azure_consumption"] + lines["azure_management_fees"]
    before = (lines0["azure_consumption"] + lines0["azure_management_fees"])[..., 0]
    per_unit = (1.0 - rates["reserved"] * rates["discount"]) * (1.0 + rates["markup"]
                                                                 + rates["fee"])
    budget = level * per_unit[:, :, None] if (inp.azure_smoothing > 0).any() else None
    billed = billed_in_arrears(charged, before, budget, inp.azure_smoothing)
    bad = seg("bad_debt_rate")
    cash = collected(billed, bad, seg("payment_days"))
    vendor_month = sum(lines[k] for k in ("azure_cost", "azure_reservations", "azure_pec"))
    vendor_before = sum(lines0[k] for k in ("azure_cost", "azure_reservations", "azure_pec"))
    vendor = billed_in_arrears(vendor_month, vendor_before[..., 0], None,
                               np.zeros(S, dtype=int)).sum(axis=1)
    return {**lines, "azure_bad_debt": billed * bad[:, :, None], "charged": charged,
            "billed": billed,
            "cash": cash, "vendor": vendor, "accrued": charged - billed,
            "unbilled_before": before, "vendor_before": vendor_before[..., 0].sum(axis=1),
            "exposure": credit_exposure(charged, before, billed, bad, cash)}
