"""From the partner's own files to a scenario of its real business (``cspmodel import``).

Microsoft's NCE licence-based price list gives the products' prices, discounts and terms; the
billing reconciliation files (or a distributor's plain subscriptions file) give the
subscriptions. The import writes an editable scenario whose products come from the price list
and whose starting book is the subscriptions, each on its own renewal month (a book CSV beside
the scenario), and a plain-text account of what it found and what it left out.

Example:
    >>> import tempfile, pathlib
    >>> from cspmodel.samples import write_price_list, write_reconciliation
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> imp = build_import(write_price_list(d / "prices.csv"),
    ...                    [write_reconciliation(d / "recon.csv")], out=d / "mine.yaml")
    >>> len(imp.book), imp.scenario.start_month.isoformat()
    (3, '2025-11-01')
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import Problem, ScenarioError
from .terms import TERMS
from .util import add_months

ADDON_WORDS = re.compile(r"copilot|defender|entra|intune|teams phone|audio conferencing|"
                         r"purview|archiving|visio|project plan", re.IGNORECASE)


@dataclass
class Import:
    """What an import found: the scenario (validated), the book rows, and its account."""

    scenario: Any  # cspmodel.schema.Scenario
    data: dict  # the scenario as written (the book file referenced, not inline)
    book: list[dict]
    subscriptions: pd.DataFrame  # every subscription read, with its product key and segment
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """The account printed by ``cspmodel import``: customers, subscriptions, seats by
        product and term, the renewal calendar, cost and margin per product, what was left
        out and why."""
        from .formatting import fmt_money

        s, subs = self.scenario, self.subscriptions
        kept = subs[subs["kept"]]
        cur = s.currency
        lines = [f"Read {len(subs)} subscriptions of {subs['customer'].nunique()} customers; "
                 f"the book starts in {s.start_month:%Y-%m} with {len(kept)} subscriptions of "
                 f"{kept['customer'].nunique()} customers and {kept['seats'].sum():,.0f} seats.",
                 "", "Seats by product and term:"]
        table = kept.pivot_table(index="product_name", columns="term", values="seats",
                                 aggfunc="sum", fill_value=0)
        lines += ["  " + x for x in table.to_string(float_format=lambda v: f"{v:,.0f}")
                  .splitlines()]
        lines += ["", "Renewal calendar (seats renewing, next 12 months; monthly terms renew "
                  "every month):"]
        ren = kept[kept["renews"].notna()].groupby("renews")["seats"].sum()
        for i in range(12):
            month = add_months(s.start_month, i).strftime("%Y-%m")
            lines.append(f"  {month}  {ren.get(month, 0.0):>8,.0f}")
        lines += ["", "Partner cost and margin per product (a seat-month, at Microsoft's "
                  "price for the term):"]
        for name, g in kept.groupby("product_name"):
            cost = (g["cost_per_seat_month"] * g["seats"]).sum() / g["seats"].sum()
            erp = (g["erp_per_seat_month"] * g["seats"]).sum() / g["seats"].sum()
            margin = (erp - cost) / erp if erp else float("nan")
            lines.append(f"  {name}: cost {fmt_money(cost, cur, 2)}, price "
                         f"{fmt_money(erp, cur, 2)}, margin {margin:.0%}")
        lines += ["", f"Segments: {', '.join(seg.name for seg in s.segments)}."]
        if self.skipped:
            lines += ["", "Left out:"] + [f"  {what}: {why}" for what, why in self.skipped]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


def product_key(title: str, taken: set[str]) -> str:
    """A short, readable product key from a price-list title.

    Example:
        >>> product_key("Microsoft 365 Business Premium", set())
        'm365_business_premium'
    """
    text = title.lower().replace("microsoft 365", "m365").replace("dynamics 365", "d365")
    key = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:40] or "product"
    out, n = key, 2
    while out in taken:
        out, n = f"{key}_{n}", n + 1
    return out


def build_import(price_list: str | os.PathLike[str], recon: list[str | os.PathLike[str]],
                 out: str | os.PathLike[str], subscriptions_file: str | None = None,
                 columns: dict[str, str] | None = None, segments: str | None = None,
                 start: str | None = None, market_segment: str = "commercial",
                 horizon: int = 36) -> Import:
    """Read the files and build the scenario; nothing is written (see :func:`write_import`).
    ``segments``: ``seats:10,50`` (bands of a customer's seats) or a CSV of customer,
    segment; ``start``: the first month (default: the month after the latest charge)."""
    from .io import validate_data
    from .pricelist import read_price_list
    from .recon import read_reconciliation, read_subscriptions, subscriptions

    prices = read_price_list(price_list, market_segment).products
    frames = []
    skipped: list[tuple[str, str]] = []
    notes: list[str] = []
    if recon:
        rows = read_reconciliation(recon)
        frames.append(subscriptions(rows).reset_index())
        gone = rows[rows["charge"] == "cancel"]
        for sub_id, name in zip(gone["SubscriptionId"], gone["SkuName"], strict=True):
            skipped.append((f"{sub_id} ({name})", "cancelled"))
        credits = rows[(rows["BillableQuantity"] < 0) & (rows["charge"] != "cancel")]
        if len(credits):
            notes.append(f"{len(credits)} credit row(s) (seats removed) matched to their "
                         "subscriptions: the book holds the seats after them")
    if subscriptions_file:
        plain = read_subscriptions(subscriptions_file, columns)
        frames.append(pd.DataFrame({
            "subscription": [f"row-{i + 2}" for i in range(len(plain))],
            "customer": plain["customer"], "customer_name": plain["customer"],
            "product": plain["product"].map(_sku), "product_name": plain["product"],
            "term": plain["term"], "seats": plain["quantity"], "start": plain["start"],
            "end": plain["end"], "cost_per_seat_month": plain["cost"]}))
    if not frames:
        raise ScenarioError([Problem("cspmodel import", "--recon", None,
                                     "give at least one reconciliation or subscriptions file")])
    subs = pd.concat(frames, ignore_index=True)
    subs["kept"] = True
    trial = subs["cost_per_seat_month"] <= 0
    for _, r in subs[trial].iterrows():
        skipped.append((f"{r['subscription']} ({r['product_name']})", "a trial (price 0)"))
    unknown = ~subs["product"].isin(prices.index)
    for _, r in subs[unknown & ~trial].iterrows():
        skipped.append((f"{r['subscription']} ({r['product_name']}, {r['product']})",
                        "not in the price list (Azure, usage, a retired or a third-party "
                        "product)"))
    subs.loc[trial | unknown, "kept"] = False
    if not subs["kept"].any():
        raise ScenarioError([Problem(str(price_list), "products", None, "no subscription "
                                     "of the files is on a product of this price list")])
    first = _start(subs, start)
    keys: dict[str, str] = {}
    for code in subs.loc[subs["kept"], "product"].unique():
        keys[code] = product_key(str(prices.loc[code, "name"]), set(keys.values()))
    subs["key"] = subs["product"].map(keys)
    subs["product_name"] = subs["product"].map(lambda c: prices.loc[c, "name"]
                                               if c in prices.index else c)
    subs["renews"] = [_renews(t, e, first) for t, e in zip(subs["term"], subs["end"],
                                                           strict=True)]
    subs["segment"] = _segments(subs, segments)
    out = Path(out)
    data = _scenario_data(out, price_list, prices, keys, subs[subs["kept"]], first,
                          market_segment, horizon, notes)
    book = [{"customer": r.customer, "segment": r.segment, "product": r.key, "term": r.term,
             "seats": float(r.seats), "renews": r.renews if isinstance(r.renews, str) else None}
            for r in subs[subs["kept"]].itertuples()]
    inline = {**data, "catalog": {**data["catalog"],
                                  "price_list": str(Path(price_list).resolve())},
              "opening_book": {"subscriptions": book}}
    from .pricelist import expand_price_list

    scenario = validate_data(expand_price_list(inline, None, str(out)), str(out))
    subs["erp_per_seat_month"] = [
        _price(scenario, k, t, first) if kept else float("nan")
        for k, t, kept in zip(subs["key"], subs["term"], subs["kept"], strict=True)]
    return Import(scenario, data, book, subs, skipped, notes)


def _sku(code: str) -> str:
    """``ProductId:SkuId`` with the SkuId padded as the price list's key."""
    from .pricelist import sku_key

    pid, _, sku = str(code).partition(":")
    return sku_key(pid.strip(), sku.strip()) if sku else str(code).strip()


def _start(subs: pd.DataFrame, start: str | None) -> dt.date:
    """The first month: given, or the month after the latest term start or charge."""
    if start:
        try:
            return dt.date.fromisoformat(start[:7] + "-01")
        except ValueError:
            raise ScenarioError([Problem("cspmodel import", "--start", start,
                                         "a month, YYYY-MM")]) from None
    latest = max(d for d in subs["start"] if d is not None and not pd.isna(d))
    return add_months(dt.date(latest.year, latest.month, 1), 1)


def _renews(term: str, end: Any, first: dt.date) -> str | None:  # noqa: ANN401
    """The month of a subscription's next renewal on or after ``first`` (a term that ended
    before it renewed automatically; a monthly term: none)."""
    c = TERMS[term].commitment
    if c == 1 or end is None or pd.isna(end):
        return None
    nxt = end + dt.timedelta(days=1)
    month = dt.date(nxt.year, nxt.month, 1)
    while month < first:
        month = add_months(month, c)
    while month > add_months(first, c - 1):
        month = add_months(month, -c)
    return month.strftime("%Y-%m")


def _segments(subs: pd.DataFrame, rule: str | None) -> pd.Series:
    """Each subscription's segment: one segment, seat bands of the customer's seats
    (``seats:10,50``), or a CSV of customer, segment."""
    if not rule:
        return pd.Series("All customers", index=subs.index)
    if rule.startswith("seats:"):
        try:
            cuts = sorted(int(x) for x in rule[len("seats:"):].split(","))
        except ValueError:
            raise ScenarioError([Problem("cspmodel import", "--segments", rule,
                                         "seat bands as seats:10,50")]) from None
        per_customer = subs[subs["kept"]].groupby("customer")["seats"].sum()
        edges = [0, *cuts]
        names = [f"{lo}-{hi - 1} seats" for lo, hi in zip(edges, cuts, strict=False)]
        names.append(f"{cuts[-1]}+ seats")

        def band(n: float) -> str:
            return names[sum(n >= c for c in cuts)]

        return subs["customer"].map(lambda c: band(per_customer.get(c, 0.0)))
    path = Path(rule)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ScenarioError([Problem(str(path), "--segments", rule,
                                     f"cannot read the file: {exc}")]) from None
    cols = {c.strip().lower(): c for c in table.columns}
    if "customer" not in cols or "segment" not in cols:
        raise ScenarioError([Problem(str(path), "line 1", list(table.columns),
                                     "columns customer and segment")])
    mapping = dict(zip(table[cols["customer"]].str.strip(), table[cols["segment"]].str.strip(),
                       strict=True))
    return subs["customer"].map(lambda c: mapping.get(c, "Other customers"))


def _price(scenario: Any, key: str, term: str, when: dt.date) -> float:  # noqa: ANN401
    """Microsoft's price of a product for a term, a seat-month (ERP)."""
    from .pricing import term_factor

    return scenario.list_price(key, when) * term_factor(scenario, term, when, key)


def _scenario_data(out: Path, price_list: str | os.PathLike[str], prices: pd.DataFrame,
                   keys: dict[str, str], kept: pd.DataFrame, first: dt.date,
                   market_segment: str, horizon: int, notes: list[str]) -> dict:
    """The scenario as a plain mapping: products from the price list, one segment per group
    with its new customers' mix taken from its book (none join until you set
    ``new_customers_per_month``), the book file referenced."""
    rel = os.path.relpath(Path(price_list).resolve(), out.resolve().parent)
    addons = {k for code, k in keys.items() if ADDON_WORDS.search(str(prices.loc[code, "name"]))}
    offered = {k: _terms(prices.loc[code]) for code, k in keys.items()}
    segments = []
    for name, g in kept.groupby("segment", sort=True):
        base = g[~g["key"].isin(addons)]
        if base.empty:
            base = g
        users = base["seats"].sum()
        mix = (base.groupby("key")["seats"].sum() / users).round(6)
        mix.iloc[-1] = round(1.0 - mix.iloc[:-1].sum(), 6)
        attach = (g[g["key"].isin(addons) & ~g.index.isin(base.index)]
                  .groupby("key")["seats"].sum() / users).round(4)
        sold = set(mix.index) | set(attach.index)
        terms = g.groupby("term")["seats"].sum()
        fits = [all(TERMS[t].product_term in offered[k] for k in sold) for t in terms.index]
        for t in terms.index[[not f for f in fits]]:
            notes.append(f"segment {name}: new customers get no {TERMS[t].label.lower()} "
                         "(a product they buy does not offer it); the book keeps its own")
        terms = terms[fits]
        if terms.sum() <= 0:
            terms = pd.Series({"annual_billed_monthly": 1.0})
        shares = (terms / terms.sum()).round(6)
        shares.iloc[-1] = round(1.0 - shares.iloc[:-1].sum(), 6)
        segments.append({
            "name": str(name), "customers_at_start": 0, "new_customers_per_month": 0,
            "seats_per_customer": round(float(users / g["customer"].nunique()), 2),
            "product_mix": {str(k): float(v) for k, v in mix.items()},
            "addons": {str(k): float(v) for k, v in attach.items()},
            "term_mix": {str(k): float(v) for k, v in shares.items()}})
    return {
        "name": out.stem.replace("_", " "),
        "description": "Imported from the partner's price list and billing files by "
                       "cspmodel import; the starting book is in the book file. Set each "
                       "segment's new_customers_per_month for growth.",
        "start_month": first.strftime("%Y-%m"), "horizon_months": horizon,
        "catalog": {"price_list": rel, "segment": market_segment,
                    "products": {k: code for code, k in keys.items()}},
        "products": [{"id": k, "kind": "addon"} for k in sorted(addons)],
        "segments": segments,
        "opening_book": {"file": f"{out.stem}_book.csv"},
    }


def _terms(row: pd.Series) -> set[str]:
    """The terms (monthly, annual, triennial) a price list row offers."""
    out = {"annual"}
    if not pd.isna(row["monthly_term_factor"]):
        out.add("monthly")
    if row["triennial"]:
        out.add("triennial")
    return out


def write_import(imp: Import, out: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write the book file and the scenario (each atomically; the book first, so the
    scenario never names a book that is not there)."""
    import yaml

    from .opening import write_book
    from .util import atomic_write_text

    out = Path(out)
    book = write_book(imp.book, out.parent / imp.data["opening_book"]["file"])
    header = ("# " + imp.data["name"] + "\n# Written by cspmodel import: edit freely; the "
              "starting book is in " + book.name + ".\n")
    text = header + yaml.safe_dump(imp.data, sort_keys=False, allow_unicode=True)
    return atomic_write_text(out, text), book
