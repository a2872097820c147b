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

import io
import math
from collections.abc import Mapping
from typing import Literal

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
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
        _style_axes(ax)
    return fig, axes


def _style_axes(ax) -> None:  # noqa: ANN001 - a matplotlib Axes
    for k, v in (("top", False), ("right", False)):
        ax.spines[k].set_visible(v)
    ax.grid(True, alpha=0.3)


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
    fig, (ax1, ax2) = _fig(2, 1, figsize=(10, 7))
    _draw_profit_and_cash(ax1, ax2, result, title)
    return fig


def _draw_profit_and_cash(ax1, ax2, result: Result, title: str | None) -> dict:  # noqa: ANN001
    cur = result.currency
    x = _months(result)
    op = result.monthly["operating_profit"].to_numpy()
    bars = ax1.bar(x, op, width=20, color=np.where(op >= 0, POSITIVE, NEGATIVE))
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_ylabel(f"Operating profit ({cur}/month)")
    ax1.yaxis.set_major_formatter(money_formatter(cur))
    ax1.set_title(title or f"{result.scenario.name}: {_be_text(result)}")
    cum = result.monthly["cumulative_cash"].to_numpy()
    (line,) = ax2.plot(x, cum, color=TOTAL, lw=2.5, label="Cumulative cash")
    fill = _cash_needed(ax2, x, cum)
    ax2.axhline(0, color="black", lw=0.8)
    ax2.set_ylabel(f"Cumulative cash ({cur})")
    ax2.set_xlabel("Month")
    ax2.yaxis.set_major_formatter(money_formatter(cur))
    ax2.legend(loc="upper left")
    month_axis(ax1)
    month_axis(ax2)
    return {"bars": bars, "line": line, "fill": fill}


def _cash_needed(ax, x: np.ndarray, cum: np.ndarray):  # noqa: ANN001, ANN202
    return ax.fill_between(x, cum, 0, where=cum < 0, color=NEGATIVE, alpha=0.2,
                           label="Cash needed")


def waterfall(result: Result, title: str | None = None, top: int = 10) -> Figure:
    """Revenue to operating profit over the horizon, line by line (the ``top`` largest costs,
    the rest grouped)."""
    fig, ax = _fig(figsize=(11, 6))
    _draw_waterfall(ax, result, title, top)
    return fig


def _draw_waterfall(ax, result: Result, title: str | None, top: int = 10) -> dict:  # noqa: ANN001
    cur = result.currency
    labels, amounts, profit = _waterfall_steps(result, top)
    rects = []
    running = 0.0
    for i, a in enumerate(amounts):
        rects.append(ax.bar(i, a, bottom=running, color=POSITIVE if a >= 0 else NEGATIVE)[0])
        running += a
    rects.append(ax.bar(len(amounts), profit, color=TOTAL)[0])
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel(f"{cur} over {result.scenario.horizon_months} months")
    ax.yaxis.set_major_formatter(money_formatter(cur))
    ax.set_title(title or _waterfall_title(result))
    return {"rects": rects, "labels": labels}


def _waterfall_title(result: Result) -> str:
    margin = result.summary["operating_margin"]
    return ("Where the money goes: operating margin "
            f"{'n/a' if math.isnan(margin) else f'{100 * margin:.1f}%'}")


def _waterfall_steps(result: Result, top: int = 10) -> tuple[list[str], list[float], float]:
    """Labels (revenue lines, the largest costs, 'Other costs', 'Operating profit'), the signed
    step amounts before the profit bar, and the operating profit."""
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
    amounts = [float(a) for a in list(rev["amount"]) + list(costs["amount"])]
    return labels, amounts, float(table["amount"].iloc[-1])


def channels_side_by_side(results: Mapping[str, Result], title: str | None = None) -> Figure:
    """Cumulative cash and monthly operating profit of the same book through each channel."""
    fig, (ax1, ax2) = _fig(1, 2, figsize=(12, 5))
    _draw_channels(fig, ax1, ax2, results, title)
    return fig


