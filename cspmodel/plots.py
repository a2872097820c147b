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

import functools
import io
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

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


def styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw a chart with :data:`STYLE` in force (titles, labels and legends are sized when they
    are set, so the whole function runs in it), then put back only those settings.

    ``plt.rc_context`` is not used on purpose: it restores every setting on exit, including the
    interactive mode a notebook's inline backend switches on when it loads during the first
    chart, after which no later chart would show in the notebook.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        saved = {key: mpl.rcParams[key] for key in STYLE}
        mpl.rcParams.update(STYLE)
        try:
            return func(*args, **kwargs)
        finally:
            mpl.rcParams.update(saved)

    return wrapper


def _fig(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = FIGSIZE):  # noqa: ANN202
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, constrained_layout=True)
    for ax in np.atleast_1d(axes).ravel():
        _style_axes(ax)
    return fig, axes


def _style_axes(ax) -> None:  # noqa: ANN001 - a matplotlib Axes
    for k, v in (("top", False), ("right", False)):
        ax.spines[k].set_visible(v)
    ax.grid(True, alpha=0.3)


class _MonthTicks(mdates.AutoDateLocator):
    """matplotlib's automatic date ticks, kept for the axis' view limits: a figure with a
    constrained layout draws its ticks several times before it is shown, and the same limits
    give the same ticks."""

    _seen: tuple = ()
    _ticks: Any = None

    def __call__(self) -> Any:  # noqa: ANN401 - the tick positions
        key = tuple(self.axis.get_view_interval()) if self.axis is not None else ()
        if key != self._seen or self._ticks is None:
            self._ticks, self._seen = super().__call__(), key
        return np.array(self._ticks, copy=True)


