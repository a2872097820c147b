"""Charts for notebooks, the explorer and reports: one style for every output.

Every chart has a title (stating the finding where it can), axes labelled with units and the
scenario's currency, thousands separators, one colour per channel and per term, and a size
readable on a slide. Each function takes results and returns a matplotlib Figure.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cspmodel.io import load_scenario_text
    >>> from cspmodel.result import simulate
    >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
    ...     "  product_mix: {m365_business_basic: 1}\\n"))
    >>> fig = profit_and_cash(r)
    >>> fig.axes[0].get_title() != ""
    True
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .analysis import waterfall_table
from .result import Result

CHANNEL_COLORS = {"indirect": "#1f77b4", "direct": "#d62728"}
TERM_COLORS = {"monthly": "#ff7f0e", "annual_billed_monthly": "#2ca02c",
               "annual_upfront": "#9467bd"}
POSITIVE, NEGATIVE, TOTAL = "#2ca02c", "#d62728", "#4c4c4c"
FIGSIZE = (10, 5.5)

STYLE = {
    "font.size": 12, "axes.titlesize": 14, "axes.titleweight": "bold", "axes.labelsize": 12,
    "legend.fontsize": 11, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.3, "figure.dpi": 100,
}


def money_formatter(currency: str = "USD") -> FuncFormatter:
    """Axis labels like ``USD 12k`` / ``USD 1.2M``.

    Example:
        >>> money_formatter("EUR")(1_250_000, 0)
        'EUR 1.25M'
    """

    def fmt(x: float, _pos: int) -> str:
        a = abs(x)
        sign = "-" if x < 0 else ""
        if a >= 1e6:
            return f"{sign}{currency} {a / 1e6:.3g}M"
        if a >= 1e3:
            return f"{sign}{currency} {a / 1e3:.3g}k"
        return f"{sign}{currency} {a:.0f}"

    return FuncFormatter(fmt)


def _fig(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = FIGSIZE):  # noqa: ANN202
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, constrained_layout=True)
    for ax in np.atleast_1d(axes).ravel():
        for k, v in (("top", False), ("right", False)):
            ax.spines[k].set_visible(v)
        ax.grid(True, alpha=0.3)
    return fig, axes


def month_axis(ax) -> None:  # noqa: ANN001 - a matplotlib Axes
    """Readable month ticks (no overlapping dates)."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _months(result: Result) -> np.ndarray:
    return result.monthly.index.to_timestamp().to_numpy().astype("datetime64[D]")


def _be_text(result: Result) -> str:
    be = result.summary["break_even_month"]
    return "never breaks even" if math.isnan(be) else f"breaks even in month {int(be)}"


def profit_and_cash(result: Result, title: str | None = None) -> Figure:
    """Monthly operating profit (bars) and cumulative cash (line) over the horizon."""
    cur = result.currency
    fig, (ax1, ax2) = _fig(2, 1, figsize=(10, 7))
    x = _months(result)
    op = result.monthly["operating_profit"].to_numpy()
    ax1.bar(x, op, width=20, color=np.where(op >= 0, POSITIVE, NEGATIVE))
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_ylabel(f"Operating profit ({cur}/month)")
    ax1.yaxis.set_major_formatter(money_formatter(cur))
    ax1.set_title(title or f"{result.scenario.name}: {_be_text(result)}")
    cum = result.monthly["cumulative_cash"].to_numpy()
    ax2.plot(x, cum, color=TOTAL, lw=2.5, label="Cumulative cash")
    ax2.fill_between(x, cum, 0, where=cum < 0, color=NEGATIVE, alpha=0.2, label="Cash needed")
    ax2.axhline(0, color="black", lw=0.8)
    ax2.set_ylabel(f"Cumulative cash ({cur})")
    ax2.set_xlabel("Month")
    ax2.yaxis.set_major_formatter(money_formatter(cur))
    ax2.legend(loc="upper left")
    month_axis(ax1)
    month_axis(ax2)
    return fig


def waterfall(result: Result, title: str | None = None, top: int = 10) -> Figure:
    """Revenue to operating profit over the horizon, line by line (the ``top`` largest costs,
    the rest grouped)."""
    cur = result.currency
    table = waterfall_table(result)
    body = table[table["line"] != "operating_profit"]
    rev = body[body["amount"] > 0]
    costs = body[body["amount"] <= 0].sort_values("amount")
    if len(costs) > top:
        rest = costs.iloc[top:]["amount"].sum()
        costs = costs.iloc[:top]
        costs = pd.concat([costs, pd.DataFrame([{"label": "Other costs", "amount": rest}])],
                          ignore_index=True)
    labels = list(rev["label"]) + list(costs["label"]) + ["Operating profit"]
    amounts = list(rev["amount"]) + list(costs["amount"])
    profit = float(table["amount"].iloc[-1])
    fig, ax = _fig(figsize=(11, 6))
    running = 0.0
    for i, a in enumerate(amounts):
        ax.bar(i, a, bottom=running, color=POSITIVE if a >= 0 else NEGATIVE)
        running += a
    ax.bar(len(amounts), profit, color=TOTAL)
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel(f"{cur} over {result.scenario.horizon_months} months")
    ax.yaxis.set_major_formatter(money_formatter(cur))
    margin = result.summary["operating_margin"]
    ax.set_title(title or f"Where the money goes: operating margin "
                          f"{'n/a' if math.isnan(margin) else f'{100 * margin:.1f}%'}")
    return fig


