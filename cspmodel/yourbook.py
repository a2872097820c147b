"""First answers about the partner's own book (an imported scenario, ``opening_book``): the
margin per product and term, the renewal calendar with dated price changes landing, and what
moving the monthly-term customers to annual terms would earn.

Example (the margin of a book of one subscription):
    >>> from cspmodel.io import load_scenario_text
    >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
    ...     "  product_mix: {m365_business_premium: 1}\\nopening_book:\\n  subscriptions:\\n"
    ...     "  - {customer: C, segment: A, product: m365_business_premium,"
    ...     " term: annual_upfront, seats: 10, renews: 2026-05}\\n")
    >>> round(float(margins(s)["margin_per_month"].iloc[0]), 2)  # 10 x 22 x 20%
    44.0
"""

from __future__ import annotations

import pandas as pd

from .analysis import monthly_to_annual  # noqa: F401 - the third answer, kept in analysis
from .pricing import term_factor
from .schema import Scenario
from .terms import TERMS
from .util import add_months


def _months_between(a: object, b: object) -> int:
    return (b.year - a.year) * 12 + b.month - a.month  # type: ignore[attr-defined]


def book_table(scenario: Scenario) -> pd.DataFrame:
    """The opening book, one row per subscription: customer, segment, product, term, seats
    and next renewal month (empty for a monthly term).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> len(book_table(s))
        0
    """
    rows = [{"customer": sub.customer, "segment": sub.segment,
             "product": scenario.product_name(sub.product), "product_key": sub.product,
             "term": TERMS[sub.term].label, "term_key": sub.term, "seats": sub.seats,
             "renews": None if sub.renews is None else sub.renews.strftime("%Y-%m")}
            for sub in scenario.opening_book.subscriptions]
    return pd.DataFrame(rows, columns=["customer", "segment", "product", "product_key", "term",
                                       "term_key", "seats", "renews"])


def margins(scenario: Scenario) -> pd.DataFrame:
    """The partner's margin on its book at the start, per product and term: seats, the
    customer's price and the partner's cost per seat-month (list price x the term's factor,
    with each segment's markup; cost less the product's partner discount), the margin per
    seat-month and in %, and the margin of those seats in a month."""
    start = scenario.start_month
    markup = {seg.name: seg.markup_vs_list for seg in scenario.segments}
    rows = []
    for sub in scenario.opening_book.subscriptions:
        base = scenario.list_price(sub.product, start) * term_factor(
            scenario, sub.term, start, sub.product)
        price = base * (1.0 + markup[sub.segment])
        cost = base * (1.0 - scenario.partner_discount(sub.product))
        rows.append({"product": scenario.product_name(sub.product),
                     "term": TERMS[sub.term].label, "seats": sub.seats,
                     "revenue": sub.seats * price, "cost": sub.seats * cost})
    cols = ["product", "term", "seats", "price_per_seat_month", "cost_per_seat_month",
            "margin_per_seat_month", "margin", "margin_per_month"]
    if not rows:
        return pd.DataFrame(columns=cols)
    g = pd.DataFrame(rows).groupby(["product", "term"], as_index=False).sum()
    g["price_per_seat_month"] = g["revenue"] / g["seats"]
    g["cost_per_seat_month"] = g["cost"] / g["seats"]
    g["margin_per_seat_month"] = g["price_per_seat_month"] - g["cost_per_seat_month"]
    g["margin"] = g["margin_per_seat_month"] / g["price_per_seat_month"]
    g["margin_per_month"] = g["revenue"] - g["cost"]
    return g[cols]


def renewal_calendar(scenario: Scenario, months: int = 18) -> pd.DataFrame:
    """Month by month from the start: the seats on annual and three-year terms that renew,
    and what dated price changes add to the monthly revenue from that month on as each
    subscription renews into them (a monthly term takes a new price in the month it applies;
    a commitment at its first renewal on or after the date), before churn and growth.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_e3: 1}\\nopening_book:\\n  subscriptions:\\n"
        ...     "  - {customer: C, segment: A, product: m365_e3,"
        ...     " term: annual_upfront, seats: 10, renews: 2026-09}\\n")
        >>> cal = renewal_calendar(s, 12)  # E3 36 -> 39 from 2026-07-01: lands in September
        >>> float(cal.loc["2026-09", "price_change_per_month"])
        30.0
    """
    start = scenario.start_month
    markup = {seg.name: seg.markup_vs_list for seg in scenario.segments}
    index = [add_months(start, m).strftime("%Y-%m") for m in range(months)]
    out = pd.DataFrame(0.0, index=pd.Index(index, name="month"),
                       columns=["seats_renewing", "price_change_per_month"])
    for sub in scenario.opening_book.subscriptions:
        c = TERMS[sub.term].commitment
        first = 0 if sub.renews is None else _months_between(start, sub.renews)
        for m in range(first, months, c):
            when = add_months(start, m)
            before = add_months(when, -c)
            step = (scenario.list_price(sub.product, when) * term_factor(
                scenario, sub.term, when, sub.product) - scenario.list_price(
                sub.product, before) * term_factor(scenario, sub.term, before, sub.product))
            label = when.strftime("%Y-%m")
            if c > 1:
                out.loc[label, "seats_renewing"] += sub.seats
            out.loc[label, "price_change_per_month"] += (
                sub.seats * step * (1.0 + markup[sub.segment]))
    out["price_change_to_date"] = out["price_change_per_month"].cumsum()
    return out
