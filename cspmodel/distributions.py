"""Uncertain inputs: a numeric driver given as a distribution instead of a number.

In a scenario file any numeric driver of a segment, a support tier, support, costs, services,
the channel's direct or indirect costs, or the discount rate may be written as a distribution::

    churn_annual: {dist: beta, a: 2, b: 18}
    seats_per_customer: {dist: triangular, low: 10, mode: 15, high: 25}

Kinds and their keys (every key required):

==========  ==================  ==========================================================
dist        keys                meaning
==========  ==================  ==========================================================
normal      mean, sd            normal with that mean and standard deviation (sd >= 0)
lognormal   mean, sd            lognormal whose own mean and sd are these (mean > 0)
beta        a, b                beta(a, b) on 0..1 (a, b > 0); mean a / (a + b)
triangular  low, mode, high     low <= mode <= high
uniform     low, high           low <= high
poisson     mean                counts (whole numbers) with that mean (mean >= 0)
==========  ==================  ==========================================================

The deterministic run (``simulate(scenario)``) uses the distribution's mean, clipped to the
field's allowed range; a Monte Carlo run (``simulate(scenario, paths=N, seed=S)``) draws one value
per path and clips each draw to that range. In Python the field then holds an
:class:`Uncertain`: a float equal to that clipped mean that also carries the distribution, so
every formula that reads the field reads the mean, and the scenario writes back to YAML with its
distribution.

Example:
    >>> d = parse_distribution({"dist": "beta", "a": 2, "b": 18})
    >>> d.mean()
    0.1
    >>> parse_distribution({"dist": "gamma", "k": 2})
    Traceback (most recent call last):
    ...
    ValueError: unknown distribution 'gamma'; allowed: normal, lognormal, beta, triangular, \
uniform, poisson
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

KEYS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "beta": ("a", "b"),
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "poisson": ("mean",),
}


@dataclass(frozen=True)
class Distribution:
    """One validated distribution: its kind and parameters (see the module's table)."""

    kind: str
    params: tuple[tuple[str, float], ...]

    @property
    def p(self) -> dict[str, float]:
        """Parameters by name."""
        return dict(self.params)

    def spec(self) -> dict[str, Any]:
        """The mapping written in a scenario file, e.g. ``{"dist": "beta", "a": 2, "b": 18}``."""
        return {"dist": self.kind, **self.p}

    def mean(self) -> float:
        """The distribution's mean (before any clipping to a field's range)."""
        p = self.p
        if self.kind in ("normal", "lognormal", "poisson"):
            return p["mean"]
        if self.kind == "beta":
            return p["a"] / (p["a"] + p["b"])
        if self.kind == "triangular":
            return (p["low"] + p["mode"] + p["high"]) / 3.0
        return (p["low"] + p["high"]) / 2.0  # uniform

    def zero_spread(self) -> bool:
        """True when every draw equals the mean (sd 0, or low == high)."""
        p = self.p
        if self.kind in ("normal", "lognormal"):
            return p["sd"] == 0.0
        if self.kind in ("triangular", "uniform"):
            return p["low"] == p["high"]
        if self.kind == "poisson":
            return p["mean"] == 0.0
        return False

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles at probabilities ``u`` (0..1): draws from uniforms (Monte Carlo, Sobol).

        Example:
            >>> parse_distribution({"dist": "uniform", "low": 10, "high": 20}).ppf(
            ...     np.array([0.0, 0.5]))
            array([10., 15.])
        """
        from scipy import stats

        u = np.asarray(u, dtype=float)
        if self.zero_spread():
            return np.full(u.shape, self.mean())
        p = self.p
        if self.kind == "normal":
            return stats.norm.ppf(u, loc=p["mean"], scale=p["sd"])
        if self.kind == "lognormal":
            s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
            mu = math.log(p["mean"]) - s2 / 2.0
            return stats.lognorm.ppf(u, s=math.sqrt(s2), scale=math.exp(mu))
        if self.kind == "beta":
            return stats.beta.ppf(u, p["a"], p["b"])
        if self.kind == "triangular":
            width = p["high"] - p["low"]
            return stats.triang.ppf(u, (p["mode"] - p["low"]) / width, loc=p["low"],
                                    scale=width)
        if self.kind == "uniform":
            return p["low"] + u * (p["high"] - p["low"])
        # the smallest count whose probability to be reached is at least u: looked up in the
        # table of the cumulative probabilities (one inversion for the largest u, not one each)
        top = int(stats.poisson.ppf(u.max(), p["mean"])) if u.size else 0
        cdf = stats.poisson.cdf(np.arange(top + 1), p["mean"])
        return np.searchsorted(cdf, u, side="left").astype(float)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws (by inversion of ``n`` uniforms, so one seed gives one answer)."""
        # open interval: ppf(0) of a normal is -inf
        u = rng.random(n)
        u = np.clip(u, 1e-12, 1.0 - 1e-12)
        return self.ppf(u)


def parse_distribution(spec: Any) -> Distribution:
    """Validate a ``{dist: ..., ...}`` mapping; ValueError says what is wrong and allowed.

    Example:
        >>> parse_distribution({"dist": "uniform", "low": 1, "high": 3}).mean()
        2.0
    """
    if not isinstance(spec, dict):
        raise ValueError("a distribution is a block like {dist: normal, mean: 0.1, sd: 0.02}")
    kind = spec.get("dist")
    if not isinstance(kind, str) or kind not in KEYS:
        raise ValueError(f"unknown distribution {kind!r}; allowed: " + ", ".join(KEYS))
    need = KEYS[kind]
    extra = [k for k in spec if k not in need and k != "dist"]
    missing = [k for k in need if k not in spec]
    if extra or missing:
        raise ValueError(f"a {kind} distribution takes exactly the keys {', '.join(need)}"
                         + (f"; unknown: {', '.join(map(str, extra))}" if extra else "")
                         + (f"; missing: {', '.join(missing)}" if missing else ""))
    p: dict[str, float] = {}
    for k in need:
        v = spec[k]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValueError(f"{kind} parameter {k} = {v!r} must be a finite number")
        p[k] = float(v)
    rules = {
        "normal": (p.get("sd", 0) >= 0, "sd must be at least 0"),
        "lognormal": (p.get("mean", 0) > 0 and p.get("sd", 0) >= 0,
                      "mean must be more than 0 and sd at least 0"),
        "beta": (p.get("a", 0) > 0 and p.get("b", 0) > 0, "a and b must be more than 0"),
        "triangular": (p.get("low", 0) <= p.get("mode", 0) <= p.get("high", 0),
                       "low <= mode <= high is required"),
        "uniform": (p.get("low", 0) <= p.get("high", 0), "low <= high is required"),
        "poisson": (p.get("mean", 0) >= 0, "mean must be at least 0"),
    }
    ok, rule = rules[kind]
    if not ok:
        shown = ", ".join(f"{k}={v:g}" for k, v in p.items())
        raise ValueError(f"invalid {kind} distribution ({shown}): {rule}")
    return Distribution(kind, tuple(p.items()))


def clip_to_bounds(x: np.ndarray | float, bounds: dict[str, float]) -> np.ndarray | float:
    """Clip values to a field's allowed range (``gt``/``lt`` stay just inside).

    Example:
        >>> clip_to_bounds(np.array([-0.2, 0.5, 1.4]), {"ge": 0.0, "le": 1.0})
        array([0. , 0.5, 1. ])
    """
    lo = bounds.get("ge", np.nextafter(bounds["gt"], np.inf) if "gt" in bounds else -np.inf)
    hi = bounds.get("le", np.nextafter(bounds["lt"], -np.inf) if "lt" in bounds else np.inf)
    out = np.clip(x, lo, hi)
    return float(out) if np.ndim(out) == 0 else out


class Uncertain(float):
    """A float equal to a distribution's clipped mean, carrying the distribution.

    Example:
        >>> u = Uncertain(0.1, parse_distribution({"dist": "beta", "a": 2, "b": 18}))
        >>> u * 2, u.dist.kind
        (0.2, 'beta')
    """

    dist: Distribution

    def __new__(cls, value: float, dist: Distribution) -> Uncertain:
        obj = super().__new__(cls, value)
        obj.dist = dist
        return obj

    def __repr__(self) -> str:
        return f"Uncertain({float(self)!r}, {self.dist.spec()!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Uncertain):
            return float(self) == float(other) and self.dist == other.dist
        return float.__eq__(self, other)  # type: ignore[arg-type]

    __hash__ = float.__hash__

    def __reduce__(self) -> tuple[Any, ...]:
        return (Uncertain, (float(self), self.dist))


def is_distribution_spec(value: Any) -> bool:
    """True for a mapping with a ``dist`` key (a distribution written in a scenario file)."""
    return isinstance(value, dict) and "dist" in value


# Fields that may hold a distribution, by schema block; None means every number of the block.
# Each is a numeric driver of the engine (``engine.build_inputs`` puts it in ``Inputs.drivers``).
ALLOWED_FIELDS: dict[str, tuple[str, ...] | None] = {
    "Segment": ("customers_at_start", "new_customers_per_month", "churn_annual",
                "seats_per_customer", "seats_per_customer_at_start", "seat_growth_annual",
                "seat_volatility_annual",
                "prepay_discount", "markup_vs_list"),
    "SupportTier": ("price_per_seat_month", "tickets_per_seat_month", "minutes_per_ticket",
                    "escalation_rate", "escalation_minutes"),
    "Support": ("labor_rate_per_hour", "utilization", "staff_on_shift_247",
                "vendor_plan_cost_per_year"),
    "AzureConsumption": ("consumption_per_customer_month", "growth_annual",
                         "volatility_monthly", "pec_eligible_share", "reserved_share",
                         "reservation_discount", "markup_vs_retail", "management_fee_share",
                         "bad_debt_rate"),
    "Financing": ("share", "annual_rate"),
    "Channel": ("pec_rate",),
    "Costs": None,
    "Services": None,
    "IndirectCosts": None,
    "DirectCosts": None,
    "Scenario": ("discount_rate_annual",),
}


def allowed_fields(model: type) -> tuple[str, ...]:
    """Names of the fields of a schema block that accept a distribution (may be empty)."""
    if model.__name__ not in ALLOWED_FIELDS:
        return ()
    names = ALLOWED_FIELDS[model.__name__]
    if names is None:
        names = tuple(model.model_fields)  # type: ignore[attr-defined]
    return names


def validate_uncertain(model: type, data: Any, handler: Any) -> Any:
    """The schema's hook: distributions in ``data`` become :class:`Uncertain` field values.

    Each ``{dist: ...}`` is validated; the block is validated with the clipped mean in its place
    (so every other rule applies as usual); the field then holds the mean with its distribution.
    """
    from .checking import field_bounds
    from .errors import LocatedError

    if not isinstance(data, dict) or not any(is_distribution_spec(v) for v in data.values()):
        return handler(data)
    data = dict(data)
    found: dict[str, Uncertain] = {}
    allowed = allowed_fields(model)
    for name, value in list(data.items()):
        if not is_distribution_spec(value):
            continue
        if name not in allowed:
            where = (f"allowed on: {', '.join(allowed)}" if allowed else
                     "this block takes plain values only")
            raise LocatedError((name,), value, f"a distribution is not allowed for {name}; "
                               + where)
        try:
            dist = parse_distribution(value)
        except ValueError as exc:
            raise LocatedError((name,), value, str(exc)) from None
        mean = clip_to_bounds(dist.mean(), field_bounds(model.model_fields[name]))
        data[name] = mean
        found[name] = Uncertain(float(mean), dist)
    obj = handler(data)
    for name, u in found.items():
        object.__setattr__(obj, name, u)
    return obj


def serialize_uncertain(obj: Any, data: Any) -> Any:
    """The schema's hook on output: an :class:`Uncertain` field is written as its distribution."""
    if isinstance(data, dict):
        for name, value in obj.__dict__.items():
            if isinstance(value, Uncertain) and name in data:
                data[name] = value.dist.spec()
    return data
