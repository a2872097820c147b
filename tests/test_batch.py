"""``cspmodel batch``: arguments, failure detection, the kernel retry, and one real batch over
the shipped scenarios plus a broken one (kernels start once per scenario, in one test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner
from papermill.exceptions import PapermillExecutionError

from cspmodel import batch
from cspmodel.cli import main, summary_to_json
from cspmodel.io import load_scenario
from cspmodel.result import simulate

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
BROKEN = "name: Broken book\nsegments:\n  - name: A\n    churn_annual: 1.7\n" \
         "    product_mix: {m365_business_premium: 1}\n"


@pytest.mark.parametrize("args", [
    ["batch", "no/such/folder", "--out", "OUT"],
    ["batch", "scenarios", "--out", "OUT", "--jobs", "0"],
    ["batch", "scenarios", "--out", "OUT", "--set", "no-equals-sign"],
    ["batch", "scenarios", "--out", "OUT", "--notebook", "notebooks/missing.ipynb"],
    ["batch", "scenarios"],  # no --out
])
def test_bad_arguments_exit_2_and_write_nothing(tmp_path, monkeypatch, args) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [a.replace("OUT", str(out)) for a in args])
    assert result.exit_code == 2, result.output
    assert not out.exists()


def test_collect_scenarios_expands_folders_and_names_repeats(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.yaml").write_text(BROKEN)
    (tmp_path / "x.yml").write_text(BROKEN)
    found = batch.collect_scenarios([tmp_path / "a", tmp_path / "x.yml", tmp_path / "a"])
    assert [p.name for p in found] == ["x.yaml", "x.yml"]
    assert batch.run_names(found) == ["x", "x-2"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no scenario"):
        batch.collect_scenarios([tmp_path / "empty"])


def test_the_pinned_kernel_is_installed_by_setup() -> None:
    assert batch.pick_kernel() == "cspmodel"


def _job(tmp_path: Path, name: str = "s") -> batch.Job:
    return batch.Job(name=name, scenario_path=str(SHIPPED[0]), overrides={},
                     notebook=str(ROOT / "cspmodel" / "notebooks" / "scenario_report.ipynb"),
                     out_root=str(tmp_path), kernel="cspmodel", cell_timeout=10, retries=2,
                     title="T", html=False)


def _fake_run(cells_outputs: list[list[dict]], summary: bool = True):
    """A stand-in for papermill.execute_notebook writing an executed notebook."""
    def run(_nb, output, parameters, **_kw):
        nb = nbformat.v4.new_notebook()
        for outs in cells_outputs:
            cell = nbformat.v4.new_code_cell("x")
            cell.metadata["papermill"] = {"status": "completed"}
            cell.outputs = [nbformat.v4.new_output(**o) for o in outs]
            nb.cells.append(cell)
        nbformat.write(nb, output)
        if summary:
            Path(parameters["output_dir"], "summary.json").write_text("{}")
    return run


def test_a_kernel_that_fails_to_start_is_retried(tmp_path) -> None:
    calls = []
    good = _fake_run([[]])

    def flaky(nb, output, parameters, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        good(nb, output, parameters, **kw)

    outcome = batch.execute_job(_job(tmp_path), execute=flaky, sleep=lambda s: None)
    assert outcome.ok and outcome.attempts == 2
    assert (tmp_path / "s" / "summary.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_a_cell_error_is_not_retried_and_is_reported(tmp_path) -> None:
    calls = []

    def failing(nb, output, parameters, **kw):
        calls.append(1)
        _fake_run([[{"output_type": "error", "ename": "KeyError", "evalue": "'x'",
                     "traceback": []}]], summary=False)(nb, output, parameters)
        raise PapermillExecutionError(0, 1, "x", "KeyError", "'x'", [])

    outcome = batch.execute_job(_job(tmp_path), execute=failing, sleep=lambda s: None)
    assert len(calls) == 1 and not outcome.ok
    assert outcome.error == "cell 1: KeyError: 'x'"


def test_an_error_output_without_an_exception_still_fails_the_run(tmp_path) -> None:
    run = _fake_run([[], [{"output_type": "error", "ename": "ValueError", "evalue": "bad",
                           "traceback": []}]])
    outcome = batch.execute_job(_job(tmp_path), execute=run, sleep=lambda s: None)
    assert not outcome.ok and outcome.error == "cell 2: ValueError: bad"


def test_a_notebook_that_writes_no_summary_fails(tmp_path) -> None:
    outcome = batch.execute_job(_job(tmp_path), execute=_fake_run([[]], summary=False),
                                sleep=lambda s: None)
    assert not outcome.ok and "summary.json" in outcome.error


def test_batch_over_the_shipped_scenarios_and_a_broken_one(tmp_path) -> None:
    broken = tmp_path / "broken_book.yaml"
    broken.write_text(BROKEN)
    out = tmp_path / "report"
    proc = subprocess.run([sys.executable, "-m", "cspmodel.cli", "batch", "scenarios",
                           str(broken), "--out", str(out), "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    assert "broken_book" in proc.stderr and "churn_annual" in proc.stderr
    assert "index.html" in proc.stdout

    for path in SHIPPED:
        folder = out / path.stem
        assert {"report.ipynb", "report.html", "summary.json"} <= {p.name for p in
                                                                   folder.iterdir()}
        recorded = json.loads((folder / "summary.json").read_text())
        assert recorded == json.loads(summary_to_json(simulate(load_scenario(path))))
        page = (folder / "report.html").read_text()
        assert "nb.load(" not in page and "import cspmodel" not in page  # no code cells
        assert "data:image/png;base64" in page  # the charts are in the page
    assert not (out / "broken_book").exists()  # no kernel, no folder

    table = pd.read_csv(out / "comparison.csv", index_col="run")
    assert sorted(table.index) == sorted(p.stem for p in SHIPPED)
    index = (out / "index.html").read_text()
    assert "broken_book" in index and "churn_annual = 1.7" in index
    for path in SHIPPED:
        assert f'href="{path.stem}/report.html"' in index
    runs = json.loads((out / "batch.json").read_text())["runs"]
    assert {r["name"]: r["ok"] for r in runs}["broken_book"] is False


def test_the_report_notebook_ships_with_the_package() -> None:
    # an installed cspmodel runs its own report notebook, never the checkout's notebooks/
    import tomllib

    package = Path(batch.__file__).resolve().parent
    assert batch.DEFAULT_NOTEBOOK.is_relative_to(package) and batch.DEFAULT_NOTEBOOK.is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "notebooks/*.ipynb" in data["tool"]["setuptools"]["package-data"]["cspmodel"]


def test_a_worker_reuses_one_kernel_with_a_fresh_namespace_then_shuts_it_down(tmp_path) -> None:
    # three scenarios on one worker: one kernel (the same process id), over local sockets (no
    # TCP port), each run starting without the names of the last, and gone after the batch
    cells = [nbformat.v4.new_code_cell('scenario_path = ""\noverrides = {}\noutput_dir = None',
                                       metadata={"tags": ["parameters"]}),
             nbformat.v4.new_code_cell(
                 "import json, os, pathlib\n"
                 "assert 'leftover' not in globals(), 'a name of the last run survived'\n"
                 "leftover = 1\n"
                 "from cspmodel import notebook as nb\n"
                 "from cspmodel.result import simulate\n"
                 "nb.save_summary(simulate(nb.load(scenario_path, overrides)), output_dir)\n"
                 "from ipykernel.connect import get_connection_info\n"
                 "pathlib.Path(output_dir, 'kernel.json').write_text(json.dumps("
                 "{'pid': os.getpid(), 'transport': json.loads(get_connection_info())"
                 "['transport']}))")]
    notebook = tmp_path / "probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), notebook)
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_text((ROOT / "scenarios" / "small_indirect_msp.yaml")
                                               .read_text())
    out = tmp_path / "out"
    result = batch.run_batch([tmp_path / f"{n}.yaml" for n in "abc"], out, notebook=notebook,
                             jobs=1, progress=False)
    assert not result.failed, [o.error for o in result.failed]
    seen = [json.loads((out / n / "kernel.json").read_text()) for n in "abc"]
    assert {s["transport"] for s in seen} == {"ipc"}
    pids = {s["pid"] for s in seen}
    assert len(pids) == 1
    assert not batch._KERNELS  # shut down with the batch
    pid = pids.pop()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status"
                                                                  ).read_text().lower()


def test_a_batch_runs_on_a_dask_cluster_with_the_same_figures(tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    paths = [ROOT / "scenarios" / f"{n}.yaml" for n in ("small_indirect_msp", "new_msp_launch")]
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:  # worker processes, as on a cluster
        result = batch.run_batch(paths, out, executor=client.get_executor(), progress=False)
    assert not result.failed, [o.error for o in result.failed]
    for path in paths:
        recorded = json.loads((out / path.stem / "summary.json").read_text())
        assert recorded == json.loads(summary_to_json(simulate(load_scenario(path))))
