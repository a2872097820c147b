"""The PowerPoint deck (python-pptx): a summary with the recommendation, the headline figures,
and native, editable charts that hold their data; speaker notes say where each figure comes
from. One scenario: at most 12 slides. A batch: the comparison, then one slide per scenario.

Example:
    >>> from cspmodel.present import load_source  # doctest: +SKIP
    >>> open("deck.pptx", "wb").write(deck_bytes(load_source("scenarios/small_indirect_msp.yaml")))
    ... # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pandas as pd

from ..findings import ExecutiveSummary, executive_summary
from ..formatting import fmt_percent
from .content import LABEL, TILE_LABELS, TILES, assumptions, comparison_table, figure_text

SLIDE_W, SLIDE_H = 13.333, 7.5  # inches, 16:9
NAVY = "0B3D6E"
MAX_SCENARIO_SLIDES = 12
PROVENANCE = ("Every figure: cspmodel.simulate of the scenario file {file} ({channel}, "
              "{months} months from {start}); the rules are in docs/engine.md, the default "
              "figures and their sources in cspmodel/catalog.py.")


def deck_bytes(source: Any) -> bytes:  # noqa: ANN401 - a cspmodel.present.Source
    """The deck of a source (one scenario file, or a batch output folder)."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    when = dt.date.today().strftime("%d %B %Y")
    if source.kind == "scenario":
        _scenario_deck(prs, source.runs[0], when)
    else:
        _batch_deck(prs, source, when)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _provenance(run: Any) -> str:  # noqa: ANN401
    s = run.scenario
    return PROVENANCE.format(file=run.source, channel=s.channel.model, months=s.horizon_months,
                             start=f"{s.start_month:%Y-%m}")


def _scenario_deck(prs: Any, run: Any, when: str) -> None:  # noqa: ANN401
    from .. import analysis

    s, r = run.scenario, run.result
    cur = s.currency
    summary = executive_summary(s, r)
    source = _provenance(run)
    sub = (f"{s.description}\n" if s.description else "") + (
        f"{s.channel.model.capitalize()} CSP · {s.horizon_months} months from "
        f"{s.start_month:%B %Y} · {s.currency}\nProduced {when} with cspmodel")
    _title_slide(prs, s.name, sub)
    _summary_slide(prs, summary, f"Summary: {s.name}", source)
    _tiles_slide(prs, run, "Headline figures", _headline_title(run), source)
    months = [f"{p:%Y-%m}" for p in r.monthly.index.to_timestamp()]
    _chart_slide(prs, "Profit and cash, month by month", "line", months,
                 {"Operating profit": r.monthly["operating_profit"].tolist(),
                  "Cumulative cash": r.monthly["cumulative_cash"].tolist()},
                 f"{cur} a month; cumulative cash in {cur}", cur,
                 notes=f"{summary.answer('cash').answer} {source}")
    costs = analysis.cost_lines_table(r).head(8)
    _chart_slide(prs, "Where the money goes", "bar", list(costs.index),
                 {f"Over {s.horizon_months} months": costs["amount"].tolist()},
                 f"{cur} over {s.horizon_months} months", cur,
                 notes=f"{summary.answer('costs').answer} Cost lines of the ledger "
                 f"(cspmodel.analysis.cost_lines_table). {source}")
    _statement_slide(prs, r, source)
    both = analysis.both_channels(s)
    rows = ("revenue", "gross_profit", "operating_profit")
    title = ("Direct bill: " + ("open to this book" if summary.direct_eligible
                                else "not open to this book yet"))
    _chart_slide(prs, title, "column", [LABEL[k] for k in rows],
                 {"Indirect": [float(both["indirect"].summary[k]) for k in rows],
                  "Direct" + ("" if summary.direct_eligible else " (not eligible)"):
                  [float(both["direct"].summary[k]) for k in rows]},
                 f"{cur} over {s.horizon_months} months", cur,
                 caption=summary.answer("direct").answer,
                 notes=f"{summary.answer('direct').answer} The same book simulated through "
                 f"each channel (cspmodel.analysis.both_channels); eligibility from Microsoft's "
                 f"trailing-12-month threshold (cspmodel.channel). {source}")
    tiers = analysis.support_tier_margins(r)
    if not tiers.empty:
        _chart_slide(prs, "Support plans: margin per tier", "column", list(tiers.index),
                     {"Margin": [0.0 if pd.isna(x) else float(x)
                                 for x in tiers["margin_share"]]},
                     "Margin (share of the tier's revenue)", cur, percent=True,
                     caption=summary.answer("support").answer,
                     notes=f"{summary.answer('support').answer} Tier margins: "
                     f"cspmodel.analysis.support_tier_margins. {source}")
    _streams_slides(prs, run, summary, source)
    if summary.answer("terms").figure != 0.0:
        moved = analysis.monthly_to_annual(s)
        keys = ("operating_profit", "ending_cash")
        _chart_slide(prs, "Monthly customers on annual terms?", "column",
                     ["Operating profit", "Cash at the end"],
                     {"As planned": [float(moved.loc[k, "as_is"]) for k in keys],
                      "Monthly customers on annual terms": [float(moved.loc[k, "moved"])
                                                            for k in keys]},
                     f"{cur}", cur, caption=summary.answer("terms").answer,
                     notes=f"{summary.answer('terms').answer} "
                     f"(cspmodel.analysis.monthly_to_annual). {source}")
    _assumptions_slide(prs, [run], source)