def month_axis(ax) -> None:  # noqa: ANN001 - a matplotlib Axes
    """Readable month ticks (no overlapping dates)."""
    locator = _MonthTicks(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _months(result: Result) -> np.ndarray:
    return result.monthly.index.to_timestamp().to_numpy().astype("datetime64[D]")


def _be_text(result: Result) -> str:
    be = result.summary["break_even_month"]
    if math.isnan(be):
        return "never breaks even"
    return "cash-positive from the start" if be == 0 else f"breaks even in month {int(be)}"


@styled
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


@styled
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


@styled
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
        from .channel import direct_bill_open

        direct = results["direct"]
        diff = (direct.summary["operating_profit"]
                - results["indirect"].summary["operating_profit"])
        if not direct_bill_open(direct.scenario,
                                direct.monthly["csp_billed_revenue"].to_numpy()):
            return ("Direct bill is not open to this book: it bills less than Microsoft's "
                    "threshold")
        better = "direct" if diff > 0 else "indirect"
        return (f"{better.capitalize()} earns {money_formatter(first.currency)(abs(diff), 0)} "
                f"more over {first.scenario.horizon_months} months")
    return "Channels compared"


PAYOUT_COLORS = {"booking": "#9467bd", "invoice": "#1f77b4", "cash_receipt": "#2ca02c"}


@styled
def commission_timing(timing: pd.DataFrame, currency: str = "USD",
                      title: str | None = None) -> Figure:
    """Commission paid each month (top) and in total to date (bottom) under each payout
    timing; ``timing`` is :func:`cspmodel.analysis.payout_timing`."""
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


@styled
def commission_by_plan(schedule: pd.DataFrame, currency: str = "USD",
                       title: str | None = None) -> Figure:
    """Monthly commission earned by plan (stacked bars) less clawbacks (below zero);
    ``schedule`` is :func:`cspmodel.analysis.commission_schedule`."""
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


@styled
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


def _nice_limits(lo: float, hi: float) -> tuple[float, float]:
    """Axis limits widened outwards to a round step (1, 2, 2.5 or 5 times a power of ten, 4 to
    10 steps over the range), so that a small change of the data keeps the axis as it is.

    Example:
        >>> _nice_limits(-12_300.0, 98_700.0)
        (-20000.0, 100000.0)
    """
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return lo, hi
    step = 10.0 ** math.floor(math.log10(span / 10.0))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if span / (m * step) <= 10.0:
            step *= m
            break
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


LIVE_STYLE = {**STYLE, "axes.axisbelow": True}  # the grid under the bars drawn over it


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
        with plt.rc_context(LIVE_STYLE):
            self.figure = Figure(figsize=size, dpi=dpi)
            FigureCanvasAgg(self.figure)
            self.axes = list(np.atleast_1d(self.figure.subplots(nrows, ncols)).ravel())
        self.figure.subplots_adjust(**margins)
        self._key: tuple | None = None
        self._artists: dict = {}
        self._drawn_state: tuple | None = None  # the axis limits of the kept background
        self._background = None

    def update(self, data: Result | Mapping[str, Result], title: str | None = None) -> None:
        """Redraw with a result (``profit_and_cash``, ``waterfall``) or a mapping of channel
        name to result (``channels``).

        When the new data has the same shape as the drawn one (same months, currency, lines,
        channels) the drawn bars and lines get their new values in place; otherwise the axes
        are drawn afresh. Both give the same picture."""
        with plt.rc_context(LIVE_STYLE):
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
            ax.set_ylim(*_nice_limits(lo - pad if lo < 0 else lo,
                                      hi + pad if hi > 0 else hi + (lo == hi)))

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

    def _data_artists(self) -> list:
        """What changes with the data, in drawing order: each axes' bars, lines, fills, texts,
        title and legend, and the figure's title. The rest (frame, grid, ticks and their
        labels, axis labels) depends only on the axis limits."""
        out = []
        for ax in self.axes:
            mine = [*ax.patches, *ax.lines, *ax.collections, *ax.texts]
            mine.sort(key=lambda a: a.get_zorder())  # stable: the order a fresh draw uses
            out += [(ax, a) for a in mine]
            out += [(ax, t) for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
            if ax.legend_ is not None:
                out.append((ax, ax.legend_))
        if self.figure._suptitle is not None:
            out.append((self.figure, self.figure._suptitle))
        return out

    def png(self) -> bytes:
        """The chart as PNG bytes (fast compression). The axes, grid and tick labels are drawn
        once per set of axis limits and kept; a change of the data redraws only the bars,
        lines and titles over them (the value axes move in steps, :func:`_nice_limits`, so
        most changes keep them), the same picture as a fresh draw."""
        from PIL import Image

        canvas = self.figure.canvas
        data = self._data_artists()
        state = (self._key, tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.axes))
        if state != self._drawn_state:
            for _, artist in data:
                artist.set_animated(True)
            canvas.draw()  # everything that depends only on the axis limits
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._drawn_state = state
        else:
            canvas.restore_region(self._background)
        for owner, artist in data:
            owner.draw_artist(artist)
        buf = canvas.buffer_rgba()
        image = Image.frombuffer("RGBA", (buf.shape[1], buf.shape[0]), buf, "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="png", compress_level=1)
        return out.getvalue()


@styled
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


@styled
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


MIX_COLORS = {"As in the scenario": TOTAL, "All monthly": TERM_COLORS["monthly"],
              "All annual, billed monthly": TERM_COLORS["annual_billed_monthly"],
              "All annual, paid upfront": TERM_COLORS["annual_upfront"]}
POLICY_COLORS = {"mirror": "#1f77b4", "flexible": "#ff7f0e"}


def _seats_text(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:,.0f}"


@styled
def crossover(scan_table: pd.DataFrame, currency: str, crossover_seats: float,
              threshold_seats: float | None = None, horizon_months: int | None = None,
              title: str | None = None) -> Figure:
    """Direct minus indirect operating profit by book size (starting seats, log scale), with
    the crossover and Microsoft's direct-bill threshold marked.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> t = pd.DataFrame({"seats": [100, 1000], "direct_advantage": [-5e4, 2e4]})
        >>> crossover(t, "USD", 743.0).axes[0].get_xscale()
        'log'
    """
    fig, ax = _fig()
    s = scan_table["seats"].to_numpy(dtype=float)
    a = scan_table["direct_advantage"].to_numpy(dtype=float)
    ax.plot(s, a, color=CHANNEL_COLORS["direct"], lw=2.5, marker="o",
            label="Direct - indirect operating profit")
    ax.fill_between(s, a, 0, where=a >= 0, color=POSITIVE, alpha=0.15, interpolate=True)
    ax.fill_between(s, a, 0, where=a < 0, color=NEGATIVE, alpha=0.15, interpolate=True)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"))
    if not math.isnan(crossover_seats):
        ax.axvline(crossover_seats, color=TOTAL, ls="--", lw=1.5,
                   label=f"Crossover: {_seats_text(crossover_seats)} seats")
    if threshold_seats is not None and not math.isnan(threshold_seats):
        ax.axvline(threshold_seats, color="#9467bd", ls=":", lw=2,
                   label=f"Direct-bill threshold: {_seats_text(threshold_seats)} seats")
    over = f" over {horizon_months} months" if horizon_months else ""
    ax.set_xlabel("Book size (seats at start, log scale)")
    ax.set_ylabel(f"Direct advantage ({currency}{over})")
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.legend(loc="upper left")
    if title is None:
        if math.isnan(crossover_seats):
            title = "Direct does not catch up with indirect within these book sizes"
        elif crossover_seats <= s[0]:
            title = f"Direct already pays at {_seats_text(s[0])} seats, the smallest book tried"
        else:
            title = f"Direct pays from about {_seats_text(crossover_seats)} seats"
    ax.set_title(title)
    return fig


@styled
def support_tiers(table: pd.DataFrame, currency: str, title: str | None = None) -> Figure:
    """Price and cost per seat per month of each support tier (from
    :func:`cspmodel.analysis.support_tier_margins`), with the margin written on each tier."""
    fig, ax = _fig()
    x = np.arange(len(table))
    labor = (table["labor"] / table["seat_months"]).to_numpy()
    floor = (table["floor_247"] / table["seat_months"]).to_numpy()
    esc = (table["escalation_fees"] / table["seat_months"]).to_numpy()
    tools = (table["tools"] / table["seat_months"]).to_numpy()
    price = (table["revenue"] / table["seat_months"]).to_numpy()
    w = 0.38
    ax.bar(x - w / 2, price, w, color=POSITIVE, label="Price")
    ax.bar(x + w / 2, labor, w, color=NEGATIVE, label="Ticket labor")
    ax.bar(x + w / 2, floor, w, bottom=labor, color="#8c564b", label="24/7 staffing floor")
    ax.bar(x + w / 2, esc, w, bottom=labor + floor, color="#e377c2", label="Escalation fees")
    ax.bar(x + w / 2, tools, w, bottom=labor + floor + esc, color="#7f7f7f",
           label="Per-seat tools")
    cost = labor + floor + esc + tools
    for i, share in enumerate(table["margin_share"]):
        text = "no price" if math.isnan(share) else f"margin {100 * share:.0f}%"
        top = max(price[i], cost[i])
        ax.annotate(text, (x[i], top), ha="center", va="bottom", fontsize=12,
                    fontweight="bold", xytext=(0, 4), textcoords="offset points")
    ax.set_xticks(x, [str(t) for t in table.index])
    ax.set_ylabel(f"{currency} per seat per month")
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.set_ylim(0, max(1.0, float(np.nanmax(np.r_[price, cost]))) * 1.3)
    ax.legend(loc="upper center", ncols=5, fontsize=10)
    ax.set_title(title or "Support tiers: price against cost per seat")
    return fig


@styled
def term_mixes(results: Mapping[str, Result], title: str | None = None) -> Figure:
    """Cumulative cash and deferred revenue of the same book under each term mix."""
    first = next(iter(results.values()))
    cur = first.currency
    fig, (ax1, ax2) = _fig(1, 2, figsize=(13, 5.5))
    for name, res in results.items():
        x = _months(res)
        color = MIX_COLORS.get(name)
        ls = "--" if name == "As in the scenario" else "-"
        ax1.plot(x, res.monthly["cumulative_cash"], label=name, color=color, lw=2, ls=ls)
        ax2.plot(x, res.monthly["deferred_revenue"], label=name, color=color, lw=2, ls=ls)
    for ax, label in ((ax1, f"Cumulative cash ({cur})"), (ax2, f"Deferred revenue ({cur})")):
        ax.axhline(0, color="black", lw=0.8)
        ax.set_ylabel(label)
        ax.set_xlabel("Month")
        ax.yaxis.set_major_formatter(money_formatter(cur))
        month_axis(ax)
    ax1.set_title("Cash collected, net of costs")
    ax2.set_title("Revenue billed but not yet earned")
    ax1.legend(loc="upper left", fontsize=10)
    if title is None:
        best = max(results, key=lambda k: results[k].summary["npv"])
        title = f"Term mix: '{best}' gives the highest NPV of cash"
    fig.suptitle(title, fontsize=14, fontweight="bold")
    return fig


@styled
def prepay_discount(scan_table: pd.DataFrame, currency: str, title: str | None = None) -> Figure:
    """NPV and operating profit of an all-upfront book by prepay discount, against the same
    book billed monthly (dashed)."""
    fig, ax = _fig()
    d = 100 * scan_table["prepay_discount"].to_numpy()
    ax.plot(d, scan_table["npv"], color=TERM_COLORS["annual_upfront"], lw=2.5, marker="o",
            label="NPV, annual paid upfront")
    ax.plot(d, scan_table["operating_profit"], color=TERM_COLORS["annual_upfront"], lw=1.5,
            marker="s", alpha=0.6, label="Operating profit, annual paid upfront")
    ax.axhline(scan_table["billed_monthly_npv"].iloc[0], color=TERM_COLORS[
        "annual_billed_monthly"], ls="--", lw=2, label="NPV, annual billed monthly")
    ax.axhline(scan_table["billed_monthly_profit"].iloc[0], color=TERM_COLORS[
        "annual_billed_monthly"], ls=":", lw=1.5, label="Operating profit, annual billed monthly")
    ax.set_xlabel("Prepay discount (% of the upfront price)")
    ax.set_ylabel(f"{currency} over the horizon")
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.legend(loc="best", fontsize=10)
    ax.set_title(title or "What a prepay discount costs against what early cash is worth")
    return fig


@styled
def contract_policies(scan_table: pd.DataFrame, currency: str,
                      title: str | None = None) -> Figure:
    """Stranded-seat cost (left) and operating profit (right) of mirror and flexible contracts
    as customers' user counts swing more."""
    fig, (ax1, ax2) = _fig(1, 2, figsize=(13, 5.5))
    for policy, part in scan_table.groupby("policy", sort=False):
        v = 100 * part["seat_volatility_annual"].to_numpy()
        color = POLICY_COLORS.get(str(policy))
        ax1.plot(v, part["stranded_seats"], marker="o", lw=2, color=color,
                 label=str(policy).capitalize())
        ax2.plot(v, part["operating_profit"], marker="o", lw=2, color=color,
                 label=str(policy).capitalize())
    for ax, label in ((ax1, f"Stranded-seat cost ({currency} over the horizon)"),
                      (ax2, f"Operating profit ({currency} over the horizon)")):
        ax.set_xlabel("Yearly swing of users per customer (% standard deviation)")
        ax.set_ylabel(label)
        ax.yaxis.set_major_formatter(money_formatter(currency))
        ax.legend()
    ax1.set_title("Seats paid to Microsoft that customers dropped")
    ax2.set_title("What is left")
    fig.suptitle(title or "Mirror or flexible contracts: the stranded-seat risk", fontsize=14,
                 fontweight="bold")
    return fig


@styled
def cost_per_seat(cost_table: pd.DataFrame, currency: str, revenue_per_seat: float,
                  title: str | None = None, top: int = 12) -> Figure:
    """Each cost line per seat per month (horizontal bars, largest on top), against the revenue
    per seat per month."""
    t = cost_table.head(top).iloc[::-1]
    fig, ax = _fig(figsize=(10, 6))
    colors = [TOTAL if s == "operating_costs" else NEGATIVE for s in t["statement"]]
    ax.barh(list(t.index), t["per_seat_month"], color=colors)
    for i, v in enumerate(t["per_seat_month"]):
        ax.annotate(f"{v:,.2f}", (v, i), va="center", xytext=(4, 0), textcoords="offset points",
                    fontsize=10)
    ax.set_xlabel(f"{currency} per seat per month (revenue: {revenue_per_seat:,.2f})")
    ax.xaxis.set_major_formatter(money_formatter(currency))
    ax.set_title(title or "Cost per seat per month, line by line")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=NEGATIVE, label="Cost of sales"),
                       Patch(color=TOTAL, label="Operating cost")], loc="lower right")
    return fig


