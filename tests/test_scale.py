"""Monte Carlo in chunks and on other engines (issue "Speed and scale"): a path's figures do
not depend on the chunk it runs in, on the number of workers or on the backend (in-process, a
process pool, a dask cluster); sweeps with paths run in chunks; a run that would not fit the
memory budget is refused before it starts."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import pandas as pd
import pytest

import cspmodel
from cspmodel.errors import ScenarioError

AZURE = "scenarios/msp_managing_azure.yaml"
COLUMNS = ("revenue", "operating_profit", "cumulative_cash", "credit_exposure")


@pytest.fixture(scope="module")
def scenario() -> cspmodel.Scenario:
    """The Azure scenario (consumption drawn month by month) with a distribution on churn."""
    s = cspmodel.load_scenario(AZURE)
    return s.with_overrides({"horizon_months": 24, "segments.1.churn_annual": {
        "dist": "beta", "a": 2.4, "b": 17.6}})


@pytest.fixture(scope="module")
def whole(scenario: cspmodel.Scenario) -> cspmodel.Result:
    return cspmodel.simulate(scenario, paths=2_500, seed=7, chunk=10_000)


def same(a: cspmodel.Result, b: cspmodel.Result) -> None:
    for col in COLUMNS:
        np.testing.assert_array_equal(a.path_statements[col], b.path_statements[col], col)
    pd.testing.assert_frame_equal(a.paths, b.paths)
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("chunk", [1_000, 600, 2_500])
def test_a_path_draws_and_computes_the_same_in_any_chunk(scenario, whole, chunk: int) -> None:
    same(whole, cspmodel.simulate(scenario, paths=2_500, seed=7, chunk=chunk))


def test_the_chunked_run_keeps_the_ledger_and_azure_views(scenario, whole) -> None:
    chunked = cspmodel.simulate(scenario, paths=2_500, seed=7, chunk=1_000)
    a, b = whole.azure(), chunked.azure()
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    lines = whole.lines().sum()
    np.testing.assert_allclose(chunked.lines().sum().to_numpy(), lines.to_numpy(), rtol=1e-9)
    assert whole.probability("operating_profit > 0") == chunked.probability(
        "operating_profit > 0")


def test_a_process_pool_gives_the_same_figures(scenario, whole) -> None:
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        same(whole, cspmodel.simulate(scenario, paths=2_500, seed=7, chunk=1_000,
                                      executor=pool))


def test_a_dask_cluster_of_1_2_and_4_workers_gives_the_same_figures(scenario, whole) -> None:
    distributed = pytest.importorskip("distributed")
    for workers in (1, 2, 4):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                      processes=False, dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            got = cspmodel.simulate(scenario, paths=2_500, seed=7, chunk=700,
                                    executor=client.get_executor())
            same(whole, got)


def test_a_sweep_with_paths_runs_in_chunks_with_the_same_figures(scenario, monkeypatch) -> None:
    from cspmodel import uncertainty

    grid = {"segments.0.azure.reserved_share": [0.0, 0.2, 0.4, 0.6]}
    one = uncertainty.sweep(scenario, grid, paths=300, seed=2)
    monkeypatch.setattr(uncertainty, "CHUNK_PATHS", 600)  # two points at a time
    chunked = uncertainty.sweep(scenario, grid, paths=300, seed=2)
    pd.testing.assert_frame_equal(one, chunked, check_exact=False, rtol=1e-12)
    assert chunked["revenue"].is_monotonic_decreasing  # reservations: the customer pays less


def test_a_run_past_the_memory_budget_is_refused_before_it_starts(scenario) -> None:
    with pytest.raises(ScenarioError) as err:
        cspmodel.simulate(scenario, paths=50_000_000, seed=1)
    assert "GiB" in str(err.value) and "paths" in str(err.value)


def test_a_large_run_keeps_the_lean_statements_and_every_paths_figures(scenario, whole,
                                                                      monkeypatch) -> None:
    from cspmodel import result

    full = result.kept_bytes(2_500, scenario.horizon_months, lean=False)
    inp = cspmodel.engine.build_inputs(scenario)
    need = result.memory_estimate(inp, 1_000, None) + result.kept_bytes(
        2_500, scenario.horizon_months, lean=True)
    budget = max(2 * need, full + 1)
    assert full > budget // 4  # so the run keeps the lean statements
    monkeypatch.setattr(result, "MEMORY_BUDGET_BYTES", budget)
    lean = cspmodel.simulate(scenario, paths=2_500, seed=7, chunk=1_000)
    assert set(lean.path_statements) == {*result.LEAN_COLUMNS, "opening"}
    assert lean.path_statements["cumulative_cash"].dtype == np.float32
    pd.testing.assert_frame_equal(lean.paths, whole.paths)
    pd.testing.assert_frame_equal(lean.monthly, whole.monthly, check_exact=False, rtol=1e-12)
    np.testing.assert_allclose(lean.percentiles("cumulative_cash"),
                               whole.percentiles("cumulative_cash"), rtol=1e-6)
    with pytest.raises(ValueError, match="allowed"):
        lean.percentiles("deferred_revenue")  # not kept: the message lists what is