def _streams_slides(prs: Any, run: Any, summary: ExecutiveSummary, source: str) -> None:  # noqa: ANN401
    """Azure (margin with and without the PEC, the worst month at risk) and financed
    deployments (cumulative cash either way), where the scenario has them."""
    from .. import azure_analysis
    from ..result import simulate

    s, r = run.scenario, run.result
    cur = s.currency
    if azure_analysis.has_azure(s):
        m = azure_analysis.azure_margins(r)
        x = azure_analysis.credit_exposure_table(r)
        segs = [seg for seg in x.index if seg != "all"]
        _chart_slide(prs, "Azure: the partner-earned credit and the credit exposure", "column",
                     segs, {"Azure margin": [float(m.loc[g, "margin"]) for g in segs],
                            "Without the PEC": [float(m.loc[g, "margin_without_pec"])
                                                for g in segs],
                            "Worst month at risk": [float(x.loc[g, "worst"]) for g in segs]},
                     f"{cur}; margins over {s.horizon_months} months", cur,
                     caption=summary.answer("azure").answer,
                     notes=f"{summary.answer('azure').answer} Margins: "
                     "cspmodel.azure_analysis.azure_margins; exposure (usage not yet collected "
                     "plus the next month's): credit_exposure_table. " + source)
    if azure_analysis.has_financing(s):
        upfront = simulate(s.with_overrides({f"segments.{i}.financing.share": 0.0
                                             for i in range(len(s.segments))}))
        months = [f"{p:%Y-%m}" for p in r.monthly.index.to_timestamp()]
        _chart_slide(prs, "Financed deployments: what they do to cash", "line", months,
                     {"Deployments financed": r.monthly["cumulative_cash"].tolist(),
                      "Paid upfront": upfront.monthly["cumulative_cash"].tolist()},
                     f"Cumulative cash ({cur})", cur,
                     caption=summary.answer("financing").answer,
                     notes=f"{summary.answer('financing').answer} "
                     f"(cspmodel.azure_analysis.financing_effect). {source}")


