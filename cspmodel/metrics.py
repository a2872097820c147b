"""The headline metrics, named once: key, label, short label (tiles and the comparison), unit
kind (how a figure is written: see :func:`cspmodel.formatting.fmt_figure`) and definition.
Every view reads this registry: the notebooks' headline table, the batch comparison, the deck's
tiles, the workbook and ``cspmodel compare``.

Example:
    >>> METRICS["npv"].label, METRICS["npv"].kind
    ('NPV of cash', 'money')
    >>> [m.key for m in COMPARED][:3]
    ['revenue', 'operating_profit', 'operating_margin']
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One headline metric."""

    key: str  # the key of Result.summary
    label: str
    short: str  # on a tile or in a comparison column
    kind: str  # money, money2, percent, month, count, number
    definition: str


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("revenue", "Revenue", "Revenue", "money", "Revenue over the whole horizon"),
    Metric("gross_profit", "Gross profit", "Gross profit", "money",
           "Revenue less the cost of sales"),
    Metric("gross_margin", "Gross margin", "Gross margin", "percent",
           "Gross profit / revenue"),
    Metric("license_gross_margin", "Licence resale margin", "Licence margin", "percent",
           "Licence revenue less licence cost, stranded seats and distributor margin, / licence "
           "revenue"),
    Metric("operating_profit", "Operating profit", "Operating profit", "money",
           "Gross profit less operating costs"),
    Metric("operating_margin", "Operating margin", "Operating margin", "percent",
           "Operating profit / revenue"),
    Metric("npv", "NPV of cash", "NPV of cash", "money",
           "Net cash flows discounted at the scenario's discount rate"),
    Metric("cash_trough", "Cash trough (lowest cumulative cash)", "Cash trough", "money",
           "The lowest cumulative cash, 0 when it never goes below zero: the funding needed"),
    Metric("break_even_month", "Break-even month", "Break-even", "month",
           "The first month from which cumulative cash stays at or above zero"),
    Metric("ending_mrr", "Monthly recurring revenue at the end", "MRR at the end", "money",
           "Licence and support revenue of the last month"),
    Metric("ending_arr", "Annual recurring revenue at the end", "ARR at the end", "money",
           "12 x the last month's recurring revenue"),
    Metric("ending_customers", "Customers at the end", "Customers", "count",
           "Customers in the last month"),
    Metric("ending_seats", "Seats at the end", "Seats", "count", "Seats in the last month"),
    Metric("net_revenue_retention", "Net revenue retention (last 12 months)",
           "Net revenue retention", "percent",
           "Recurring revenue of the last month from the customers there 12 months before, / "
           "their recurring revenue then"),
    Metric("cac_payback_months", "CAC payback (months)", "CAC payback", "number",
           "Acquisition cost per new customer / monthly recurring margin per customer"),
    Metric("ltv_to_cac", "Lifetime value / acquisition cost", "LTV / CAC", "number",
           "Recurring margin over a customer's expected life / acquisition cost"),
    Metric("revenue_per_seat_month", "Revenue per seat per month", "Revenue per seat",
           "money2", "Revenue / seat-months"),
    Metric("profit_per_seat_month", "Operating profit per seat per month", "Profit per seat",
           "money2", "Operating profit / seat-months"),
)}
HEADLINE = tuple(METRICS.values())  # the notebooks' headline table, the workbook, compare
TILES = tuple(METRICS[k] for k in ("revenue", "operating_profit", "operating_margin", "npv",
                                   "cash_trough", "break_even_month", "ending_arr",
                                   "net_revenue_retention"))
COMPARED = tuple(METRICS[k] for k in ("revenue", "operating_profit", "operating_margin", "npv",
                                      "cash_trough", "break_even_month", "ending_arr",
                                      "net_revenue_retention"))
