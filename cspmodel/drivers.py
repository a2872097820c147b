"""Which engine input each scenario key feeds, and drawing the uncertain ones on a paths axis.

One registry shared by the engine's inputs, Monte Carlo and sweeps (:mod:`cspmodel.uncertainty`)
and the explorer: a dotted key such as ``segments.0.churn_annual`` or
``support.tiers.standard.price_per_seat_month`` maps to the driver arrays of
:class:`cspmodel.inputs.Inputs` it sets, so a value per path can be put in without
rebuilding the scenario.

Example (what does a churn key feed?):
    >>> from cspmodel.io import load_scenario_text
    >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
    ...     "  product_mix: {m365_business_basic: 1}\\n")
    >>> _targets(s, "segments.0.churn_annual")
    [('churn_annual', [0], 'set')]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel

from .distributions import Uncertain, clip_to_bounds
from .errors import Problem, ScenarioError
from .inputs import (
    AZURE_DRIVERS,
    FINANCING_DRIVERS,
    SEGMENT_DRIVERS,
    TIER_DRIVERS,
    Inputs,
    build_inputs,
)
from .schema import Scenario, describe_bounds, field_bounds

COMPANY_KEYS = {
    ("support", "labor_rate_per_hour"): "labor_rate_per_hour",
    ("support", "utilization"): "utilization",
    ("support", "staff_on_shift_247"): "staff_on_shift_247",
    ("billing", "dso_days"): "dso_days",
    ("discount_rate_annual",): "discount_rate_annual",
}


# --------------------------------------------------------------------------------------------
# Which driver a scenario key feeds
# --------------------------------------------------------------------------------------------
def _parts(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.lstrip("-").isdigit() else p for p in key.split("."))


def _targets(sc: Scenario, key: str) -> list[tuple[str, list[int] | None, str]] | None:
    """The drivers a scenario key feeds: (driver, segment columns or None, set|add).

    None when the key is not a numeric driver (it must then run point by point). An empty
    list means the key has no effect in this scenario (a direct-only cost of an indirect
    partner, a tier no segment buys).
    """
    p = _parts(key)
    direct = sc.channel.model == "direct"
    if len(p) == 3 and p[0] == "segments" and isinstance(p[1], int) and (
            p[2] in SEGMENT_DRIVERS or p[2] == "seats_per_customer_at_start"):
        if not -len(sc.segments) <= p[1] < len(sc.segments):
            return None
        return [(p[2], [p[1] % len(sc.segments)], "set")]
    if len(p) == 4 and p[0] == "segments" and isinstance(p[1], int) and (
            (p[2] == "azure" and p[3] in AZURE_DRIVERS)
            or (p[2] == "financing" and p[3] in FINANCING_DRIVERS)):
        if not -len(sc.segments) <= p[1] < len(sc.segments):
            return None
        return [(f"{p[2]}_{p[3]}", [p[1] % len(sc.segments)], "set")]
    if p == ("channel", "pec_rate"):
        return [("pec_rate", None, "set")]
    if len(p) == 4 and p[:2] == ("support", "tiers") and p[3] in TIER_DRIVERS:
        if p[2] not in sc.support.tiers:
            return None
        cols = [i for i, s in enumerate(sc.segments) if s.support_tier == p[2]]
        return [(f"tier_{p[3]}", cols, "set")] if cols else []
    if p in COMPANY_KEYS:
        return [(COMPANY_KEYS[p], None, "set")]
    if p == ("support", "vendor_plan_cost_per_year"):
        return [("vendor_plan_per_year", None, "set")] if (
            direct and sc.support.vendor_plan is not None) else []
    if p == ("channel", "dpo_days"):
        return [("dpo_days", None, "set")]
    if len(p) == 2 and p[0] in ("costs", "services"):
        block = getattr(sc, p[0])
        return [(p[1], None, "set")] if p[1] in type(block).model_fields else None
    if len(p) == 3 and p[:2] == ("channel", "indirect"):
        if p[2] not in type(sc.channel.indirect).model_fields:
            return None
        return [] if direct else [(p[2], None, "set")]
    if len(p) == 3 and p[:2] == ("channel", "direct"):
        if p[2] not in type(sc.channel.direct).model_fields:
            return None
        return [("direct_programme_per_year", None, "add")] if direct else []
    return None


def _get(sc: Scenario, key: str) -> Any:
    node: Any = sc
    for part in _parts(key):
        if isinstance(node, BaseModel):
            node = getattr(node, str(part))
        elif isinstance(node, dict):
            node = node[part]
        else:
            node = node[part]
    return node


def _current(sc: Scenario, key: str) -> float:
    """The value a key has in a scenario's run (an empty key: the default the engine uses)."""
    v = _get(sc, key)
    if v is not None:
        return float(v)
    targets = _targets(sc, key)
    if targets:
        name, cols, _ = targets[0]
        return float(build_inputs(sc).drivers[name][0, 0 if cols is None else cols[0]])
    raise ValueError(f"{key} is empty in {sc.name!r} and has no effect on it; give it a value")