def _batch_deck(prs: Any, source: Any, when: str) -> None:  # noqa: ANN401
    names = ", ".join(r.scenario.name for r in source.runs)
    n = len(source.runs)
    _title_slide(prs, source.title, f"{n} scenario{'s' if n != 1 else ''}: {names}\n"
                                    f"Produced {when} with cspmodel")
    table = comparison_table(source).set_index("Scenario").T
    table = table.reset_index().rename(columns={"index": "Figure"})
    _table_slide(prs, "Headline figures over each scenario's horizon", table,
                 col_widths=[3.4] + [min(3.0, 9.3 / n)] * n,
                 font=14 if n <= 3 else (12 if n <= 5 else 10),
                 notes="Each scenario simulated again from its file and overrides and checked "
                 "against the batch's summary.json (cspmodel.present.load_source).")
    for run in source.runs:
        _summary_slide(prs, executive_summary(run.scenario, run.result), run.scenario.name,
                       _provenance(run))


# --------------------------------------------------------------------------------------------
# Slides
# --------------------------------------------------------------------------------------------
def _rgb(hex_color: str) -> Any:  # noqa: ANN401
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_color)


def _notes(slide: Any, text: str) -> None:  # noqa: ANN401
    slide.notes_slide.notes_text_frame.text = text


def _title_slide(prs: Any, title: str, subtitle: str) -> None:  # noqa: ANN401
    from pptx.util import Pt

    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = title
    slide.shapes.title.text_frame.paragraphs[0].font.color.rgb = _rgb(NAVY)
    slide.shapes.title.text_frame.paragraphs[0].font.bold = True
    body = slide.placeholders[1]
    body.text = subtitle
    for p in body.text_frame.paragraphs:
        p.font.size = Pt(20)
    _notes(slide, "Produced with cspmodel from the scenario files named on the last slide.")


def _titled(prs: Any, title: str) -> Any:  # noqa: ANN401
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    t = slide.shapes.title
    t.left, t.top, t.width, t.height = Inches(0.5), Inches(0.25), Inches(SLIDE_W - 1), Inches(1.0)
    t.text = title
    p = t.text_frame.paragraphs[0]
    p.font.size, p.font.bold, p.font.color.rgb = Pt(28), True, _rgb(NAVY)
    return slide


def _summary_slide(prs: Any, summary: ExecutiveSummary, title: str, source: str) -> None:  # noqa: ANN401
    from pptx.util import Inches, Pt

    slide = _titled(prs, title)
    box = slide.shapes.add_textbox(Inches(0.5), Inches(1.2), Inches(SLIDE_W - 1),
                                   Inches(SLIDE_H - 1.5))
    tf = box.text_frame
    tf.word_wrap = True
    length = sum(len(a.answer) for a in summary.answers)
    size = 13 if length < 1400 else 11 if length < 2000 else 10
    first = True
    for a in summary.answers:
        p = tf.paragraphs[0] if first else tf.add_paragraph()
        first = False
        q = p.add_run()
        q.text = a.question + " "
        q.font.bold, q.font.size, q.font.color.rgb = True, Pt(size), _rgb(NAVY)
        t = p.add_run()
        t.text = a.answer
        t.font.size = Pt(size)
        p.space_after = Pt(6)
    p = tf.add_paragraph()
    head = p.add_run()
    head.text = "Recommendation: "
    head.font.bold, head.font.size, head.font.color.rgb = True, Pt(size + 1), _rgb("B00020")
    body = p.add_run()
    body.text = summary.recommendation
    body.font.bold, body.font.size = True, Pt(size + 1)
    _notes(slide, "The summary comes from cspmodel.findings.executive_summary: each answer "
           "from its own simulation (both channels, monthly customers on annual terms, the "
           f"support tiers' margins, the ledger's cost lines, cumulative cash). {source}")


def _headline_title(run: Any) -> str:  # noqa: ANN401
    s = run.result.summary
    return (f"{figure_text(run.result, 'revenue')} of revenue over {run.scenario.horizon_months}"
            f" months at a {fmt_percent(float(s['operating_margin']))} operating margin")


