"""Microsoft's NCE licence-based price list (Partner Center, Pricing): read it, and derive per
product the figures the model needs.

The file: one CSV a month and market, its first header cell carrying a UTF-8 byte order mark.
Columns of the 2025 files: ``ChangeIndicator, ProductTitle, ProductId, SkuId, SkuTitle,
Publisher, SkuDescription, UnitOfMeasure, TermDuration, BillingPlan, Market, Currency, UnitPrice,
PricingTierRangeMin, PricingTierRangeMax, EffectiveStartDate, EffectiveEndDate, Tags, ERP Price,
Segment, PreviousValues``; older and preview files lack some and may carry ``EndofSaleDate``.
``UnitPrice`` is the partner (direct-bill) price and ``ERP Price`` the estimated retail price,
**both for the whole term**: a ``P1Y`` row holds a year, ``P3Y`` 36 months, ``P1M`` one month.
``BillingPlan`` is Monthly, Annual, Triennial or None (trials, price 0).

Derived per product (``ProductId:SkuId``, the SkuId padded to four digits as in reconciliation
files), segment and effective date: the list price per seat-month (the annual-term ERP over 12),
the partner discount (``1 - UnitPrice / ERP``), the monthly-term factor (a month of the monthly
term over a month of the annual term), the annual-billed-monthly factor, whether a three-year
term is offered, and the dated price changes.

Example (a partner asking what its Business Premium seat costs and earns):
    >>> import io
    >>> text = ("\\ufeffProductId,SkuId,SkuTitle,TermDuration,BillingPlan,UnitPrice,ERP Price,"
    ...         "Segment,EffectiveStartDate\\n"
    ...         "CFQ7TTC0LCHC,1,Microsoft 365 Business Premium,P1Y,Annual,211.20,264.00,"
    ...         "Commercial,2025-04-01T00:00:00.0000000Z\\n")
    >>> p = read_price_list(io.StringIO(text))
    >>> row = p.products.loc["CFQ7TTC0LCHC:0001"]
    >>> float(row["list_price_per_seat_month"]), round(float(row["partner_discount"]), 6)
    (22.0, 0.2)
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from typing import IO

import pandas as pd

from .errors import Problem, ScenarioError
from .util import beside

REQUIRED = ("ProductId", "SkuId", "TermDuration", "BillingPlan", "UnitPrice", "ERP Price",
            "EffectiveStartDate")
TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}
FAR_FUTURE = dt.date(9999, 12, 31)


def _key(name: str) -> str:
    """A header as a comparable key: letters and digits only, lower case."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def parse_date(text: object) -> dt.date | None:
    """A price-list date, ``2025-04-01T00:00:00.0000000Z`` or ``11/30/9999 11:59:59 PM``.

    Example:
        >>> parse_date("2025-04-01T00:00:00.0000000Z"), parse_date("11/30/9999 11:59:59 PM")
        (datetime.date(2025, 4, 1), datetime.date(9999, 11, 30))
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    s = str(text).strip()
    if not s:
        return None
    if re.match(r"^\d{4}-\d{2}-\d{2}", s):
        return dt.date.fromisoformat(s[:10])
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})", s)
    if m:
        return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    raise ValueError(f"not a date: {s!r}")


def sku_key(product_id: object, sku_id: object) -> str:
    """``ProductId:SkuId`` with a numeric SkuId padded to four digits (``1`` -> ``0001``).

    Example:
        >>> sku_key("CFQ7TTC0LCHC", 1), sku_key("CFQ7TTC0LCHC", "0001")
        ('CFQ7TTC0LCHC:0001', 'CFQ7TTC0LCHC:0001')
    """
    sku = str(sku_id).strip().lstrip("'")
    if sku.isdigit():
        sku = sku.zfill(4)
    return f"{str(product_id).strip()}:{sku}"


@dataclass
class PriceList:
    """A read price list: its licence rows (``rows``) and one row per product, segment and
    price (``products``, indexed by ``ProductId:SkuId``, for the segment asked for)."""

    rows: pd.DataFrame
    products: pd.DataFrame
    source: str


def read_price_list(path: str | os.PathLike[str] | IO[str], segment: str = "Commercial",
                    as_of: dt.date | str | None = None) -> PriceList:
    """Read a Partner Center NCE licence-based price list (CSV) and derive each product's figures
    for ``segment`` on ``as_of`` (default: the latest price in the file).

    A file that cannot be read gets a ScenarioError naming the file, the line and the column.

    Example:
        >>> import io
        >>> read_price_list(io.StringIO("ProductId,SkuId\\n"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        cspmodel.errors.ScenarioError: ...: missing column(s) TermDuration, BillingPlan, ...
    """
    source = str(getattr(path, "name", path)) if not isinstance(path, str) else path
    rows = _read_rows(path, source)
    when = parse_date(as_of) if isinstance(as_of, str) else as_of
    return PriceList(rows, _products(rows, segment, when), source)


def _read_rows(path: str | os.PathLike[str] | IO[str], source: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(source, "(file)", None,
                                     f"not UTF-8 text ({exc.reason}); save the price list "
                                     "as downloaded from Partner Center (CSV, UTF-8)")]) from None
    except pd.errors.EmptyDataError:
        raise ScenarioError([Problem(source, "(file)", None,
                                     "the file is empty; expected a header line")]) from None
    by_key = {_key(c): c for c in raw.columns}
    missing = [c for c in REQUIRED if _key(c) not in by_key]
    if missing:
        raise ScenarioError([Problem(source, "(header)", list(raw.columns)[:6],
                                     "missing column(s) " + ", ".join(missing))])
    df = raw.rename(columns={by_key[_key(c)]: c for c in REQUIRED})
    for optional in ("ProductTitle", "SkuTitle", "Segment", "Market", "Currency", "Tags"):
        if _key(optional) in by_key:
            df = df.rename(columns={by_key[_key(optional)]: optional})
        else:
            df[optional] = "Commercial" if optional == "Segment" else ""
    sku = df["SkuId"].str.strip().str.lstrip("'")
    sku = sku.where(~sku.str.isdigit(), sku.str.zfill(4))
    out = pd.DataFrame({
        "key": df["ProductId"].str.strip() + ":" + sku,
        "name": df["SkuTitle"].where(df["SkuTitle"] != "", df["ProductTitle"]),
        "term": df["TermDuration"].str.strip().str.upper(),
        "billing": df["BillingPlan"].str.strip().str.lower(),
        "segment": df["Segment"].str.strip().str.lower(),
        "currency": df["Currency"].str.strip(),
        "tags": df["Tags"].str.lower(),
    })
    for column, target in (("UnitPrice", "partner_price"), ("ERP Price", "erp_price")):
        values = pd.to_numeric(df[column].str.strip().str.lstrip("'"), errors="coerce")
        bad = values.isna() & (df[column].str.strip() != "")
        if bad.any():
            line = int(bad.idxmax()) + 2  # the header is line 1
            raise ScenarioError([Problem(source, f"line {line}, {column}",
                                         df[column].iloc[line - 2], "must be a number")])
        out[target] = values.fillna(0.0)
    out["effective"] = _dates(df["EffectiveStartDate"], source)
    # licences only: no trials, no unpriced rows, terms the model knows
    keep = (out["term"].isin(TERM_MONTHS) & (out["billing"] != "none")
            & ~out["tags"].str.contains("trial") & (out["erp_price"] > 0))
    return out[keep].reset_index(drop=True)


def _dates(text: pd.Series, source: str) -> pd.Series:
    """Effective dates, read as a whole column (ISO or month/day/year); a value that is neither
    is an error naming its line."""
    s = text.str.strip()
    iso = pd.to_datetime(s.str[:10], format="%Y-%m-%d", errors="coerce")
    us = pd.to_datetime(s.str.split(" ").str[0], format="%m/%d/%Y", errors="coerce")
    dates = iso.fillna(us)
    bad = dates.isna()
    if bad.any():
        i = int(bad.idxmax())
        raise ScenarioError([Problem(source, f"line {i + 2}, EffectiveStartDate", text.iloc[i],
                                     "must be a date such as 2025-04-01T00:00:00Z or "
                                     "4/1/2025 12:00:00 AM")])
    return dates.dt.date


def _products(rows: pd.DataFrame, segment: str, when: dt.date | None) -> pd.DataFrame:
    """One row per product of a segment with its figures on ``when`` (latest by default)."""
    seg = rows[rows["segment"] == segment.lower()]
    if when is not None:
        seg = seg[seg["effective"] <= when]
    seg = seg.sort_values(["key", "effective"], kind="stable")

    def latest(mask: pd.Series) -> pd.DataFrame:
        return seg[mask].groupby("key").last()

    annual = latest((seg["term"] == "P1Y") & (seg["billing"] == "annual"))
    if annual.empty:
        return pd.DataFrame()
    monthly = latest(seg["term"] == "P1M")["erp_price"]
    billed_monthly = latest((seg["term"] == "P1Y") & (seg["billing"] == "monthly"))["erp_price"]
    year = annual["erp_price"]
    out = pd.DataFrame({
        "name": annual["name"],
        "list_price_per_seat_month": year / 12.0,
        "partner_discount": 1.0 - annual["partner_price"] / year,
        "monthly_term_factor": monthly.reindex(year.index) / (year / 12.0),
        "annual_billed_monthly_factor": billed_monthly.reindex(year.index) / year,
        "triennial": year.index.isin(seg.loc[seg["term"] == "P3Y", "key"]),
    })
    changes: dict[str, list[tuple[dt.date, float]]] = {}
    rows_a = seg[(seg["term"] == "P1Y") & (seg["billing"] == "annual")]
    for key, day, erp in zip(rows_a["key"], rows_a["effective"], rows_a["erp_price"],
                             strict=True):
        dated = changes.setdefault(key, [])
        if not dated or dated[-1][0] != day:
            dated.append((day, float(erp) / 12.0))
    out["price_changes"] = [changes[k] for k in out.index]
    out.index.name = "key"
    return out


def expand_price_list(data: dict, base_dir: str | os.PathLike[str] | None, source: str) -> dict:
    """A scenario's data with the products of its ``catalog.price_list`` written out as
    ``products`` entries (list price and dated changes, partner discount, term factors, the
    terms offered); an entry the file gives itself keeps its own values. Data without a price
    list comes back as it is.

    Example:
        >>> expand_price_list({"name": "x"}, None, "x.yaml")
        {'name': 'x'}
    """
    catalog = data.get("catalog") if isinstance(data, dict) else None
    if not isinstance(catalog, dict) or not catalog.get("price_list"):
        return data
    path = beside(base_dir, catalog["price_list"])
    if not path.is_file():
        raise ScenarioError([Problem(source, "catalog.price_list", str(catalog["price_list"]),
                                     f"no such file ({path})")])
    as_of = catalog.get("as_of")
    prices = read_price_list(path, str(catalog.get("segment", "commercial")),
                             parse_date(str(as_of)) if as_of else None).products
    given = {p.get("id"): p for p in data.get("products") or [] if isinstance(p, dict)}
    entries = []
    for key, sku in dict(catalog.get("products") or {}).items():
        code = sku_key(*str(sku).split(":", 1)) if ":" in str(sku) else str(sku)
        if code not in prices.index:
            raise ScenarioError([Problem(source, f"catalog.products.{key}", sku,
                                         f"not in the price list {path.name} for segment "
                                         f"{catalog.get('segment', 'commercial')}; write "
                                         "ProductId:SkuId as in the file")])
        entries.append({**_spec(key, code, prices.loc[code]), **given.pop(key, {})})
    out = dict(data)
    out["products"] = entries + list(given.values())
    return out


def _spec(key: str, code: str, row: pd.Series) -> dict:
    """A products entry from a price list row."""
    dated = list(row["price_changes"])
    terms = ["annual"]
    if not pd.isna(row["monthly_term_factor"]):
        terms.insert(0, "monthly")
    if row["triennial"]:
        terms.append("triennial")
    spec = {"id": key, "name": str(row["name"]), "sku": code,
            "list_price_per_seat_month": round(float(dated[0][1]), 6),
            "partner_discount": round(float(row["partner_discount"]), 6), "terms": terms,
            "price_changes": [{"effective": d.isoformat(),
                               "list_price_per_seat_month": round(float(p), 6)}
                              for d, p in dated[1:]]}
    for name in ("monthly_term_factor", "annual_billed_monthly_factor"):
        if not pd.isna(row[name]):
            spec[name] = round(float(row[name]), 6)
    return spec