def _field_bounds(key: str) -> dict[str, float]:
    from .io import _field_at

    parts = tuple(p for p in _parts(key))
    f = _field_at(parts)
    return field_bounds(f) if f is not None else {}


def _check_values(key: str, values: np.ndarray, source: str) -> None:
    """Every value of a driver within its field's range, else a ScenarioError."""
    from .io import _field_at

    f = _field_at(_parts(key))
    bounds = field_bounds(f) if f is not None else {}
    is_int = f is not None and f.annotation in (int, int | None)
    bad = ~np.isfinite(values)
    if "ge" in bounds:
        bad |= values < bounds["ge"]
    if "gt" in bounds:
        bad |= values <= bounds["gt"]
    if "le" in bounds:
        bad |= values > bounds["le"]
    if "lt" in bounds:
        bad |= values >= bounds["lt"]
    if is_int:
        bad |= values != np.round(values)
    if bad.any():
        v = float(values[np.argmax(bad)])
        allowed = describe_bounds(bounds) or "a number"
        raise ScenarioError([Problem(source, key, v, f"out of range; allowed: {allowed}"
                                     + (" (whole numbers)" if is_int else ""))])


def apply_values(inp: Inputs, values: dict[str, np.ndarray]) -> Inputs:
    """Inputs whose drivers carry one value per path for each key (all arrays of length P).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> inp = apply_values(build_inputs(s), {"segments.0.churn_annual": np.array([.1, .2])})
        >>> inp.drivers["churn_annual"].tolist(), inp.n_paths
        ([[0.1], [0.2]], 2)
    """
    sc = inp.scenario
    drivers = dict(inp.drivers)
    n = {len(v) for v in values.values()}
    if len(n) > 1:
        raise ValueError("every key needs the same number of values")
    P = n.pop() if n else 1
    for key, vals in values.items():
        targets = _targets(sc, key)
        if targets is None:
            raise ValueError(f"{key} is not a numeric driver of the engine")
        vals = np.asarray(vals, dtype=float)
        for name, cols, mode in targets:
            arr = np.array(np.broadcast_to(drivers[name], (P,) + drivers[name].shape[1:]))
            cols_ = slice(None) if cols is None else cols
            if mode == "set":
                arr[:, cols_] = vals[:, None]
            else:
                arr[:, cols_] += (vals - _current(sc, key))[:, None]
            drivers[name] = arr
    if max(v.shape[0] for v in drivers.values()) < P:  # keys without effect here: P paths
        name = "discount_rate_annual"
        drivers[name] = np.repeat(drivers[name], P, axis=0)
    return Inputs(**{**inp.__dict__, "drivers": drivers})


