"""Sample partner files written by the project in Microsoft's exact formats (not real partner
data): an NCE licence-based price list, for examples, tests and benchmarks.

Example:
    >>> import io
    >>> from cspmodel.pricelist import read_price_list
    >>> buf = io.StringIO(price_list_text())
    >>> "CFQ7TTC0LCHC:0002" in read_price_list(buf).products.index
    True
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from .util import atomic_write_text

HEADER = ("ChangeIndicator", "ProductTitle", "ProductId", "SkuId", "SkuTitle", "Publisher",
          "SkuDescription", "UnitOfMeasure", "TermDuration", "BillingPlan", "Market",
          "Currency", "UnitPrice", "PricingTierRangeMin", "PricingTierRangeMax",
          "EffectiveStartDate", "EffectiveEndDate", "Tags", "ERP Price", "Segment",
          "PreviousValues")
# (product id, sku id, title, annual list per user-month by effective date, partner discount,
#  monthly-term factor or None, three-year term offered)
PRODUCTS = (
    ("CFQ7TTC0LCHC", "2", "Microsoft 365 Business Premium", {"2025-04-01": 22.0}, 0.20, 1.20,
     False),
    ("CFQ7TTC0LF8Q", "1", "Microsoft 365 Business Basic",
     {"2025-04-01": 6.0, "2026-07-01": 7.0}, 0.20, 1.20, False),
    ("CFQ7TTC0LFLZ", "1", "Microsoft 365 E3", {"2025-04-01": 36.0, "2026-07-01": 39.0}, 0.20,
     1.20, True),
    ("CFQ7TTC0MM8R", "1", "Microsoft 365 Copilot", {"2025-04-01": 30.0}, 0.10, None, False),
    ("CFQ7TTC0LH18", "1", "Dynamics 365 Sales Enterprise", {"2025-04-01": 105.0}, 0.30, 1.20,
     True),
    ("CFQ7TTC0J1FV", "1", "Windows 365 Enterprise 2 vCPU 8 GB", {"2025-04-01": 41.0}, 0.20,
     1.11, False),
)
END = "11/30/9999 11:59:59 PM"


def _iso(day: str) -> str:
    return f"{day}T00:00:00.0000000Z"


def price_list_rows(products: tuple = PRODUCTS, segments: tuple[str, ...] = ("Commercial",),
                    copies: int = 1) -> list[dict[str, str]]:
    """The rows of a sample price list: for each product, segment and dated price, the monthly
    term (P1M, where offered), the annual term billed monthly and yearly (P1Y), the three-year
    term (P3Y, where offered), and a trial row; ``copies`` repeats every product under other
    SkuIds (for a file of a real list's size).

    Example:
        >>> len(price_list_rows())
        32
    """
    rows = []
    for copy in range(copies):
        for pid, sku, title, prices, discount, monthly, triennial in products:
            sku_id = str(int(sku) + 10 * copy)
            for segment in segments:
                for day, price in prices.items():
                    base = {"ChangeIndicator": "Unchanged", "ProductTitle": title,
                            "ProductId": pid, "SkuId": sku_id, "SkuTitle": title,
                            "Publisher": "Microsoft Corporation", "SkuDescription": title,
                            "UnitOfMeasure": "1 Month", "Market": "US", "Currency": "USD",
                            "PricingTierRangeMin": "", "PricingTierRangeMax": "",
                            "EffectiveStartDate": _iso(day), "EffectiveEndDate": END,
                            "Tags": "License", "Segment": segment, "PreviousValues": ""}

                    def row(term: str, plan: str, months: int, factor: float,
                            base: dict = base, price: float = price,
                            discount: float = discount) -> dict[str, str]:
                        erp = round(price * factor * months, 2)
                        return {**base, "TermDuration": term, "BillingPlan": plan,
                                "ERP Price": f"{erp:.2f}",
                                "UnitPrice": f"{round(erp * (1 - discount), 2):.2f}"}

                    if monthly is not None:
                        rows.append(row("P1M", "Monthly", 1, monthly))
                    rows.append(row("P1Y", "Monthly", 12, 1.05))
                    rows.append(row("P1Y", "Annual", 12, 1.0))
                    if triennial:
                        rows.append(row("P3Y", "Triennial", 36, 1.0))
                rows.append({**base, "TermDuration": "P1M", "BillingPlan": "None",
                             "ERP Price": "0.00", "UnitPrice": "0.00", "Tags": "Trial"})
    return rows


def price_list_text(rows: list[dict[str, str]] | None = None) -> str:
    """The CSV text of a price list, with the byte order mark Partner Center writes.

    Example:
        >>> price_list_text().startswith("\\ufeffChangeIndicator,")
        True
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(price_list_rows() if rows is None else rows)
    return "\ufeff" + buf.getvalue()


def write_price_list(path: str | os.PathLike[str], copies: int = 1) -> Path:
    """Write a sample price list file (``copies`` for a larger file).

    Example:
        >>> import tempfile, os
        >>> p = write_price_list(os.path.join(tempfile.mkdtemp(), "prices.csv"))
        >>> p.read_text(encoding="utf-8-sig").splitlines()[0].split(",")[:3]
        ['ChangeIndicator', 'ProductTitle', 'ProductId']
    """
    return atomic_write_text(Path(path), price_list_text(price_list_rows(copies=copies)))
