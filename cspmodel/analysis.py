"""Questions partners ask, answered with the engine: views that notebooks, the explorer, the
command line and reports share. Nothing here draws; :mod:`cspmodel.plots` draws.

Example:
    >>> from cspmodel.io import load_scenario_text
    >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
    ...     "  product_mix: {m365_business_basic: 1}\\n")
    >>> sorted(both_channels(s))
    ['direct', 'indirect']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .commissions import DETAIL_FIELDS, PAYOUTS
from .ledger import LINES, STATEMENT_OF_LINE
from .result import Result, simulate
from .schema import Scenario
from .support import floor_hours, share_floor

# lines in the order a partner reads a profit and loss: revenue, cost of sales, operating costs
WATERFALL_ORDER = tuple(STATEMENT_OF_LINE)

LINE_LABELS = {name: line.label for name, line in LINES.items()}

DEFAULT_VENDOR_PLAN = "advanced_support_for_partners"


def as_channel(scenario: Scenario, model: str) -> Scenario:
    """The same book bought through another channel (direct gets the default vendor plan if it
    has none).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> as_channel(s, "direct").support.vendor_plan
        'advanced_support_for_partners'
    """
    overrides: dict[str, object] = {"channel.model": model}
    if model == "direct" and scenario.support.vendor_plan is None:
        overrides["support.vendor_plan"] = DEFAULT_VENDOR_PLAN
    return scenario.with_overrides(overrides)


def both_channels(scenario: Scenario) -> dict[str, Result]:
    """Run the scenario as indirect and as direct: {"indirect": Result, "direct": Result}."""
    return {model: simulate(as_channel(scenario, model)) for model in ("indirect", "direct")}


def waterfall_table(result: Result) -> pd.DataFrame:
    """Revenue-to-profit steps over the whole horizon: one row per line, signed amounts
    (revenue positive, costs negative), then operating profit.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"))
        >>> t = waterfall_table(r)
        >>> float(round(t["amount"].iloc[:-1].sum() - t["amount"].iloc[-1], 6))
        0.0
    """
    totals = result.ledger.groupby("line", observed=True)["amount"].sum()
    kinds = result.ledger.groupby("line", observed=True)["statement"].first()
    rows = []
    for line in WATERFALL_ORDER:
        if line in totals.index and totals[line] != 0:
            sign = 1.0 if kinds[line] == "revenue" else -1.0
            rows.append((line, LINE_LABELS[line], kinds[line], sign * float(totals[line])))
    profit = float(result.monthly["operating_profit"].sum())
    rows.append(("operating_profit", "Operating profit", "result", profit))
    return pd.DataFrame(rows, columns=["line", "label", "statement", "amount"])


def headline(result: Result) -> dict[str, float]:
    """The figures a partner looks at first, as plain floats."""
    keys = ("revenue", "gross_margin", "operating_profit", "operating_margin", "npv",
            "break_even_month", "cash_trough", "ending_arr", "ending_customers", "ending_seats")
    return {k: float(result.summary[k]) for k in keys}


def scan(scenario: Scenario, key: str, values: list[float] | pd.Index,
         metric: str = "operating_profit") -> pd.DataFrame:
    """Run the scenario once per value of one dotted key; a row per value with the metric.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> len(scan(s, "segments.0.churn_annual", [0.1, 0.2]))
        2
    """
    rows = []
    for v in values:
        res = simulate(scenario.with_overrides({key: v}))
        rows.append({key: v, metric: float(res.summary[metric])})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# The statement by year
# --------------------------------------------------------------------------------------------
STATEMENT_ROWS = (
    ("license_resale", "Licence resale"), ("support_plans", "Support plans"),
    ("services", "Services"), ("revenue", "Revenue"), ("cost_of_sales", "Cost of sales"),
    ("gross_profit", "Gross profit"), ("operating_costs", "Operating costs"),
    ("operating_profit", "Operating profit"), ("net_cash", "Net cash"),
)
BALANCE_ROWS = (
    ("cumulative_cash", "Cumulative cash (year end)"),
    ("deferred_revenue", "Deferred revenue (year end)"),
    ("customers", "Customers (year end)"), ("seats", "Seats (year end)"),
)


def annual_statement(result: Result) -> pd.DataFrame:
    """The monthly statement summed by year of the horizon (flows) and closing balances: one row
    per line, one column per year ("Year 1 (2026)", ...), and a "Total" column for the flows.

    A last year shorter than 12 months is labelled with its months.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> r = simulate(load_scenario_text("name: x\\nhorizon_months: 18\\nsegments:\\n"
        ...     "- name: A\\n  product_mix: {m365_business_basic: 1}\\n"))
        >>> list(annual_statement(r).columns)
        ['Year 1 (2026)', 'Year 2 (2027, 6 months)', 'Total']
    """
    m = result.monthly
    year = pd.Series(range(len(m)), index=m.index) // 12
    labels = {}
    for y, idx in year.groupby(year).groups.items():
        first = idx[0]
        n = len(idx)
        labels[y] = f"Year {y + 1} ({first.year}" + (f", {n} months)" if n < 12 else ")")
    flows = m[[k for k, _ in STATEMENT_ROWS]].groupby(year.to_numpy()).sum().T
    ends = m[[k for k, _ in BALANCE_ROWS]].groupby(year.to_numpy()).last().T
    flows.columns = [labels[y] for y in flows.columns]
    ends.columns = [labels[y] for y in ends.columns]
    flows["Total"] = flows.sum(axis=1)
    ends["Total"] = ends.iloc[:, -1]
    table = pd.concat([flows, ends])
    table.index = [label for _, label in STATEMENT_ROWS + BALANCE_ROWS]
    return table


# --------------------------------------------------------------------------------------------
# Direct versus indirect: the crossover book size
# --------------------------------------------------------------------------------------------
def starting_seats(scenario: Scenario) -> float:
    """Seats of the opening book: customers at start x their seats per customer, over
    segments.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n  customers_at_start: 10\\n"
        ...     "  seats_per_customer: 12\\n  product_mix: {m365_business_basic: 1}\\n")
        >>> starting_seats(s)
        120.0
    """
    return float(sum(seg.customers_at_start * (seg.seats_per_customer
                                               if seg.seats_per_customer_at_start is None
                                               else seg.seats_per_customer_at_start)
                     for seg in scenario.segments))


def scaled(scenario: Scenario, seats: float) -> Scenario:
    """The same business at another size: every segment's customers at start and new customers
    per month multiplied by ``seats / starting_seats(scenario)`` (mix, terms and prices kept).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n  customers_at_start: 10\\n"
        ...     "  seats_per_customer: 12\\n  product_mix: {m365_business_basic: 1}\\n")
        >>> scaled(s, 600).segments[0].customers_at_start
        50.0
    """
    base = starting_seats(scenario)
    if base <= 0:
        raise ValueError(f"scenario {scenario.name!r} starts with no seats; a book size scan "
                         "needs customers_at_start > 0 in at least one segment")
    factor = seats / base
    overrides: dict[str, object] = {}
    for i, seg in enumerate(scenario.segments):
        overrides[f"segments.{i}.customers_at_start"] = seg.customers_at_start * factor
        overrides[f"segments.{i}.new_customers_per_month"] = seg.new_customers_per_month * factor
    return scenario.with_overrides(overrides)


def seat_grid(scenario: Scenario, n: int = 10, low: float | None = None,
              high: float | None = None) -> list[float]:
    """``n`` book sizes (starting seats), spaced evenly on a log scale, for a crossover scan:
    by default from 250 seats (or a quarter of the book if smaller, at least 50) to ten times
    the book (at least 25,000 seats).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n  customers_at_start: 40\\n"
        ...     "  seats_per_customer: 10\\n  product_mix: {m365_business_basic: 1}\\n")
        >>> seat_grid(s, n=3)
        [100.0, 1581.0, 25000.0]
        >>> seat_grid(s.with_overrides({"segments.0.customers_at_start": 4000}), n=2)
        [250.0, 400000.0]
    """
    base = starting_seats(scenario)
    lo = low if low is not None else max(min(base / 4, 250.0), 50.0)
    hi = high if high is not None else max(base * 10, 25_000.0)
    return [float(round(v)) for v in np.geomspace(lo, hi, n)]


def crossover_scan(scenario: Scenario, seats: list[float] | None = None,
                   metric: str = "operating_profit") -> pd.DataFrame:
    """Run the book at several sizes through both channels.

    One row per size: ``seats`` (starting seats), ``indirect`` and ``direct`` (the metric over
    the horizon), ``direct_advantage`` (direct - indirect) and ``license_billings_12m`` (licence
    billings of the first 12 months, what Microsoft's direct-bill threshold is measured on).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> list(crossover_scan(s, [100, 1000]).columns)
        ['seats', 'indirect', 'direct', 'direct_advantage', 'license_billings_12m']
    """
    grid = seats if seats is not None else seat_grid(scenario)
    rows = []
    for n in grid:
        book = scaled(scenario, float(n))
        res = {m: simulate(as_channel(book, m)) for m in ("indirect", "direct")}
        lic = res["direct"].monthly["csp_billed_revenue"].iloc[:12].sum()
        rows.append({"seats": float(n), "indirect": float(res["indirect"].summary[metric]),
                     "direct": float(res["direct"].summary[metric]),
                     "direct_advantage": float(res["direct"].summary[metric]
                                               - res["indirect"].summary[metric]),
                     "license_billings_12m": float(lic)})
    return pd.DataFrame(rows)


def crossover_point(scan_table: pd.DataFrame) -> float:
    """The book size (starting seats) at which direct starts to beat indirect: the first
    upward zero crossing of ``direct_advantage``, linearly interpolated between scan points.
    NaN when direct never catches up within the scan; the first size if direct already leads.

    Every cost that differs between channels is either per seat or fixed, so the advantage is a
    straight line in the book size and the interpolation is exact (up to the slight curvature
    that seat changes and churn add).

    Example:
        >>> t = pd.DataFrame({"seats": [100, 1000, 2000], "direct_advantage": [-90, -45, 5]})
        >>> crossover_point(t)  # -45 + 50 x (s - 1000)/1000 = 0 at s = 1900
        1900.0
    """
    s = scan_table["seats"].to_numpy(dtype=float)
    a = scan_table["direct_advantage"].to_numpy(dtype=float)
    if len(a) and a[0] >= 0:
        return float(s[0])
    for i in range(1, len(a)):
        if a[i - 1] < 0 <= a[i]:
            return float(s[i - 1] + (s[i] - s[i - 1]) * (-a[i - 1]) / (a[i] - a[i - 1]))
    return float("nan")


def direct_bill_threshold(scenario: Scenario) -> float:
    """Microsoft's direct-bill revenue threshold (trailing 12 months) that applies to the
    scenario: its own ``thresholds.direct_bill_min_ttm_revenue`` or the dated default at the end
    of its first year.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> direct_bill_threshold(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"))
        1000000.0
    """
    from .channel import direct_bill_need

    return float(direct_bill_need(scenario)[min(11, scenario.horizon_months - 1)])


def threshold_seats(scenario: Scenario) -> float:
    """Starting seats the book needs for its first-12-month licence billings to reach the
    direct-bill threshold. Licence billings grow in proportion to the book (:func:`scaled`), so
    seats = starting seats x threshold / licence billings of the first 12 months.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n  customers_at_start: 10\\n"
        ...     "  seats_per_customer: 10\\n  product_mix: {m365_business_basic: 1}\\n")
        >>> round(threshold_seats(s)) > 100
        True
    """
    res = simulate(scenario)
    months = min(12, scenario.horizon_months)
    lic = float(res.monthly["csp_billed_revenue"].iloc[:months].sum()) * 12.0 / months
    if lic <= 0:
        return float("nan")
    return starting_seats(scenario) * direct_bill_threshold(scenario) / lic


# --------------------------------------------------------------------------------------------
# Support plans
# --------------------------------------------------------------------------------------------


def tier_hours_per_seat(scenario: Scenario, tier: str) -> float:
    """Engineer hours per seat per month for a support tier: tickets x (minutes per ticket +
    escalation rate x escalation minutes) / 60 / utilization.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n  support_tier: t\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"
        ...     "support:\\n  utilization: 0.7\\n  tiers:\\n    t:\\n"
        ...     "      tickets_per_seat_month: 0.5\\n"
        ...     "      minutes_per_ticket: 20\\n      escalation_rate: 0.1\\n"
        ...     "      escalation_minutes: 40\\n")
        >>> round(tier_hours_per_seat(s, "t"), 6)  # 0.5 x (20 + 0.1 x 40) / 60 / 0.7
        0.285714
    """
    t = scenario.support.tiers[tier]
    minutes = t.tickets_per_seat_month * (t.minutes_per_ticket
                                          + t.escalation_rate * t.escalation_minutes)
    return minutes / 60.0 / scenario.support.utilization


def floor_figures(scenario: Scenario, tier: str) -> dict[str, float]:
    """The 24/7 staffing floor of a tier in numbers a partner can act on.

    ``floor_hours_per_month`` = 728 x staff on shift (168 h x 52 / 12);
    ``floor_cost_per_month`` = that x the labor rate; ``seats_to_fill_floor``: seats whose
    tickets keep the floor staff busy (floor hours / hours per seat);
    ``seats_to_pay_floor``: seats whose tier price pays the floor (floor cost / price).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n  support_tier: p\\n"
        ...     "support:\\n  labor_rate_per_hour: 50\\n  utilization: 0.7\\n  tiers:\\n    p:\\n"
        ...     "      price_per_seat_month: 40\\n      tickets_per_seat_month: 0.4\\n"
        ...     "      minutes_per_ticket: 30\\n      escalation_rate: 0.15\\n"
        ...     "      escalation_minutes: 60\\n      coverage: 24x7\\n")
        >>> f = floor_figures(s, "p")
        >>> round(f["seats_to_fill_floor"]), round(f["seats_to_pay_floor"])  # 728/0.37143, 36400/40
        (1960, 910)
    """
    t = scenario.support.tiers[tier]
    sup = scenario.support
    floor_h = float(floor_hours(sup.staff_on_shift_247)) if t.coverage == "24x7" else 0.0
    per_seat = tier_hours_per_seat(scenario, tier)
    cost = floor_h * sup.labor_rate_per_hour
    return {
        "floor_hours_per_month": floor_h,
        "floor_cost_per_month": cost,
        "hours_per_seat_month": per_seat,
        "seats_to_fill_floor": floor_h / per_seat if per_seat > 0 else float("inf"),
        "seats_to_pay_floor": (cost / t.price_per_seat_month if t.price_per_seat_month > 0
                               else float("inf")),
    }


def _segment_seat_months(scenario: Scenario) -> np.ndarray:
    """Seats of each segment in each month (S, H), from the engine's core."""
    from .engine import build_inputs, run_core

    return run_core(build_inputs(scenario)).seats[0]


