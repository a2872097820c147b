"""Uncertainty and decisions: Monte Carlo draws, sweeps, sensitivity and break-even.

Everything runs on the engine's paths axis: a Monte Carlo run puts one draw per path, a sweep
puts one point per path, and the core runs every path at once (no Python loop over paths).
Only what cannot live on the paths axis (a text choice such as ``channel.model``, or the
horizon) is run point by point, through any ``concurrent.futures.Executor``.

Example:
    >>> import cspmodel
    >>> s = cspmodel.load_scenario("scenarios/small_indirect_msp.yaml")
    >>> s = s.with_overrides({"segments.0.churn_annual": {"dist": "beta", "a": 2, "b": 18}})
    >>> r = cspmodel.simulate(s, paths=1000, seed=1)
    >>> 0.0 <= r.probability("operating_profit > 0") <= 1.0
    True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .distributions import clip_to_bounds
from .drivers import (  # noqa: F401 - the map from a scenario key to the engine's inputs
    COMPANY_KEYS,
    _check_values,
    _current,
    _field_bounds,
    _get,
    _parts,
    _targets,
    apply_values,
    azure_draws,
    draw,
    drawn_inputs,
    uncertain_fields,
)
from .engine import build_inputs
from .result import (  # noqa: F401 - they live with the results
    CHUNK_PATHS,
    _result_from_inputs,
    percentiles,
    probability,
    simulate,
)
from .schema import Scenario

__all__ = [
    "uncertain_fields", "draw", "sweep", "sensitivity", "sobol", "breakeven", "BreakEven",
    "probability", "percentiles", "probability_beats",
]

def probability_beats(a: Scenario, b: Scenario, metric: str = "npv", paths: int = 1000,
                      seed: int | None = 0) -> float:
    """Probability that ``a`` ends with a higher ``metric`` than ``b`` (same draws in both).

    Both scenarios draw their uncertain fields from the same seed in file order, so the same
    market is compared under the two choices (common random numbers).

    Example:
        >>> import cspmodel
        >>> indirect = cspmodel.load_scenario("scenarios/small_indirect_msp.yaml")
        >>> direct = indirect.with_overrides({"channel.model": "direct",
        ...     "support.vendor_plan": "advanced_support_for_partners"})
        >>> probability_beats(direct, indirect, "npv", paths=200)  # a small MSP: never
        0.0
    """
    ra, rb = simulate(a, paths=paths, seed=seed), simulate(b, paths=paths, seed=seed)
    x, y = ra.paths[metric].to_numpy(), rb.paths[metric].to_numpy()
    return float(np.mean(x > y))


# --------------------------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------------------------
def _points(grid: dict[str, Iterable[Any]] | None,
            zip: dict[str, Iterable[Any]] | None) -> pd.DataFrame:  # noqa: A002
    if (grid is None) == (zip is None):
        raise ValueError("give either grid={key: values} (every combination) or "
                         "zip={key: values} (position by position)")
    spec = {k: list(v) for k, v in (grid or zip or {}).items()}
    if not spec:
        raise ValueError("the sweep names no key")
    for k, v in spec.items():
        if not v:
            raise ValueError(f"{k} has no values to sweep")
    if grid is not None:
        rows = list(itertools.product(*spec.values()))
        return pd.DataFrame(rows, columns=list(spec))
    lengths = {k: len(v) for k, v in spec.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError("zip needs lists of equal length; got "
                         + ", ".join(f"{k}: {n}" for k, n in lengths.items()))
    return pd.DataFrame(spec)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _run_group(scenario: Scenario, values: dict[str, np.ndarray], paths: int | None = None,
               seed: int | None = None) -> pd.DataFrame:
    """Run one scenario with one value per path for each key: the paths' summary metrics."""
    inp = build_inputs(scenario)
    n = len(next(iter(values.values()))) if values else 1
    if paths is None:
        inp = apply_values(inp, values)
        return _result_from_inputs(inp).paths.reset_index(drop=True)
    # Monte Carlo at each point: the point's values repeated over its paths, as many points
    # at once as fit in a chunk of paths (a bounded working set)
    drawn = draw(scenario, paths, seed)
    per = max(1, CHUNK_PATHS // paths)
    frames = []
    for a in range(0, n, per):
        m = min(per, n - a)
        rep = {k: np.tile(v, m) for k, v in drawn.items()}
        rep.update({k: np.repeat(np.asarray(v, float)[a:a + m], paths)
                    for k, v in values.items()})
        part = apply_values(inp, rep)
        part.azure_z = azure_draws(part, paths, seed, m)
        res = _result_from_inputs(part).paths
        res["point"] = np.repeat(np.arange(a, a + m), paths)
        frames.append(res.groupby("point").mean())
    return pd.concat(frames).reset_index(drop=True)


def sweep(scenario: Scenario, grid: dict[str, Iterable[Any]] | None = None,
          zip: dict[str, Iterable[Any]] | None = None,  # noqa: A002 - the API's word
          executor: Executor | None = None, progress: bool | None = None,
          paths: int | None = None, seed: int | None = 0) -> pd.DataFrame:
    """Run a scenario at many points; a tidy frame, one row per point: keys, then metrics.

    ``grid`` runs every combination of the values; ``zip`` runs them position by position
    (lists of equal length). Keys are dotted scenario keys. Numeric drivers go on the engine's
    paths axis (one core run for all points); any other key (``channel.model``,
    ``horizon_months``...) runs one scenario per value through ``executor`` (any
    ``concurrent.futures.Executor``: a process pool or a dask client's executor; the default
    runs in-process), with a progress bar when there are many. ``paths`` makes each point the
    mean of a Monte Carlo run of the scenario's distributions.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 12\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> df = sweep(s, grid={"segments.0.churn_annual": [0.1, 0.2],
        ...                     "channel.model": ["indirect"]})
        >>> df.shape[0], list(df.columns[:2])
        (2, ['segments.0.churn_annual', 'channel.model'])
    """
    pts = _points(grid, zip)
    keys = list(pts.columns)
    source = f"sweep of {scenario.name!r}"
    vector = [k for k in keys if _targets(scenario, k) is not None
              and all(_is_number(v) for v in pts[k])]
    other = [k for k in keys if k not in vector]
    for k in vector:
        _check_values(k, pts[k].to_numpy(dtype=float), source)
    if other:
        group_ids = pts.groupby(other, sort=False, dropna=False).ngroup().to_numpy()
    else:
        group_ids = np.zeros(len(pts), dtype=int)
    tasks = []
    for g in range(group_ids.max() + 1):
        rows = np.nonzero(group_ids == g)[0]
        first = pts.iloc[rows[0]]
        sc = scenario.with_overrides({k: _plain(first[k]) for k in other}) if other else scenario
        if any(_targets(sc, k) is None for k in vector):  # a key that only exists after others
            raise ValueError("cannot sweep " + ", ".join(vector) + " together with " +
                             ", ".join(other))
        values = {k: pts[k].to_numpy(dtype=float)[rows] for k in vector}
        tasks.append((rows, sc, values))
    show = progress if progress is not None else len(tasks) >= 8
    frames: list[pd.DataFrame | None] = [None] * len(tasks)
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc="sweep", disable=not show, leave=False)
    try:
        if executor is None:
            for i, (_, sc, values) in enumerate(tasks):
                frames[i] = _run_group(sc, values, paths, seed)
                bar.update()
        else:
            futures = {executor.submit(_run_group, sc, values, paths, seed): i
                       for i, (_, sc, values) in enumerate(tasks)}
            from concurrent.futures import as_completed

            for fut in as_completed(futures):
                frames[futures[fut]] = fut.result()
                bar.update()
    finally:
        bar.close()
    columns = list(frames[0].columns)  # type: ignore[union-attr]
    metrics = np.full((len(pts), len(columns)), np.nan)
    for (rows, _, _), frame in zip_(tasks, frames, strict=True):
        assert frame is not None
        metrics[rows] = frame[columns].to_numpy(dtype=float)
    return pd.concat([pts.reset_index(drop=True), pd.DataFrame(metrics, columns=columns)],
                     axis=1)


