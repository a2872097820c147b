"""The Excel workbook (openpyxl): a finance model, not a dump.

- *Summary*: the executive summary, then the headline figures as formulas over the statement
  (revenue, gross and operating profit and margins, cumulative cash at the end and its lowest).
- *Inputs*: every input in words, with its unit and number format (shares as %), the defaults
  the scenario file did not set marked, and its dotted key.
- *Monthly*: the statement month by month: each ledger line as a value, the subtotals and totals
  (revenue, cost of sales, gross profit, operating costs, operating profit, net cash flow,
  cumulative cash) as Excel formulas over the lines.
- *Yearly*: the same statement by year, by formula (SUMIFS over the months).
A batch adds a *Comparison* sheet and one Monthly and Yearly sheet per scenario.

Example:
    >>> from cspmodel.present import load_source  # doctest: +SKIP
    >>> open("model.xlsx", "wb").write(workbook_bytes(load_source("scenarios/x.yaml")))
    ... # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..findings import executive_summary
from ..ledger import LINES, STATEMENT_OF_LINE
from ..notebook import HEADLINE_ROWS
from .content import KIND, LABEL, defaults_in_use, flatten

NAVY = "0B3D6E"
STATEMENTS = (("revenue", "Revenue"), ("cost_of_sales", "Cost of sales"),
              ("operating_costs", "Operating costs"))
# the statement rows a formula computes, and what of the engine's monthly statement each equals
FORMULA_COLUMNS = ("revenue", "cost_of_sales", "gross_profit", "operating_costs",
                   "operating_profit", "net_cash", "cumulative_cash")


def money_format(currency: str, decimals: int = 0) -> str:
    """An Excel number format with the currency and thousands separators, negatives in red.

    Example:
        >>> money_format("EUR")
        '#,##0 "EUR";[Red]-#,##0 "EUR"'
    """
    body = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f'{body} "{currency}";[Red]-{body} "{currency}"'


def number_format(kind: str, currency: str) -> str:
    """The Excel format of a headline figure's kind."""
    return {"money": money_format(currency), "money2": money_format(currency, 2),
            "percent": "0.0%", "month": '0;-0;"from the start"', "count": "#,##0",
            "number": "#,##0.0"}[kind]