# --------------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------------
def uncertain_fields(scenario: Scenario) -> dict[str, Uncertain]:
    """Every field of a scenario given as a distribution, by dotted key (file order).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  churn_annual: {dist: beta, a: 2, b: 18}\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> list(uncertain_fields(s))
        ['segments.0.churn_annual']
    """
    out: dict[str, Uncertain] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, Uncertain):
            out[prefix] = node
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                walk(getattr(node, name), f"{prefix}.{name}" if prefix else name)
        elif isinstance(node, tuple | list):
            for i, item in enumerate(node):
                walk(item, f"{prefix}.{i}")
        elif isinstance(node, dict):
            for k, item in node.items():
                walk(item, f"{prefix}.{k}")

    walk(scenario, "")
    return out


def draw(scenario: Scenario, paths: int, seed: int | None = None) -> dict[str, np.ndarray]:
    """One draw per path for each uncertain field, clipped to the field's range.

    Fields are drawn in file order from one generator, so a seed gives the same draws, and two
    scenarios with the same uncertain fields share them (common random numbers).

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  churn_annual: {dist: uniform, low: 0.1, high: 0.3}\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> d = draw(s, 1000, seed=1)["segments.0.churn_annual"]
        >>> bool(0.1 <= d.min() and d.max() <= 0.3)
        True
    """
    rng = np.random.default_rng(seed)
    return {key: np.asarray(clip_to_bounds(u.dist.sample(rng, paths), _field_bounds(key)),
                            dtype=float)
            for key, u in uncertain_fields(scenario).items()}


def drawn_inputs(inp: Inputs, paths: int, seed: int | None,
                 values: dict[str, np.ndarray] | None = None, first: int = 0) -> Inputs:
    """The engine's inputs with the scenario's distributions drawn on a paths axis of ``paths``
    (``values``: the draws of paths ``first`` to ``first + paths`` of a larger run, drawn
    already, so that a path's figures do not depend on how the run is cut into chunks).

    A scenario without distributions gets ``paths`` copies of its deterministic drivers.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n")
        >>> drawn_inputs(build_inputs(s), 3, seed=1).n_paths
        3
    """
    if values is None:
        values = draw(inp.scenario, paths, seed)
    if not values:
        drivers = {k: np.repeat(v, paths, axis=0) if v.shape[0] == 1 else v
                   for k, v in inp.drivers.items()}
        out = Inputs(**{**inp.__dict__, "drivers": drivers})
    else:
        out = apply_values(inp, values)
    out.azure_z = azure_draws(out, paths, seed, first=first)
    return out


DRAW_BLOCK = 1_000  # Azure usage is drawn in blocks of this many paths, each its own stream


def azure_draws(inp: Inputs, paths: int, seed: int | None, points: int = 1, first: int = 0
                ) -> np.ndarray | None:
    """Standard normal draws of Azure usage, one per path, segment and month ``(P, S, H)``
    for paths ``first`` to ``first + paths`` (``points`` copies, the same at each point of a
    sweep), or None where no segment's consumption varies. Drawn from their own streams of the
    seed, one per block of :data:`DRAW_BLOCK` paths, so adding Azure volatility leaves the
    other fields' draws as they were, and a path draws the same whatever chunk it runs in.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> s = load_scenario_text("name: x\\nhorizon_months: 4\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"
        ...     "  azure: {consumption_per_customer_month: 100, volatility_monthly: 0.2}\\n")
        >>> azure_draws(build_inputs(s), 10, seed=1).shape
        (10, 1, 4)
    """
    vol = inp.drivers["azure_volatility_monthly"]
    use = inp.drivers["azure_consumption_per_customer_month"]
    if not ((vol > 0) & (use > 0)).any():
        return None
    shape = (len(inp.segments), inp.horizon)
    if seed is None:
        z = np.random.default_rng().standard_normal((paths, *shape))
    else:
        lo, hi = first // DRAW_BLOCK, (first + paths - 1) // DRAW_BLOCK + 1
        z = np.concatenate([np.random.default_rng([abs(int(seed)), 15, b]).standard_normal(
            (DRAW_BLOCK, *shape)) for b in range(lo, hi)])
        z = z[first - lo * DRAW_BLOCK:first - lo * DRAW_BLOCK + paths]
    return np.tile(z, (points, 1, 1)) if points > 1 else z
