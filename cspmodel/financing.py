"""Financed deployment: a new customer's onboarding and deployment price repaid over months.

The user's material: "consider financing customers' initial deployment and migration services
to spread upfront costs in exchange for a long term commitment for ongoing managed services".
A share of each segment's new customers finances its services price over ``N`` months at a
yearly rate ``r`` (``i = r / 12`` a month). The services revenue is recognised at deployment as
before; the partner pays the delivery cost then, and bills the price in ``N`` equal installments
(an annuity due: the first in the deployment month)::

    payment = (1 + i)^(N - 1) x i / ((1 + i)^N - 1)    (1 / N at 0%)

of the price. After installment ``k`` the principal outstanding is ``A_k = (1 + i) A_(k-1) -
payment`` (``A_-1 = 1``, installment 0 carries no interest), and installment ``k >= 1`` holds
``i x A_(k-1)`` of interest, revenue when billed. A customer who leaves at a renewal before
installment ``k`` writes off ``A_(k-1)``; a customer who lets its term lapse into the extended
service term keeps paying.

The month loop (:mod:`cspmodel.engine`) follows each vintage of financed customers by
commitment group and age (months since deployment), so a vintage churns exactly when its
cohort renews.

Example (a partner asking what 12,000 financed over 24 months at 0% brings in a month, and
what a customer leaving after a year writes off):
    >>> pay, before = schedule(np.zeros((1, 1)), 24)
    >>> round(float(pay[0, 0] * 12000), 6), round(float(before[12, 0, 0] * 12000), 6)
    (500.0, 6000.0)
"""

from __future__ import annotations

import numpy as np


def schedule(annual_rate: np.ndarray, months: int) -> tuple[np.ndarray, np.ndarray]:
    """The installment per unit of price ``(S, P)`` and the principal outstanding before
    installment ``a``, ``A_(a-1)``, for ages ``a = 0 .. months - 1`` ``(months, S, P)``.

    Example (1,000 over 3 months at 12% a year: 336.66 a month, the last 333.32 of principal
    with 3.33 of interest):
        >>> pay, before = schedule(np.full((1, 1), 0.12), 3)
        >>> round(float(pay[0, 0] * 1000), 2), (before[:, 0, 0] * 1000).round(2).tolist()
        (336.66, [1000.0, 663.34, 333.32])
    """
    i = np.asarray(annual_rate, dtype=float) / 12.0
    grow = (1.0 + i) ** months
    with np.errstate(divide="ignore", invalid="ignore"):
        pay = np.where(i > 0, (1.0 + i) ** (months - 1) * i / (grow - 1.0), 1.0 / months)
    before = np.empty((months,) + i.shape)
    before[0] = 1.0
    left = 1.0 - pay  # after installment 0 (no interest in the deployment month)
    for a in range(1, months):
        before[a] = left
        left = left * (1.0 + i) - pay
    return pay, before


def renewal_ages(groups: tuple[int, ...], months: int) -> np.ndarray:
    """Which ages of a vintage renew in each commitment group ``(G, months)``: ages ``a > 0``
    with ``a mod c = 0`` (a monthly term, and the extended service term, every month).

    Example:
        >>> renewal_ages((1, 12), 13).astype(int)[:, [0, 1, 12]].tolist()
        [[0, 1, 1], [0, 0, 1]]
    """
    a = np.arange(months)
    return np.stack([(a > 0) & (a % c == 0) for c in groups])


