"""``simulate`` and its ``Result``: the monthly statement, the ledger, headline metrics, warnings.

Example:
    >>> import cspmodel
    >>> r = cspmodel.simulate(cspmodel.load_scenario("scenarios/small_indirect_msp.yaml"))
    >>> bool(0 < r.summary["gross_margin"] < 1)
    True
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd

from .book import monthly_hazard
from .channel import threshold_warning
from .commissions import apply_plans
from .engine import (
    COMPANY_LINES,
    PRODUCT_LINES,
    RECURRING_LINES,
    SEGMENT_LINES,
    STATEMENT_OF_LINE,
    CoreOutput,
    Inputs,
    build_inputs,
    run_core,
)
from .errors import MISSING, Problem, ScenarioError
from .headline import break_even_month, break_even_text, cash_trough, unit_economics
from .ledger import LINES, index
from .pricing import term_minimum_warnings
from .schema import Scenario
from .util import money, ordered_sum

MONTHLY_COLUMNS = (
    "customers", "new_customers", "churned_customers", "seats", "billings", "revenue",
    "license_resale", "support_plans", "services", "cost_of_sales", "gross_profit",
    "operating_costs", "operating_profit", "cash_in", "cash_out", "net_cash", "cumulative_cash",
    "deferred_revenue", "receivables", "payables", "prepaid_costs", "vendor_billings",
    "bad_debt", "mrr", "accrued_revenue", "credit_exposure", "csp_billed_revenue",
)
OPENING_COLUMNS = ("deferred_revenue", "prepaid_costs", "receivables", "payables")
SUMMARY_KEYS = (
    "revenue", "gross_profit", "gross_margin", "operating_profit", "operating_margin", "npv",
    "break_even_month", "cash_trough", "ending_mrr", "ending_arr", "ending_customers",
    "ending_seats", "net_revenue_retention", "cac_payback_months", "ltv_to_cac",
    "license_gross_margin", "support_gross_margin", "services_gross_margin",
    "revenue_per_seat_month", "profit_per_seat_month",
)


def line_totals(core: CoreOutput) -> dict[str, np.ndarray]:
    """Each ledger line summed over segments and products: (P, H) arrays."""
    # each level's lines first, months contiguous (one copy of each block: the loop writes
    # paths innermost), so the sums below run over contiguous rows
    products = np.ascontiguousarray(np.moveaxis(core.product_lines, 3, 0))  # (4, P, S, K, H)
    segments = np.ascontiguousarray(np.moveaxis(core.segment_lines, 2, 0))  # (L, P, S, H)
    company = np.ascontiguousarray(np.moveaxis(core.company_lines, 1, 0))  # (7, P, H)
    out: dict[str, np.ndarray] = {}
    for i, name in enumerate(PRODUCT_LINES):
        out[name] = out.get(name, 0) + ordered_sum(products[i], (1, 2))
    for i, name in enumerate(SEGMENT_LINES):
        out[name] = out.get(name, 0) + ordered_sum(segments[i], 1)
    for i, name in enumerate(COMPANY_LINES):
        out[name] = out.get(name, 0) + company[i]
    return {k: np.ascontiguousarray(v) for k, v in out.items()}  # months contiguous


def statements(core: CoreOutput, lines: dict[str, np.ndarray] | None = None
               ) -> dict[str, np.ndarray]:
    """The monthly statement of every path: name -> (P, H) array (``lines``: the run's
    :func:`line_totals`, when already computed)."""
    lines = line_totals(core) if lines is None else lines
    st: dict[str, np.ndarray] = {}
    for kind in ("revenue", "cost_of_sales", "operating_costs"):
        st[kind] = sum(v for k, v in lines.items() if STATEMENT_OF_LINE[k] == kind)
    st["gross_profit"] = st["revenue"] - st["cost_of_sales"]
    st["operating_profit"] = st["gross_profit"] - st["operating_costs"]
    for name in ("license_resale", "support_plans", "services", "bad_debt"):
        st[name] = lines[name]
    # what Microsoft's programme thresholds count: CSP billed revenue, licences and Azure
    st["csp_billed_revenue"] = lines["license_resale"] + lines["azure_consumption"]
    st["mrr"] = sum(lines[k] for k in RECURRING_LINES)
    st["customers"] = ordered_sum(core.customers, 1)
    st["new_customers"] = ordered_sum(core.new_customers, 1)
    st["churned_customers"] = ordered_sum(core.churned_customers, 1)
    st["seats"] = ordered_sum(core.seats, 1)
    az = core.azure
    st["bad_debt"] = lines["bad_debt"] + lines["azure_bad_debt"]
    st["billings"] = ordered_sum(core.billings, 1)
    st["vendor_billings"] = core.vendor_billings
    if az:  # Azure consumption: invoiced in arrears, on its own vendor bills
        st["billings"] = st["billings"] + ordered_sum(az["billed"], 1)
        st["vendor_billings"] = st["vendor_billings"] + az["vendor"]
    st["cash_in"] = core.cash_in
    st["cash_out"] = core.cash_out
    st["net_cash"] = core.cash_in - core.cash_out
    st["cumulative_cash"] = np.cumsum(st["net_cash"], axis=1)
    # revenue recognised before it is billed (Azure usage, financed deployments) is accrued
    # revenue, not a negative deferred revenue
    P, H = st["revenue"].shape
    accrued = np.zeros((P, H)) if core.accrued is None else ordered_sum(core.accrued, 1)
    opening_accrued = np.zeros(P) if core.accrued_opening is None else core.accrued_opening
    st["deferred_revenue"] = core.deferred_opening[:, None] + np.cumsum(
        st["billings"] - st["revenue"] + accrued, axis=1)
    st["accrued_revenue"] = opening_accrued[:, None] + np.cumsum(
        accrued - lines["financing_write_offs"], axis=1)
    st["credit_exposure"] = (ordered_sum(az["exposure"], 1) if az else np.zeros((P, H)))
    recognized_vendor = lines["license_cost"] + lines["stranded_seats"] + lines[
        "distributor_margin"]
    st["prepaid_costs"] = core.prepaid_opening[:, None] + np.cumsum(
        core.vendor_billings - recognized_vendor, axis=1)
    st["receivables"] = core.receivables
    st["payables"] = core.payables
    st["opening"] = np.stack([core.deferred_opening, core.prepaid_opening,
                              core.receivables_opening, core.payables_opening], axis=1)
    # months contiguous, one row per path: a path's sums over months are the same bits
    # whatever the number of paths
    return {k: np.ascontiguousarray(v) for k, v in st.items()}


def metrics(st: dict[str, np.ndarray], retained_mrr: np.ndarray, inp: Inputs,
            window_start: int) -> dict[str, np.ndarray]:
    """Headline metrics per path (``docs/engine.md`` section 9): name -> (P,) array."""
    H = inp.horizon
    P = st["revenue"].shape[0]
    rate = np.broadcast_to(inp.drivers["discount_rate_annual"], (P, 1))[:, 0]
    t = (np.arange(H) + 1) / 12.0
    disc = (1.0 + rate[:, None]) ** (-t[None, :])
    m: dict[str, np.ndarray] = {}
    rev = st["revenue"].sum(axis=1)
    gp = st["gross_profit"].sum(axis=1)
    op = st["operating_profit"].sum(axis=1)
    m["revenue"], m["gross_profit"], m["operating_profit"] = rev, gp, op
    with np.errstate(divide="ignore", invalid="ignore"):
        m["gross_margin"] = np.where(rev != 0, gp / rev, np.nan)
        m["operating_margin"] = np.where(rev != 0, op / rev, np.nan)
    m["npv"] = (st["net_cash"] * disc).sum(axis=1)
    m["break_even_month"] = break_even_month(st["cumulative_cash"])
    m["cash_trough"] = cash_trough(st["cumulative_cash"])
    m["ending_mrr"] = st["mrr"][:, -1]
    m["ending_arr"] = 12.0 * m["ending_mrr"]
    m["ending_customers"] = st["customers"][:, -1]
    m["ending_seats"] = st["seats"][:, -1]
    base = st["mrr"][:, window_start - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        m["net_revenue_retention"] = np.where(base > 0, retained_mrr / base, np.nan)
    lines_rev = st["license_resale"].sum(axis=1)
    m["license_gross_margin"] = np.full(P, np.nan)  # filled by the caller from the ledger
    new = st["new_customers"].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        seat_months = st["seats"].sum(axis=1)
        m["revenue_per_seat_month"] = np.where(seat_months > 0, rev / seat_months, np.nan)
        m["profit_per_seat_month"] = np.where(seat_months > 0, op / seat_months, np.nan)
    del lines_rev, new
    return m


def _unit_economics(st: dict[str, np.ndarray], lines: dict[str, np.ndarray],
                    inp: Inputs, core: CoreOutput) -> tuple[np.ndarray, np.ndarray]:
    """CAC payback (months) and LTV/CAC per path (:func:`cspmodel.headline.unit_economics`),
    with the churn hazard averaged over segments weighted by their customer-months."""
    P = st["revenue"].shape[0]
    churn = np.broadcast_to(inp.drivers["churn_annual"], (P, len(inp.segments)))
    seg_hazard = monthly_hazard(churn)
    weights = np.ascontiguousarray(core.customers).sum(axis=2)  # customer-months per segment
    wsum = weights.sum(axis=1)
    hazard = np.where(wsum > 0, (seg_hazard * weights).sum(axis=1) / np.where(wsum > 0, wsum, 1),
                      seg_hazard.mean(axis=1))
    u = unit_economics({k: v.sum(axis=1) for k, v in lines.items()},
                       st["customers"].sum(axis=1), st["new_customers"].sum(axis=1), hazard)
    return u["cac_payback_months"], u["ltv_to_cac"]


@dataclass
class Result:
    """What one simulation produces.

    Attributes:
        scenario: the scenario that was run.
        monthly: one row per month (PeriodIndex), the statement, cash and balances.
        ledger: long frame (month, segment, product, line, statement, amount); its sums give
            ``monthly`` exactly. For many paths, the mean over paths by line (segment and
            product "all").
        summary: headline metrics (a pandas Series).
        warnings: plain sentences (programme thresholds and the like).
        paths: one row per path with the summary metrics (a single row without Monte Carlo).

    Example:
        >>> from cspmodel.io import load_scenario
        >>> r = simulate(load_scenario("scenarios/small_indirect_msp.yaml"))
        >>> bool(abs(r.monthly["operating_profit"].sum() - r.summary["operating_profit"]) < 1e-6)
        True
    """

    scenario: Scenario
    monthly: pd.DataFrame
    summary: pd.Series
    warnings: list[str] = field(default_factory=list)
    paths: pd.DataFrame | None = None
    path_statements: dict[str, np.ndarray] | None = None
    _core: CoreOutput | None = field(default=None, repr=False)
    _inputs: Inputs | None = field(default=None, repr=False)

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """Long frame (month, segment, product, line, statement, amount), built on first use
        (the mean over paths for a Monte Carlo run); its sums give ``monthly`` exactly."""
        assert self._core is not None and self._inputs is not None
        core, inp = self._core, self._inputs
        if core.customers.shape[0] > 1:
            core = _mean_core(core)
        if core.product_lines.shape[1:3] != (len(inp.segments), len(inp.products)):
            # many paths keep line totals only: the ledger has one segment and product, "all"
            inp = Inputs(**{**inp.__dict__, "segments": ["all"], "products": ["all"]})
        return _ledger(core, inp, self.monthly.index, 0)

    @property
    def opening(self) -> pd.Series:
        """Balances at the start of the first month, from the book that exists then: deferred
        revenue and prepaid costs of terms paid upfront before the horizon, receivables and
        payables still open from the months before it (``docs/engine.md`` section 7)."""
        assert self.path_statements is not None
        return pd.Series(self.path_statements["opening"].mean(axis=0), index=OPENING_COLUMNS)

    @property
    def currency(self) -> str:
        """The scenario's currency code."""
        return self.scenario.currency

    def azure(self) -> pd.DataFrame:
        """Azure consumption by segment and month (rows ``(segment, month)``; the mean over
        paths): what the customers were charged for their usage (``charged``), invoiced after
        the month (``billed``), paid (``collected``), and the credit exposure (``exposure``:
        usage not yet collected plus the next month's) in total and per customer. Empty
        without Azure.

        Example:
            >>> from cspmodel.io import load_scenario
            >>> r = simulate(load_scenario("scenarios/msp_managing_azure.yaml"))
            >>> list(r.azure().columns)
            ['charged', 'billed', 'collected', 'exposure', 'exposure_per_customer']
        """
        columns = ["charged", "billed", "collected", "exposure", "exposure_per_customer"]
        assert self._core is not None and self._inputs is not None
        az = self._core.azure
        if not az:
            return pd.DataFrame(columns=columns, index=pd.MultiIndex.from_arrays(
                [[], []], names=["segment", "month"]))
        customers = self._core.customers.mean(axis=0)
        data = {k: az[k].mean(axis=0) for k in ("charged", "billed", "cash", "exposure")}
        with np.errstate(divide="ignore", invalid="ignore"):
            data["per"] = np.where(customers > 0, data["exposure"] / customers, 0.0)
        segments = self._inputs.segments
        index = pd.MultiIndex.from_product([segments, self.monthly.index],
                                           names=["segment", "month"])
        return pd.DataFrame({c: data[k].ravel() for c, k in zip(
            columns, ("charged", "billed", "cash", "exposure", "per"), strict=True)},
            index=index)

    def lines(self) -> pd.DataFrame:
        """Monthly amounts by ledger line (months x lines), for waterfalls and tables."""
        return self.ledger.pivot_table(index="month", columns="line", values="amount",
                                       aggfunc="sum", fill_value=0.0, observed=True)

    def percentiles(self, column: str = "cumulative_cash",
                    q: tuple[float, ...] = (5, 50, 95)) -> pd.DataFrame:
        """Monthly percentiles of a statement column across paths (months x p5, p50, p95).

        Example:
            >>> from cspmodel.io import load_scenario
            >>> s = load_scenario("scenarios/small_indirect_msp.yaml")
            >>> list(simulate(s, paths=100, seed=1).percentiles("cumulative_cash").columns)
            ['p5', 'p50', 'p95']
        """
        assert self.path_statements is not None
        return percentiles(self.path_statements, self.monthly.index, column, q)

    def probability(self, expr: str) -> float:
        """Share of paths where ``expr`` (a metric, a comparison, a number) holds.

        Example:
            >>> from cspmodel.io import load_scenario
            >>> s = load_scenario("scenarios/small_indirect_msp.yaml")
            >>> simulate(s, paths=100, seed=1).probability("cash_trough > -50000")
            1.0
        """
        assert self.paths is not None
        return probability(self.paths, expr)

    def describe(self) -> str:
        """A readable summary with money in the scenario's currency."""
        return format_summary(self)