def _tiles_slide(prs: Any, run: Any, title: str, subtitle: str, source: str) -> None:  # noqa: ANN401
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    slide = _titled(prs, title)
    sub = slide.shapes.add_textbox(Inches(0.5), Inches(1.15), Inches(SLIDE_W - 1), Inches(0.5))
    sub.text_frame.text = subtitle
    sub.text_frame.paragraphs[0].font.size = Pt(20)
    sub.text_frame.paragraphs[0].alignment = PP_ALIGN.CENTER
    cols, w, h, gap = 4, 2.9, 2.2, 0.2
    left0 = (SLIDE_W - cols * w - (cols - 1) * gap) / 2
    for i, key in enumerate(TILES):
        r, c = divmod(i, cols)
        box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(left0 + c * (w + gap)),
                                     Inches(1.85 + r * (h + gap)), Inches(w), Inches(h))
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb("EEF3F8")
        box.line.color.rgb = _rgb(NAVY)
        tf = box.text_frame
        tf.word_wrap = True
        tf.margin_left = tf.margin_right = Inches(0.05)
        p = tf.paragraphs[0]
        p.text = TILE_LABELS[key]
        p.font.size, p.font.color.rgb = Pt(16), _rgb("444444")
        q = tf.add_paragraph()
        q.text = figure_text(run.result, key)
        q.font.size, q.font.bold, q.font.color.rgb = Pt(19), True, _rgb(NAVY)
        p.alignment = q.alignment = PP_ALIGN.CENTER
    if run.result.warnings:
        note = slide.shapes.add_textbox(Inches(0.5), Inches(6.65), Inches(SLIDE_W - 1),
                                        Inches(0.7))
        note.text_frame.word_wrap = True
        note.text_frame.text = f"Warning: {run.result.warnings[0]}" + (
            f" (and {len(run.result.warnings) - 1} more)" if len(run.result.warnings) > 1
            else "")
        note.text_frame.paragraphs[0].font.size = Pt(11)
        note.text_frame.paragraphs[0].font.color.rgb = _rgb("B00020")
    _notes(slide, "Headline figures over the whole horizon (cspmodel.simulate: the summary); "
           f"the warnings are the model's checks of Microsoft's programme thresholds. {source}")