zip_ = zip  # the builtin, under a name the sweep's ``zip`` argument does not hide


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


# --------------------------------------------------------------------------------------------
# Sensitivity
# --------------------------------------------------------------------------------------------
def sensitivity(scenario: Scenario, ranges: dict[str, tuple[float, float]],
                metric: str = "npv", executor: Executor | None = None,
                against: Scenario | None = None) -> pd.DataFrame:
    """One-at-a-time sensitivity: the metric at each key's low and high, widest swing first.

    With ``against`` (e.g. the indirect twin of a direct plan), the metric is the difference
    ``metric(scenario) - metric(against)``, each key set to the same value in both: what
    drives the gap between two choices.

    Returns a tornado table: ``key, low, high, base_value, metric_at_low, metric_at_high,
    swing`` (``swing = |at high - at low|``) with the base metric in ``base``. All the runs sit
    on the paths axis of one core run when every key is a numeric driver.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 12\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> t = sensitivity(s, {"segments.0.churn_annual": (0.05, 0.3),
        ...                     "costs.accounting_per_month": (0, 1)})
        >>> t["key"].iloc[0]
        'segments.0.churn_annual'
    """
    if not ranges:
        raise ValueError("ranges names no key; give {key: (low, high)}")
    base = float(simulate(scenario).summary[metric])
    if against is not None:
        base -= float(simulate(against).summary[metric])
    keys = list(ranges)
    now = {k: _current(scenario, k) for k in keys}
    rows = []
    for k in keys:
        lo, hi = ranges[k]
        rows.append({k2: now[k2] for k2 in keys} | {k: lo})
        rows.append({k2: now[k2] for k2 in keys} | {k: hi})
    pts = pd.DataFrame(rows)
    res = sweep(scenario, zip={k: pts[k].tolist() for k in keys}, executor=executor)
    if against is not None:
        other = sweep(against, zip={k: pts[k].tolist() for k in keys}, executor=executor)
        res[metric] = res[metric] - other[metric]
    table = []
    for i, k in enumerate(keys):
        lo_v, hi_v = float(res[metric].iloc[2 * i]), float(res[metric].iloc[2 * i + 1])
        table.append({"key": k, "low": ranges[k][0], "high": ranges[k][1],
                      "base_value": now[k], "metric_at_low": lo_v,
                      "metric_at_high": hi_v, "swing": abs(hi_v - lo_v)})
    df = pd.DataFrame(table).sort_values("swing", ascending=False, kind="stable")
    df = df.reset_index(drop=True)
    label = metric if against is None else f"{metric} difference vs {against.name}"
    df.attrs.update(metric=label, base=base, currency=scenario.currency)
    return df