def format_summary(result: Result) -> str:
    """Text a partner can read: headline figures with currency and thousands separators."""
    s, cur = result.summary, result.currency
    sc = result.scenario
    horizon = f"{sc.horizon_months} months from {sc.start_month:%Y-%m}"

    def pct(x: float) -> str:
        return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"

    def num(x: float, unit: str = "") -> str:
        return "never" if x is None or math.isnan(x) else f"{x:,.1f}{unit}"

    rows = [
        (f"{sc.name} ({sc.channel.model}, {horizon})", ""),
        ("Revenue", money(s["revenue"], cur)),
        ("Gross profit", f"{money(s['gross_profit'], cur)} ({pct(s['gross_margin'])})"),
        ("  licence resale margin", pct(s["license_gross_margin"])),
        ("  support plans margin", pct(s["support_gross_margin"])),
        ("  services margin", pct(s["services_gross_margin"])),
        ("Operating profit", f"{money(s['operating_profit'], cur)} "
                             f"({pct(s['operating_margin'])})"),
        ("NPV of cash", money(s["npv"], cur)),
        ("Cash trough", money(s["cash_trough"], cur)),
        ("Break-even month", break_even_text(s["break_even_month"], sc.horizon_months)),
        ("Ending MRR / ARR", f"{money(s['ending_mrr'], cur)} / {money(s['ending_arr'], cur)}"),
        ("Ending customers / seats", f"{s['ending_customers']:,.0f} / {s['ending_seats']:,.0f}"),
        ("Net revenue retention", pct(s["net_revenue_retention"])),
        ("CAC payback", num(s["cac_payback_months"], " months")),
        ("LTV / CAC", "n/a" if math.isnan(s["ltv_to_cac"]) else num(s["ltv_to_cac"], "x")),
    ]
    width = max(len(a) for a, b in rows if b)
    text = "\n".join(f"{a:<{width}}  {b}" if b else a for a, b in rows)
    if result.warnings:
        text += "\n\nWarnings:\n" + "\n".join(f"- {w}" for w in result.warnings)
    return text


