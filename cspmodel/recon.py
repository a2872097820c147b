"""The partner's billing reconciliation file (Partner Center, Billing: the new-commerce
licence-based reconciliation CSV of each invoice, also served as multi-member gzip): read its
rows, and the subscriptions they describe.

Headers drift between versions: they are matched case- and punctuation-insensitively, with the
aliases ``Tier2MpnId`` = ``ResellerMpnId`` and ``TotalForCustomer`` = ``Total``; unknown columns
are ignored. Numbers may carry a leading apostrophe (``'22.00``); credits have a negative
``BillableQuantity``; the partner's cost is ``EffectiveUnitPrice x BillableQuantity``.
``TermAndBillingCycle`` (with ``BillingFrequency`` where the cycle leaves the billing open)
gives the term: ``One-Month commitment for monthly billing`` is the monthly term, ``One-Year
commitment for monthly/yearly billing`` annual billed monthly or yearly, ``Three-3 Years
commitment for ...`` a three-year term; the newer ``Annual term, Monthly billing`` reads the
same way.

Example (what term is a subscription on?):
    >>> term_of("One-Year commitment for monthly/yearly billing", "Annual")
    'annual_upfront'
    >>> term_of("Annual term, Monthly billing", "")
    'annual_billed_monthly'
"""

from __future__ import annotations

import gzip
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import Problem, ScenarioError
from .pricelist import _key

COLUMNS = ("CustomerId", "CustomerName", "ProductId", "SkuId", "SkuName", "ChargeType",
           "Quantity", "BillableQuantity", "EffectiveUnitPrice", "UnitPrice",
           "TermAndBillingCycle", "BillingFrequency", "SubscriptionId", "ChargeStartDate",
           "ChargeEndDate", "SubscriptionStartDate", "SubscriptionEndDate", "Total",
           "ResellerMpnId", "Currency")
REQUIRED = ("CustomerId", "ProductId", "SkuId", "ChargeType", "BillableQuantity",
            "EffectiveUnitPrice", "TermAndBillingCycle", "SubscriptionId",
            "SubscriptionStartDate", "SubscriptionEndDate")
ALIASES = {_key("Tier2MpnId"): "ResellerMpnId", _key("TotalForCustomer"): "Total"}
NUMBERS = ("Quantity", "BillableQuantity", "EffectiveUnitPrice", "UnitPrice", "Total")


def term_of(cycle: str, frequency: str) -> str | None:
    """The model's term for a ``TermAndBillingCycle`` and ``BillingFrequency``, or None.

    Example:
        >>> term_of("Three-3 Years commitment for monthly billing", ""), term_of("", "")
        ('triennial_billed_monthly', None)
    """
    text = (cycle or "").lower()
    freq = (frequency or "").lower()
    if re.search(r"one-month|monthly term|1 month", text):
        return "monthly"
    years = 3 if re.search(r"three|3 year|triennial", text) else (
        1 if re.search(r"one-year|annual term|1 year", text) else 0)
    if not years:
        return None
    billed = re.search(r"(monthly|yearly|annual|triennial|upfront)(?:/(\w+))? billing", text)
    plan = billed.group(1) if billed else ""
    if billed and billed.group(2):  # "monthly/yearly billing": the frequency says which
        plan = freq or plan
    if years == 1:
        return "annual_billed_monthly" if plan == "monthly" else "annual_upfront"
    if plan == "monthly":
        return "triennial_billed_monthly"
    return "triennial_billed_yearly" if plan in ("yearly", "annual") else "triennial_upfront"


