"""Presenting findings: a report page, reveal.js slides, a PowerPoint deck and an Excel workbook.

``cspmodel report SOURCE --format html|slides|pptx|xlsx [--out FILE]`` where SOURCE is a
scenario file or a batch output folder (made by ``cspmodel batch ... --out DIR``). Every number
comes from :func:`cspmodel.simulate`; a batch's scenarios are simulated again from the files and
overrides the batch ran with, and the figures must equal the batch's ``summary.json`` (a
scenario file edited since the batch is refused: run the batch again).

- html: the scenario's report notebook (executed with papermill, exported without code), or for
  a batch its comparison page (``index.html``, links kept working from wherever it is written);
- slides: reveal.js slides from the report notebook's slide metadata (nbconvert's
  SlidesExporter), one self-contained file that opens offline: reveal.js itself is written into
  the page (taken from the ``sphinx-revealjs`` package);
- pptx: the executive summary and recommendation, headline figures, native (editable) charts
  holding their data, the yearly statement and the assumptions, with speaker notes on where each
  figure comes from (:mod:`cspmodel.report.deck`);
- xlsx: a finance model: the summary, every input in words with the defaults marked, the
  monthly statement whose subtotals and totals are Excel formulas, a yearly statement by formula
  (:mod:`cspmodel.report.workbook`).

Example:
    >>> source = load_source("scenarios/small_indirect_msp.yaml")  # doctest: +SKIP
    >>> write_report(source, "xlsx", "build/small.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ScenarioError
from .io import apply_overrides, load_scenario
from .report.content import (  # noqa: F401 - re-exported: the views' shared content
    CHANNEL_ROWS,
    KIND,
    LABEL,
    TILE_LABELS,
    TILES,
    assumptions,
    comparison_table,
    count_text,
    figure_text,
    flatten,
    inputs_table,
)
from .report.deck import deck_bytes  # noqa: F401 - the pptx format
from .report.workbook import money_format, workbook_bytes  # noqa: F401 - the xlsx format
from .result import Result, simulate
from .schema import Scenario
from .util import atomic_write_bytes, atomic_write_text

FORMATS = ("html", "slides", "pptx", "xlsx")
SUFFIXES = {"html": ".html", "slides": ".slides.html", "pptx": ".pptx", "xlsx": ".xlsx"}
LABELS = {"html": "Report page", "slides": "Slides", "pptx": "PowerPoint deck",
          "xlsx": "Excel workbook"}
BATCH_STEM = "cspmodel"
SCENARIO_SUFFIXES = (".yaml", ".yml")
NAVY = "0B3D6E"


class SourceError(ValueError):
    """SOURCE is neither a valid scenario file nor a usable batch output folder."""


class RenderError(RuntimeError):
    """A report could not be produced (e.g. the report notebook failed)."""


@dataclass
class Run:
    """One scenario of a source: its name (batch folder or file stem), scenario and result."""

    name: str
    scenario: Scenario
    result: Result
    source: str


@dataclass
class Source:
    """What a report is made from: one scenario file, or a batch output folder."""

    path: Path
    kind: str  # "scenario" or "batch"
    runs: list[Run]
    failed: list[tuple[str, str]] = field(default_factory=list)  # (run, error) of a batch

    @property
    def title(self) -> str:
        """The scenario's name, or a title for the comparison."""
        if self.kind == "scenario":
            return self.runs[0].scenario.name
        return "CSP business scenarios compared"

    def default_out(self, fmt: str) -> Path:
        """``<stem>.<ext>`` in the working folder for a scenario, ``DIR/cspmodel.<ext>`` for a
        batch.

        Example:
            >>> Source(Path("b"), "batch", []).default_out("pptx")
            PosixPath('b/cspmodel.pptx')
        """
        if self.kind == "batch":
            return self.path / f"{BATCH_STEM}{SUFFIXES[fmt]}"
        return Path(f"{self.path.stem}{SUFFIXES[fmt]}")