def _ledger(core: CoreOutput, inp: Inputs, index: pd.PeriodIndex, path: int = 0) -> pd.DataFrame:
    frames = []
    H = inp.horizon
    ordinals = index.asi8
    for i, name in enumerate(PRODUCT_LINES):
        arr = core.product_lines[path, :, :, i]  # (S, K, H)
        for s, seg in enumerate(inp.segments):
            for k, pid in enumerate(inp.products):
                frames.append((seg, pid, name, arr[s, k]))
    for i, name in enumerate(SEGMENT_LINES):
        for s, seg in enumerate(inp.segments):
            frames.append((seg, "all", name, core.segment_lines[path, s, i]))
    for i, name in enumerate(COMPANY_LINES):
        frames.append(("all", "all", name, core.company_lines[path, i]))
    n = len(frames)
    amount = np.concatenate([f[3] for f in frames])
    df = pd.DataFrame({
        "month": np.tile(ordinals, n),
        "segment": np.repeat([f[0] for f in frames], H),
        "product": np.repeat([f[1] for f in frames], H),
        "line": np.repeat([f[2] for f in frames], H),
        "amount": amount,
    })
    df["statement"] = np.repeat([STATEMENT_OF_LINE[f[2]] for f in frames], H)
    df = df[df["amount"] != 0.0].reset_index(drop=True)
    df["month"] = pd.PeriodIndex.from_ordinals(df["month"].to_numpy(), freq="M")
    return df[["month", "segment", "product", "line", "statement", "amount"]]


