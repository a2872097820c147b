"""Fuzzing (issue "Hardening"): a shipped scenario with some of its values replaced by anything
(huge, tiny, negative, non-finite, text, true/false, lists, mappings, empty) or a key removed or
added is either refused with the package's own error, or runs to finite monthly figures with
the accounting identities holding. A few hundred examples in ``make test``; ``make fuzz`` runs
10,000 (``FUZZ_EXAMPLES``)."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cspmodel
from cspmodel.errors import ScenarioError
from cspmodel.io import validate_data

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
BASES = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in SHIPPED]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))


def _leaves(data: Any, prefix: tuple = ()) -> list[tuple]:  # noqa: ANN401
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _leaves(v, (*prefix, k)) or [(*prefix, k)]
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _leaves(v, (*prefix, i)) or [(*prefix, i)]
    return out if (isinstance(data, dict | list)) else []


VALUES = st.one_of(
    st.sampled_from([0, -1, 1, 0.5, 1.5, 8, 100, 1e6, 1e9, 1e12, 1e308, -1e308, 1e-320, 1e-12,
                     float("inf"), float("-inf"), float("nan"), True, False, None, "", "x",
                     "2026-01", "0.1", [], {}, [1, 2], {"dist": "uniform", "low": 0, "high": 1},
                     {"dist": {"a": 1}}, {"a": 1}]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1000),
    st.floats(min_value=0, max_value=1), st.integers(min_value=0, max_value=500),
    st.integers(min_value=-10**6, max_value=10**12),
    st.text(max_size=12))


PLAUSIBLE = st.one_of(st.floats(min_value=0, max_value=1), st.integers(0, 200),
                      st.floats(min_value=0, max_value=5000), st.just(0.0))


def _at(data: Any, path: tuple) -> Any:  # noqa: ANN401
    for part in path:
        data = data[part]
    return data


def _is_number(value: Any) -> bool:  # noqa: ANN401
    return isinstance(value, int | float) and not isinstance(value, bool)


@st.composite
def mutated(draw: Any) -> dict:  # noqa: ANN401
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    gentle = draw(st.booleans())  # numbers replaced by plausible numbers: more runs than refusals
    for _ in range(draw(st.integers(1, 4))):
        leaves = _leaves(data)
        if gentle:
            leaves = [p for p in leaves if _is_number(_at(data, p))]
        if not leaves:
            break
        path = draw(st.sampled_from(leaves))
        node = data
        for part in path[:-1]:
            node = node[part]
        if gentle:
            node[path[-1]] = draw(PLAUSIBLE)
            continue
        action = draw(st.sampled_from(["set", "set", "set", "drop", "add"]))
        if action == "set":
            node[path[-1]] = copy.deepcopy(draw(VALUES))
        elif action == "drop" and isinstance(node, dict):
            del node[path[-1]]
        elif action == "add" and isinstance(node, dict):
            key = draw(st.sampled_from(["churn_anual", "extra", "x"]))
            node[key] = copy.deepcopy(draw(VALUES))
    return data


def check(data: dict) -> str:
    """``refused`` or ``ran``; anything else (an exception not the package's, a non-finite
    figure, a broken identity) fails."""
    try:
        scenario = validate_data(data, "fuzzed.yaml")
    except ScenarioError as exc:
        assert exc.problems and all(len(str(p)) < 2000 for p in exc.problems)
        return "refused"
    try:
        r = cspmodel.simulate(scenario)
    except ScenarioError:
        return "refused"  # e.g. past the memory budget, refused before it starts
    m = r.monthly
    values = m.to_numpy(dtype=float)
    assert np.isfinite(values).all(), m.columns[~np.isfinite(values).all(axis=0)].tolist()
    np.testing.assert_allclose(m["gross_profit"], m["revenue"] - m["cost_of_sales"],
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(m["operating_profit"], m["gross_profit"] - m["operating_costs"],
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(m["cumulative_cash"], np.cumsum(m["net_cash"]), rtol=1e-9,
                               atol=1e-3)
    assert (m["deferred_revenue"] >= -1e-6 * max(1.0, m["deferred_revenue"].abs().max())).all()
    return "ran"


@settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=list(HealthCheck))
@given(mutated())
def test_a_mutated_scenario_is_refused_or_runs_with_finite_figures(data: dict) -> None:
    check(data)


def test_the_shipped_scenarios_run() -> None:
    assert {check(copy.deepcopy(b)) for b in BASES} == {"ran"}