# --------------------------------------------------------------------------------------------
# Reading a source
# --------------------------------------------------------------------------------------------
def load_source(path: str | os.PathLike[str]) -> Source:
    """Read SOURCE: a scenario file (validated and simulated) or a batch output folder (every
    scenario that ran, simulated again and checked against the batch's ``summary.json``).
    Raises ScenarioError for an invalid scenario, SourceError for anything else unusable.

    Example:
        >>> load_source("no/such/thing.yaml")
        Traceback (most recent call last):
        ...
        cspmodel.present.SourceError: no/such/thing.yaml: no such file or folder; give a \
scenario file (.yaml) or a batch output folder (made by `cspmodel batch ... --out DIR`)
    """
    p = Path(path)
    if p.is_dir():
        return _load_batch(p)
    if not p.exists():
        raise SourceError(f"{p}: no such file or folder; give a scenario file (.yaml) or a "
                          "batch output folder (made by `cspmodel batch ... --out DIR`)")
    if p.suffix.lower() not in SCENARIO_SUFFIXES:
        raise SourceError(f"{p}: not a scenario file (.yaml, .yml) nor a batch output folder")
    scenario = load_scenario(p)
    return Source(p, "scenario", [Run(p.stem, scenario, simulate(scenario), str(p))])


def _batch_parameters(run_dir: Path) -> dict[str, Any]:
    """The parameters papermill ran a batch notebook with (scenario_path, overrides)."""
    nb_path = run_dir / "report.ipynb"
    if not nb_path.is_file():
        return {}
    try:
        data = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(data.get("metadata", {}).get("papermill", {}).get("parameters", {}) or {})


def _load_batch(folder: Path) -> Source:
    from .batch import load_batch

    if not (folder / "batch.json").is_file():
        raise SourceError(f"{folder}: not a batch output folder (no batch.json); make one with "
                          f"`cspmodel batch SCENARIOS --out {folder}`, or give a scenario file")
    try:
        table, runs = load_batch(folder)
    except (OSError, ValueError, KeyError) as exc:
        raise SourceError(f"{folder}: batch output unreadable ({type(exc).__name__}: {exc}); "
                          "run `cspmodel batch` again") from None
    failed = [(str(name), str(r.get("error") or "")) for name, r in runs.iterrows()
              if not r["ok"]]
    if table.empty:
        raise SourceError(f"{folder}: no scenario of this batch ran, so there is nothing to "
                          "present (see its index.html)")
    out: list[Run] = []
    for name, row in table.iterrows():
        params = _batch_parameters(folder / str(name))
        scenario_file = Path(params.get("scenario_path") or runs.loc[name, "source"])
        if not scenario_file.is_file():
            raise SourceError(f"{folder}: the scenario file of run {name!r} ({scenario_file}) "
                              "is gone; run the batch again")
        scenario = load_scenario(scenario_file)
        overrides = params.get("overrides") or {}
        if overrides:
            scenario = apply_overrides(scenario, dict(overrides),
                                       source=f"{scenario_file} (batch overrides)")
        result = simulate(scenario)
        _check_same(folder, str(name), scenario_file, row, result)
        out.append(Run(str(name), scenario, result, str(scenario_file)))
    return Source(folder, "batch", out, failed)


def _check_same(folder: Path, name: str, scenario_file: Path, row: pd.Series,
                result: Result) -> None:
    """The batch's recorded figures equal a fresh simulation of its scenario, or SourceError."""
    for key, value in result.summary.items():
        if key not in row.index:
            continue
        recorded, now = float(row[key]), float(value)
        if math.isnan(recorded) and math.isnan(now):
            continue
        if not math.isclose(recorded, now, rel_tol=1e-6, abs_tol=1e-6):
            raise SourceError(
                f"{folder}: run {name!r}: {key} is {now:,.2f} when {scenario_file} is simulated "
                f"now but {recorded:,.2f} in the batch's summary.json; the scenario changed "
                "since the batch ran: run `cspmodel batch` again")


# --------------------------------------------------------------------------------------------
# Figures as text (slides, deck) and assumptions
# --------------------------------------------------------------------------------------------
# --------------------------------------------------------------------------------------------
# Charts (cspmodel.plots, one style) as PNG
# --------------------------------------------------------------------------------------------
def _png(fig: Any, dpi: int = 150) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def _use_agg() -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)


def batch_chart(source: Source) -> bytes:
    """The overview chart of a batch (``plots.batch_overview``) as PNG."""
    from .batch import _row
    from .plots import batch_overview
    from .result import summary_json as summary_to_json

    _use_agg()
    rows = [_row(r.name, json.loads(summary_to_json(r.result))) for r in source.runs]
    table = pd.DataFrame(rows).set_index("run")
    best = table.loc[table["npv"].astype(float).idxmax(), "name"]
    title = (f"{best} has the highest NPV of cash" if len(table) > 1
             else f"{best} at a glance")
    return _png(batch_overview(table, title=title))