def financing_month(F: np.ndarray, joined: np.ndarray, keep: np.ndarray, renews: np.ndarray,
                    alive: np.ndarray, lapse: np.ndarray, lapse_on: bool, lapsing: np.ndarray,
                    extended: int, pay: np.ndarray, before: np.ndarray,
                    rate: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One month of the financed vintages ``F`` ``(G, N, S, P)`` (customers by commitment group
    and age), in place: every vintage ages a month and this month's financed joiners
    ``joined`` ``(G, S, P)`` start at age 0; a vintage past its last installment (``alive``
    ``(N, S)``: ages still repaying) is done; a vintage whose cohort renews (``renews``
    ``(G, N)``) keeps ``keep`` ``(G, S, P)`` of its customers, and with ``lapse_on`` a share
    ``lapse`` ``(S, P)`` of those kept moves from the groups ``lapsing`` to the extended
    service group ``extended`` (-1: none). Returns the installments, interest and write-offs
    per unit of price ``(S, P)``. Plain loops: the month loop compiles it
    (:mod:`cspmodel.monthloop`).

    Example (2 customers financed on a monthly term that keeps 90% a month, 0% over 4 months):
        >>> pay, before = schedule(np.zeros((1, 1)), 4)
        >>> F = np.zeros((1, 4, 1, 1))
        >>> args = (np.full((1, 1, 1), 0.9), renewal_ages((1,), 4), np.ones((4, 1), bool),
        ...         np.zeros((1, 1)), False, np.zeros(1, bool), -1, pay, before,
        ...         np.zeros((1, 1)))
        >>> [float(x[0, 0]) for x in financing_month(F, np.full((1, 1, 1), 2.0), *args)]
        [0.5, 0.0, 0.0]
        >>> [round(float(x[0, 0]), 6) for x in financing_month(F, np.zeros((1, 1, 1)), *args)]
        [0.45, 0.0, 0.15]
    """
    n_groups, n_ages, S, P = F.shape
    for g in range(n_groups):  # every vintage ages a month; past its last installment, done
        for a in range(n_ages - 1, 0, -1):
            for s in range(S):
                for p in range(P):
                    F[g, a, s, p] = F[g, a - 1, s, p] * (1.0 if alive[a, s] else 0.0)
        F[g, 0] = joined[g]
    written_off = np.zeros((S, P))
    for n in range(n_groups):  # the extended service term first: its churn before the lapses
        g = n
        if extended >= 0:
            g = extended if n == 0 else (n - 1 if n <= extended else n)
        lost = np.zeros((S, P))
        for a in range(n_ages):
            if not renews[g, a]:
                continue
            for s in range(S):
                for p in range(P):
                    leave = F[g, a, s, p] * (1.0 - keep[g, s, p])
                    lost[s, p] += leave * before[a, s, p]
                    kept = F[g, a, s, p] - leave
                    if lapse_on and extended >= 0 and lapsing[g]:
                        moved = kept * lapse[s, p]
                        kept -= moved
                        F[extended, a, s, p] += moved
                    F[g, a, s, p] = kept
        written_off += lost
    installments, interest = np.zeros((S, P)), np.zeros((S, P))
    for s in range(S):
        for p in range(P):
            paying_all, owed = 0.0, 0.0
            for a in range(n_ages):
                paying = 0.0
                for g in range(n_groups):
                    paying += F[g, a, s, p]
                paying_all += paying
                if a > 0:
                    owed += paying * before[a, s, p]
            installments[s, p] = paying_all * pay[s, p]
            interest[s, p] = owed * (rate[s, p] / 12.0)
    return installments, interest, written_off


def financing_plan(annual_rate: np.ndarray, months: np.ndarray, groups: tuple[int, ...],
                   extended: int | None) -> dict[str, np.ndarray]:
    """What the month loop needs to follow financed vintages, per segment's own term:
    installments ``pay`` ``(S, P)``, principal before each age ``before`` ``(N, S, P)`` and
    ``alive`` ``(N, S)`` (ages still repaying, ``N`` the longest term), the renewing ages of
    each group and the groups that may lapse (commitments of more than a month), and the state
    ``F`` ``(G, N, S, P)``.

    Example (two segments repaying over 2 and 3 months):
        >>> plan = financing_plan(np.zeros((2, 1)), np.array([2, 3]), (1,), None)
        >>> plan["alive"].astype(int).tolist(), plan["pay"][:, 0].round(4).tolist()
        ([[1, 1], [1, 1], [0, 1]], [0.5, 0.3333])
    """
    S, P = annual_rate.shape
    N = int(months.max())
    pay, before = np.zeros((S, P)), np.zeros((N, S, P))
    for s in range(S):
        p_s, b_s = schedule(annual_rate[s:s + 1], int(months[s]))
        pay[s], before[: months[s], s] = p_s[0], b_s[:, 0]
    return {"pay": pay, "before": before, "rate": np.asarray(annual_rate, dtype=float),
            "alive": np.arange(N)[:, None] < months[None, :],
            "renews": renewal_ages(groups, N),
            "lapsing": np.array([c > 1 and g != extended for g, c in enumerate(groups)]),
            "F": np.zeros((len(groups), N, S, P))}