def channels_side_by_side(results: Mapping[str, Result], title: str | None = None) -> Figure:
    """Cumulative cash and monthly operating profit of the same book through each channel."""
    first = next(iter(results.values()))
    cur = first.currency
    fig, (ax1, ax2) = _fig(1, 2, figsize=(12, 5))
    for name, res in results.items():
        x = _months(res)
        color = CHANNEL_COLORS.get(name)
        ax1.plot(x, res.monthly["operating_profit"], label=name.capitalize(), color=color, lw=2)
        ax2.plot(x, res.monthly["cumulative_cash"], label=name.capitalize(), color=color, lw=2)
    for ax, label in ((ax1, f"Operating profit ({cur}/month)"),
                      (ax2, f"Cumulative cash ({cur})")):
        ax.axhline(0, color="black", lw=0.8)
        ax.set_ylabel(label)
        ax.set_xlabel("Month")
        ax.yaxis.set_major_formatter(money_formatter(cur))
        ax.legend()
        month_axis(ax)
    if title is None and {"direct", "indirect"} <= set(results):
        diff = (results["direct"].summary["operating_profit"]
                - results["indirect"].summary["operating_profit"])
        better = "direct" if diff > 0 else "indirect"
        title = (f"{better.capitalize()} earns {money_formatter(cur)(abs(diff), 0)} more "
                 f"over {first.scenario.horizon_months} months")
    fig.suptitle(title or "Channels compared", fontsize=14, fontweight="bold")
    return fig


PAYOUT_COLORS = {"booking": "#9467bd", "invoice": "#1f77b4", "cash_receipt": "#2ca02c"}


def commission_timing(timing: pd.DataFrame, currency: str = "USD",
                      title: str | None = None) -> Figure:
    """Commission paid each month (top) and in total to date (bottom) under each payout
    timing; ``timing`` is :func:`cspmodel.commissions.payout_timing`."""
    fig, (ax1, ax2) = _fig(2, 1, figsize=(10, 7))
    x = timing.index.to_timestamp().to_numpy().astype("datetime64[D]")
    for col in timing.columns:
        label = col.replace("_", " ").capitalize()
        ax1.plot(x, timing[col], label=label, color=PAYOUT_COLORS.get(col), lw=2)
        ax2.plot(x, timing[col].cumsum(), label=label, color=PAYOUT_COLORS.get(col), lw=2)
    ax1.set_ylabel(f"Commission ({currency}/month)")
    ax2.set_ylabel(f"Commission to date ({currency})")
    ax2.set_xlabel("Month")
    for ax in (ax1, ax2):
        ax.yaxis.set_major_formatter(money_formatter(currency))
        ax.legend(loc="upper left")
        month_axis(ax)
    totals = timing.sum()
    if title is None and len(totals) > 1:
        title = (f"Paying at {totals.idxmax().replace('_', ' ')} costs "
                 f"{money_formatter(currency)(totals.max() - totals.min(), 0)} more than at "
                 f"{totals.idxmin().replace('_', ' ')} over {len(timing)} months")
    ax1.set_title(title or "Commission by payout timing")
    return fig


def commission_by_plan(schedule: pd.DataFrame, currency: str = "USD",
                       title: str | None = None) -> Figure:
    """Monthly commission earned by plan (stacked bars) less clawbacks (below zero);
    ``schedule`` is :func:`cspmodel.commissions.commission_schedule`."""
    fig, ax = _fig()
    earned = schedule.pivot_table(index="month", columns="plan", values="earned",
                                  aggfunc="sum", sort=False)
    claw = schedule.groupby("month")["clawback"].sum()
    x = earned.index.to_timestamp().to_numpy().astype("datetime64[D]")
    bottom = np.zeros(len(earned))
    for plan in earned.columns:
        ax.bar(x, earned[plan], width=20, bottom=bottom, label=str(plan))
        bottom = bottom + earned[plan].to_numpy()
    if (claw > 0).any():
        ax.bar(x, -claw.to_numpy(), width=20, color=NEGATIVE, label="Clawback")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel(f"Commission ({currency}/month)")
    ax.set_xlabel("Month")
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.legend(loc="upper left")
    month_axis(ax)
    total = float(schedule["commission"].sum())
    ax.set_title(title or f"Commission by plan: {money_formatter(currency)(total, 0)} in total")
    return fig


def partner_split(split: pd.DataFrame, currency: str = "USD",
                  title: str | None = None) -> Figure:
    """What each partner gets from Microsoft under the rules against its negotiated target;
    the gap is its side payment. ``split`` is :func:`cspmodel.recognition.negotiated_split`."""
    fig, ax = _fig()
    names = list(split.index)
    i = np.arange(len(names))
    ax.bar(i - 0.2, split["under_rules"], width=0.4, color="#7f7f7f", label="Under the rules")
    ax.bar(i + 0.2, split["target"], width=0.4, color="#1f77b4", label="Negotiated split")
    fmt = money_formatter(currency)
    for k, (_, row) in enumerate(split.iterrows()):
        side = row["side_payment"]
        word = "receives" if side >= 0 else "pays"
        ax.annotate(f"{word} {fmt(abs(side), 0)}", (k, max(row["under_rules"], row["target"])),
                    textcoords="offset points", xytext=(0, 6), ha="center", fontsize=11)
    ax.set_xticks(i, names)
    ax.set_ylabel(f"{currency} over the engagement")
    ax.yaxis.set_major_formatter(fmt)
    ax.legend(loc="upper right")
    ax.set_ylim(0, max(split["under_rules"].max(), split["target"].max()) * 1.2 or 1)
    ax.set_title(title or "One partner of record: side payments make the agreed split")
    return fig