def _text(path: str | os.PathLike[str]) -> str:
    """The file's text: plain CSV or (multi-member) gzip, UTF-8 with or without a BOM."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)  # reads every member of a multi-member file
    return raw.decode("utf-8-sig")


def _read_text(path: str | os.PathLike[str]) -> str:
    """The file's text, or a ScenarioError naming the file when it cannot be read or is not
    UTF-8."""
    source = str(path)
    try:
        return _text(path)
    except (OSError, gzip.BadGzipFile, EOFError) as exc:
        raise ScenarioError([Problem(source, "(file)", None,
                                     f"cannot read the file: {exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(source, "(file)", None,
                                     f"not UTF-8 text ({exc.reason})")]) from None


def read_reconciliation(paths: Iterable[str | os.PathLike[str]]) -> pd.DataFrame:
    """The licence rows of one or more reconciliation files, one row per charge, with the
    model's term, numbers as numbers, dates as dates and the partner's cost.

    Example:
        >>> import tempfile, os
        >>> from cspmodel.samples import write_reconciliation
        >>> p = write_reconciliation(os.path.join(tempfile.mkdtemp(), "recon.csv"))
        >>> sorted(read_reconciliation([p])["term"].unique())[:2]
        ['annual_billed_monthly', 'annual_upfront']
    """
    frames = []
    for path in paths:
        frames.append(_rows(_read_text(path), str(path)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _rows(text: str, source: str) -> pd.DataFrame:
    if not text.strip():
        raise ScenarioError([Problem(source, "(file)", None, "the file is empty; expected a "
                                     "header line")])
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    names = {}
    for column in raw.columns:
        k = _key(column)
        target = ALIASES.get(k) or next((c for c in COLUMNS if _key(c) == k), None)
        if target and target not in names.values():
            names[column] = target
    df = raw.rename(columns=names)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ScenarioError([Problem(source, "(header)", list(raw.columns)[:6],
                                     "missing column(s) " + ", ".join(missing))])
    for column in COLUMNS:
        if column not in df.columns:
            df[column] = ""
    df = df[list(COLUMNS)].copy()
    for column in NUMBERS:
        cleaned = df[column].str.strip().str.lstrip("'")
        values = pd.to_numeric(cleaned, errors="coerce")
        bad = values.isna() & (cleaned != "")
        if bad.any():
            i = int(bad.idxmax())
            raise ScenarioError([Problem(source, f"line {i + 2}, {column}", df[column].iloc[i],
                                         "must be a number")])
        df[column] = values.fillna(0.0)
    terms = [term_of(c, f) for c, f in zip(df["TermAndBillingCycle"], df["BillingFrequency"],
                                           strict=True)]
    for i, term in enumerate(terms):
        if term is None:
            raise ScenarioError([Problem(source, f"line {i + 2}, TermAndBillingCycle",
                                         df["TermAndBillingCycle"].iloc[i],
                                         "not a term of the licence-based offers (monthly, "
                                         "one-year or three-year commitment)")])
    df["term"] = terms
    for column in ("ChargeStartDate", "ChargeEndDate", "SubscriptionStartDate",
                   "SubscriptionEndDate"):
        df[column] = pd.to_datetime(df[column].str.strip().str[:10], errors="coerce",
                                    format="mixed").dt.date
    sku = df["SkuId"].str.strip().str.lstrip("'")
    df["key"] = df["ProductId"].str.strip() + ":" + sku.where(~sku.str.isdigit(),
                                                              sku.str.zfill(4))
    df["charge"] = df["ChargeType"].str.strip().str.lower()
    df["cost"] = df["EffectiveUnitPrice"] * df["BillableQuantity"]
    df["source"] = source
    return df


def subscriptions(rows: pd.DataFrame) -> pd.DataFrame:
    """The subscriptions the rows describe, one each, as of their last charge: customer,
    product, term, seats (the quantity of the last charge, after additions and removals),
    start and end of the current term, and the partner's cost per seat-month.

    Example:
        >>> import tempfile, os
        >>> from cspmodel.samples import write_reconciliation
        >>> p = write_reconciliation(os.path.join(tempfile.mkdtemp(), "recon.csv"))
        >>> subs = subscriptions(read_reconciliation([p]))
        >>> int(subs["seats"].sum()) > 0, subs.index.name
        (True, 'subscription')
    """
    charges = rows[~rows["charge"].isin(("cancel",))]
    charges = charges.sort_values(["SubscriptionId", "ChargeStartDate"], kind="stable")
    last = charges.groupby("SubscriptionId").last()
    cancelled = set(rows.loc[rows["charge"] == "cancel", "SubscriptionId"])
    months = [_months(a, b) for a, b in zip(last["ChargeStartDate"], last["ChargeEndDate"],
                                            strict=True)]
    out = pd.DataFrame({
        "customer": last["CustomerId"], "customer_name": last["CustomerName"],
        "product": last["key"], "product_name": last["SkuName"], "term": last["term"],
        "seats": last["Quantity"].where(last["Quantity"] > 0, last["BillableQuantity"]),
        "start": last["SubscriptionStartDate"], "end": last["SubscriptionEndDate"],
        "cost_per_seat_month": last["EffectiveUnitPrice"] / pd.Series(months,
                                                                       index=last.index),
    })
    out = out[~out.index.isin(cancelled)]
    out.index.name = "subscription"
    return out


def _months(start: object, end: object) -> float:
    """Whole months a charge covers (at least 1)."""
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return 1.0
    days = (pd.Timestamp(end) - pd.Timestamp(start)).days + 1
    return max(1.0, round(days / 30.4375))


SUBSCRIPTION_FIELDS = ("customer", "product", "quantity", "term", "billing", "start", "end",
                       "cost", "price")
PLAIN_TERMS = {("monthly", "monthly"): "monthly",
               ("annual", "monthly"): "annual_billed_monthly",
               ("annual", "annual"): "annual_upfront",
               ("triennial", "monthly"): "triennial_billed_monthly",
               ("triennial", "annual"): "triennial_billed_yearly",
               ("triennial", "triennial"): "triennial_upfront"}
_TERM_WORDS = {"p1m": "monthly", "month": "monthly", "monthly": "monthly", "1 month": "monthly",
               "p1y": "annual", "year": "annual", "annual": "annual", "yearly": "annual",
               "1 year": "annual", "p3y": "triennial", "3 years": "triennial",
               "triennial": "triennial", "upfront": "triennial"}


def read_subscriptions(path: str | os.PathLike[str], columns: dict[str, str] | None = None
                       ) -> pd.DataFrame:
    """A plain subscriptions CSV, as a distributor exports it for an indirect reseller: one row
    per subscription with customer, product, quantity, term, billing, start, end, cost and
    price (a seat-month each). ``columns`` maps these names to the file's own headers where
    they differ (``{"quantity": "Seats"}``). Terms: P1M / P1Y / P3Y or monthly / annual /
    triennial; billing: monthly / annual / triennial (upfront for three years).

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "subs.csv")
        >>> _ = open(p, "w").write("Client,Sku,Seats,Term,Billing,Start,End,Cost,Price\\n"
        ...     "A,CFQ7TTC0LCHC:0002,10,P1Y,Monthly,2025-04-01,2026-03-31,18.48,23.10\\n")
        >>> s = read_subscriptions(p, {"customer": "Client", "product": "Sku",
        ...                            "quantity": "Seats"})
        >>> s.loc[0, "term"], float(s.loc[0, "cost"])
        ('annual_billed_monthly', 18.48)
    """
    source = str(path)
    text = _read_text(path)
    if not text.strip():
        raise ScenarioError([Problem(source, "(file)", None, "the file is empty")])
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    by_key = {_key(c): c for c in raw.columns}
    names = {f: (columns or {}).get(f, f) for f in SUBSCRIPTION_FIELDS}
    missing = [f"{f} ({n})" if n != f else f for f, n in names.items() if _key(n) not in by_key]
    if missing:
        raise ScenarioError([Problem(source, "(header)", list(raw.columns)[:9],
                                     "missing column(s) " + ", ".join(missing)
                                     + "; give a column mapping for the file's own names")])
    header = {f: by_key[_key(n)] for f, n in names.items()}  # the file's own names
    df = pd.DataFrame({f: raw[header[f]].str.strip() for f in SUBSCRIPTION_FIELDS})
    for f in ("quantity", "cost", "price"):
        values = pd.to_numeric(df[f].str.lstrip("'"), errors="coerce")
        if values.isna().any():
            i = int(values.isna().idxmax())
            raise ScenarioError([Problem(source, f"line {i + 2}, {header[f]}", df[f].iloc[i],
                                         "must be a number")])
        df[f] = values
    terms = []
    for i, (term, billing) in enumerate(zip(df["term"], df["billing"], strict=True)):
        key = (_TERM_WORDS.get(term.lower()), _TERM_WORDS.get(billing.lower(), billing.lower()))
        if key not in PLAIN_TERMS:
            raise ScenarioError([Problem(source, f"line {i + 2}, {header['term']}",
                                         f"{term} / {billing}", "allowed: monthly, annual or "
                                         "triennial term, billed monthly, annual or triennial")])
        terms.append(PLAIN_TERMS[key])
    df["term"] = terms
    for f in ("start", "end"):
        df[f] = pd.to_datetime(df[f].str[:10], errors="coerce", format="mixed").dt.date
    return df
