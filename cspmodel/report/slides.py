"""The slides: reveal.js from the report notebook's slide metadata (nbconvert's SlidesExporter
and the project's template), one self-contained page that opens offline.

Example:
    >>> slides_page(load_source("scenarios/x.yaml"))  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from .content import comparison_table, count_text
from .page import _executed_notebook, batch_chart
from .source import RenderError, Source, SourceError


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


TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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