def _warnings(inp: Inputs, st: dict[str, np.ndarray], sc: Scenario) -> list[str]:
    out: list[str] = []
    cur = sc.currency
    # Microsoft reassesses the programme thresholds yearly: every trailing 12 months
    shortfall = threshold_warning(sc, st["csp_billed_revenue"][0], lambda x: money(x, cur))
    if shortfall:
        out.append(shortfall)
    out.extend(term_minimum_warnings(sc))
    if cur != "USD" and any(sc.product_spec(p) is None or
                            sc.product_spec(p).list_price_per_seat_month is None  # type: ignore
                            for p in inp.products):
        out.append(f"The catalog's list prices are in USD but the scenario is in {cur}; give "
                   "each product a list_price_per_seat_month in your currency.")
    if np.isnan(break_even_month(st["cumulative_cash"][:1]))[0]:
        out.append("Cumulative cash is still negative at the end of the horizon: this plan "
                   "does not pay back within it.")
    return out


CHUNK_PATHS = 2_000  # Monte Carlo runs this many paths at once: a bounded working set


def simulate(scenario: Scenario, paths: int | None = None, seed: int | None = None,
             detail: bool | None = None, executor: Executor | None = None,
             chunk: int = CHUNK_PATHS) -> Result:
    """Run a scenario month by month and return its statements, ledger and headline figures.

    ``paths=None`` is the deterministic expected-value run. ``paths=N`` runs N paths at once on
    the engine's paths axis (drawn from the scenario's distributions where it has any; with
    none, every path equals the deterministic run). ``seed`` makes the draws repeatable.
    ``detail`` keeps the ledger by segment and product; by default a deterministic run (and a
    scenario with commission plans) keeps it, whatever its size, and many paths keep the
    line totals only (the same figures to rounding, in a fraction of the memory).

    Many paths run ``chunk`` at a time (the engine's working set stays bounded; every path
    draws the same values whatever the chunk), one after the other or through ``executor``
    (any ``concurrent.futures.Executor``: a process pool, or a dask ``Client``'s
    ``get_executor()``), with the same figures for the same seed. A run whose kept figures
    (:data:`KEPT_BYTES_PER_PATH_MONTH` a path and month) would pass the memory budget is
    refused before it starts.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 12\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_premium: 1}\\n")
        >>> r = simulate(s)
        >>> len(r.monthly), r.monthly.index.freqstr
        (12, 'M')
    """
    inp = build_inputs(scenario)
    if paths is None:
        check_memory(inp, 1, detail)
        return _result_from_inputs(inp, detail)
    if int(paths) < 1 or int(chunk) < 1:
        raise ValueError(f"paths and chunk must be positive whole numbers; got {paths!r}, "
                         f"{chunk!r}")
    paths, chunk = int(paths), int(chunk)
    check_memory(inp, min(paths, chunk), detail, kept_paths=paths)
    if paths <= chunk and executor is None:
        return _result_from_inputs(_with_paths(inp, paths, seed), detail)
    return _chunked(inp, paths, seed, detail, executor, chunk)


