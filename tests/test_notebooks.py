"""The notebooks: committed clean, parameterized for papermill, and recording the same summary
as ``cspmodel.simulate`` when run with papermill's parameters on other scenarios.

Each notebook runs once in a session (``conftest.py``: nbval runs it with its test parameters
injected, and these tests read that run).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
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


@pytest.mark.parametrize("nb", ANALYSIS)
def test_papermill_run_records_the_summary_of_simulate(notebook_run, nb: str) -> None:
    """The session's run of the notebook (nbval's, on the committed cells with papermill's
    injected parameters: another scenario than the notebook's default, some with overrides)
    records the summary ``simulate`` gives for that scenario."""
    run = notebook_run(nb)
    recorded = json.loads((run.out / "summary.json").read_text())
    # a relative scenario_path, resolved by the package from the project folder
    expected = json.loads(summary_to_json(simulate(load(run.parameters["scenario_path"],
                                                        run.parameters.get("overrides")))))
    assert recorded["scenario"] == expected["scenario"]
    assert recorded["warnings"] == expected["warnings"]
    assert recorded["summary"].keys() == expected["summary"].keys()
    for key, value in expected["summary"].items():
        if value is None:  # NaN (e.g. no break-even) is written as null
            assert recorded["summary"][key] is None, key
        else:
            assert recorded["summary"][key] == pytest.approx(value, rel=1e-12), key
    executed = run.notebook
    assert batch.notebook_errors(executed) == []
    images = sum(1 for c in executed.cells for o in c.get("outputs", [])
                 if "image/png" in o.get("data", {}))
    assert images >= 1, "the notebook's charts did not show"
