"""Each notebook is executed once per test session, and nbval and the notebooks' tests share that
execution.

``make test`` runs nbval (``--nbval-lax``) and the tests in one session. For every notebook in
:data:`RUNS`, the session writes the notebook with its test parameters injected the papermill
way (``papermill.parameterize_notebook``: the committed cells and an ``injected-parameters``
cell) to ``.notebook-runs/``; nbval runs that copy instead of the committed notebook and
this file keeps each cell's outputs. A test that reads a notebook's run (the fixture
:func:`notebook_run`) gets the executed notebook and the files it wrote from there; when nbval
did not run in the session (``pytest tests/...``), the fixture executes the notebook with
papermill itself, with the same parameters.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
NOTEBOOKS = ROOT / "notebooks"
RUN_DIR = ROOT / ".notebook-runs"  # beside notebooks/: their relative paths hold


def _scenario(name: str) -> str:
    return f"scenarios/{name}.yaml"  # relative: the package finds it from the project folder


# the parameters of each notebook's one run: none of the analysis notebooks on its default
# scenario, some with overrides, so that the injected parameters are seen to take effect
RUNS: dict[str, dict[str, Any]] = {
    "01_quickstart": {"scenario_path": _scenario("established_direct_partner"),
                      "overrides": {"segments.0.churn_annual": 0.2}},
    "02_direct_vs_indirect": {"scenario_path": _scenario("growing_var_weighing_direct")},
    "03_annual_vs_monthly": {"scenario_path": _scenario("dynamics_247_partner")},
    "04_support_plans": {"scenario_path": _scenario("monthly_terms_partner"),
                         "overrides": {"support.labor_rate_per_hour": 60}},
    "05_cost_of_service": {"scenario_path": _scenario("established_direct_partner")},
    "06_uncertainty_and_break_even": {"paths": 100, "book_scales": [0.1, 0.2, 1.0]},
    "07_sales_commissions": {},
    "08_partner_of_record": {},
    "09_your_own_book": {},
    "10_azure_consumption": {
        "scenario_path": _scenario("growing_var_weighing_direct"),
        "overrides": {"segments.2.azure.consumption_per_customer_month": 3000.0,
                      "segments.2.azure.reserved_share": 0.3,
                      "segments.2.azure.reservation_discount": 0.4,
                      "segments.2.azure.volatility_monthly": 0.2}},
    "explorer": {"scenario_path": _scenario("small_indirect_msp")},
}
_outputs: dict[str, dict[int, list]] = {}  # notebook -> code cell -> outputs, as nbval ran it
_failed: set[str] = set()


def _nbval(config: pytest.Config) -> bool:
    return bool(config.getoption("nbval", False) or config.getoption("nbval_lax", False))


def _defaults(name: str) -> dict[str, Any]:
    """The committed values of a notebook's parameters cell (plain literal assignments)."""
    import ast

    import nbformat

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {stmt.targets[0].id: ast.literal_eval(stmt.value)
            for stmt in ast.parse(cell.source).body if isinstance(stmt, ast.Assign)}


def parameters(name: str, out: Path) -> dict[str, Any]:
    """A notebook's test parameters, its output folder ``out`` included where it has one."""
    defaults = _defaults(name)
    params = dict(RUNS[name])
    if "output_dir" in defaults:
        params["output_dir"] = str(out)
    return params


def pytest_configure(config: pytest.Config) -> None:
    """With nbval: write each notebook of RUNS with its parameters injected."""
    if not _nbval(config):
        return
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    shutil.rmtree(RUN_DIR, ignore_errors=True)
    RUN_DIR.mkdir(parents=True)
    for name in RUNS:
        nb = load_notebook_node(str(NOTEBOOKS / f"{name}.ipynb"))  # as papermill reads it
        nb = parameterize_notebook(nb, parameters(name, RUN_DIR / name))
        nbformat.write(nb, RUN_DIR / f"{name}.ipynb")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With nbval and the copies asked for (``.notebook-runs`` among the arguments, as
    ``make test`` does): the committed notebook is not run a second time beside its copy."""
    if (_nbval(config) and collection_path.suffix == ".ipynb"
            and collection_path.parent == NOTEBOOKS and collection_path.stem in RUNS
            and any(Path(str(a).split("::")[0]).resolve() == RUN_DIR for a in config.args)):
        return True
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Keep the outputs of each cell nbval ran of a copy in .notebook-runs."""
    report = yield
    path = Path(str(getattr(item, "fspath", "")))
    if call.when == "call" and path.parent == RUN_DIR and hasattr(item, "test_outputs"):
        _outputs.setdefault(path.stem, {})[item.cell_num] = copy.deepcopy(item.test_outputs)
        if report.failed:
            _failed.add(path.stem)
    return report


@dataclass
class NotebookRun:
    """A notebook's run in this session: the executed notebook and the folder it wrote to."""

    notebook: Any  # nbformat.NotebookNode, outputs in its code cells
    out: Path
    parameters: dict[str, Any]

    def outputs(self) -> list[dict]:
        """Every output of every code cell, in order."""
        return [o for c in self.notebook.cells if c.cell_type == "code"
                for o in c.get("outputs", [])]


def _from_nbval(name: str) -> NotebookRun | None:
    import nbformat

    ran = _outputs.get(name)
    copy_path = RUN_DIR / f"{name}.ipynb"
    if not ran or name in _failed or not copy_path.exists():
        return None
    nb = nbformat.read(copy_path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if len(ran) != len(code):
        return None  # nbval stopped part way: run it here and see why
    for i, cell in enumerate(code):
        cell.outputs = [nbformat.from_dict(o) for o in ran[i]]
    return NotebookRun(nb, RUN_DIR / name, parameters(name, RUN_DIR / name))


@pytest.fixture(scope="session")
def notebook_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], NotebookRun]:
    """``notebook_run(name)``: the session's run of ``notebooks/<name>.ipynb`` with its test
    parameters (:data:`RUNS`): nbval's, or one executed here with papermill."""
    done: dict[str, NotebookRun] = {}

    def run(name: str) -> NotebookRun:
        if name not in done:
            found = _from_nbval(name)
            if found is None:
                import nbformat
                import papermill

                from cspmodel import batch

                here = tmp_path_factory.mktemp(name)
                params = parameters(name, here / "out")
                papermill.execute_notebook(
                    str(NOTEBOOKS / f"{name}.ipynb"), str(here / f"{name}.ipynb"),
                    parameters=params, cwd=str(NOTEBOOKS), kernel_name=batch.pick_kernel(),
                    progress_bar=False)
                found = NotebookRun(nbformat.read(here / f"{name}.ipynb", as_version=4),
                                    here / "out", params)
            done[name] = found
        return done[name]

    return run
