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

from .errors import ScenarioError
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
from .report.page import batch_chart, html_page  # noqa: F401 - the html format
from .report.slides import slides_page  # noqa: F401 - the slides format
from .report.source import (  # noqa: F401 - re-exported: what a report is made from
    BATCH_STEM,
    FORMATS,
    LABELS,
    SUFFIXES,
    RenderError,
    Run,
    Source,
    SourceError,
    load_source,
)
from .report.workbook import money_format, workbook_bytes  # noqa: F401 - the xlsx format
from .report.writing import link_in_index, render, write_report  # noqa: F401


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
        steps = {"html": "running the report notebook", "slides": "running the report "
                 "notebook" if src.kind == "scenario" else "collecting the reports",
                 "pptx": "simulating each question", "xlsx": "writing the formulas"}
        what = {"html": "report page", "slides": "slides"}.get(fmt, LABELS[fmt])
        click.echo(f"Making the {what} of {src.title} ({len(src.runs)} "
                   f"scenario{'s' if len(src.runs) != 1 else ''}): {steps[fmt]}...", err=True)
        try:
            written = write_report(src, fmt, out)
        except SourceError as exc:
            raise UserError(str(exc)) from None
        except RenderError as exc:
            click.echo(f"Error: {exc}", err=True)
            raise SystemExit(1) from None
        except OSError as exc:  # an unwritable folder, a full disk: one line, the old file kept
            click.echo(f"Error: cannot write {out or 'the report'}: {exc.strerror or exc}",
                       err=True)
            raise SystemExit(1) from None
        click.echo(f"Wrote {written} ({LABELS[fmt]})")

    return report


report_command = _click_command()