# --------------------------------------------------------------------------------------------
# xlsx
# --------------------------------------------------------------------------------------------
COUNT_COLUMNS = {"customers", "new_customers", "churned_customers", "seats"}


# --------------------------------------------------------------------------------------------
# pptx
# --------------------------------------------------------------------------------------------
# --------------------------------------------------------------------------------------------
# html and slides
# --------------------------------------------------------------------------------------------
def _executed_notebook(run: Run) -> tuple[Any, str]:
    """Run the scenario report notebook for one scenario file (as the batch does) and return
    the executed notebook and its HTML page (no code)."""
    import nbformat

    from . import batch

    tmp = Path(tempfile.mkdtemp(prefix=".cspmodel-report-"))
    try:
        jobs, failed = batch.prepare([Path(run.source)], {}, batch.DEFAULT_NOTEBOOK, tmp,
                                     batch.pick_kernel(), batch.DEFAULT_CELL_TIMEOUT,
                                     batch.DEFAULT_RETRIES)
        if failed:
            raise RenderError(failed[0].error or "the scenario is invalid")
        outcome = batch.execute_job(jobs[0])
        if not outcome.ok:
            raise RenderError(f"the report notebook failed for {run.source}: {outcome.error}")
        folder = tmp / jobs[0].name
        nb = nbformat.read(folder / "report.ipynb", as_version=4)
        page = (folder / "report.html").read_text(encoding="utf-8")
        return nb, page
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def html_page(source: Source, out: Path) -> str:
    """The report page: the scenario's report notebook without code, or the batch's
    comparison page."""
    if source.kind == "scenario":
        from .batch import to_html

        nb, _page = _executed_notebook(source.runs[0])
        return to_html(nb, source.runs[0].scenario.name, back_link=None)  # no batch to go to
    index = source.path / "index.html"
    if not index.is_file():
        raise SourceError(f"{source.path}: no index.html; run `cspmodel batch` again")
    from .batch import index_page

    base = Path(os.path.relpath(source.path.resolve(), out.parent.resolve())).as_posix()
    return index_page(source.path, link_base="" if base == "." else base + "/")


def _slide_notebook(source: Source) -> Any:
    """One notebook holding every slide: for a batch a title, the comparison and its chart,
    then each scenario's executed report notebook; for a scenario, its executed notebook."""
    import base64

    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    if source.kind == "scenario":
        nb, _page = _executed_notebook(source.runs[0])
        return nb
    merged = new_notebook(metadata={"title": source.title})
    names = ", ".join(r.scenario.name for r in source.runs)
    merged.cells.append(new_markdown_cell(f"# {source.title}\n\n{count_text(source)}: "
                                          f"{names}"))
    table = comparison_table(source)
    merged.cells.append(new_markdown_cell("## Headline figures over each scenario's horizon"))
    cell = new_code_cell("")
    cell.outputs = [new_output("display_data", data={"text/html": table.to_html(index=False)})]
    merged.cells.append(cell)
    merged.cells.append(new_markdown_cell("## At a glance"))
    chart = new_code_cell("")
    chart.outputs = [new_output("display_data", data={
        "image/png": base64.b64encode(batch_chart(source)).decode("ascii")})]
    merged.cells.append(chart)
    for i, c in enumerate(merged.cells):
        c.metadata["slideshow"] = {"slide_type": "slide" if c.cell_type == "markdown"
                                   and c.source.startswith("#") else "-"}
        c.id = f"batch-{i}"
    for run in source.runs:
        path = source.path / run.name / "report.ipynb"
        if not path.is_file():
            raise SourceError(f"{source.path}: run {run.name!r} has no report.ipynb; run "
                              "`cspmodel batch` again")
        nb = nbformat.read(path, as_version=4)
        for i, c in enumerate(nb.cells):
            c.id = f"{run.name}-{i}"[:64]
            merged.cells.append(c)
    return merged


def slide_defaults(nb: Any) -> Any:
    """Slide metadata where a cell has none: a code cell without output is skipped (imports,
    papermill's injected parameters), any other cell continues the current slide."""
    for c in nb.cells:
        if c.cell_type == "code" and not c.get("outputs"):
            c.metadata["slideshow"] = {"slide_type": "skip"}
        c.metadata.setdefault("slideshow", {"slide_type": "-"})
    return nb


