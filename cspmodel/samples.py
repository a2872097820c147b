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


RECON_HEADER = ("PartnerId", "CustomerId", "CustomerName", "CustomerDomainName",
                "CustomerCountry", "InvoiceNumber", "MpnId", "Tier2MpnId", "OrderId",
                "OrderDate", "ProductId", "SkuId", "AvailabilityId", "SkuName", "ProductName",
                "ChargeType", "UnitPrice", "Quantity", "Subtotal", "TaxTotal",
                "TotalForCustomer", "Currency", "PriceAdjustmentDescription", "PublisherName",
                "PublisherId", "SubscriptionDescription", "SubscriptionId", "ChargeStartDate",
                "ChargeEndDate", "TermAndBillingCycle", "EffectiveUnitPrice", "UnitType",
                "AlternateId", "BillableQuantity", "BillingFrequency", "PricingCurrency",
                "PCToBCExchangeRate", "PCToBCExchangeRateDate", "MeterDescription",
                "ReservationOrderId", "CreditReasonCode", "SubscriptionStartDate",
                "SubscriptionEndDate", "ReferenceId", "ProductQualifiers", "PromotionId")
# (subscription, customer, product id, sku, name, cycle, frequency, seats, partner price per
#  seat for the charge period, months the charge covers, subscription start, end)
SUBSCRIPTIONS = (
    ("sub-1", "cust-a", "CFQ7TTC0LCHC", "0002", "Microsoft 365 Business Premium",
     "One-Year commitment for monthly/yearly billing", "Annual", 10, 211.20, 12, "2025-04-01",
     "2026-03-31"),
    ("sub-2", "cust-a", "CFQ7TTC0LFLZ", "0001", "Microsoft 365 E3",
     "One-Year commitment for monthly/yearly billing", "Monthly", 25, 30.24, 1, "2025-09-15",
     "2026-09-14"),
    ("sub-3", "cust-b", "CFQ7TTC0LCHC", "0002", "Microsoft 365 Business Premium",
     "One-Month commitment for monthly billing", "Monthly", 4, 21.12, 1, "2025-10-01",
     "2025-10-31"),
)


def reconciliation_rows() -> list[dict[str, str]]:
    """Rows of a sample new-commerce licence-based reconciliation file: one charge per
    subscription, and an added block of seats with its prorated charge.

    Example:
        >>> len(reconciliation_rows())
        4
    """
    rows = []
    for sub, cust, pid, sku, name, cycle, freq, seats, price, months, start, end in \
            SUBSCRIPTIONS:
        charge_end = _charge_end(start, months)
        base = {k: "" for k in RECON_HEADER}
        base.update({"PartnerId": "partner-1", "CustomerId": cust,
                     "CustomerName": f"Customer {cust[-1].upper()}", "ProductId": pid,
                     "SkuId": sku, "SkuName": name, "ProductName": name,
                     "ChargeType": "new", "UnitPrice": f"{price:.2f}", "Quantity": str(seats),
                     "BillableQuantity": str(seats), "EffectiveUnitPrice": f"'{price:.2f}",
                     "TermAndBillingCycle": cycle, "BillingFrequency": freq,
                     "SubscriptionId": sub, "ChargeStartDate": start,
                     "ChargeEndDate": charge_end, "SubscriptionStartDate": start,
                     "SubscriptionEndDate": end, "Currency": "USD",
                     "TotalForCustomer": f"{price * seats:.2f}"})
        rows.append(base)
    # sub-2 adds 5 seats mid-month: a prorated charge for the rest of its month
    add = dict(rows[1])
    add.update({"ChargeType": "addQuantity", "Quantity": "30", "BillableQuantity": "5",
                "ChargeStartDate": "2025-09-20", "EffectiveUnitPrice": "'25.20"})
    rows.append(add)
    return rows


def _charge_end(day: str, months: int) -> str:
    """The last day of a charge of ``months`` months starting on ``day`` (ISO dates)."""
    import datetime as dt

    d = dt.date.fromisoformat(day)
    index = d.year * 12 + d.month - 1 + months
    first = dt.date(index // 12, index % 12 + 1, 1)
    return (first - dt.timedelta(days=1)).isoformat() if d.day == 1 else (
        dt.date(first.year, first.month, min(d.day, 28)) - dt.timedelta(days=1)).isoformat()


def write_reconciliation(path: str | os.PathLike[str]) -> Path:
    """Write a sample reconciliation file (CSV with a byte order mark).

    Example:
        >>> import tempfile, os
        >>> write_reconciliation(os.path.join(tempfile.mkdtemp(), "r.csv")).suffix
        '.csv'
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=RECON_HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(reconciliation_rows())
    return atomic_write_text(Path(path), "\ufeff" + buf.getvalue())
