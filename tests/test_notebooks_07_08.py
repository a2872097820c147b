"""Notebooks 07 (sales commissions) and 08 (partner of record): committed without outputs, one
``parameters`` cell with plain assignments, and they run top to bottom under papermill."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {
    "07_sales_commissions.ipynb": {"scenario_path", "overrides", "output_dir"},
    "08_partner_of_record.ipynb": {"engagement_path", "scenario_path", "overrides",
                                   "output_dir"},
}


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_committed_clean_with_a_parameters_cell(name: str) -> None:
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse("".join(tagged[0]["source"]))
    assert all(isinstance(node, ast.Assign) for node in tree.body)  # plain assignments
    names = {t.id for node in tree.body for t in node.targets}  # type: ignore[attr-defined]
    assert names == NOTEBOOKS[name]


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_runs_top_to_bottom(name: str, notebook_run) -> None:
    run = notebook_run(Path(name).stem)
    errors = [o for o in run.outputs() if o.get("output_type") == "error"]
    assert not errors
    assert any(p.suffix == ".png" for p in run.out.iterdir())
    assert any(p.suffix == ".csv" for p in run.out.iterdir())