def support_tier_margins(result: Result) -> pd.DataFrame:
    """Margin of each support tier sold, over the horizon: one row per tier in use.

    Columns: ``coverage``, ``price_per_seat_month``, ``seat_months``, ``revenue``,
    ``labor`` (ticket handling), ``floor_247`` (the tier's share of the one 24/7 staffing
    floor, pro rata to the 24/7 tiers' seats month by month), ``escalation_fees`` (indirect),
    ``tools`` (per-seat tools), ``cost``, ``margin``, ``margin_share`` (margin / revenue, NaN
    without revenue), ``cost_per_seat_month``. The cost is the support class's cost of sales
    of the ledger registry, the same definition as the summary's ``support_gross_margin``: with
    one tier sold the two are equal, and the tiers' floors add up to the ledger's
    ``support_247_floor`` line.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n  support_tier: standard\\n"))
        >>> t = support_tier_margins(r)
        >>> list(t.index), bool(abs(t["margin_share"].iloc[0] - r.summary["support_gross_margin"])
        ...                      < 1e-12)
        (['standard'], True)
    """
    sc = result.scenario
    sup = sc.support
    led = result.ledger
    seats = _segment_seat_months(sc)  # (S, H)
    sold = [(name, tier) for name, tier in sup.tiers.items()
            if any(s.support_tier == name for s in sc.segments)]
    tiers_247 = [name for name, tier in sold if tier.coverage == "24x7"]
    floor_line = (led[led["line"] == "support_247_floor"].groupby("month")["amount"].sum()
                  .reindex(result.monthly.index, fill_value=0.0).to_numpy())
    seats_247 = np.array([seats[[i for i, s in enumerate(sc.segments)
                                 if s.support_tier == name]].sum(axis=0) for name in tiers_247])
    floors = (dict(zip(tiers_247, share_floor(floor_line, seats_247).sum(axis=1), strict=True))
              if tiers_247 else {})
    rows = {}
    for tier_name, tier in sold:
        segs = [i for i, s in enumerate(sc.segments) if s.support_tier == tier_name]
        names = [sc.segments[i].name for i in segs]
        by_line = led[led["segment"].isin(names)].groupby("line", observed=True)["amount"].sum()
        revenue = float(by_line.get("support_plans", 0.0))
        labor = float(by_line.get("support_labor", 0.0))
        esc = float(by_line.get("escalation_fees", 0.0))
        tools = float(by_line.get("per_seat_tools", 0.0))
        floor = float(floors.get(tier_name, 0.0))
        seat_months = float(seats[segs].sum())
        cost = labor + floor + esc + tools
        rows[tier_name] = {
            "coverage": tier.coverage, "price_per_seat_month": tier.price_per_seat_month,
            "seat_months": seat_months, "revenue": revenue, "labor": labor,
            "floor_247": floor, "escalation_fees": esc, "tools": tools, "cost": cost,
            "margin": revenue - cost,
            "margin_share": (revenue - cost) / revenue if revenue else float("nan"),
            "cost_per_seat_month": cost / seat_months if seat_months else float("nan"),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "tier"
    return out


def price_for_target_margin(result: Result, tier: str, target_margin: float) -> float:
    """The tier price per seat per month at which the tier's margin (as in
    :func:`support_tier_margins`) equals ``target_margin`` over the horizon:
    cost / (seat-months x (1 - target)). The tier's costs do not depend on its price, so the
    answer is exact.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n  support_tier: standard\\n"))
        >>> price_for_target_margin(r, "standard", 0.5) > 0
        True
    """
    if not 0.0 <= target_margin < 1.0:
        raise ValueError(f"target_margin must be at least 0 and below 1; got {target_margin}")
    table = support_tier_margins(result)
    if tier not in table.index:
        raise ValueError(f"no segment of {result.scenario.name!r} buys tier {tier!r}; tiers in "
                         f"use: {', '.join(table.index)}")
    row = table.loc[tier]
    return float(row["cost"] / (row["seat_months"] * (1.0 - target_margin)))


# --------------------------------------------------------------------------------------------
# Terms: annual versus monthly
# --------------------------------------------------------------------------------------------
TERM_MIXES = {
    "All monthly": {"monthly": 1.0, "annual_billed_monthly": 0.0, "annual_upfront": 0.0},
    "All annual, billed monthly": {"monthly": 0.0, "annual_billed_monthly": 1.0,
                                   "annual_upfront": 0.0},
    "All annual, paid upfront": {"monthly": 0.0, "annual_billed_monthly": 0.0,
                                 "annual_upfront": 1.0},
}


def lapse_effect(scenario: Scenario) -> pd.Series | None:
    """What the subscriptions that lapse into the extended service term change against
    renewing them all (``lapse_share`` 0): revenue, gross and operating profit over the
    horizon, customers at the end; None when none lapses.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nstart_month: 2026-06\\nsegments:\\n"
        ...     "- name: A\\n  customers_at_start: 12\\n  churn_annual: 0\\n"
        ...     "  lapse_share: 1\\n  product_mix: {m365_business_basic: 1}\\n"
        ...     "  term_mix: {annual_upfront: 1}\\n")
        >>> bool(lapse_effect(s)["revenue"] > 0)  # month to month at the monthly price + 3%
        True
    """
    if not any(seg.lapse_share > 0 for seg in scenario.segments):
        return None
    renewed = scenario.with_overrides({f"segments.{i}.lapse_share": 0.0
                                       for i in range(len(scenario.segments))})
    a, b = simulate(scenario).monthly, simulate(renewed).monthly
    return pd.Series({
        "revenue": float(a["revenue"].sum() - b["revenue"].sum()),
        "gross_profit": float(a["gross_profit"].sum() - b["gross_profit"].sum()),
        "operating_profit": float(a["operating_profit"].sum() - b["operating_profit"].sum()),
        "ending_customers": float(a["customers"].iloc[-1] - b["customers"].iloc[-1])})


def monthly_to_annual(scenario: Scenario, term: str = "annual_billed_monthly"
                      ) -> pd.DataFrame:
    """The book as it is against the same book with every monthly-term subscription (and the
    new customers' monthly share) moved to ``term`` from the start: revenue, gross and
    operating profit over the horizon, cash at the end and customers at the end.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n  churn_annual: 0\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\nopening_book:\\n  subscriptions:\\n"
        ...     "  - {customer: C, segment: A, product: m365_business_basic,"
        ...     " term: monthly, seats: 10}\\n")
        >>> t = monthly_to_annual(s)
        >>> bool(t.loc["revenue", "difference"] < 0)  # 1.05 a month instead of 1.20
        True
    """
    data = scenario.model_dump(mode="json")
    start = scenario.start_month.strftime("%Y-%m")
    for sub in data["opening_book"]["subscriptions"]:
        if sub["term"] == "monthly":
            sub["term"], sub["renews"] = term, start  # a new term from the start
    for seg in data["segments"]:
        mix = seg["term_mix"]
        mix[term] = mix.get(term, 0.0) + mix.get("monthly", 0.0)
        mix["monthly"] = 0.0
    moved = Scenario.model_validate(data)
    a, b = simulate(scenario).monthly, simulate(moved).monthly

    def figures(m: pd.DataFrame) -> dict[str, float]:
        return {"revenue": float(m["revenue"].sum()),
                "gross_profit": float(m["gross_profit"].sum()),
                "operating_profit": float(m["operating_profit"].sum()),
                "ending_cash": float(m["cumulative_cash"].iloc[-1]),
                "ending_customers": float(m["customers"].iloc[-1])}

    out = pd.DataFrame({"as_is": figures(a), "moved": figures(b)})
    out["difference"] = out["moved"] - out["as_is"]
    return out


def with_term_mix(scenario: Scenario, mix: dict[str, float]) -> Scenario:
    """The scenario with every segment on the same term mix."""
    return scenario.with_overrides({f"segments.{i}.term_mix": dict(mix)
                                    for i in range(len(scenario.segments))})


def compare_term_mixes(scenario: Scenario, mixes: dict[str, dict[str, float]] | None = None
                       ) -> tuple[dict[str, Result], list[str]]:
    """Run the book as it is and under each term mix (default :data:`TERM_MIXES`).

    Returns the results by name (``"As in the scenario"`` first) and a note for each mix the
    products do not allow (for example a monthly term on a product sold annually only).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> results, notes = compare_term_mixes(s)
        >>> len(results), notes
        (4, [])
    """
    from .errors import ScenarioError

    results = {"As in the scenario": simulate(scenario)}
    notes = []
    for name, mix in (mixes or TERM_MIXES).items():
        try:
            results[name] = simulate(with_term_mix(scenario, mix))
        except ScenarioError as exc:
            notes.append(f"{name}: not possible for this book ({exc.problems[0].message})")
    return results, notes


def term_mix_table(results: dict[str, Result]) -> pd.DataFrame:
    """Profit, cash and deferred revenue of each term mix, one row per mix."""
    rows = {}
    for name, r in results.items():
        lines = r.ledger.groupby("line", observed=True)["amount"].sum()
        rows[name] = {
            "revenue": float(r.summary["revenue"]),
            "operating_profit": float(r.summary["operating_profit"]),
            "operating_margin": float(r.summary["operating_margin"]),
            "npv": float(r.summary["npv"]),
            "cash_trough": float(r.summary["cash_trough"]),
            "peak_deferred_revenue": float(r.monthly["deferred_revenue"].max()),
            "billing_costs": float(sum(lines.get(k, 0.0) for k in
                                       ("card_processing", "ach_fees", "accounting"))),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def prepay_discount_scan(scenario: Scenario, discounts: list[float]) -> pd.DataFrame:
    """Every customer on an annual term paid upfront, at each prepay discount; compared with
    the same book on an annual term billed monthly (``billed_monthly_npv`` and
    ``billed_monthly_profit``, the same on every row).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> list(prepay_discount_scan(s, [0.0, 0.05])["prepay_discount"])
        [0.0, 0.05]
    """
    upfront = with_term_mix(scenario, TERM_MIXES["All annual, paid upfront"])
    monthly = simulate(with_term_mix(scenario, TERM_MIXES["All annual, billed monthly"]))
    rows = []
    for d in discounts:
        r = simulate(upfront.with_overrides({f"segments.{i}.prepay_discount": float(d)
                                             for i in range(len(scenario.segments))}))
        rows.append({"prepay_discount": float(d),
                     "operating_profit": float(r.summary["operating_profit"]),
                     "npv": float(r.summary["npv"]),
                     "cash_trough": float(r.summary["cash_trough"]),
                     "billed_monthly_profit": float(monthly.summary["operating_profit"]),
                     "billed_monthly_npv": float(monthly.summary["npv"])})
    return pd.DataFrame(rows)


def contract_policy_scan(scenario: Scenario, volatilities: list[float]) -> pd.DataFrame:
    """Mirror versus flexible contracts as customers' user counts swing more: one row per
    (policy, yearly seat volatility) with the stranded-seat cost and operating profit. Every
    segment gets the policy and the volatility.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> len(contract_policy_scan(s, [0.1, 0.3]))
        4
    """
    rows = []
    n = len(scenario.segments)
    for policy in ("mirror", "flexible"):
        for v in volatilities:
            over: dict[str, object] = {}
            for i in range(n):
                over[f"segments.{i}.contract_policy"] = policy
                over[f"segments.{i}.seat_volatility_annual"] = float(v)
            r = simulate(scenario.with_overrides(over))
            lines = r.ledger.groupby("line", observed=True)["amount"].sum()
            rows.append({"policy": policy, "seat_volatility_annual": float(v),
                         "stranded_seats": float(lines.get("stranded_seats", 0.0)),
                         "license_resale": float(lines.get("license_resale", 0.0)),
                         "operating_profit": float(r.summary["operating_profit"])})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Cost of service
# --------------------------------------------------------------------------------------------
def cost_lines_table(result: Result) -> pd.DataFrame:
    """Each cost line over the horizon, largest first: ``amount``, ``share_of_revenue``,
    ``per_seat_month`` (amount / seat-months) and ``per_customer_month``.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"))
        >>> bool((cost_lines_table(r)["amount"] > 0).all())
        True
    """
    t = waterfall_table(result)
    costs = t[(t["statement"] != "revenue") & (t["line"] != "operating_profit")].copy()
    costs["amount"] = -costs["amount"]
    revenue = float(result.summary["revenue"])
    seat_months = float(result.monthly["seats"].sum())
    customer_months = float(result.monthly["customers"].sum())
    costs["share_of_revenue"] = costs["amount"] / revenue if revenue else float("nan")
    costs["per_seat_month"] = costs["amount"] / seat_months if seat_months else float("nan")
    costs["per_customer_month"] = (costs["amount"] / customer_months if customer_months
                                   else float("nan"))
    costs = costs.sort_values("amount", ascending=False).set_index("label")
    return costs[["line", "statement", "amount", "share_of_revenue", "per_seat_month",
                  "per_customer_month"]]


def target_prices(result: Result, target_margin: float) -> pd.DataFrame:
    """For each support tier in use: today's price and margin, and the price per seat per month
    that gives ``target_margin`` (see :func:`price_for_target_margin`).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n  support_tier: standard\\n"))
        >>> list(target_prices(r, 0.4).columns)
        ['price_per_seat_month', 'margin_share', 'cost_per_seat_month', 'price_for_target']
    """
    table = support_tier_margins(result)
    out = table[["price_per_seat_month", "margin_share", "cost_per_seat_month"]].copy()
    out["price_for_target"] = [price_for_target_margin(result, t, target_margin)
                               for t in table.index]
    return out


# --------------------------------------------------------------------------------------------
# Sales commissions: the plans' schedule and their payout timing (cspmodel.commissions)
# --------------------------------------------------------------------------------------------
def commission_schedule(scenario: Scenario) -> pd.DataFrame:
    """Each plan's amounts by month and segment: the basis amount at its payout event, the
    commission earned, the clawback and the net commission (the ledger line, also its cash).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 2\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> len(commission_schedule(s))  # no plans: nothing to show
        0
    """
    if not scenario.commissions.plans:
        return pd.DataFrame(columns=["month", "plan", "segment", *DETAIL_FIELDS])
    res = simulate(scenario)
    assert res._core is not None and res._core.commission_plans is not None
    inp = res._inputs
    detail = res._core.commission_plans[0]  # (S, plans, 4, H)
    months = res.monthly.index
    rows = []
    for i, plan in enumerate(scenario.commissions.plans):
        for s, seg_name in enumerate(inp.segments):
            frame = pd.DataFrame({"month": months, "plan": plan.name, "segment": seg_name})
            for f, name in enumerate(DETAIL_FIELDS):
                frame[name] = detail[s, i, f]
            rows.append(frame)
    if not rows:
        return pd.DataFrame(columns=["month", "plan", "segment", *DETAIL_FIELDS])
    return pd.concat(rows, ignore_index=True)


def payout_comparison(scenario: Scenario) -> pd.DataFrame:
    """The same plans paid at booking, at invoice and at cash receipt, side by side: total
    commission, operating profit and margin, cash trough and NPV.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 12\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\ncommissions:\\n  plans:\\n"
        ...     "  - {name: r, rate: 0.1}\\n")
        >>> list(payout_comparison(s).index)
        ['booking', 'invoice', 'cash_receipt']
    """
    rows = {}
    for payout, res in _by_payout(scenario):
        lines = res.lines()
        comm = float(lines["commissions"].sum()) if "commissions" in lines else 0.0
        rows[payout] = {
            "commissions": comm,
            "operating_profit": res.summary["operating_profit"],
            "operating_margin": res.summary["operating_margin"],
            "cash_trough": res.summary["cash_trough"],
            "npv": res.summary["npv"],
        }
    df = pd.DataFrame(rows).T
    df.index.name = "payout"
    return df


def payout_timing(scenario: Scenario) -> pd.DataFrame:
    """Monthly commission (ledger line, also its cash) with every plan paid at booking, at
    invoice and at cash receipt: one column per payout timing.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 3\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\ncommissions:\\n  plans:\\n"
        ...     "  - {name: r, rate: 0.1}\\n")
        >>> list(payout_timing(s).columns)
        ['booking', 'invoice', 'cash_receipt']
    """
    cols = {}
    for payout, res in _by_payout(scenario):
        lines = res.lines()
        cols[payout] = lines["commissions"] if "commissions" in lines else 0.0
    return pd.DataFrame(cols)


def _by_payout(scenario: Scenario) -> list[tuple[str, Result]]:
    """The scenario run with every plan paid at each payout timing in turn."""
    out = []
    for payout in PAYOUTS:
        data = {f"commissions.plans.{i}.payout": payout
                for i in range(len(scenario.commissions.plans))}
        out.append((payout, simulate(scenario.with_overrides(data))))
    return out