MEMORY_BUDGET_BYTES = 4 * 1024**3  # what one run may take: a run past it is refused first


def memory_estimate(inp: Inputs, paths: int, detail: bool | None) -> int:
    """Bytes the run's largest arrays take (segments x products x months x paths, the cohort
    state and the price rows), within a factor of about two.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> memory_estimate(build_inputs(s), 1, None) < 10_000_000
        True
    """
    H = inp.horizon
    S = len(inp.segments) + (0 if inp.book is None else len(inp.book.parent))
    K = len(inp.products)
    Q = inp.layout.n_cohorts
    P = max(paths, 2)
    keep_detail = detail if detail is not None else paths == 1
    per_month = S * (K * 4 if keep_detail else 1) + S * 24  # ledger lines, book and events
    state = S * Q * (12 + len(inp.layout.terms))  # cohorts, scratch and additions per term
    rows = H * S * K * Q * 8 * 2  # each term's price rows for every month (no paths axis)
    return 8 * (P * (H * per_month + state) + rows)


KEPT_BYTES_PER_PATH_MONTH = 8 * 36  # the statements a Monte Carlo run keeps for every path
# a run whose statements would take a quarter of the budget keeps these, in single precision
# (fan charts and probabilities; the monthly means and every path's headline figures are kept
# whatever the size)
LEAN_COLUMNS = ("revenue", "operating_profit", "net_cash", "cumulative_cash", "mrr",
                "customers", "credit_exposure")
LEAN_BYTES_PER_PATH_MONTH = 4 * len(LEAN_COLUMNS)
SUMMARY_BYTES_PER_PATH = 8 * 40  # each path's headline figures and opening balances


def kept_bytes(paths: int, horizon: int, lean: bool | None = None) -> int:
    """Bytes a Monte Carlo run keeps after its chunks: every path's statements (or, ``lean``,
    :data:`LEAN_COLUMNS`; None: lean when the whole would take a quarter of the budget) and
    headline figures.

    Example (a million paths of 60 months keep the lean statements: about 1.9 GiB):
        >>> round(kept_bytes(1_000_000, 60) / 2**30, 1)
        1.9
    """
    full = KEPT_BYTES_PER_PATH_MONTH * paths * horizon
    if lean is None:
        lean = full > MEMORY_BUDGET_BYTES // 4
    per_month = LEAN_BYTES_PER_PATH_MONTH if lean else KEPT_BYTES_PER_PATH_MONTH
    return per_month * paths * horizon + SUMMARY_BYTES_PER_PATH * paths