BATCH_METRICS = (
    ("operating_margin", "Operating margin", "percent"),
    ("npv", "NPV of cash", "money"),
    ("cash_trough", "Cash trough (lowest cumulative cash)", "money"),
    ("ending_arr", "ARR at the end of the horizon", "money"),
)


@styled
def batch_overview(table: pd.DataFrame, title: str | None = None) -> Figure:
    """Four headline figures of every scenario of a batch, side by side (horizontal bars)."""
    currencies = sorted(set(table["currency"])) if "currency" in table else ["USD"]
    cur = currencies[0] if len(currencies) == 1 else "mixed currencies"
    n = len(table)
    fig, axes = _fig(2, 2, figsize=(14, max(6.0, 2.2 + 0.9 * n)))
    labels = [str(x) for x in table["name"]] if "name" in table else [str(i) for i in table.index]
    colors = [CHANNEL_COLORS.get(str(c), TOTAL) for c in table.get("channel", [""] * n)]
    for ax, (key, label, kind) in zip(np.ravel(axes), BATCH_METRICS, strict=True):
        values = table[key].astype(float).to_numpy()
        shown = 100 * values if kind == "percent" else values
        ax.barh(range(n), np.nan_to_num(shown), color=colors)
        ax.set_yticks(range(n), labels)
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
        if kind == "percent":
            ax.set_xlabel("% of revenue")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:.0f}%"))
        else:
            ax.set_xlabel(cur if len(currencies) == 1 else "amount (mixed currencies)")
            ax.xaxis.set_major_formatter(money_formatter(cur if len(currencies) == 1 else ""))
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_title(label)
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color=CHANNEL_COLORS["indirect"], label="Indirect"),
                        Patch(color=CHANNEL_COLORS["direct"], label="Direct")],
               loc="outside lower center", ncols=2)
    fig.suptitle(title or f"{n} scenarios compared", fontsize=15, fontweight="bold")
    return fig


