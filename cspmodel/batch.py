"""Batch runs: one notebook executed by papermill per scenario, then a comparison report.

``cspmodel batch scenarios/ --out build/report`` validates every scenario first (an invalid file
fails at once with its ScenarioError text, no kernel started), then runs the notebook (default: the
package's ``cspmodel/notebooks/scenario_report.ipynb``) once per valid scenario in a bounded pool
of processes. Each worker process starts one kernel and reuses it for its scenarios (papermill
injects each run's parameters the papermill way and executes the notebook on that kernel, its
namespace cleared between runs; imports are paid once per worker, not once per scenario). The
kernel is the pinned one (``cspmodel``, installed into the virtual environment by the Makefile;
``python3`` only when it is missing) and talks to its worker over local sockets (IPC, no TCP
ports to race for); a run has a per-cell timeout and a retry when the kernel fails to start. A
run counts as failed when papermill raises or when the executed notebook holds an error output,
or when it wrote no summary.json.

Each scenario gets ``DIR/<scenario>/report.ipynb``, ``report.html`` (no code) and
``summary.json``; the batch gets ``DIR/comparison.csv``, ``DIR/batch.json`` (what ran, how long,
what failed) and ``DIR/index.html``, the comparison report linking each scenario's report.

Example:
    >>> outcome = RunOutcome("a", "a.yaml", ok=False, error="boom")
    >>> outcome.status
    'failed'
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ScenarioError
from .io import apply_overrides, load_scenario
from .util import atomic_write_text, publish_dir

PINNED_KERNEL = "cspmodel"
FALLBACK_KERNEL = "python3"
DEFAULT_CELL_TIMEOUT = 300
DEFAULT_RETRIES = 2
# the kernel's own log stays quiet below errors (e.g. its warning about local TCP sockets)
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]
SCENARIO_SUFFIXES = (".yaml", ".yml")
# the report notebook ships with the package (an installed cspmodel needs no checkout)
DEFAULT_NOTEBOOK = Path(__file__).resolve().parent / "notebooks" / "scenario_report.ipynb"


@dataclass
class RunOutcome:
    """What happened to one scenario of a batch."""

    name: str  # folder name under the output folder
    source: str  # scenario file
    ok: bool = False
    error: str | None = None
    title: str | None = None  # the scenario's own name
    attempts: int = 0
    seconds: float = 0.0  # wall time of the run, kernel included
    kernel_start_seconds: float | None = None  # papermill start to first cell
    execution_seconds: float | None = None  # first cell start to last cell end
    files: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``ok`` or ``failed``."""
        return "ok" if self.ok else "failed"


@dataclass
class Job:
    """One notebook run, as handed to a worker process."""

    name: str
    scenario_path: str
    overrides: dict[str, Any]
    notebook: str
    out_root: str
    kernel: str
    cell_timeout: int
    retries: int
    title: str
    html: bool = True  # also write report.html