def _draw_channels(fig: Figure, ax1, ax2, results: Mapping[str, Result],  # noqa: ANN001
                   title: str | None) -> dict:
    first = next(iter(results.values()))
    cur = first.currency
    lines = {}
    for name, res in results.items():
        x = _months(res)
        color = CHANNEL_COLORS.get(name)
        (lp,) = ax1.plot(x, res.monthly["operating_profit"], label=name.capitalize(),
                         color=color, lw=2)
        (lc,) = ax2.plot(x, res.monthly["cumulative_cash"], label=name.capitalize(),
                         color=color, lw=2)
        lines[name] = (lp, lc)
    for ax, label in ((ax1, f"Operating profit ({cur}/month)"),
                      (ax2, f"Cumulative cash ({cur})")):
        ax.axhline(0, color="black", lw=0.8)
        ax.set_ylabel(label)
        ax.set_xlabel("Month")
        ax.yaxis.set_major_formatter(money_formatter(cur))
        ax.legend()
        month_axis(ax)
    fig.suptitle(title or _channels_title(results), fontsize=14, fontweight="bold")
    return {"lines": lines}


def _channels_title(results: Mapping[str, Result]) -> str:
    first = next(iter(results.values()))
    if {"direct", "indirect"} <= set(results):
        diff = (results["direct"].summary["operating_profit"]
                - results["indirect"].summary["operating_profit"])
        better = "direct" if diff > 0 else "indirect"
        return (f"{better.capitalize()} earns {money_formatter(first.currency)(abs(diff), 0)} "
                f"more over {first.scenario.horizon_months} months")
    return "Channels compared"


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


# --------------------------------------------------------------------------------------------
# Charts kept open and redrawn in place (the explorer)
# --------------------------------------------------------------------------------------------
LiveKind = Literal["profit_and_cash", "waterfall", "channels"]

# grid, size (inches) and fixed margins of each live chart: a fixed layout makes a redraw one
# Agg draw (a layout engine would measure every label again on each change)
_LIVE = {
    "profit_and_cash": ((2, 1), (10, 7), dict(left=0.13, right=0.98, top=0.94, bottom=0.08,
                                                hspace=0.22)),
    "waterfall": ((1, 1), (11, 6), dict(left=0.12, right=0.98, top=0.93, bottom=0.28)),
    "channels": ((1, 2), (12, 5), dict(left=0.10, right=0.98, top=0.86, bottom=0.12,
                                         wspace=0.32)),
}


