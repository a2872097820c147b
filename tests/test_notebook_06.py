"""notebooks/06_uncertainty_and_break_even.ipynb: committed without outputs, a parameters cell,
and it runs top to bottom with papermill's parameters (few paths, to stay fast)."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "06_uncertainty_and_break_even.ipynb"


def test_committed_without_outputs_with_a_parameters_cell():
    nb = nbformat.read(NB, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for name in ("scenario_path", "overrides", "output_dir"):
        assert f"{name} = " in params[0].source


def test_runs_under_papermill(notebook_run):
    run = notebook_run(NB.stem)  # with 100 paths and three book sizes (conftest.RUNS)
    assert run.parameters["paths"] == 100
    for name in ("probability_by_book_size.csv", "cash_fan.png", "tornado.png", "tornado.csv"):
        assert (run.out / name).stat().st_size > 0