def check_memory(inp: Inputs, paths: int, detail: bool | None = None,
                 kept_paths: int | None = None) -> None:
    """Refuse, before any work, a run whose arrays would pass :data:`MEMORY_BUDGET_BYTES`:
    the engine's working set for ``paths`` at once, and the statements kept for
    ``kept_paths`` (a run in chunks keeps every path's)."""
    need = memory_estimate(inp, paths, detail)
    if kept_paths is not None and kept_paths > paths:
        need += kept_bytes(kept_paths, inp.horizon)
    if need > MEMORY_BUDGET_BYTES:
        raise ScenarioError([Problem(
            inp.scenario.name, "", MISSING,
            f"this run needs about {need / 1024**3:,.1f} GiB ({len(inp.segments)} segments, "
            f"{len(inp.products)} products, {inp.horizon} months, {paths:,} paths), past the "
            f"budget of {MEMORY_BUDGET_BYTES / 1024**3:,.0f} GiB: run fewer paths, months or "
            "segments")])


def _with_paths(inp: Inputs, paths: int, seed: int | None,
                values: dict[str, np.ndarray] | None = None, first: int = 0) -> Inputs:
    from .drivers import drawn_inputs  # draws the scenario's distributions, one per path

    return drawn_inputs(inp, paths, seed, values, first)


def _run_chunk(scenario: Scenario, values: dict[str, np.ndarray], seed: int | None,
               first: int, paths: int, detail: bool | None, lean: bool) -> tuple:
    """Paths ``first`` to ``first + paths`` of a Monte Carlo run (their draws ``values``):
    their summary rows, their statements (``lean``: :data:`LEAN_COLUMNS` only, in single
    precision), the sums of the monthly columns over them, the mean of their core, and their
    warnings."""
    inp = _with_paths(build_inputs(scenario), paths, seed, values, first)
    r = _result_from_inputs(inp, detail)
    assert r._core is not None and r.path_statements is not None
    st = r.path_statements
    sums = {c: st[c].sum(axis=0) for c in MONTHLY_COLUMNS}
    if lean:
        st = {c: st[c].astype(np.float32) for c in LEAN_COLUMNS} | {"opening": st["opening"]}
    return r.paths, st, sums, _mean_core(r._core), r.warnings


def _chunked(inp: Inputs, paths: int, seed: int | None, detail: bool | None,
             executor: Executor | None, chunk: int) -> Result:
    """A Monte Carlo run in chunks of paths, in order or through ``executor``; the same
    figures as one run of every path (to rounding of the mean over paths)."""
    from .drivers import draw

    sc = inp.scenario
    values = draw(sc, paths, seed)  # every path's draws at once, in file order
    lean = kept_bytes(paths, inp.horizon, False) > MEMORY_BUDGET_BYTES // 4
    jobs = [(sc, {k: v[a:a + chunk] for k, v in values.items()}, seed, a,
             min(chunk, paths - a), detail, lean) for a in range(0, paths, chunk)]
    cores, st, sums, warnings = [], {}, {}, []
    rows = np.empty(0)
    for (_, _, _, a, n, _, _), part in zip(jobs, _chunk_results(jobs, executor), strict=True):
        frame, statements, chunk_sums, core, chunk_warnings = part
        if not st:  # the first chunk: every path's statements and summary rows, filled chunk
            # by chunk (never a second copy of them all)
            st = {k: np.empty((paths, *v.shape[1:]), v.dtype) for k, v in statements.items()}
            rows = np.empty((paths, frame.shape[1]))
            columns = list(frame.columns)
            warnings = chunk_warnings  # as one run: the warnings of the first path
        for k, v in statements.items():
            st[k][a:a + n] = v
        rows[a:a + n] = frame.to_numpy()
        for c, v in chunk_sums.items():
            sums[c] = sums.get(c, 0.0) + v
        cores.append(core)
    paths_df = pd.DataFrame(rows, columns=columns)
    paths_df.index.name = "path"
    core = _weighted_core(cores, [job[4] for job in jobs])
    index = pd.period_range(pd.Period(sc.start_month, freq="M"), periods=inp.horizon, freq="M",
                            name="month")
    monthly = pd.DataFrame({c: sums[c] / paths for c in MONTHLY_COLUMNS}, index=index)
    summary = paths_df.mean(axis=0)
    summary.name = sc.name
    return Result(scenario=sc, monthly=monthly, summary=summary, warnings=warnings,
                  paths=paths_df, path_statements=st, _core=core, _inputs=inp)


