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


CYCLES = {"monthly": ("One-Month commitment for monthly billing", "Monthly", 1, 1.20, 1),
          "annual_billed_monthly": ("One-Year commitment for monthly/yearly billing", "Monthly",
                                    12, 1.05, 1),
          "annual_upfront": ("One-Year commitment for monthly/yearly billing", "Annual", 12,
                             1.0, 12),
          "triennial_billed_yearly": ("Three-3 Years commitment for monthly/yearly billing",
                                      "Annual", 36, 1.0, 12)}


def generated_subscriptions(customers: int, seed: int = 7) -> list[tuple]:
    """``customers`` made-up customers of a small partner, as rows like ``SUBSCRIPTIONS``: a
    base licence each (Business Basic or Premium, or E3 for the larger ones) on a monthly,
    annual or three-year term with its own start date, Copilot for some; the last invoice
    is December 2025 (each charge starts in or before it).

    Example:
        >>> len(generated_subscriptions(10)) >= 10
        True
    """
    import random

    rng = random.Random(seed)
    out = []
    for i in range(customers):
        cust = f"cust-{i + 1:03d}"
        seats = rng.choice([2, 5, 8, 12, 15, 20, 25, 40, 60, 120])
        pid, sku, name, price, _d, _m, _t = (PRODUCTS[2] if seats >= 40 and rng.random() < 0.6
                                             else PRODUCTS[rng.choice([0, 0, 1])])
        terms = ["monthly", "annual_billed_monthly", "annual_upfront"]
        weights = [0.3, 0.45, 0.25]
        if pid == PRODUCTS[2][0] and seats >= 100:
            terms, weights = terms + ["triennial_billed_yearly"], [0.1, 0.3, 0.2, 0.4]
        items = [(pid, sku, name, price, rng.choices(terms, weights)[0], seats)]
        if rng.random() < 0.2:  # Copilot for part of the users, one-year term
            p = PRODUCTS[3]
            items.append((p[0], p[1], p[2], p[3], rng.choice(["annual_billed_monthly",
                                                              "annual_upfront"]),
                          max(1, seats // 4)))
        for j, (pid_, sku_, name_, prices, term, n) in enumerate(items):
            cycle, freq, commitment, factor, months = CYCLES[term]
            list_price = prices["2025-04-01"]
            discount = next(d for q, k, _n, _p, d, _m, _t in PRODUCTS if q == pid_ and k == sku_)
            if commitment == 1:
                start = "2025-12-01"
            else:  # a term that started within the last commitment, on the 1st
                back = rng.randrange(commitment)
                y, m = divmod(2025 * 12 + 11 - back, 12)
                start = f"{y}-{m + 1:02d}-01"
            end = _charge_end(start, commitment)
            charge_months = months if months > 1 else 1
            cost = round(list_price * factor * (1 - discount) * charge_months, 2)
            out.append((f"sub-{i + 1:03d}-{j}", cust, pid_, sku_.zfill(4), name_, cycle, freq,
                        n, cost, charge_months, start, end))
    return out


def reconciliation_rows(customers: int = 0, seed: int = 7) -> list[dict[str, str]]:
    """Rows of a sample new-commerce licence-based reconciliation file: one charge per
    subscription, and an added block of seats with its prorated charge; ``customers`` adds
    made-up customers (:func:`generated_subscriptions`) with a trial, a cancelled
    subscription, a credit and a product that is not in the price list among them.

    Example:
        >>> len(reconciliation_rows())
        4
    """
    rows = []
    subs = SUBSCRIPTIONS + tuple(generated_subscriptions(customers, seed) if customers else ())
    for sub, cust, pid, sku, name, cycle, freq, seats, price, months, start, end in subs:
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
    if customers:
        rows.extend(_odd_rows(rows))
    return rows


def _odd_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """What an import leaves out or folds in: a trial (price 0), a cancelled subscription,
    two seats removed with their credit, and a product that is not in the price list."""
    first = rows[-1]
    trial = {**rows[3], "SubscriptionId": "sub-trial", "ChargeType": "new", "UnitPrice": "0",
             "EffectiveUnitPrice": "0", "TotalForCustomer": "0.00", "Quantity": "25",
             "BillableQuantity": "25", "SkuName": "Microsoft 365 Business Premium Trial"}
    cancel = {**rows[4], "ChargeType": "cancel", "BillableQuantity": f"-{rows[4]['Quantity']}",
              "TotalForCustomer": "0.00"}
    seats = int(first["Quantity"])
    credit = {**first, "ChargeType": "removeQuantity", "Quantity": str(max(seats - 2, 1)),
              "BillableQuantity": "-2", "ChargeStartDate": "2025-12-15"}
    other = {**rows[5], "SubscriptionId": "sub-other", "ProductId": "DZH318Z0BXWC",
             "SkuId": "0002", "SkuName": "Microsoft Defender for Cloud Apps (legacy)"}
    return [trial, cancel, credit, other]


def _charge_end(day: str, months: int) -> str:
    """The last day of a charge of ``months`` months starting on ``day`` (ISO dates)."""
    import datetime as dt

    d = dt.date.fromisoformat(day)
    index = d.year * 12 + d.month - 1 + months
    first = dt.date(index // 12, index % 12 + 1, 1)
    return (first - dt.timedelta(days=1)).isoformat() if d.day == 1 else (
        dt.date(first.year, first.month, min(d.day, 28)) - dt.timedelta(days=1)).isoformat()


def write_reconciliation(path: str | os.PathLike[str], customers: int = 0) -> Path:
    """Write a sample reconciliation file (CSV with a byte order mark).

    Example:
        >>> import tempfile, os
        >>> write_reconciliation(os.path.join(tempfile.mkdtemp(), "r.csv")).suffix
        '.csv'
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=RECON_HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(reconciliation_rows(customers))
    return atomic_write_text(Path(path), "\ufeff" + buf.getvalue())