# --------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------
def collect_scenarios(items: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Scenario files named on the command line: files as given, folders as their ``*.yaml``
    and ``*.yml`` files (sorted). Raises ValueError for a path that does not exist, a folder
    with no scenario, or nothing at all.

    Example:
        >>> collect_scenarios([])
        Traceback (most recent call last):
        ...
        ValueError: no scenario given: name scenario files or folders
    """
    if not items:
        raise ValueError("no scenario given: name scenario files or folders")
    found: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.iterdir()
                           if f.is_file() and f.suffix.lower() in SCENARIO_SUFFIXES)
            if not files:
                raise ValueError(f"{p}: folder holds no scenario file (*.yaml, *.yml)")
            found.extend(files)
        elif p.is_file():
            found.append(p)
        else:
            raise ValueError(f"{p}: no such file or folder")
    unique: list[Path] = []
    for f in found:
        if f.resolve() not in [u.resolve() for u in unique]:
            unique.append(f)
    return unique


def run_names(paths: Sequence[Path]) -> list[str]:
    """Folder names for the runs: the file's stem, with ``-2``, ``-3`` for repeated stems.

    Example:
        >>> run_names([Path("a/x.yaml"), Path("b/x.yaml"), Path("y.yml")])
        ['x', 'x-2', 'y']
    """
    names: list[str] = []
    for p in paths:
        base = p.stem
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def pick_kernel() -> str:
    """The pinned kernel ``cspmodel`` when it is installed, else ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    return PINNED_KERNEL if PINNED_KERNEL in specs else FALLBACK_KERNEL


# --------------------------------------------------------------------------------------------
# One run (in a worker process)
# --------------------------------------------------------------------------------------------
def notebook_errors(nb: Any) -> list[str]:
    """Error outputs of an executed notebook, one line each (``cell N: Name: message``).

    Example:
        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1/0")])
        >>> nb.cells[0].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError",
        ...     evalue="division by zero", traceback=[])]
        >>> notebook_errors(nb)
        ['cell 1: ZeroDivisionError: division by zero']
    """
    found = []
    for i, cell in enumerate(nb.cells, start=1):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if out.get("output_type") == "error":
                found.append(f"cell {i}: {out.get('ename', 'Error')}: {out.get('evalue', '')}")
    return found


def _cells_started(path: Path) -> bool:
    """Whether papermill began executing any cell of the (partial) output notebook."""
    if not path.exists():
        return False
    try:
        import nbformat

        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - a half-written file means nothing ran
        return False
    for cell in nb.cells:
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if status in ("running", "completed", "failed"):
            return True
    return False


def is_start_failure(exc: BaseException, output: Path) -> bool:
    """A kernel that failed to start (a port race, a slow start): worth a retry. Cell errors,
    cell timeouts and a missing kernel are not.

    Example:
        >>> is_start_failure(RuntimeError("Kernel died before replying to kernel_info"),
        ...                  Path("/nonexistent.ipynb"))
        True
        >>> is_start_failure(ValueError("bad"), Path("/nonexistent.ipynb"))
        False
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError | NoSuchKernel):
        return False
    try:
        import zmq

        zmq_errors: tuple[type[BaseException], ...] = (zmq.ZMQError,)
    except ImportError:  # pragma: no cover - pyzmq comes with jupyter_client
        zmq_errors = ()
    if not isinstance(exc, (RuntimeError, TimeoutError, OSError, *zmq_errors)):
        return False
    return not _cells_started(output)


def _timings(nb: Any) -> tuple[float | None, float | None]:
    """(kernel start, execution) seconds from papermill's metadata of an executed notebook."""
    def ts(text: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None

    start = ts(nb.metadata.get("papermill", {}).get("start_time"))
    cells = [c.metadata.get("papermill", {}) for c in nb.cells]
    firsts = [ts(c.get("start_time")) for c in cells if c.get("start_time")]
    lasts = [ts(c.get("end_time")) for c in cells if c.get("end_time")]
    if not (start and firsts and lasts):
        return None, None
    return (min(firsts) - start).total_seconds(), (max(lasts) - min(firsts)).total_seconds()


def to_html(nb: Any, title: str, back_link: str | None = "../index.html") -> str:
    """A notebook as a self-contained HTML page without its code: nbconvert's HTMLExporter
    with ``exclude_input`` and the project's page template (``templates/cspmodel_page``: a
    reading style, a print stylesheet, a link back to the comparison)."""
    body, _ = _exporter().from_notebook_node(nb, resources={
        "metadata": {"name": title}, "cspmodel": {"back_link": back_link}})
    return body


_EXPORTERS: dict[int, Any] = {}  # one HTML exporter per thread: its templates compile once


def _exporter() -> Any:  # noqa: ANN401 - an nbconvert HTMLExporter
    key = threading.get_ident()
    if key not in _EXPORTERS:
        from nbconvert import HTMLExporter

        _EXPORTERS[key] = HTMLExporter(
            template_name="cspmodel_page", extra_template_basedirs=[
                str(Path(__file__).resolve().parent / "templates")], exclude_input=True,
            exclude_input_prompt=True, exclude_output_prompt=True)
    return _EXPORTERS[key]


_KERNELS: dict[tuple[str, str, int], Any] = {}  # this process's kernels, by (kernel name,
# cwd, thread): an executor's threads each have their own
# run in a reused kernel before each notebook: the last run's figures closed, its names gone
# (``%reset`` collects the garbage); then what survives (modules, caches) is frozen out of the
# collector's way, so that the next runs' collections walk only their own objects
FRESH_NAMESPACE = ("import sys as _sys\n"
                   "if 'matplotlib.pyplot' in _sys.modules:\n"
                   "    _sys.modules['matplotlib.pyplot'].close('all')\n"
                   "del _sys\n%reset -f\nimport gc as _gc\n_gc.freeze()\ndel _gc\n")


def reused_kernel(name: str, cwd: str) -> Any:  # noqa: ANN401 - a jupyter_client KernelManager
    """This process's kernel ``name`` started in ``cwd``, started on first use (local IPC
    sockets: no TCP port to race for) and reused by later runs with a fresh namespace; a kernel
    that died is replaced. Every kernel is shut down when the process exits
    (:func:`shutdown_kernels`).

    Example (a batch's worker runs its scenarios on one kernel):
        >>> km = reused_kernel("python3", ".")  # doctest: +SKIP
        >>> reused_kernel("python3", ".") is km  # doctest: +SKIP
        True
    """
    from jupyter_client.manager import KernelManager

    key = (name, cwd, threading.get_ident())
    km = _KERNELS.get(key)
    if km is not None and km.is_alive():
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            kc.execute_interactive(FRESH_NAMESPACE, timeout=60, store_history=False,
                                   output_hook=lambda msg: None)
        finally:
            kc.stop_channels()
        return km
    if km is not None:
        _KERNELS.pop(key)
        km.cleanup_resources()
    if not _KERNELS:  # the first kernel of this process: shut them all down at its exit
        from multiprocessing.util import Finalize

        Finalize(None, shutdown_kernels, exitpriority=100)
    sockets = Path(tempfile.mkdtemp(prefix="cspmodel-kernel-")) / "kernel"
    km = KernelManager(kernel_name=name, transport="ipc", ip=str(sockets))
    km.start_kernel(extra_arguments=KERNEL_ARGUMENTS, cwd=cwd)
    _KERNELS[key] = km
    return km


def shutdown_kernels(this_thread: bool = False) -> None:
    """Shut down the kernels this process started for its runs (``this_thread``: only the
    calling thread's), and remove their sockets."""
    me = threading.get_ident()
    for key in [k for k in _KERNELS if not this_thread or k[2] == me]:
        km = _KERNELS.pop(key)
        try:
            km.shutdown_kernel(now=True)
            km.cleanup_resources()
        except Exception:  # noqa: BLE001, S110 - already gone
            pass
        shutil.rmtree(Path(km.ip).parent, ignore_errors=True)


def execute_job(job: Job, execute: Callable[..., Any] | None = None,
                sleep: Callable[[float], None] = time.sleep) -> RunOutcome:
    """Run one scenario's notebook into a staging folder, check it, convert it to HTML, then
    move the folder into place (``out_root/name``), replacing an older run's folder.

    ``execute`` defaults to ``papermill.execute_notebook`` (tests pass a stand-in).
    """
    import nbformat

    reuse = execute is None  # papermill on this process's reused kernel
    if execute is None:
        import papermill

        execute = papermill.execute_notebook
    out_root = Path(job.out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{job.name}-", dir=out_root))
    report = staging / "report.ipynb"
    outcome = RunOutcome(job.name, job.scenario_path, title=job.title)
    t0 = time.perf_counter()
    error: str | None = None
    try:
        for attempt in range(job.retries + 1):
            outcome.attempts = attempt + 1
            cwd = str(Path(job.notebook).parent)
            try:
                # papermill's own runs save the notebook once, at the end (not after every
                # cell: it re-serialised the notebook, charts and all, 60-70 times a run)
                kernel = ({"km": reused_kernel(job.kernel, cwd),
                           "request_save_on_cell_execute": False} if reuse else {})
                execute(job.notebook, str(report),
                        parameters={"scenario_path": job.scenario_path,
                                    "overrides": job.overrides, "output_dir": str(staging)},
                        kernel_name=job.kernel, execution_timeout=job.cell_timeout,
                        cwd=cwd, progress_bar=False, log_output=False,
                        extra_arguments=KERNEL_ARGUMENTS, **kernel)
                error = None
                break
            except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops us
                error = _describe(exc)
                if reuse:  # a kernel left busy or broken serves no other run
                    shutdown_kernels(this_thread=True)
                if attempt < job.retries and is_start_failure(exc, report):
                    report.unlink(missing_ok=True)
                    sleep(0.5 * (attempt + 1))
                    continue
                break
        if report.exists():
            nb = nbformat.read(report, as_version=4)
            found = notebook_errors(nb)
            if found and error is None:
                error = "; ".join(found)
            elif found and error is not None and not error.startswith("cell"):
                error = f"{error} ({found[0]})"
            outcome.kernel_start_seconds, outcome.execution_seconds = _timings(nb)
            if job.html:
                atomic_write_text(staging / "report.html", to_html(nb, job.title))
        if error is None and not (staging / "summary.json").exists():
            error = ("the notebook ran but wrote no summary.json (it must call "
                     "cspmodel.notebook.save_summary(result, output_dir))")
        target = out_root / job.name
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
        outcome.files = sorted(p.name for p in target.iterdir())
    except Exception as exc:  # noqa: BLE001 - e.g. the HTML export failed
        error = error or _describe(exc)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    outcome.ok = error is None
    outcome.error = error
    outcome.seconds = time.perf_counter() - t0
    return outcome


def _describe(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count or exc.cell_index + 1}: {exc.ename}: {exc.evalue}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------
@dataclass
class BatchResult:
    """Everything a batch produced."""

    out_dir: Path
    outcomes: list[RunOutcome]
    seconds: float
    jobs: int
    kernel: str
    notebook: str

    @property
    def failed(self) -> list[RunOutcome]:
        """The runs that failed."""
        return [o for o in self.outcomes if not o.ok]

    @property
    def exit_code(self) -> int:
        """0 when every scenario ran, 1 when any failed."""
        return 1 if self.failed else 0


def prepare(paths: Sequence[Path], overrides: Mapping[str, Any], notebook: Path,
            out_dir: Path, kernel: str, cell_timeout: int, retries: int
            ) -> tuple[list[Job], list[RunOutcome]]:
    """Validate every scenario (with the overrides): the valid ones become jobs, the invalid
    ones failed outcomes carrying the ScenarioError text (no kernel is started for them)."""
    jobs, failed = [], []
    for path, name in zip(paths, run_names(paths), strict=True):
        try:
            scenario = load_scenario(path)
            if overrides:
                scenario = apply_overrides(scenario, dict(overrides),
                                           source=f"{path} (--set)")
        except ScenarioError as exc:
            failed.append(RunOutcome(name, str(path), ok=False, error=str(exc)))
            continue
        jobs.append(Job(name=name, scenario_path=str(path.resolve()), overrides=dict(overrides),
                        notebook=str(notebook.resolve()), out_root=str(out_dir.resolve()),
                        kernel=kernel, cell_timeout=cell_timeout, retries=retries,
                        title=scenario.name))
    return jobs, failed


def run_batch(items: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str],
              notebook: str | os.PathLike[str] | None = None, jobs: int | None = None,
              overrides: Mapping[str, Any] | None = None, kernel: str | None = None,
              cell_timeout: int = DEFAULT_CELL_TIMEOUT, retries: int = DEFAULT_RETRIES,
              progress: bool = True, echo: Callable[[str], None] | None = None,
              executor: Executor | None = None) -> BatchResult:
    """Run the notebook once per scenario and write the comparison. Raises ValueError for bad
    arguments (nothing is written then); a failing scenario is recorded, never raised.

    The runs go to ``jobs`` local worker processes, or to ``executor`` (any
    ``concurrent.futures.Executor``, e.g. a dask ``Client``'s ``get_executor()``: each of its
    workers then starts one kernel and reuses it). The outputs are written here either way.

    Example:
        >>> run_batch(["scenarios/"], "build/report", jobs=2)  # doctest: +SKIP
        >>> from dask.distributed import Client  # doctest: +SKIP
        >>> with Client("tcp://scheduler:8786") as client:  # doctest: +SKIP
        ...     run_batch(["scenarios/"], "build/report", executor=client.get_executor())
    """
    from tqdm import tqdm

    paths = collect_scenarios(items)
    nb_path = Path(notebook) if notebook is not None else DEFAULT_NOTEBOOK
    if not nb_path.is_file() or nb_path.suffix != ".ipynb":
        raise ValueError(f"{nb_path}: no such notebook (.ipynb)")
    n_jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if n_jobs < 1:
        raise ValueError(f"--jobs must be at least 1; got {n_jobs}")
    out = Path(out_dir)
    kernel = kernel or pick_kernel()
    say = echo or (lambda text: tqdm.write(text, file=sys.stderr))
    t0 = time.perf_counter()
    # the whole batch is written into a staging folder beside OUT and put in its place at the
    # end, the index last: OUT holds the previous batch or this one, never a mix
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.batch-", dir=out.parent))
    try:
        todo, outcomes = prepare(paths, overrides or {}, nb_path, stage, kernel, cell_timeout,
                                 retries)
        for o in outcomes:
            say(f"FAILED {o.name}: {o.error}")
        bar = tqdm(total=len(paths), desc="Scenarios", unit="scenario", disable=not progress,
                   file=sys.stderr, initial=len(outcomes))

        def done(o: RunOutcome) -> None:
            outcomes.append(o)
            bar.update(1)
            if not o.ok:
                say(f"FAILED {o.name}: {o.error}")

        _run_jobs(todo, n_jobs, done, executor)
        bar.close()
        order = {name: i for i, name in enumerate(run_names(paths))}
        outcomes.sort(key=lambda o: order[o.name])
        result = BatchResult(stage, outcomes, time.perf_counter() - t0, n_jobs, kernel,
                             str(nb_path))
        write_comparison(result)  # comparison.csv, batch.json, then index.html
        publish_dir(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    result.out_dir = out
    return result


def _collect(futures: Mapping[Future[RunOutcome], Job],
             done: Callable[[RunOutcome], None]) -> None:
    """Report each job's outcome as it finishes; a worker that died fails its job."""
    for fut in as_completed(futures):
        job = futures[fut]
        try:
            done(fut.result())
        except Exception as exc:  # noqa: BLE001 - a worker that died
            done(RunOutcome(job.name, job.scenario_path, ok=False, error=_describe(exc),
                            title=job.title))


def _run_jobs(todo: list[Job], n_jobs: int, done: Callable[[RunOutcome], None],
              executor: Executor | None = None) -> None:
    """Run the jobs on ``executor``, or ``n_jobs`` at a time in worker processes. Interrupted
    (Ctrl-C, even sent to this process alone), local workers are stopped at once, not waited
    for."""
    if executor is not None:
        try:
            _collect({executor.submit(execute_job, j): j for j in todo}, done)
        finally:
            shutdown_kernels()  # those its threads started here (its processes keep theirs)
        return
    workers = min(n_jobs, len(todo))
    if workers == 1:
        try:
            for job in todo:
                done(execute_job(job))
        finally:
            shutdown_kernels()
        return
    if workers < 1:
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        _collect({pool.submit(execute_job, j): j for j in todo}, done)
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()  # its kernel notices its parent is gone and stops
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


# --------------------------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------------------------
def summary_rows(out_dir: Path, outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """The summary.json of each successful run, one row per scenario (index: the run name)."""
    rows = []
    for o in outcomes:
        if not o.ok:
            continue
        data = json.loads((out_dir / o.name / "summary.json").read_text(encoding="utf-8"))
        rows.append(_row(o.name, data))
    return _frame(rows)


def _row(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"run": name, "name": data["scenario"], "channel": data["channel"],
                           "currency": data["currency"],
                           "horizon_months": data.get("horizon_months", math.nan),
                           "start_month": data.get("start_month", "")}
    row.update({k: (math.nan if v is None else float(v)) for k, v in data["summary"].items()})
    row["warnings"] = len(data.get("warnings", []))
    return row


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=["name", "channel", "currency"]).rename_axis("run")
    return df.set_index("run")


def load_batch(out_dir: str | os.PathLike[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a batch output folder: the comparison (one row per scenario that ran) and the runs
    (name, source, status, error, seconds) from ``batch.json``.

    Example:
        >>> table, runs = load_batch("build/report")  # doctest: +SKIP
    """
    out = Path(out_dir)
    manifest = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    runs = pd.DataFrame(manifest["runs"]).set_index("name")
    rows = []
    for name, run in runs.iterrows():
        if run["ok"]:
            data = json.loads((out / str(name) / "summary.json").read_text(encoding="utf-8"))
            rows.append(_row(str(name), data))
    return _frame(rows), runs


def comparison_from_scenarios(folder: str | os.PathLike[str]) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    """The same comparison as :func:`load_batch`, computed directly from a folder of scenarios
    (for a notebook opened before any batch ran). Invalid files are listed as failed runs."""
    from .result import simulate
    from .result import summary_json as summary_to_json

    paths = collect_scenarios([folder])
    rows, runs = [], []
    for path, name in zip(paths, run_names(paths), strict=True):
        try:
            result = simulate(load_scenario(path))
        except ScenarioError as exc:
            runs.append({"name": name, "source": str(path), "ok": False, "error": str(exc)})
            continue
        rows.append(_row(name, json.loads(summary_to_json(result))))
        runs.append({"name": name, "source": str(path), "ok": True, "error": None})
    return _frame(rows), pd.DataFrame(runs).set_index("name")


def _comparison_columns() -> tuple[tuple[str, str, str], ...]:
    from .metrics import COMPARED

    return (*((m.key, m.short, m.kind) for m in COMPARED), ("warnings", "Warnings", "count"))


COMPARISON_COLUMNS = _comparison_columns()


def comparison_display(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison as rounded text, one row per scenario, columns a partner reads. With one
    currency throughout, it goes in the column headers instead of every cell.

    Example:
        >>> t = pd.DataFrame({"name": ["A"], "channel": ["direct"], "currency": ["EUR"],
        ...     "revenue": [1e6], "operating_profit": [1e5], "operating_margin": [0.1],
        ...     "npv": [9e4], "cash_trough": [-5e3], "break_even_month": [float("nan")],
        ...     "ending_arr": [4e5], "net_revenue_retention": [1.02], "warnings": [0],
        ...     "horizon_months": [36]})
        >>> comparison_display(t).iloc[0].tolist()[2:7]
        ['36 months', '1,000,000', '100,000', '10.0%', '90,000']
    """
    from .formatting import fmt_figure

    single = table["currency"].nunique() == 1 if len(table) else True
    rows = {}
    for run, r in table.iterrows():
        row = {"Scenario": r["name"], "Channel": str(r["channel"]).capitalize()}
        months = r.get("horizon_months", math.nan)
        row["Horizon"] = (f"{int(months)} months" if isinstance(months, int | float)
                          and not math.isnan(months) else "")
        for key, label, kind in COMPARISON_COLUMNS:
            if single and kind == "money":
                label = f"{label} ({r['currency']})"
            row[label] = fmt_figure(float(r[key]), kind, "" if single else str(r["currency"]))
        rows[run] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def _chart_png(table: pd.DataFrame) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .plots import batch_overview

    fig = batch_overview(table)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def write_comparison(result: BatchResult) -> None:
    """Write ``comparison.csv``, ``batch.json`` and ``index.html`` into the output folder."""
    out = result.out_dir
    out.mkdir(parents=True, exist_ok=True)
    table = summary_rows(out, result.outcomes)
    atomic_write_text(out / "comparison.csv", table.to_csv(float_format="%.4f"))
    manifest = {"created": dt.datetime.now().isoformat(timespec="seconds"),
                "notebook": result.notebook, "kernel": result.kernel, "jobs": result.jobs,
                "seconds": round(result.seconds, 2),
                "runs": [{k: v for k, v in asdict(o).items()} for o in result.outcomes]}
    atomic_write_text(out / "batch.json", json.dumps(manifest, indent=2))
    atomic_write_text(out / "index.html", index_page(out))





DOWNLOADS = (("slides", "Slides", "cspmodel.slides.html"), ("pptx", "PowerPoint deck",
             "cspmodel.pptx"), ("xlsx", "Excel workbook", "cspmodel.xlsx"))


def index_page(folder: str | os.PathLike[str], link_base: str = "") -> str:
    """The comparison page of a batch output folder, from its ``batch.json`` and each run's
    ``summary.json`` (Jinja2 template ``templates/pages/index.html.j2``): headline figures of
    every scenario side by side (linking each report), the presentation files present, the
    overview chart, and every failure with its error. ``link_base`` goes before every link (the
    page written outside the folder)."""
    import jinja2

    out = Path(folder)
    manifest = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    table, runs = load_batch(out)
    failed = [{"name": str(name), "source": str(run["source"]), "error": run["error"] or "",
               "partial": (out / str(name) / "report.html").exists()}
              for name, run in runs.iterrows() if not run["ok"]]
    rows, columns = [], []
    if not table.empty:
        disp = comparison_display(table)
        columns = list(disp.columns)
        for run, row in disp.iterrows():
            rows.append({"run": str(run), "name": row["Scenario"],
                         "channel": str(table.loc[run, "channel"]),
                         "channel_label": row["Channel"], "cells": list(row.values)[2:]})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(
        Path(__file__).resolve().parent / "templates" / "pages"), autoescape=True)
    created = (dt.datetime.fromisoformat(manifest["created"]) if manifest.get("created")
               else dt.datetime.fromtimestamp((out / "batch.json").stat().st_mtime))
    return env.get_template("index.html.j2").render(
        downloads=[(label, f) for _fmt, label, f in DOWNLOADS if (out / f).is_file()],
        total=len(runs), ran=len(runs) - len(failed), failed=failed,
        when=created.strftime("%Y-%m-%d %H:%M"), seconds=f"{manifest.get('seconds', 0):,.0f}",
        columns=columns, rows=rows, chart=_chart_png(table) if rows else "", base=link_base)


# --------------------------------------------------------------------------------------------
# Command line: registered in cli.py as ``cspmodel batch``
# --------------------------------------------------------------------------------------------
def _click_command():  # noqa: ANN202 - builds the click command
    import click

    @click.command("batch")
    @click.argument("items", nargs=-1, required=True, metavar="SCENARIO_OR_DIR...")
    @click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
                  help="Output folder (one sub-folder per scenario, index.html, "
                       "comparison.csv).")
    @click.option("--notebook", type=click.Path(dir_okay=False), default=None,
                  help="Notebook to run per scenario [default: the package's scenario report].")
    @click.option("--jobs", type=int, default=None,
                  help="Notebooks run at once [default: the machine's cores].")
    @click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                  help="Override applied to every scenario (repeatable).")
    @click.option("--cell-timeout", type=int, default=DEFAULT_CELL_TIMEOUT, show_default=True,
                  help="Seconds a notebook cell may run before the run fails.")
    @click.option("--kernel", default=None,
                  help=f"Jupyter kernel [default: {PINNED_KERNEL}, or {FALLBACK_KERNEL} if "
                       "it is not installed].")
    def batch(items: tuple[str, ...], out_dir: str, notebook: str | None, jobs: int | None,
              sets: tuple[str, ...], cell_timeout: int, kernel: str | None) -> None:
        """Run the report notebook once per scenario (files or folders) with papermill, then
        write OUT/index.html comparing them. Exit 0 when all ran, 1 when any failed, 2 for
        bad arguments."""
        from .errors import UserError
        from .io import parse_set_options

        try:
            overrides = parse_set_options(list(sets))
        except ScenarioError as exc:
            raise UserError(str(exc)) from None
        if cell_timeout < 1:
            raise UserError(f"--cell-timeout must be at least 1 second; got {cell_timeout}")
        try:
            result = run_batch(items, out_dir, notebook=notebook, jobs=jobs,
                               overrides=overrides, kernel=kernel, cell_timeout=cell_timeout)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        except KeyboardInterrupt:
            click.echo(f"Interrupted: {out_dir} is left as it was (the previous batch, whole).",
                       err=True)
            sys.exit(130)
        except OSError as exc:  # an unwritable folder, a full disk
            click.echo(f"Error: cannot write {out_dir}: {exc.strerror or exc}", err=True)
            sys.exit(1)
        index = (result.out_dir / "index.html").resolve()
        n_ok = len(result.outcomes) - len(result.failed)
        click.echo(f"{n_ok} of {len(result.outcomes)} scenario(s) ran in "
                   f"{result.seconds:,.1f} s ({result.jobs} job(s), kernel {result.kernel}).")
        for o in result.failed:
            first = (o.error or "").splitlines()
            click.echo(f"  failed: {o.name}: {first[0] if first else ''}", err=True)
        click.echo(f"Open {index}")
        sys.exit(result.exit_code)

    return batch


batch_command = _click_command()
