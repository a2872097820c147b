"""Terms as data: one row per New Commerce term a customer can be on, and the cohort layout
derived from the terms a scenario uses.

Each :class:`Term` gives its commitment (months until renewal), its billing interval (months
billed at once: 1 is billed monthly, 12 a year in advance, 36 three years), its price-factor
rule (which factor of the scenario's ``terms`` block multiplies the annual list price), whether
seat reductions wait for renewal, which catalog term a product must offer, and Microsoft's
minimum seats per product. A term whose billing interval is longer than a month is prepaid:
its revenue is deferred and recognised month by month, and the partner may give a prepay
discount on it. Adding a term is adding a row.

Cohorts. Customers on terms with the same commitment ``c`` churn, renew and change seats
alike, so they share one book of ``c`` renewal phases (phase ``p`` renews in the months with
``m mod c = p``); each term's customers are its share of that book. The layout puts the groups'
phases one after another on one cohort axis.

Example (which terms does a partner offering three-year Dynamics deals model?):
    >>> [t.key for t in TERMS.values() if t.commitment == 36]
    ['triennial_billed_monthly', 'triennial_billed_yearly', 'triennial_upfront']
    >>> lay = layout(["monthly", "annual_billed_monthly", "annual_upfront"])
    >>> lay.n_cohorts, lay.groups, lay.offsets
    (13, (1, 12), (0, 1))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Term:
    """One term of the New Commerce Experience."""

    key: str
    label: str
    commitment: int  # months from one renewal to the next
    billing: int  # months billed at once
    factor: str  # the price factor: monthly_term, annual_billed_monthly or annual_upfront
    waits_for_renewal: bool  # seat reductions wait for renewal (a commitment)
    product_term: str  # the term a product must offer: monthly, annual or triennial
    min_seats: int = 0  # Microsoft's minimum seats of a product on this term
    lapsed: bool = False  # reached only by letting a commitment lapse (its own book)

    @property
    def prepaid(self) -> bool:
        """Billed ahead for more than a month: deferred revenue, prepay discount."""
        return self.billing > 1


TERMS: dict[str, Term] = {t.key: t for t in (
    Term("monthly", "Monthly term", 1, 1, "monthly_term", False, "monthly"),
    Term("annual_billed_monthly", "Annual term, billed monthly", 12, 1,
         "annual_billed_monthly", True, "annual"),
    Term("annual_upfront", "Annual term, paid upfront", 12, 12, "annual_upfront", True,
         "annual"),
    # three-year terms (model.md, facts of late 2026): price locked for 36 months, billed
    # monthly at the annual-billed-monthly factor, yearly or upfront at the annual price; 100
    # seats of a product at least
    Term("triennial_billed_monthly", "Three-year term, billed monthly", 36, 1,
         "annual_billed_monthly", True, "triennial", 100),
    Term("triennial_billed_yearly", "Three-year term, billed yearly", 36, 12,
         "annual_upfront", True, "triennial", 100),
    Term("triennial_upfront", "Three-year term, paid upfront", 36, 36, "annual_upfront", True,
         "triennial", 100),
    # a commitment neither renewed nor cancelled at its end continues month to month (from
    # 2026-05-04, model.md facts of late 2026) at the monthly price + 3% (+23% where the
    # product has no monthly plan); no customer chooses it
    Term("extended_service", "Extended service term, month to month", 1, 1,
         "extended_service", False, "annual", lapsed=True),
)}
TERM_KEYS = tuple(k for k, t in TERMS.items() if not t.lapsed)  # the terms customers choose
STANDARD_TERMS = ("monthly", "annual_billed_monthly", "annual_upfront")
MAX_COMMITMENT = max(t.commitment for t in TERMS.values())


def keep_at_renewal(churn_annual: np.ndarray, commitment: int) -> np.ndarray:
    """Share of a cohort's customers who stay at a renewal, from the annual churn rate:
    ``(1 - churn_annual)^(commitment / 12)`` (a monthly term: ``1 - h``, the monthly hazard;
    an annual term: ``1 - churn_annual``; a three-year term: three years of churn at once).

    Example:
        >>> float(keep_at_renewal(np.array(0.2), 12)), round(float(keep_at_renewal(0.2, 36)), 3)
        (0.8, 0.512)
    """
    return (1.0 - np.asarray(churn_annual, dtype=float)) ** (commitment / 12.0)


@dataclass(frozen=True)
class Layout:
    """The cohort axis of a run: the terms in use, their commitment groups and phases.

    ``terms``: the keys of the terms in use, in table order; ``groups``: the commitments in
    use; ``offsets``: where each group's phases start on the cohort axis; ``term_group``: the
    group of each term; arrays per cohort: ``phase``, ``commitment`` and ``group``;
    ``extended``: the group of the extended service term (its own book, last), if in use.
    """

    terms: tuple[str, ...]
    groups: tuple[int, ...]
    offsets: tuple[int, ...]
    term_group: tuple[int, ...]
    phase: np.ndarray
    commitment: np.ndarray
    group: np.ndarray
    extended: int | None = None

    @property
    def n_cohorts(self) -> int:
        return int(len(self.phase))

    def span(self, group: int) -> slice:
        """The cohorts of a group on the cohort axis."""
        return slice(self.offsets[group], self.offsets[group] + self.groups[group])


def layout(terms_in_use: Iterable[str]) -> Layout:
    """The cohort layout for the terms in use (the three standard terms always, so that a
    scenario's cohorts do not change with its mix).

    Example:
        >>> layout(["triennial_upfront"]).groups
        (1, 12, 36)
    """
    used = set(terms_in_use) | set(STANDARD_TERMS)
    keys = tuple(k for k in TERMS if k in used)
    books = sorted({(TERMS[k].lapsed, TERMS[k].commitment) for k in keys})
    groups = tuple(c for _lapsed, c in books)
    offsets = tuple(int(x) for x in np.cumsum((0,) + groups[:-1]))
    phase = np.concatenate([np.arange(c) for c in groups])
    commitment = np.concatenate([np.full(c, c) for c in groups])
    group = np.concatenate([np.full(c, g) for g, c in enumerate(groups)])
    term_group = tuple(books.index((TERMS[k].lapsed, TERMS[k].commitment)) for k in keys)
    extended = next((g for g, (lapsed, _c) in enumerate(books) if lapsed), None)
    return Layout(keys, groups, offsets, term_group, phase, commitment, group, extended)


def lock_months(commitment: int, horizon: int) -> np.ndarray:
    """Month (relative to the start) whose price each phase of a group has locked, in each
    month: the phase's last renewal on or before the month, ``m - ((m - p) mod c)``; negative
    for terms that started before the horizon. Shape ``(c, horizon)``.

    Example:
        >>> lock_months(12, 3)[[0, 1, 11]].tolist()
        [[0, 0, 0], [-11, 1, 1], [-1, -1, -1]]
    """
    m = np.arange(horizon)[None, :]
    p = np.arange(commitment)[:, None]
    return m - np.mod(m - p, commitment)
