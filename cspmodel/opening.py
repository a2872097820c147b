"""The partner's own book at the start: the book file (one row per subscription) and its
arrays for the engine.

A book file is a CSV with the columns ``customer, segment, product, term, seats, renews``
(``renews``: the month of the next renewal, ``YYYY-MM``; empty for a monthly term), as
``cspmodel import`` writes it. A scenario names it under ``opening_book.file``; at load its rows
become ``opening_book.subscriptions``. The engine then starts from these subscriptions, each on
its own renewal month, instead of spreading ``customers_at_start`` evenly over the months.

Example (a book of one customer, read back from the file it was written to):
    >>> import tempfile, pathlib
    >>> rows = [{"customer": "Contoso", "segment": "SMB", "product": "m365_business_premium",
    ...          "term": "annual_upfront", "seats": 10, "renews": "2026-05"}]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "book.csv"
    >>> _ = write_book(rows, path)
    >>> read_book(path)[0]["renews"], read_book(path)[0]["seats"]
    ('2026-05', 10.0)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import Problem, ScenarioError
from .terms import TERMS, Layout
from .util import atomic_write_text, beside

COLUMNS = ("customer", "segment", "product", "term", "seats", "renews")


def read_book(path: str | os.PathLike[str], source: str | None = None) -> list[dict[str, Any]]:
    """The rows of a book file as subscriptions (seats as numbers); a file that cannot be read
    raises :class:`~cspmodel.errors.ScenarioError` naming the file, the line and the column.
    ``source`` names the scenario that refers to the file."""
    import csv

    p = Path(path)
    where = str(p) if source is None else f"{source} (opening_book.file {p.name})"
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError([Problem(where, "opening_book.file", str(path),
                                     "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(where, "opening_book.file", str(path),
                                     f"cannot read the file as UTF-8 text: {exc}")]) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ScenarioError([Problem(where, "line 1", ", ".join(header) or "(empty)",
                                     "missing column(s) " + ", ".join(missing) + "; a book file "
                                     "has the columns " + ", ".join(COLUMNS))])
    rows = []
    for n, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        try:
            seats = float(row["seats"].replace(",", "").replace("'", ""))
        except ValueError:
            raise ScenarioError([Problem(where, f"line {n}, column seats", row["seats"],
                                         "a number of seats, e.g. 25")]) from None
        rows.append({"customer": row["customer"], "segment": row["segment"],
                     "product": row["product"], "term": row["term"], "seats": seats,
                     "renews": row["renews"] or None})
    return rows


def write_book(rows: list[dict[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write subscriptions as a book file, atomically."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        out = {k: row.get(k) for k in COLUMNS}
        out["renews"] = out["renews"] or ""
        out["seats"] = f"{float(out['seats']):g}"
        writer.writerow(out)
    return atomic_write_text(Path(path), buf.getvalue())


def expand_opening_book(data: dict, base_dir: str | os.PathLike[str] | None,
                        source: str) -> dict:
    """A scenario's data with the rows of its ``opening_book.file`` as
    ``opening_book.subscriptions`` (the file is the book: it replaces any rows written
    inline). Data without a book file comes back as it is.

    Example:
        >>> expand_opening_book({"name": "x"}, None, "x.yaml")
        {'name': 'x'}
    """
    book = data.get("opening_book") if isinstance(data, dict) else None
    if not isinstance(book, dict) or not book.get("file"):
        return data
    path = beside(base_dir, book["file"])
    out = dict(data)
    out["opening_book"] = {**book, "subscriptions": read_book(path, source)}
    return out


@dataclass
class BookArrays:
    """The opening book as the engine reads it: one row per segment, product and term held
    at the start, its customers and seats on each cohort (renewal phase) of the term's group.
    A customer with several subscriptions counts as a share in each (its shares add to one)."""

    parent: np.ndarray  # (B,) index of the row's segment
    product: np.ndarray  # (B,) index of its product
    term: np.ndarray  # (B,) index of its term in the layout
    customers: np.ndarray  # (B, Q) customers on each cohort (0 outside the term's group)
    seats: np.ndarray  # (B, Q) seats on each cohort
    support: np.ndarray  # (B,) bool: its seats take the segment's support plan (base products)


def book_arrays(scenario: Any, segments: list[str], products: list[str],  # noqa: ANN401
                lay: Layout) -> BookArrays | None:
    """Group the opening book's subscriptions by segment, product and term; a subscription
    renewing ``r`` months after the start sits on phase ``r`` of its term's group.

    Example (10 seats renewing in the fifth month sit on phase 4 of the annual group):
        >>> from cspmodel.io import load_scenario_text
        >>> from cspmodel.terms import layout
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_premium: 1}\\nopening_book:\\n  subscriptions:\\n"
        ...     "  - {customer: C, segment: A, product: m365_business_premium,"
        ...     " term: annual_upfront, seats: 10, renews: 2026-05}\\n")
        >>> b = book_arrays(s, ["A"], ["m365_business_premium"], layout(["annual_upfront"]))
        >>> np.nonzero(b.seats[0])[0].tolist(), float(b.seats[0].sum())
        ([5], 10.0)
    """
    subs = scenario.opening_book.subscriptions
    if not subs:
        return None
    per_customer: dict[str, int] = {}
    for sub in subs:
        per_customer[sub.customer] = per_customer.get(sub.customer, 0) + 1
    keys: list[tuple[int, int, int]] = []
    rows_n: list[np.ndarray] = []
    rows_s: list[np.ndarray] = []
    start = scenario.start_month
    for sub in subs:
        t = lay.terms.index(sub.term)
        g = lay.term_group[t]
        c = lay.groups[g]
        months = 0 if sub.renews is None else (
            (sub.renews.year - start.year) * 12 + sub.renews.month - start.month)
        q = lay.offsets[g] + months % c
        key = (segments.index(sub.segment), products.index(sub.product), t)
        if key not in keys:
            keys.append(key)
            rows_n.append(np.zeros(lay.n_cohorts))
            rows_s.append(np.zeros(lay.n_cohorts))
        i = keys.index(key)
        rows_n[i][q] += 1.0 / per_customer[sub.customer]
        rows_s[i][q] += sub.seats

    return BookArrays(
        parent=np.array([k[0] for k in keys]), product=np.array([k[1] for k in keys]),
        term=np.array([k[2] for k in keys]), customers=np.array(rows_n),
        seats=np.array(rows_s),
        support=np.array([scenario.product_kind(products[k[1]]) == "base" for k in keys]))


def terms_in_book(scenario: Any) -> set[str]:  # noqa: ANN401
    """The terms the opening book's subscriptions are on.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_premium: 1}\\n")
        >>> terms_in_book(s)
        set()
    """
    return {sub.term for sub in scenario.opening_book.subscriptions if sub.term in TERMS}