def _chart_slide(prs: Any, title: str, kind: str, categories: list[str],  # noqa: ANN401, PLR0913
                 series: dict[str, list[float]], value_title: str, currency: str,
                 percent: bool = False, caption: str | None = None, notes: str = "") -> None:
    """A slide with one native chart (line, column or bar) holding its data."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    slide = _titled(prs, title)
    data = CategoryChartData()
    data.categories = categories
    for name, values in series.items():
        data.add_series(name, [float(v) for v in values])
    chart_type = {"line": XL_CHART_TYPE.LINE, "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
                  "bar": XL_CHART_TYPE.BAR_CLUSTERED}[kind]
    top = 1.25
    height = SLIDE_H - top - (1.05 if caption else 0.3)
    frame = slide.shapes.add_chart(chart_type, Inches(0.5), Inches(top), Inches(SLIDE_W - 1),
                                   Inches(height), data)
    chart = frame.chart
    chart.has_legend = len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(12)
    fmt = "0%" if percent else f'"{currency} "#,##0;-"{currency} "#,##0'
    axis = chart.value_axis
    axis.tick_labels.number_format = fmt
    axis.tick_labels.number_format_is_linked = False
    axis.tick_labels.font.size = Pt(11)
    axis.has_title = True
    axis.axis_title.text_frame.text = value_title
    axis.axis_title.text_frame.paragraphs[0].font.size = Pt(12)
    cat = chart.category_axis
    cat.tick_labels.font.size = Pt(10 if len(categories) > 24 else 12)
    if kind == "line":
        cat.has_title = True
        cat.axis_title.text_frame.text = "Month"
        cat.axis_title.text_frame.paragraphs[0].font.size = Pt(12)
        for plot in chart.plots:
            for s in plot.series:
                s.smooth = False
                s.format.line.width = Pt(2.25)
    if caption:
        box = slide.shapes.add_textbox(Inches(0.5), Inches(SLIDE_H - 1.0), Inches(SLIDE_W - 1),
                                       Inches(0.9))
        box.text_frame.word_wrap = True
        box.text_frame.text = caption
        box.text_frame.paragraphs[0].font.size = Pt(12)
    _notes(slide, notes)


def _statement_slide(prs: Any, result: Any, source: str) -> None:  # noqa: ANN401
    from ..analysis import annual_statement
    from ..formatting import fmt_money

    table = annual_statement(result)
    keep = ["Revenue", "Gross profit", "Operating profit", "Net cash flow", "Cumulative cash"]
    table = table.loc[[k for k in keep if k in table.index]]
    shown = table.apply(lambda col: [fmt_money(float(v), result.currency) for v in col])
    shown = shown.reset_index().rename(columns={"index": result.currency})
    n = len(shown.columns) - 1
    _table_slide(prs, "The statement, year by year", shown,
                 col_widths=[3.0] + [min(2.4, (SLIDE_W - 1.0 - 3.0) / n)] * n,
                 font=14 if n <= 4 else 11,
                 notes="Flows summed by year of the horizon, balances at each year's end "
                 f"(cspmodel.analysis.annual_statement). {source}")


def _table_slide(prs: Any, title: str, table: pd.DataFrame, col_widths: list[float],  # noqa: ANN401
                 font: int = 13, align_numbers: bool = True, notes: str = "") -> None:
    from pptx.util import Inches, Pt

    slide = _titled(prs, title)
    rows, cols = len(table) + 1, len(table.columns)
    total = sum(col_widths)
    left = max(0.3, (SLIDE_W - total) / 2)
    row_h = 0.22 + font / 72 * 1.2
    shape = slide.shapes.add_table(rows, cols, Inches(left), Inches(1.4), Inches(total),
                                   Inches(row_h * rows))
    tbl = shape.table
    for j, w in enumerate(col_widths):
        tbl.columns[j].width = Inches(w)
    for r in tbl.rows:
        r.height = Inches(row_h)  # grows with the text it holds
    for j, col in enumerate(table.columns):
        _set_cell(tbl.cell(0, j), str(col), Pt(font), bold=True)
    for i, (_, row) in enumerate(table.iterrows(), start=1):
        for j, v in enumerate(row.tolist()):
            _set_cell(tbl.cell(i, j), str(v), Pt(font),
                      right=align_numbers and j > 0 and bool(re.search(r"\d", str(v))))
    _notes(slide, notes)


def _set_cell(cell: Any, text: str, size: Any, bold: bool = False, right: bool = False  # noqa: ANN401
              ) -> None:
    from pptx.enum.text import PP_ALIGN

    cell.text = text
    for p in cell.text_frame.paragraphs:
        p.font.size = size
        p.font.bold = bold
        if right:
            p.alignment = PP_ALIGN.RIGHT


def _assumptions_slide(prs: Any, runs: list[Any], source: str) -> None:  # noqa: ANN401
    per_run = [dict(assumptions(r.scenario)) for r in runs]
    labels = [label for label, _ in assumptions(runs[0].scenario)]
    data = {"Assumption": labels}
    for run, values in zip(runs, per_run, strict=True):
        data[run.scenario.name] = [values[label] for label in labels]
    table = pd.DataFrame(data)
    n = len(runs)
    lines = sum(max(str(v).count("\n") + 1 for v in row) for row in table.itertuples())
    font = 12 if n == 1 and lines <= 20 else (10 if lines <= 26 and n <= 3 else 8)
    first = 3.2 if n > 1 else 4.2
    rest = min(8.0, (SLIDE_W - 0.6 - first) / n)
    _table_slide(prs, "Assumptions that matter", table, [first] + [rest] * n, font=font,
                 align_numbers=False, notes="The scenario file's values, and the defaults it "
                 f"did not set (marked). {source}")