def sobol(scenario: Scenario, metric: str = "npv", n: int = 256,
          seed: int | None = 0) -> pd.DataFrame:
    """Variance-based (Sobol) indices of a metric over the scenario's distributions (SALib).

    Saltelli's scheme draws ``n x (2D + 2)`` points for ``D`` uncertain fields, all run on the
    paths axis at once. ``S1`` is the share of the metric's variance due to a field alone,
    ``ST`` including its interactions; widest ``ST`` first.

    Example:
        >>> sobol(scenario_with_distributions, "npv", n=256)  # doctest: +SKIP
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    fields = uncertain_fields(scenario)
    if not fields:
        raise ValueError(f"{scenario.name!r} has no distributions; give some numeric drivers "
                         "as {dist: ...} to run a Sobol analysis")
    if n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of 2 (e.g. 256); got {n}")
    keys = list(fields)
    problem = {"num_vars": len(keys), "names": keys,
               "bounds": [[1e-9, 1 - 1e-9]] * len(keys)}
    u = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    values = {k: np.asarray(clip_to_bounds(fields[k].dist.ppf(u[:, i]), _field_bounds(k)),
                            dtype=float) for i, k in enumerate(keys)}
    y = _result_from_inputs(apply_values(build_inputs(scenario), values)).paths[metric]
    y = y.to_numpy(dtype=float)
    if np.isnan(y).any():
        raise ValueError(f"{metric} is undefined on some paths; choose another metric")
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    df = pd.DataFrame({"key": keys, "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"],
                       "ST_conf": si["ST_conf"]})
    return df.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Break-even
# --------------------------------------------------------------------------------------------
@dataclass
class BreakEven:
    """Where a metric reaches a target as one key varies (or two scenarios cross).

    ``found`` is False when there is no crossing in the range; ``sentence`` says so plainly.
    ``curve`` holds the scan (key, metric, and the other scenario's metric with ``against``).
    """

    key: str
    metric: str
    target: float
    found: bool
    value: float
    low: float
    high: float
    sentence: str
    curve: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def __str__(self) -> str:
        return self.sentence


def _narrow(gap: Callable[[np.ndarray], np.ndarray], a_x: float, b_x: float, s_a: float,
            tol: float, whole: bool) -> float:
    """Narrow a bracket ``[a_x, b_x]`` whose gap changes sign (``s_a`` at ``a_x``) until it is
    within ``tol``, 16 points a step (whole numbers only for a whole-number key: the answer is
    then the first whole value at or past the crossing)."""
    while b_x - a_x > tol:
        inner = np.linspace(a_x, b_x, 18)[1:-1]
        if whole:
            inner = np.unique(np.round(inner))
            inner = inner[(inner > a_x) & (inner < b_x)]
        pts = np.concatenate([[a_x], inner, [b_x]])
        gs = np.concatenate([[s_a], np.sign(gap(inner)), [-s_a]])
        if (gs == 0).any():
            return float(pts[np.argmax(gs == 0)])
        j = int(np.nonzero(gs[:-1] * gs[1:] < 0)[0][0])
        a_x, b_x = float(pts[j]), float(pts[j + 1])
    return b_x if whole else (a_x + b_x) / 2.0


def _is_whole_number(key: str) -> bool:
    """Whether the scenario key takes whole numbers only (days, months)."""
    import typing

    from .io import _field_at

    parts = tuple(int(p) if p.isdigit() else p for p in key.split("."))
    f = _field_at(parts)
    if f is None:
        return False
    ann = f.annotation
    while typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    return ann is int or (bool(args) and all(a is int for a in args))


def _default_range(scenario: Scenario, key: str) -> tuple[float, float]:
    b = _field_bounds(key)
    now = _current(scenario, key)
    lo = b.get("ge", b.get("gt", min(0.0, now)))
    hi = b.get("le", b.get("lt", max(4.0 * abs(now), 1.0)))
    return float(lo), float(hi)


def breakeven(scenario: Scenario, vary: str, metric: str = "npv", target: float = 0.0,
              against: Scenario | None = None, low: float | None = None,
              high: float | None = None, points: int = 33, tol: float | None = None,
              executor: Executor | None = None) -> BreakEven:
    """The value of ``vary`` at which ``metric`` reaches ``target`` (or ``against`` is met).

    Without ``against``: solves ``metric(x) = target``. With ``against`` (another scenario,
    e.g. the indirect twin of a direct plan): the same key is set in both and it solves
    ``metric_scenario(x) = metric_against(x)``, the point where one overtakes the other. The
    range (``low``..``high``, default the field's allowed range, or 0 to 4x today's value) is
    scanned at ``points`` values in one vectorized run, the first sign change is bracketed and
    then narrowed (each step a vectorized run of 16 values) until it is within ``tol`` (default
    range / 1e6). No crossing gives ``found=False`` and a sentence saying so.

    A whole-number key (``billing.dso_days``, ``horizon_months``) is bracketed on whole
    numbers only, and the answer is the first whole value at which the metric has reached the
    target.

    Example (how many new customers a month before the book makes an operating profit?):
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 36\\nsegments:\\n- name: A\\n"
        ...     "  customers_at_start: 20\\n  product_mix: {m365_business_premium: 1}\\n")
        >>> b = breakeven(s, "segments.0.customers_at_start", "operating_profit", low=0,
        ...               high=1000)
        >>> b.found, 20 < b.value < 1000
        (True, True)
        >>> breakeven(s, "billing.dso_days", "npv", target=-1e9).found  # whole days only
        False
    """
    d_lo, d_hi = _default_range(scenario, vary)
    lo = d_lo if low is None else float(low)
    hi = d_hi if high is None else float(high)
    whole = _is_whole_number(vary)
    if whole:
        lo, hi = float(math.ceil(lo)), float(math.floor(hi))
    if not hi > lo:
        raise ValueError(f"the range of {vary} is empty: low {lo:g}, high {hi:g}")
    tol = (hi - lo) / 1e6 if tol is None else tol
    if whole:
        tol = max(tol, 1.0)

    def gap(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        a = sweep(scenario, zip={vary: xs.tolist()}, executor=executor)[metric]
        a = a.to_numpy(dtype=float)
        if against is None:
            return a - target, a, None
        b = sweep(against, zip={vary: xs.tolist()}, executor=executor)[metric]
        b = b.to_numpy(dtype=float)
        return a - b, a, b

    xs = np.linspace(lo, hi, points)
    if whole:
        xs = np.unique(np.round(xs))
    g, a, b = gap(xs)
    curve = pd.DataFrame({vary: xs, metric: a})
    if b is not None:
        curve[f"{metric} ({against.name})"] = b  # type: ignore[union-attr]
    sign = np.sign(g)
    exact = np.nonzero(g == 0)[0]
    change = np.nonzero(sign[:-1] * sign[1:] < 0)[0]
    what = (f"{metric} reaches {target:,.6g}" if against is None else
            f"{scenario.name} and {against.name} have the same {metric}")
    if len(exact) == 0 and len(change) == 0:
        if np.isnan(g).all():
            sentence = f"{metric} is undefined over {vary} from {lo:,.6g} to {hi:,.6g}."
        else:
            side = "above" if np.nanmin(g) > 0 else "below"
            subject = (f"{metric}" if against is None else
                       f"{metric} of {scenario.name} minus that of {against.name}")
            ref = f"{target:,.6g}" if against is None else "0"
            sentence = (f"No crossing: {subject} stays {side} {ref} for {vary} from {lo:,.6g} to "
                        f"{hi:,.6g} (closest {np.nanmin(np.abs(g)):,.0f} away at {vary} = "
                        f"{xs[np.nanargmin(np.abs(g))]:,.6g}).")
        return BreakEven(vary, metric, target, False, math.nan, lo, hi, sentence, curve)
    first = min(list(exact) + list(change))
    if first in exact:
        x = float(xs[first])
    else:
        x = _narrow(lambda v: gap(v)[0], float(xs[first]), float(xs[first + 1]),
                    float(np.sign(g[first])), tol, whole)
    sentence = f"{what} at {vary} = {x:,.6g} (searched {lo:,.6g} to {hi:,.6g})."
    return BreakEven(vary, metric, target, True, x, lo, hi, sentence, curve)