@styled
def renewal_calendar(calendar: pd.DataFrame, currency: str = "USD",
                     title: str | None = None) -> Figure:
    """Seats renewing each month (bars) and what dated price changes add to the monthly
    revenue as the subscriptions renew into them (line), from
    :func:`cspmodel.yourbook.renewal_calendar`."""
    fig, ax1 = _fig(figsize=(11, 5))
    x = np.arange(len(calendar))
    ax1.bar(x, calendar["seats_renewing"], color="#4C72B0", label="Seats renewing")
    ax1.set_ylabel("Seats renewing (annual and three-year terms)")
    ax1.set_xlabel("Month")
    ax1.set_xticks(x, list(calendar.index), rotation=60, ha="right", fontsize=9)
    ax2 = ax1.twinx()
    ax2.plot(x, calendar["price_change_to_date"], color="#C44E52", lw=2.5, marker="o",
             label="Monthly revenue added by price changes")
    ax2.set_ylabel(f"Monthly revenue added ({currency} a month)")
    ax2.yaxis.set_major_formatter(money_formatter(currency))
    ax2.set_ylim(bottom=0)
    lines = ax1.get_legend_handles_labels()
    more = ax2.get_legend_handles_labels()
    ax1.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=10)
    if title is None:
        end = calendar["price_change_to_date"].iloc[-1]
        title = (f"Renewals month by month: price changes add {currency} {end:,.0f} a month "
                 f"by {calendar.index[-1]}")
    ax1.set_title(title, fontsize=14, fontweight="bold")
    return fig


