"""Cash timing: when billings are collected and costs paid (``docs/engine.md`` section 7).

A month counts as 30 days: a lag of ``D`` days is ``D / 30`` months, and an amount due with a
lag of ``l`` months is paid ``1 - frac(l)`` in month ``m + floor(l)`` and ``frac(l)`` in the
month after. Customers' card and debit payments arrive in the month billed, invoices
``dso_days`` later; the vendor (Microsoft or the distributor) is paid ``dpo_days`` after its
bill. How each ledger line turns into cash is the ledger registry's ``cash`` field: lines
``billed`` arrive through the customers' billings, ``vendor`` lines through the vendor's bills,
``paid`` lines are paid in the month they are incurred, bad debt (``none``) is never paid.

The starting book's bills from before the start are history, not the terms under test: one
month of invoices and one month of vendor bills are open at the start and settled in month 0.

Example (an invoice of 100 paid 45 days later: half next month, half the month after):
    >>> lagged(np.array([[100.0, 0, 0]]), np.array([[45.0]]))
    array([[ 0., 50., 50.]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ledger
from .util import ordered_sum

DAYS_PER_MONTH = 30.0
PAID_SEGMENT = ledger.mask("segment", cash="paid")
PAID_COMPANY = ledger.mask("company", cash="paid")
assert not ledger.mask("product", cash="paid").any()  # product lines are all vendor-settled


def _lag_split(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    months = days / DAYS_PER_MONTH
    whole = np.floor(months)
    return whole.astype(int), months - whole


def lagged(amounts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Pay ``amounts`` (P, H) after ``days`` (P, 1): a month is 30 days, fractions split.

    Example:
        >>> lagged(np.array([[100.0, 0, 0]]), np.array([[30.0]]))
        array([[  0., 100.,   0.]])
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

    The opening balances do not depend on the payment terms under test: the book at the start
    has its last month's invoices and its last month's vendor bill open, and settles both in
    the first month. So a longer DSO can only delay cash, never bring more in.

    Example (does a slower-paying customer base change what the starting book collects?):
        >>> opening_settlement(3)
        array([[1., 0., 0.]])
    """
    out = np.zeros((1, horizon))
    out[0, 0] = 1.0
    return out


@dataclass
class Cash:
    """Cash in and out, receivables and payables ``(P, H)``, opening balances ``(P,)``."""

    cash_in: np.ndarray
    cash_out: np.ndarray
    receivables: np.ndarray
    payables: np.ndarray
    receivables_opening: np.ndarray
    payables_opening: np.ndarray


def settle(billings: np.ndarray, pay_now: np.ndarray, pay_invoice: np.ndarray,
           bad_debt_rate: np.ndarray, dso_days: np.ndarray, vendor_billings: np.ndarray,
           dpo_days: np.ndarray, segment_lines: np.ndarray, company_lines: np.ndarray,
           invoices_before: np.ndarray, vendor_before: np.ndarray,
           consumption: dict[str, np.ndarray] | None = None) -> Cash:
    """Cash of a run from its billings and ledger.

    ``billings`` ``(P, S, H)`` everything billed to customers; ``pay_now`` and ``pay_invoice``
    ``(P, S)`` the card-and-debit and invoice shares; ``bad_debt_rate``, ``dso_days``,
    ``dpo_days`` ``(P, 1)``; ``vendor_billings`` ``(P, H)``; ``segment_lines`` ``(P, S', L, H)``
    and ``company_lines`` ``(P, L, H)`` the ledger (the registry says which lines are paid in
    their month); ``invoices_before`` and ``vendor_before`` ``(P,)`` the starting book's
    month of invoices (collectible part) and of vendor bills open at the start;
    ``consumption``: Azure's invoices (``billed`` and ``cash`` ``(P, S, H)``, their own terms
    and bad debt) and vendor bills (``vendor`` ``(P, H)``), from :func:`cspmodel.azure.run_azure`.

    Example (one month billed 100 by invoice, paid 30 days later; nothing else):
        >>> z = np.zeros
        >>> c = settle(np.array([[[100.0, 0.0]]]), z((1, 1)), np.ones((1, 1)), z((1, 1)),
        ...            np.full((1, 1), 30.0), z((1, 2)), np.full((1, 1), 30.0),
        ...            z((1, 1, len(ledger.SEGMENT_LINES), 2)),
        ...            z((1, len(ledger.COMPANY_LINES), 2)), z(1), z(1))
        >>> c.cash_in.tolist(), c.receivables.tolist()
        ([[0.0, 100.0]], [[100.0, 0.0]])
    """
    H = billings.shape[-1]
    collect = billings * (1.0 - bad_debt_rate[:, :, None])
    now = ordered_sum(collect * pay_now[:, :, None], 1)
    invoiced = ordered_sum(collect * pay_invoice[:, :, None], 1)
    opening = opening_settlement(H)
    cash_in = now + lagged(invoiced, dso_days) + invoices_before[:, None] * opening
    if consumption:  # Azure: invoiced in arrears on its own terms
        bad = consumption["azure_bad_debt"]
        now = now + ordered_sum(consumption["billed"] - bad, 1)  # collectible, for receivables
        cash_in = cash_in + ordered_sum(consumption["cash"], 1)
        vendor_billings = vendor_billings + consumption["vendor"]
    vendor_paid = lagged(vendor_billings, dpo_days) + vendor_before[:, None] * opening
    other = (ordered_sum(segment_lines[:, :, PAID_SEGMENT], (1, 2))
             + ordered_sum(company_lines[:, PAID_COMPANY], 1))
    receivables_opening = np.asarray(invoices_before, dtype=float).copy()
    payables_opening = np.asarray(vendor_before, dtype=float).copy()
    receivables = receivables_opening[:, None] + np.cumsum(now + invoiced - cash_in, axis=1)
    payables = payables_opening[:, None] + np.cumsum(vendor_billings - vendor_paid, axis=1)
    return Cash(cash_in, vendor_paid + other, receivables, payables, receivables_opening,
                payables_opening)