def reveal_assets() -> dict[str, str]:
    """reveal.js (script, core style and the white theme) from the ``sphinx-revealjs``
    package, to be written into the slides page so it opens offline."""
    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or not spec.submodule_search_locations:
        raise RenderError("slides need reveal.js from the sphinx-revealjs package: "
                          "pip install sphinx-revealjs (make setup installs it)")
    base = Path(next(iter(spec.submodule_search_locations))) / "_static" / "revealjs"
    files = {"js": base / "dist" / "reveal.js", "css": base / "dist" / "reveal.css",
             "theme": base / "dist" / "theme" / "white.css"}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise RenderError(f"reveal.js files missing from sphinx-revealjs: {', '.join(missing)}")
    text = {k: p.read_text(encoding="utf-8") for k, p in files.items()}
    text["js"] = text["js"].replace("</script", "<\\/script")
    text["css"] = text["css"].replace("</style", "<\\/style")
    text["theme"] = text["theme"].replace("</style", "<\\/style")
    return text


TEMPLATES = Path(__file__).resolve().parent / "templates"


def slides_page(source: Source) -> str:
    """The reveal.js slides: one HTML file without code, reveal.js inside it."""
    from nbconvert import SlidesExporter

    nb = slide_defaults(_slide_notebook(source))
    exporter = SlidesExporter(template_name="cspmodel_slides",
                              extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
                              exclude_input_prompt=True, exclude_output_prompt=True,
                              reveal_scroll=True, reveal_transition="none")
    body, _ = exporter.from_notebook_node(nb, resources={
        "metadata": {"name": source.title}, "cspmodel_reveal": reveal_assets()})
    return body


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def render(source: Source, fmt: str, out: Path) -> bytes:
    """The file's content for ``fmt``."""
    if fmt == "html":
        return html_page(source, out).encode("utf-8")
    if fmt == "slides":
        return slides_page(source).encode("utf-8")
    if fmt == "pptx":
        return deck_bytes(source)
    if fmt == "xlsx":
        return workbook_bytes(source)
    raise SourceError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_report(source: Source, fmt: str, out: str | os.PathLike[str] | None = None) -> Path:
    """Write the report of ``source`` in ``fmt`` to ``out`` (default
    :meth:`Source.default_out`) in one step (a temporary file, then a rename); a file written
    into a batch folder is linked from its index.html. Returns the file written."""
    if fmt not in FORMATS:
        raise SourceError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    target = Path(out) if out is not None else source.default_out(fmt)
    if target.is_dir():
        raise SourceError(f"--out {target}: is a folder; name a file")
    data = render(source, fmt, target)
    atomic_write_bytes(target, data)
    if source.kind == "batch" and target.parent.resolve() == source.path.resolve():
        link_in_index(source.path)
    return target


def link_in_index(folder: Path) -> None:
    """Write the batch folder's index.html again, so that it links the presentation files now
    present (the slides, deck and workbook)."""
    from .batch import index_page

    if (folder / "index.html").is_file() and (folder / "batch.json").is_file():
        atomic_write_text(folder / "index.html", index_page(folder))


# --------------------------------------------------------------------------------------------
# Command line: registered in cli.py as ``cspmodel report``
# --------------------------------------------------------------------------------------------
def _click_command():  # noqa: ANN202 - builds the click command
    import click

    @click.command("report")
    @click.argument("source", metavar="SOURCE")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
                  help="html: the report page; slides: reveal.js slides; pptx: PowerPoint; "
                       "xlsx: Excel.")
    @click.option("--out", type=click.Path(), default=None,
                  help="File to write [default: <scenario>.<ext> here, or "
                       "DIR/cspmodel.<ext> for a batch folder].")
    def report(source: str, fmt: str, out: str | None) -> None:
        """Present SOURCE (a scenario file, or a batch output folder made by `cspmodel batch
        ... --out DIR`) as a report page, slides, a PowerPoint deck or an Excel workbook.
        Exit 2 for a bad SOURCE or format, 1 when the report could not be made."""
        from .errors import UserError

        try:
            src = load_source(source)
        except ScenarioError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            raise SystemExit(2) from None
        except SourceError as exc:
            raise UserError(str(exc)) from None
        try:
            written = write_report(src, fmt, out)
        except SourceError as exc:
            raise UserError(str(exc)) from None
        except RenderError as exc:
            click.echo(f"Error: {exc}", err=True)
            raise SystemExit(1) from None
        click.echo(f"Wrote {written} ({LABELS[fmt]})")

    return report


report_command = _click_command()