@styled
def azure_margin_and_exposure(margins: pd.DataFrame, result: Result,
                              title: str | None = None) -> Figure:
    """Left: each segment's Azure margin over the horizon with and without the partner-earned
    credit (``margins``: :func:`cspmodel.azure_analysis.azure_margins`). Right: the credit
    exposure month by month (usage not yet collected plus the next month's) against the Azure
    margin a month."""
    cur = result.currency
    fig, (ax1, ax2) = _fig(1, 2, figsize=(12, 5.5))
    seg = margins.drop(index="all")
    y = np.arange(len(seg))
    ax1.barh(y + 0.2, seg["margin"], height=0.4, color=POSITIVE, label="With the PEC")
    ax1.barh(y - 0.2, seg["margin_without_pec"], height=0.4, color=NEGATIVE,
             label="Without it (no admin relationship)")
    ax1.set_yticks(y, [str(s) for s in seg.index])
    ax1.axvline(0, color="black", lw=0.8)
    ax1.xaxis.set_major_formatter(money_formatter(cur))
    ax1.xaxis.set_major_locator(MaxNLocator(4))
    ax1.set_xlabel(f"Azure margin over {result.scenario.horizon_months} months ({cur})")
    ax1.legend(loc="lower right")
    ax1.set_title("Margin with and without the PEC")
    x = _months(result)
    az = result.azure()
    for name, frame in az.groupby(level="segment", sort=False):
        if float(frame["charged"].sum()):
            ax2.plot(x, frame["exposure"].to_numpy(), lw=2, label=f"Exposure: {name}")
    led = result.lines()
    margin = sum(led.get(k, 0.0) for k in ("azure_consumption", "azure_management_fees")) - sum(
        led.get(k, 0.0) for k in ("azure_cost", "azure_reservations", "azure_pec",
                                  "azure_bad_debt"))
    ax2.plot(x, np.asarray(margin, dtype=float), color=TOTAL, lw=2, ls="--",
             label="Azure margin a month")
    ax2.yaxis.set_major_formatter(money_formatter(cur))
    ax2.set_ylabel(f"At risk ({cur})")
    ax2.set_xlabel("Month")
    ax2.legend(loc="upper left")
    ax2.set_title("At risk if customers stop paying")
    month_axis(ax2)
    fig.suptitle(title or f"{result.scenario.name}: Azure margin and credit exposure",
                 fontweight="bold")
    return fig


@styled
def financing_cash(financed: Result, upfront: Result, title: str | None = None) -> Figure:
    """Cumulative cash with the deployments financed against the same book paying them
    upfront."""
    cur = financed.currency
    fig, ax = _fig()
    x = _months(financed)
    a = financed.monthly["cumulative_cash"].to_numpy()
    b = upfront.monthly["cumulative_cash"].to_numpy()
    ax.plot(x, b, color=TOTAL, lw=2, label="Deployments paid upfront")
    ax.plot(x, a, color=NEGATIVE, lw=2.5, label="Deployments financed")
    ax.fill_between(x, a, b, where=a < b, color=NEGATIVE, alpha=0.15,
                    label="Cash the partner carries")
    ax.axhline(0, color="black", lw=0.8)
    ax.yaxis.set_major_formatter(money_formatter(cur))
    ax.set_ylabel(f"Cumulative cash ({cur})")
    ax.set_xlabel("Month")
    ax.legend(loc="upper left")
    month_axis(ax)
    ax.set_title(title or f"{financed.scenario.name}: cash with financed deployments")
    return fig
