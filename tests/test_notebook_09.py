"""Notebook 09_your_own_book (issue "Start from the partner's own data", item 7): from the two
sample files to the first answers; the scenario it imports runs in the batch and the explorer
like any other."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_explorer import assert_shows

import cspmodel
from cspmodel import batch
from cspmodel.explorer import Explorer
from cspmodel.opening import read_book

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "09_your_own_book.ipynb"


def test_committed_without_outputs_and_one_plain_parameters_cell() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = set()
    for stmt in ast.parse(tagged[0].source).body:
        assert isinstance(stmt, ast.Assign)
        ast.literal_eval(stmt.value)
        names.add(stmt.targets[0].id)
    assert names == {"price_list", "recon", "segments", "output_dir"}
    assert all("  # " in line for line in tagged[0].source.splitlines())
    assert nb.metadata.kernelspec.name == batch.PINNED_KERNEL


@pytest.fixture(scope="module")
def imported(notebook_run) -> tuple[Path, nbformat.NotebookNode]:
    run = notebook_run(NOTEBOOK.stem)
    return run.out / "my_partner.yaml", run.notebook


def test_the_notebook_answers_from_the_sample_files(imported) -> None:
    scenario_file, executed = imported
    assert batch.notebook_errors(executed) == []
    text = "\n".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "Left out:" in text and "Renewal calendar" in text
    html = "\n".join(str(o.get("data", {}).get("text/html", "")) for c in executed.cells
                     for o in c.get("outputs", []))
    assert "Monthly term" in html and "margin_per_month" in html  # margin per product, term
    assert "difference" in html  # monthly customers moved to annual terms
    images = sum(1 for c in executed.cells for o in c.get("outputs", [])
                 if "image/png" in o.get("data", {}))
    assert images == 1  # the renewal calendar
    book = read_book(scenario_file.parent / "my_partner_book.csv")
    assert len(book) == 54 and len({b["customer"] for b in book}) == 42


def test_batch_runs_the_imported_scenario(imported, tmp_path) -> None:
    scenario_file, _ = imported
    out = tmp_path / "batch"
    proc = subprocess.run([sys.executable, "-m", "cspmodel.cli", "batch", str(scenario_file),
                           "--out", str(out), "--jobs", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    recorded = json.loads((out / "my_partner" / "summary.json").read_text())
    expected = cspmodel.simulate(cspmodel.load_scenario(scenario_file)).summary
    assert recorded["summary"]["revenue"] == pytest.approx(float(expected["revenue"]),
                                                           rel=1e-12)


def test_the_explorer_opens_and_changes_the_imported_scenario(imported) -> None:
    scenario_file, _ = imported
    scenario = cspmodel.load_scenario(scenario_file)
    ex = Explorer(scenario, path=scenario_file)
    assert_shows(ex, cspmodel.simulate(scenario))
    ex.controls["churn_annual"].value = 20.0
    changed = scenario.with_overrides(ex.overrides)
    assert changed.segments[0].churn_annual == pytest.approx(0.2)
    assert changed.opening_book == scenario.opening_book
    assert_shows(ex, cspmodel.simulate(changed))