class LiveChart:
    """A chart of this module drawn on one figure that stays open; ``update`` redraws it with
    new results in the same style, ``png`` returns the picture. Not managed by pyplot, so a
    notebook does not show it twice.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> from cspmodel.result import simulate
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"))
        >>> chart = LiveChart("waterfall")
        >>> chart.update(r)
        >>> chart.png()[:4] == b"\\x89PNG"
        True
    """

    def __init__(self, kind: LiveKind, dpi: float = 80) -> None:
        if kind not in _LIVE:
            raise ValueError(f"unknown chart {kind!r}; allowed: {', '.join(_LIVE)}")
        (nrows, ncols), size, margins = _LIVE[kind]
        self.kind = kind
        with plt.rc_context(STYLE):
            self.figure = Figure(figsize=size, dpi=dpi)
            FigureCanvasAgg(self.figure)
            self.axes = list(np.atleast_1d(self.figure.subplots(nrows, ncols)).ravel())
        self.figure.subplots_adjust(**margins)
        self._key: tuple | None = None
        self._artists: dict = {}

    def update(self, data: Result | Mapping[str, Result], title: str | None = None) -> None:
        """Redraw with a result (``profit_and_cash``, ``waterfall``) or a mapping of channel
        name to result (``channels``).

        When the new data has the same shape as the drawn one (same months, currency, lines,
        channels) the drawn bars and lines get their new values in place; otherwise the axes
        are drawn afresh. Both give the same picture."""
        with plt.rc_context(STYLE):
            key = self._shape(data)
            if key == self._key:
                self._refresh(data, title)
            else:
                for ax in self.axes:
                    ax.clear()
                    _style_axes(ax)
                if self.kind == "profit_and_cash":
                    self._artists = _draw_profit_and_cash(self.axes[0], self.axes[1], data,
                                                          title)  # type: ignore[arg-type]
                elif self.kind == "waterfall":
                    self._artists = _draw_waterfall(self.axes[0], data,  # type: ignore
                                                    title)
                else:
                    self._artists = _draw_channels(self.figure, self.axes[0], self.axes[1],
                                                   data, title)  # type: ignore[arg-type]
                self._key = key
            self._fit_y(data)

    def _fit_y(self, data: Result | Mapping[str, Result]) -> None:
        """Set the value axes from the data (zero always shown, 5% air), the same way after a
        fresh draw and after an in-place refresh."""
        if self.kind == "waterfall":
            _, amounts, profit = _waterfall_steps(data)  # type: ignore[arg-type]
            groups = [[np.concatenate([[0.0], np.cumsum(amounts), [profit]])]]
        else:
            results = data if isinstance(data, Mapping) else {"": data}
            groups = [[r.monthly[col].to_numpy() for r in results.values()]
                      for col in ("operating_profit", "cumulative_cash")]
        for ax, arrays in zip(self.axes, groups, strict=True):
            values = np.concatenate([np.asarray(a, dtype=float) for a in arrays])
            values = values[np.isfinite(values)]
            lo = min(0.0, float(values.min())) if values.size else 0.0
            hi = max(0.0, float(values.max())) if values.size else 1.0
            pad = 0.05 * (hi - lo) or 1.0
            ax.set_ylim(lo - pad if lo < 0 else lo, hi + pad if hi > 0 else hi + (lo == hi))

    def _shape(self, data: Result | Mapping[str, Result]) -> tuple:
        results = dict(data) if isinstance(data, Mapping) else {"": data}
        first = next(iter(results.values()))
        idx = first.monthly.index
        key: tuple = (tuple(results), str(idx[0]), len(idx), first.currency)
        if self.kind == "waterfall":
            key += (tuple(_waterfall_steps(first)[0]),)  # type: ignore[arg-type]
        return key

    def _refresh(self, data: Result | Mapping[str, Result], title: str | None) -> None:
        a = self._artists
        if self.kind == "profit_and_cash":
            res: Result = data  # type: ignore[assignment]
            op = res.monthly["operating_profit"].to_numpy()
            cum = res.monthly["cumulative_cash"].to_numpy()
            for rect, h in zip(a["bars"].patches, op, strict=True):
                rect.set_height(h)
                rect.set_facecolor(POSITIVE if h >= 0 else NEGATIVE)
            a["line"].set_ydata(cum)
            a["fill"].remove()
            a["fill"] = _cash_needed(self.axes[1], _months(res), cum)
            self.axes[0].set_title(title or f"{res.scenario.name}: {_be_text(res)}")
        elif self.kind == "waterfall":
            res = data  # type: ignore[assignment]
            _, amounts, profit = _waterfall_steps(res)
            running = 0.0
            for rect, amount in zip(a["rects"], amounts, strict=False):
                rect.set_y(running)
                rect.set_height(amount)
                rect.set_facecolor(POSITIVE if amount >= 0 else NEGATIVE)
                running += amount
            a["rects"][-1].set_height(profit)
            self.axes[0].set_title(title or _waterfall_title(res))
        else:
            results: Mapping[str, Result] = data  # type: ignore[assignment]
            for name, res in results.items():
                lp, lc = a["lines"][name]
                lp.set_ydata(res.monthly["operating_profit"].to_numpy())
                lc.set_ydata(res.monthly["cumulative_cash"].to_numpy())
            self.figure.suptitle(title or _channels_title(results), fontsize=14,
                                 fontweight="bold")

    def png(self) -> bytes:
        """The chart as PNG bytes (one Agg draw, fast compression)."""
        from PIL import Image

        canvas = self.figure.canvas
        canvas.draw()
        buf = canvas.buffer_rgba()
        image = Image.frombuffer("RGBA", (buf.shape[1], buf.shape[0]), buf, "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="png", compress_level=1)
        return out.getvalue()


def tornado(table: pd.DataFrame, title: str | None = None, top: int = 12) -> Figure:
    """Tornado of a sensitivity table (``uncertainty.sensitivity``): the metric at each key's
    low and high end around the base, widest swing on top.

    Example:
        >>> t = pd.DataFrame({"key": ["a"], "low": [0], "high": [1], "base_value": [.5],
        ...     "metric_at_low": [90.0], "metric_at_high": [120.0], "swing": [30.0]})
        >>> t.attrs.update(metric="npv", base=100.0, currency="USD")
        >>> tornado(t).axes[0].get_xlabel()
        'npv (USD)'
    """
    metric = table.attrs.get("metric", "metric")
    base = float(table.attrs.get("base", 0.0))
    cur = table.attrs.get("currency", "")
    body = table.head(top).iloc[::-1]
    fig, ax = _fig(figsize=(10, 0.6 * len(body) + 2.0))
    y = np.arange(len(body))
    for col, color, word in (("metric_at_low", "#1f77b4", "at low"),
                             ("metric_at_high", "#ff7f0e", "at high")):
        v = body[col].to_numpy(dtype=float)
        ax.barh(y, v - base, left=base, color=color, label=f"{metric} {word} end")
    labels = [f"{k}  ({lo:,.4g} to {hi:,.4g})" for k, lo, hi in
              zip(body["key"], body["low"], body["high"], strict=True)]
    ax.set_yticks(y, labels)
    ax.axvline(base, color="black", lw=1)
    ax.set_xlabel(f"{metric} ({cur})" if cur else metric)
    if cur and metric not in ("gross_margin", "operating_margin", "license_gross_margin",
                              "net_revenue_retention", "break_even_month", "ltv_to_cac",
                              "cac_payback_months", "ending_customers", "ending_seats"):
        ax.xaxis.set_major_formatter(money_formatter(cur))
    top_key = table["key"].iloc[0] if len(table) else ""
    ax.set_title(title or f"What moves {metric} most: {top_key}")
    ax.legend(loc="lower right")
    return fig


def fan(result: Result, column: str = "cumulative_cash", q: tuple[float, float, float] = (5, 50,
        95), title: str | None = None, ax=None, label: str | None = None,  # noqa: ANN001
        color: str = TOTAL) -> Figure:
    """Fan chart of a statement column across Monte Carlo paths: the median and a band
    between the low and high percentiles.

    Example:
        >>> fan(simulate(s, paths=1000, seed=1))  # doctest: +SKIP
    """
    cur = result.currency
    if ax is None:
        fig, ax = _fig()
    else:
        fig = ax.figure
    pct = result.percentiles(column, q)
    x = _months(result)
    lo, mid, hi = (pct.iloc[:, i].to_numpy() for i in range(3))
    name = label or result.scenario.name
    ax.fill_between(x, lo, hi, color=color, alpha=0.2,
                    label=f"{name}: {q[0]:g}th to {q[2]:g}th percentile")
    ax.plot(x, mid, color=color, lw=2.5, label=f"{name}: median")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel(f"{column.replace('_', ' ').capitalize()} ({cur})")
    ax.set_xlabel("Month")
    ax.yaxis.set_major_formatter(money_formatter(cur))
    ax.legend(loc="upper left")
    month_axis(ax)
    n = 0 if result.paths is None else len(result.paths)
    ax.set_title(title or f"{column.replace('_', ' ').capitalize()} across {n:,} paths")
    return fig
