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
def test_runs_top_to_bottom(name: str, tmp_path: Path) -> None:
    papermill = pytest.importorskip("papermill")
    from jupyter_client.kernelspec import KernelSpecManager

    kernels = KernelSpecManager().find_kernel_specs()
    kernel = "cspmodel" if "cspmodel" in kernels else "python3"
    if kernel not in kernels:
        pytest.skip("no Jupyter kernel installed (run `make setup`)")
    out_dir = tmp_path / "out"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / name), str(tmp_path / name), kernel_name=kernel,
        cwd=str(ROOT / "notebooks"), parameters={"output_dir": str(out_dir)}, progress_bar=False)
    executed = json.loads((tmp_path / name).read_text(encoding="utf-8"))
    errors = [o for c in executed["cells"] for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert any(p.suffix == ".png" for p in out_dir.iterdir())
    assert any(p.suffix == ".csv" for p in out_dir.iterdir())
