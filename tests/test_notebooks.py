"""The notebooks: committed clean, parameterized for papermill, and recording the same summary
as ``cspmodel.simulate`` when papermill runs them on other scenarios.

Kernels are slow to start, so the papermill runs (each analysis notebook on two scenarios) share
one pool of two processes, started once for the module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat
import pytest

from cspmodel import batch
from cspmodel.cli import summary_to_json
from cspmodel.notebook import load
from cspmodel.result import simulate

ROOT = Path(__file__).resolve().parents[1]
ANALYSIS = ["01_quickstart", "02_direct_vs_indirect", "03_annual_vs_monthly",
            "04_support_plans", "05_cost_of_service", "10_azure_consumption"]
# the notebooks of this file (07 and 08 have their own tests)
NOTEBOOKS = [*(ROOT / "notebooks" / f"{n}.ipynb" for n in [*ANALYSIS, "batch_comparison"]),
             ROOT / "cspmodel" / "notebooks" / "scenario_report.ipynb"]
# two scenarios per notebook (none the notebook's default), with an override on one run
RUNS = [
    ("01_quickstart", "monthly_terms_partner", {}),
    ("01_quickstart", "established_direct_partner", {"segments.0.churn_annual": 0.2}),
    ("02_direct_vs_indirect", "growing_var_weighing_direct", {}),
    ("02_direct_vs_indirect", "monthly_terms_partner", {}),
    ("03_annual_vs_monthly", "dynamics_247_partner", {}),
    ("03_annual_vs_monthly", "growing_var_weighing_direct", {}),
    ("04_support_plans", "dynamics_247_partner", {}),
    ("04_support_plans", "monthly_terms_partner", {"support.labor_rate_per_hour": 60}),
    ("05_cost_of_service", "established_direct_partner", {}),
    ("05_cost_of_service", "dynamics_247_partner", {}),
    ("10_azure_consumption", "growing_var_weighing_direct",
     {"segments.2.azure.consumption_per_customer_month": 3000.0,
      "segments.2.azure.reserved_share": 0.3, "segments.2.azure.reservation_discount": 0.4,
      "segments.2.azure.volatility_monthly": 0.2}),
    ("10_azure_consumption", "dynamics_247_partner",
     {"segments.0.azure.consumption_per_customer_month": 800.0,
      "segments.0.azure.smoothing_months": 3}),
]


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_every_notebook_is_there() -> None:
    assert all(p.exists() for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_without_outputs_and_one_plain_parameters_cell(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip the outputs"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse(tagged[0].source)
    names = []
    for stmt in tree.body:  # plain assignments of literal values only
        assert isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
        ast.literal_eval(stmt.value)
        names.append(stmt.targets[0].id)
    expected = {"output_dir"} | ({"batch_dir"} if path.stem == "batch_comparison"
                                 else {"scenario_path", "overrides"})
    assert expected <= set(names)
    for line in tagged[0].source.splitlines():
        assert "  # " in line, f"parameter line without its meaning: {line}"
    assert nb.metadata.kernelspec.name == batch.PINNED_KERNEL


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_papermill_lists_the_parameters_with_their_meaning(path: Path) -> None:
    import papermill

    params = papermill.inspect_notebook(str(path))
    assert "output_dir" in params
    assert all(p["help"] for p in params.values())


def test_papermill_help_notebook_from_the_command_line() -> None:
    out = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook",
                          str(ROOT / "notebooks" / "04_support_plans.ipynb")],
                         capture_output=True, text=True, check=True).stdout
    assert "scenario_path" in out and "scenario file (YAML)" in out
    assert "target_margin" in out and "margin per tier" in out


@pytest.fixture(scope="module")
def papermill_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("papermill")
    kernel = batch.pick_kernel()
    jobs = []
    for nb, scenario, overrides in RUNS:
        jobs.append(batch.Job(
            name=f"{nb}-{scenario}", scenario_path=f"scenarios/{scenario}.yaml",
            overrides=overrides, notebook=str(ROOT / "notebooks" / f"{nb}.ipynb"),
            out_root=str(out), kernel=kernel, cell_timeout=120, retries=2, title=scenario,
            html=False))
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        outcomes = list(pool.map(batch.execute_job, jobs))
    return out, {o.name: o for o in outcomes}


@pytest.mark.parametrize(("nb", "scenario", "overrides"), RUNS,
                         ids=[f"{n}-{s}" for n, s, _ in RUNS])
def test_papermill_run_records_the_summary_of_simulate(papermill_runs, nb, scenario,
                                                       overrides) -> None:
    out, outcomes = papermill_runs
    outcome = outcomes[f"{nb}-{scenario}"]
    assert outcome.ok, outcome.error
    recorded = json.loads((out / outcome.name / "summary.json").read_text())
    # a relative scenario_path, resolved by the package from the notebook's folder
    expected = json.loads(summary_to_json(simulate(load(f"scenarios/{scenario}.yaml",
                                                        overrides))))
    assert recorded["scenario"] == expected["scenario"]
    assert recorded["warnings"] == expected["warnings"]
    assert recorded["summary"].keys() == expected["summary"].keys()
    for key, value in expected["summary"].items():
        if value is None:  # NaN (e.g. no break-even) is written as null
            assert recorded["summary"][key] is None, key
        else:
            assert recorded["summary"][key] == pytest.approx(value, rel=1e-12), key
    executed = nbformat.read(out / outcome.name / "report.ipynb", as_version=4)
    assert batch.notebook_errors(executed) == []
    images = sum(1 for c in executed.cells for o in c.get("outputs", [])
                 if "image/png" in o.get("data", {}))
    assert images >= 1, "the notebook's charts did not show"