def _chunk_results(jobs: list[tuple], executor: Executor | None) -> Iterator[tuple]:
    """The chunks' results in order: run here, or on ``executor`` with a few chunks in
    flight per worker (finished chunks wait for their turn, so memory stays bounded)."""
    if executor is None:
        for job in jobs:
            yield _run_chunk(*job)
        return
    window = 4 * int(getattr(executor, "_max_workers", 0) or 4)
    todo = iter(jobs)
    pending = deque(executor.submit(_run_chunk, *job) for job in islice(todo, window))
    while pending:
        done = pending.popleft().result()
        nxt = next(todo, None)
        if nxt is not None:
            pending.append(executor.submit(_run_chunk, *nxt))
        yield done


def _weighted_core(cores: list[CoreOutput], weights: list[int]) -> CoreOutput:
    """The mean over paths of a run from the means of its chunks (``weights``: their paths)."""
    total = float(sum(weights))

    def mix(vals: list[Any]) -> Any:
        if isinstance(vals[0], dict):
            return {k: mix([v[k] for v in vals]) for k in vals[0]}
        if vals[0] is None:
            return None
        return sum(v * (w / total) for v, w in zip(vals, weights, strict=True))

    return CoreOutput(**{k: mix([c.__dict__[k] for c in cores]) for k in cores[0].__dict__})


def _result_from_inputs(inp: Inputs, detail: bool | None = None) -> Result:
    """Run the core and build the result. ``detail`` (default: True for one path or with
    commission plans, False for many paths) keeps the ledger per segment and product."""
    sc = inp.scenario
    H = inp.horizon
    P = inp.n_paths
    plans = bool(sc.commissions.plans)
    if detail is None:
        detail = P == 1 or plans
    if plans and not detail:
        raise ValueError("commission plans are computed on the per-segment detail: "
                         "run with detail=True")
    window_start = max(1, H - 12)
    core = apply_plans(run_core(inp, window=window_start, detail=detail, events=plans), inp)
    lines = line_totals(core)
    retained_mrr = _retained_mrr(lines, core)
    st = statements(core, lines)
    met = metrics(st, retained_mrr, inp, window_start)
    payback, ltv_cac = _unit_economics(st, lines, inp, core)
    met["cac_payback_months"], met["ltv_to_cac"] = payback, ltv_cac
    lic_rev = lines["license_resale"].sum(axis=1)
    lic_cost = (lines["license_cost"] + lines["stranded_seats"]
                + lines["distributor_margin"]).sum(axis=1)
    sup_rev = lines["support_plans"].sum(axis=1)
    sup_cost = (lines["support_labor"] + lines["support_247_floor"] + lines["escalation_fees"]
                + lines["per_seat_tools"]).sum(axis=1)
    serv_rev = lines["services"].sum(axis=1)
    serv_cost = lines["services_cost"].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        met["license_gross_margin"] = np.where(lic_rev != 0, (lic_rev - lic_cost) / lic_rev,
                                               np.nan)
        met["support_gross_margin"] = np.where(sup_rev != 0, (sup_rev - sup_cost) / sup_rev,
                                               np.nan)
        met["services_gross_margin"] = np.where(serv_rev != 0, (serv_rev - serv_cost)
                                                / serv_rev, np.nan)
    index = pd.period_range(pd.Period(sc.start_month, freq="M"), periods=H, freq="M",
                            name="month")
    paths_df = _frame({k: met[k] for k in SUMMARY_KEYS})
    paths_df.index.name = "path"
    if P == 1:
        monthly = _frame({c: st[c][0] for c in MONTHLY_COLUMNS}, index)
        summary = paths_df.iloc[0].copy()
    else:
        monthly = _frame({c: st[c].mean(axis=0) for c in MONTHLY_COLUMNS}, index)
        summary = paths_df.mean(axis=0)
    summary.name = sc.name
    return Result(scenario=sc, monthly=monthly, summary=summary,
                  warnings=_warnings(inp, st, sc), paths=paths_df, path_statements=st,
                  _core=core, _inputs=inp)


def _retained_mrr(lines: dict[str, np.ndarray], core: CoreOutput) -> np.ndarray:
    """Recurring revenue of the last month from the customers who were there before the
    window (``docs/engine.md`` section 9): the book's (``lines``, its line totals) less that
    of those who joined from the window on, whom the run followed by themselves (the book is
    linear in its customers)."""
    return sum(lines[k][:, -1] - _joined_last_month(core, k) for k in RECURRING_LINES)


def _joined_last_month(core: CoreOutput, name: str) -> np.ndarray:
    """One line's total of the last month of the window's joiners, per path."""
    assert core.joined_product_lines is not None and core.joined_segment_lines is not None
    level = next(lv for lv in ("product", "segment") if lv in LINES[name].levels)
    if level == "product":
        return ordered_sum(core.joined_product_lines[:, :, :, index(level, name), -1], (1, 2))
    return ordered_sum(core.joined_segment_lines[:, :, index(level, name), -1], 1)