def cell_value(v: Any) -> Any:  # noqa: ANN401
    """A value Excel takes: NaN as an empty cell, numpy scalars as Python numbers."""
    if isinstance(v, float | np.floating) and math.isnan(float(v)):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def workbook_bytes(source: Any) -> bytes:  # noqa: ANN401 - a cspmodel.present.Source
    """The workbook of a source (one scenario, or a batch)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()

    def sheet(title: str) -> Any:  # noqa: ANN401
        return wb.create_sheet(_sheet_name(title, used))

    runs = source.runs
    if source.kind == "batch":
        _comparison_sheet(sheet("Comparison"), runs)
    one = len(runs) == 1
    names = {run.name: (("Monthly", "Yearly") if one else
                        (_sheet_name(f"Monthly {run.name}", set(used)),
                         _sheet_name(f"Yearly {run.name}", set(used)))) for run in runs}
    summary = sheet("Summary")
    inputs = sheet("Inputs")
    cells: dict[str, dict[str, str]] = {}
    for run in runs:
        monthly, yearly = names[run.name]
        cells[run.name] = _monthly_sheet(sheet(monthly), run)
        _yearly_sheet(sheet(yearly), run, monthly, cells[run.name])
    _summary_sheet(summary, runs, names, cells)
    _inputs_sheet(inputs, runs)
    wb.properties.title = source.title
    wb.properties.creator = "cspmodel"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_name(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "-", text)[:31]
    name, n = base, 1
    while name.lower() in used:
        n += 1
        name = f"{base[:27]} ({n})"
    used.add(name.lower())
    return name


def _ref(sheet: str, cell: str) -> str:
    return f"'{sheet}'!{cell}"


def _style_header(ws: Any, row: int, ncols: int) -> None:  # noqa: ANN401
    from openpyxl.styles import Alignment, Font, PatternFill

    for c in range(1, ncols + 1):
        cell = ws.cell(row=row, column=c)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=NAVY)
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _widths(ws: Any, widths: Mapping[int, float]) -> None:  # noqa: ANN401
    """Column widths, and printing: landscape, the width of one page."""
    from openpyxl.utils import get_column_letter

    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = w


def _monthly_sheet(ws: Any, run: Any) -> dict[str, str]:  # noqa: ANN401
    """The statement month by month; returns the column letter of each statement row and the
    rows of the months (``first``, ``last``)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    r = run.result
    cur = r.currency
    lines = r.lines()
    m = r.monthly
    H = len(m)
    groups = {kind: [name for name in LINES if STATEMENT_OF_LINE[name] == kind
                     and name in lines.columns and float(np.abs(lines[name]).sum()) > 0]
              for kind, _label in STATEMENTS}
    header: list[str] = ["Month", "Year"]
    cols: dict[str, str] = {}

    def add(key: str, label: str) -> str:
        header.append(label)
        cols[key] = get_column_letter(len(header))
        return cols[key]

    line_cols: dict[str, list[str]] = {}
    for kind, label in STATEMENTS:
        line_cols[kind] = [add(f"line:{name}", LINES[name].label) for name in groups[kind]]
        add(kind, label)
        if kind == "cost_of_sales":
            add("gross_profit", "Gross profit")
    add("operating_profit", "Operating profit")
    add("cash_in", "Cash in")
    add("cash_out", "Cash out")
    add("net_cash", "Net cash flow")
    add("cumulative_cash", "Cumulative cash")
    add("customers", "Customers")
    add("seats", "Seats")
    ws.append(header)
    _style_header(ws, 1, len(header))
    money = money_format(cur)
    bold = Font(bold=True)
    for i in range(H):
        row = i + 2
        ws.cell(row=row, column=1, value=m.index[i].to_timestamp().date()).number_format = (
            "mmm yyyy")
        ws.cell(row=row, column=2, value=i // 12 + 1)
        for kind, _label in STATEMENTS:
            for name, col in zip(groups[kind], line_cols[kind], strict=True):
                ws[f"{col}{row}"] = float(lines[name].iloc[i])
            first, last = (line_cols[kind][0], line_cols[kind][-1]) if line_cols[kind] else (
                None, None)
            ws[f"{cols[kind]}{row}"] = (f"=SUM({first}{row}:{last}{row})" if first else 0)
        ws[f"{cols['gross_profit']}{row}"] = (f"={cols['revenue']}{row}"
                                              f"-{cols['cost_of_sales']}{row}")
        ws[f"{cols['operating_profit']}{row}"] = (f"={cols['gross_profit']}{row}"
                                                  f"-{cols['operating_costs']}{row}")
        ws[f"{cols['cash_in']}{row}"] = float(m["cash_in"].iloc[i])
        ws[f"{cols['cash_out']}{row}"] = float(m["cash_out"].iloc[i])
        ws[f"{cols['net_cash']}{row}"] = f"={cols['cash_in']}{row}-{cols['cash_out']}{row}"
        ws[f"{cols['cumulative_cash']}{row}"] = (
            f"={cols['net_cash']}{row}" if i == 0
            else f"={cols['cumulative_cash']}{row - 1}+{cols['net_cash']}{row}")
        ws[f"{cols['customers']}{row}"] = float(m["customers"].iloc[i])
        ws[f"{cols['seats']}{row}"] = float(m["seats"].iloc[i])
        for key, col in cols.items():
            cell = ws[f"{col}{row}"]
            cell.number_format = "#,##0.0" if key in ("customers", "seats") else money
            if key in FORMULA_COLUMNS:
                cell.font = bold
    ws.freeze_panes = "C2"
    ws.row_dimensions[1].height = 60
    _widths(ws, {1: 11, 2: 6, **{j: 14 for j in range(3, len(header) + 1)}})
    return {**cols, "first": "2", "last": str(H + 1), "years": str((H - 1) // 12 + 1)}


YEARLY_ROWS = (("revenue", "Revenue"), ("cost_of_sales", "Cost of sales"),
               ("gross_profit", "Gross profit"), ("operating_costs", "Operating costs"),
               ("operating_profit", "Operating profit"), ("net_cash", "Net cash flow"))


def _yearly_sheet(ws: Any, run: Any, monthly: str, cols: dict[str, str]) -> None:  # noqa: ANN401
    """The statement by year of the horizon: SUMIFS of the monthly sheet by its Year column;
    cumulative cash at each year's end."""
    from openpyxl.utils import get_column_letter

    cur = run.result.currency
    first, last, years = cols["first"], cols["last"], int(cols["years"])
    year_range = _ref(monthly, f"$B${first}:$B${last}")
    ws.append([cur, *[f"Year {y}" for y in range(1, years + 1)], "Total"])
    ws.append(["Year", *range(1, years + 1), None])
    _style_header(ws, 1, years + 2)
    money = money_format(cur)
    for key, label in YEARLY_ROWS:
        values = _ref(monthly, f"${cols[key]}${first}:${cols[key]}${last}")
        row = [label, *[f"=SUMIFS({values},{year_range},{get_column_letter(y + 1)}$2)"
                        for y in range(1, years + 1)], f"=SUM({values})"]
        ws.append(row)
    net = _ref(monthly, f"${cols['net_cash']}${first}:${cols['net_cash']}${last}")
    ws.append(["Cumulative cash at the year's end",
               *[f'=SUMIFS({net},{year_range},"<="&{get_column_letter(y + 1)}$2)'
                 for y in range(1, years + 1)],
               "=" + _ref(monthly, f"{cols['cumulative_cash']}{last}")])
    for row in ws.iter_rows(min_row=3, min_col=2):
        for cell in row:
            cell.number_format = money
    _widths(ws, {1: 34, **{j: 16 for j in range(2, years + 3)}})


def _summary_sheet(ws: Any, runs: list[Any], names: dict[str, tuple[str, str]],  # noqa: ANN401
                   cells: dict[str, dict[str, str]]) -> None:
    """The executive summary of each scenario, then its headline figures by formula."""
    from openpyxl.styles import Alignment, Font

    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append(["Summary", *[r.scenario.name for r in runs]])
    _style_header(ws, 1, len(runs) + 1)
    summaries = [executive_summary(r.scenario, r.result) for r in runs]
    keys = list(dict.fromkeys(a.key for s in summaries for a in s.answers))
    for key in keys:  # a question only some scenarios ask (Azure) is blank for the others
        question = next(a.question for s in summaries for a in s.answers if a.key == key)
        ws.append([question, *[next((a.answer for a in s.answers if a.key == key), "")
                               for s in summaries]])
    ws.append(["Recommendation", *[s.recommendation for s in summaries]])
    for row in ws.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        for cell in row:
            cell.alignment = wrap
    ws.append([])
    ws.append(["Headline figures (formulas over the monthly statement)",
               *["" for _ in runs]])
    _style_header(ws, ws.max_row, len(runs) + 1)
    formulas = {
        "Revenue": ("revenue", "=SUM({revenue})", "money"),
        "Gross profit": ("gross_profit", "=SUM({gross_profit})", "money"),
        "Gross margin": ("gross_margin", "=IF(SUM({revenue})=0,\"\",SUM({gross_profit})"
                                         "/SUM({revenue}))", "percent"),
        "Operating profit": ("operating_profit", "=SUM({operating_profit})", "money"),
        "Operating margin": ("operating_margin", "=IF(SUM({revenue})=0,\"\","
                                                 "SUM({operating_profit})/SUM({revenue}))",
                             "percent"),
        "Cumulative cash at the end": ("ending_cash", "={cumulative_last}", "money"),
        "Cash trough (lowest cumulative cash)": ("cash_trough", "=MIN(0,MIN({cumulative_cash}))",
                                                 "money"),
    }
    for label, (_key, template, kind) in formulas.items():
        row = [label]
        for run in runs:
            c, monthly = cells[run.name], names[run.name][0]

            def rng(key: str, c: dict[str, str] = c, monthly: str = monthly) -> str:
                return _ref(monthly, f"${c[key]}${c['first']}:${c[key]}${c['last']}")

            row.append(template.format(
                revenue=rng("revenue"), gross_profit=rng("gross_profit"),
                operating_profit=rng("operating_profit"), cumulative_cash=rng("cumulative_cash"),
                cumulative_last=_ref(monthly, f"{c['cumulative_cash']}{c['last']}")))
        ws.append(row)
        for j, run in enumerate(runs, start=2):
            ws.cell(row=ws.max_row, column=j).number_format = number_format(
                kind, run.result.currency)
    ws.append([])
    ws.append(["Other headline figures (from the model)", *["" for _ in runs]])
    _style_header(ws, ws.max_row, len(runs) + 1)
    for key, label, kind in HEADLINE_ROWS:
        if key in ("revenue", "gross_profit", "gross_margin", "operating_profit",
                   "operating_margin", "cash_trough"):
            continue
        ws.append([label, *[cell_value(r.result.summary[key]) for r in runs]])
        for j, run in enumerate(runs, start=2):
            ws.cell(row=ws.max_row, column=j).number_format = number_format(
                kind, run.result.currency)
    _widths(ws, {1: 40, **{j: 70 if len(runs) == 1 else 45 for j in range(2, len(runs) + 2)}})


def _inputs_sheet(ws: Any, runs: list[Any]) -> None:  # noqa: ANN401
    """Every input in words with its unit and format; defaults the file did not set marked."""
    from openpyxl.styles import PatternFill

    from ..checking import field_at, walk

    header = ["Input", "Unit", *[r.scenario.name for r in runs], "Default (not in the file)",
              "Key"]
    ws.append(header)
    _style_header(ws, 1, len(header))
    values = [dict(flatten(r.scenario.model_dump(mode="json"))) for r in runs]
    defaults = [{k for k, *_ in defaults_in_use(r.scenario)} for r in runs]
    keys: list[str] = []
    for v in values:
        keys.extend(k for k in v if k not in keys)
    grey = PatternFill("solid", fgColor="FFF4CE")
    from ..schema import Scenario

    for key in keys:
        parts = tuple(int(p) if p.isdigit() else p for p in key.split("."))
        field = field_at(parts, Scenario) if walk(parts[:-1], Scenario)[0] else None
        extra = (field.json_schema_extra if field is not None and isinstance(
            field.json_schema_extra, dict) else {})
        unit = str(extra.get("unit", ""))
        words = str(field.description) if field is not None and field.description else key
        if parts[0] == "segments" and len(parts) > 2:  # whose: the segment's name
            names = {str(v.get(f"segments.{parts[1]}.name")) for v in values} - {"None"}
            words += f" ({', '.join(sorted(names))})"
        row_values = []
        for v in values:
            x = v.get(key)
            if isinstance(x, list | dict):
                x = "(none)" if not x else str(x)
            row_values.append(x)
        marked = [run.name for run, d in zip(runs, defaults, strict=True) if key in d]
        ws.append([words, unit.replace("currency", runs[0].result.currency), *row_values,
                   ", ".join(marked) if len(runs) > 1 else ("default" if marked else ""), key])
        for j, x in enumerate(row_values, start=3):
            cell = ws.cell(row=ws.max_row, column=j)
            if isinstance(x, int | float) and not isinstance(x, bool):
                if unit.startswith("share"):
                    cell.number_format = "0.0%"
                elif unit.startswith("currency"):
                    cell.number_format = money_format(runs[0].result.currency, 2)
        if marked:
            for c in ws[ws.max_row]:
                c.fill = grey
    ws.freeze_panes = "C2"
    _widths(ws, {1: 60, 2: 18, **{j: 22 for j in range(3, len(runs) + 3)},
                 len(runs) + 3: 18, len(runs) + 4: 48})


def _comparison_sheet(ws: Any, runs: list[Any]) -> None:  # noqa: ANN401
    keys = [k for k, _l, _k in HEADLINE_ROWS]
    header = ["Scenario", "Channel", "Horizon (months)", *[LABEL[k] for k in keys], "Warnings"]
    ws.append(header)
    _style_header(ws, 1, len(header))
    for i, run in enumerate(runs, start=2):
        ws.append([run.scenario.name, run.scenario.channel.model,
                   run.scenario.horizon_months,
                   *[cell_value(run.result.summary[k]) for k in keys],
                   len(run.result.warnings)])
        for j, k in enumerate(keys, start=4):
            ws.cell(row=i, column=j).number_format = number_format(KIND[k],
                                                                   run.result.currency)
    ws.freeze_panes = "B2"
    _widths(ws, {1: 34, 2: 10, 3: 10, **{j: 17 for j in range(4, len(header) + 1)}})
    ws.row_dimensions[1].height = 45
