"""The report page: the scenario's report notebook executed (as the batch runs it) and written
without code through the page template, or a batch's comparison page; the batch's overview
chart.

Example:
    >>> html_page(load_source("scenarios/x.yaml"), Path("x.html"))  # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from .source import RenderError, Run, Source, SourceError


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
    from ..batch import _row
    from ..plots import batch_overview
    from ..result import summary_json as summary_to_json

    _use_agg()
    rows = [_row(r.name, json.loads(summary_to_json(r.result))) for r in source.runs]
    table = pd.DataFrame(rows).set_index("run")
    best = table.loc[table["npv"].astype(float).idxmax(), "name"]
    title = (f"{best} has the highest NPV of cash" if len(table) > 1
             else f"{best} at a glance")
    return _png(batch_overview(table, title=title))


def _executed_notebook(run: Run) -> tuple[Any, str]:
    """Run the scenario report notebook for one scenario file (as the batch does) and return
    the executed notebook and its HTML page (no code)."""
    import nbformat

    from .. import batch

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
        from ..batch import to_html

        nb, _page = _executed_notebook(source.runs[0])
        return to_html(nb, source.runs[0].scenario.name, back_link=None)  # no batch to go to
    index = source.path / "index.html"
    if not index.is_file():
        raise SourceError(f"{source.path}: no index.html; run `cspmodel batch` again")
    from ..batch import index_page

    base = Path(os.path.relpath(source.path.resolve(), out.parent.resolve())).as_posix()
    return index_page(source.path, link_base="" if base == "." else base + "/")