def _frame(columns: dict[str, np.ndarray], index: pd.Index | None = None) -> pd.DataFrame:
    """A frame of equal-length float columns, built as one block (as pandas would store it).

    Example:
        >>> _frame({"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}).to_dict("list")
        {'a': [1.0, 2.0], 'b': [3.0, 4.0]}
    """
    values = np.empty((len(next(iter(columns.values()))), len(columns)))
    for j, v in enumerate(columns.values()):
        values[:, j] = v
    return pd.DataFrame(values, index=index, columns=list(columns))


def _mean_core(core: CoreOutput) -> CoreOutput:
    def mean(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: mean(x) for k, x in v.items()}
        return None if v is None else v.mean(axis=0, keepdims=True)

    return CoreOutput(**{k: mean(v) for k, v in core.__dict__.items()})


def compare(items: list[Any], names: list[str] | None = None) -> pd.DataFrame:
    """One row per scenario (or result) with the headline metrics, side by side.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> a = load_scenario_text("name: a\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> compare([a, a.with_overrides({"name": "b", "segments.0.churn_annual": 0.3})]).index
        Index(['a', 'b'], dtype='object', name='scenario')
    """
    rows = []
    labels = []
    for i, item in enumerate(items):
        res = item if isinstance(item, Result) else simulate(item)
        row: dict[str, Any] = {"channel": res.scenario.channel.model, "currency": res.currency,
                               "horizon_months": res.scenario.horizon_months}
        row.update({k: float(v) for k, v in res.summary.items()})
        row["warnings"] = len(res.warnings)
        rows.append(row)
        labels.append(names[i] if names else res.scenario.name)
    df = pd.DataFrame(rows)
    df.index = pd.Index(labels, name="scenario", dtype="object")
    front = ["channel", "currency", "horizon_months"]
    return df[front + [c for c in df.columns if c not in front]]


def summary_json(result: Result) -> str:
    """The summary and warnings of a result as JSON (NaN written as null).

    Example:
        >>> import json
        >>> from cspmodel.io import load_scenario_text
        >>> r = simulate(load_scenario_text("name: x\\nhorizon_months: 2\\nsegments:\\n"
        ...     "- name: A\\n  product_mix: {m365_business_basic: 1}\\n"))
        >>> sorted(json.loads(summary_json(r)))
        ['channel', 'currency', 'horizon_months', 'scenario', 'start_month', 'summary', 'warnings']
    """
    data = {k: (None if v != v else v) for k, v in result.summary.astype(float).items()}
    sc = result.scenario
    return json.dumps({"scenario": sc.name, "currency": result.currency,
                       "channel": sc.channel.model, "horizon_months": sc.horizon_months,
                       "start_month": f"{sc.start_month:%Y-%m}", "summary": data,
                       "warnings": result.warnings}, indent=2)


# --------------------------------------------------------------------------------------------
# Figures across paths
# --------------------------------------------------------------------------------------------
_EXPR = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*"
                   r"([-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq, "!=": operator.ne}


def probability(paths: pd.DataFrame, expr: str) -> float:
    """Share of paths where ``expr`` holds: ``metric operator number``, e.g. ``npv > 0``.

    The text is parsed, never evaluated. A path whose metric is undefined (NaN, e.g. a
    break-even month that never comes) does not satisfy the condition.

    Example:
        >>> probability(pd.DataFrame({"npv": [-1.0, 2.0, 3.0, 5.0]}), "npv > 0")
        0.75
    """
    m = _EXPR.match(expr)
    if not m:
        raise ValueError(f"cannot read {expr!r}; write a metric, a comparison and a number, "
                         "e.g. 'operating_profit > 0' or 'cash_trough > -50000'")
    name, op, number = m.group(1), m.group(2), float(m.group(3).replace("_", ""))
    if name not in paths.columns:
        raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(paths.columns)}")
    values = paths[name].to_numpy(dtype=float)
    return float(np.mean(_OPS[op](values, number) & ~np.isnan(values)))


def percentiles(path_statements: dict[str, np.ndarray], index: pd.Index, column: str,
                q: Sequence[float] = (5, 50, 95)) -> pd.DataFrame:
    """Monthly percentiles of a statement column across paths (months x ``p5``, ``p50``...)."""
    if column not in path_statements:
        raise ValueError(f"unknown column {column!r}; allowed: "
                         + ", ".join(sorted(path_statements)))
    arr = path_statements[column]
    values = np.percentile(arr, list(q), axis=0)  # (len(q), H)
    return pd.DataFrame({f"p{x:g}": v for x, v in zip(q, values, strict=True)}, index=index)
