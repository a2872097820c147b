"""`cspmodel report`: the workbook, the deck, the report page and the slides read back equal the
engine's figures for the same scenario; each opens; the page has no code; bad input exits 2
without a traceback and writes nothing.

Batches are made two ways: by hand (batch.json and summary.json written from simulate, as the
batch writes them: fast, used for the workbook and deck) and once by `cspmodel batch` itself on
one scenario (papermill, for the page and the slides)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from pptx import Presentation

import cspmodel
from cspmodel import present
from cspmodel.analysis import both_channels
from cspmodel.cli import main, summary_to_json

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small_indirect_msp.yaml"
GROWING = ROOT / "scenarios" / "growing_var_weighing_direct.yaml"


def _money(x: float) -> str:
    return f"USD {x:,.0f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def fake_batch(folder: Path, items: list[tuple[str, Path, dict]]) -> Path:
    """A batch output folder as `cspmodel batch` leaves it, without running notebooks: per run
    summary.json (from simulate) and a report.ipynb holding papermill's parameters."""
    runs = []
    for name, path, overrides in items:
        scenario = cspmodel.load_scenario(path)
        if overrides:
            scenario = scenario.with_overrides(overrides)
        d = folder / name
        d.mkdir(parents=True)
        (d / "summary.json").write_text(summary_to_json(cspmodel.simulate(scenario)))
        (d / "report.ipynb").write_text(json.dumps({"metadata": {"papermill": {"parameters": {
            "scenario_path": str(path), "overrides": overrides, "output_dir": str(d)}}},
            "cells": [], "nbformat": 4, "nbformat_minor": 5}))
        runs.append({"name": name, "source": str(path), "ok": True, "error": None})
    (folder / "batch.json").write_text(json.dumps({"runs": runs}))
    (folder / "index.html").write_text("<html><body><h1>Compared</h1>"
                                       "<a href='a/report.html'>a</a></body></html>")
    return folder


def report(*args: str) -> object:
    return CliRunner().invoke(main, ["report", *args])


# ------------------------------------------------------------------------------------------
# xlsx
# ------------------------------------------------------------------------------------------
MONTHLY_FORMULAS = {"Revenue": "revenue", "Cost of sales": "cost_of_sales",
                    "Gross profit": "gross_profit", "Operating costs": "operating_costs",
                    "Operating profit": "operating_profit", "Net cash flow": "net_cash",
                    "Cumulative cash": "cumulative_cash"}


def _recalculated(path: Path) -> dict[tuple[str, str], float]:
    """Every cell of the workbook as a formula engine computes it: (SHEET, A1) -> value."""
    import warnings

    import formulas

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    out = {}
    for ref, value in solution.items():
        m = re.match(r"'\[[^\]]+\]([^']+)'!([A-Z]+\d+)$", ref)
        if m:
            v = value.value[0][0] if hasattr(value, "value") else value
            out[(m.group(1), m.group(2))] = v
    return out


def _formula_cells(wb) -> list[tuple[str, object]]:  # noqa: ANN001
    return [(ws.title, c) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=")]


def _expected_by_formula(wb, r, monthly: str = "Monthly", yearly: str = "Yearly",  # noqa: ANN001
                         summary_col: int = 2) -> dict[tuple[str, str], float]:
    """What the engine says each formula cell of one scenario must hold."""
    m = r.monthly
    want: dict[tuple[str, str], float] = {}
    ws = wb[monthly]
    header = [c.value for c in ws[1]]
    for label, key in MONTHLY_FORMULAS.items():
        col = header.index(label) + 1
        for i in range(len(m)):
            want[(monthly, ws.cell(row=i + 2, column=col).coordinate)] = float(m[key].iloc[i])
    ws = wb[yearly]
    year = np.arange(len(m)) // 12
    labels = {"Revenue": "revenue", "Cost of sales": "cost_of_sales",
              "Gross profit": "gross_profit", "Operating costs": "operating_costs",
              "Operating profit": "operating_profit", "Net cash flow": "net_cash"}
    for row in ws.iter_rows(min_row=3):
        label = row[0].value
        for j, cell in enumerate(row[1:]):
            if label == "Cumulative cash at the year's end":
                values = m["cumulative_cash"].to_numpy()
                want[(yearly, cell.coordinate)] = float(
                    values[min(12 * (j + 1), len(m)) - 1])
            elif j < year.max() + 1:
                want[(yearly, cell.coordinate)] = float(m[labels[label]].to_numpy()[year == j]
                                                        .sum())
            else:
                want[(yearly, cell.coordinate)] = float(m[labels[label]].sum())
    summary = {"Revenue": r.summary["revenue"], "Gross profit": r.summary["gross_profit"],
               "Gross margin": r.summary["gross_margin"],
               "Operating profit": r.summary["operating_profit"],
               "Operating margin": r.summary["operating_margin"],
               "Cumulative cash at the end": m["cumulative_cash"].iloc[-1],
               "Cash trough (lowest cumulative cash)": r.summary["cash_trough"]}
    for row in wb["Summary"].iter_rows():
        if row[0].value in summary:
            want[("Summary", row[summary_col - 1].coordinate)] = float(summary[row[0].value])
    return want


def test_workbook_formulas_recalculated_equal_the_engine(tmp_path: Path) -> None:
    out = tmp_path / "small.xlsx"
    res = report(str(SMALL), "--format", "xlsx", "--out", str(out))
    assert res.exit_code == 0, res.output
    scenario = cspmodel.load_scenario(SMALL)
    r = cspmodel.simulate(scenario)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Inputs", "Monthly", "Yearly"]
    want = _expected_by_formula(wb, r)
    cells = _formula_cells(wb)
    assert len(cells) > 7 * 36  # subtotals and totals of every month, years, headline
    got = _recalculated(out)
    for sheet, cell in cells:
        key = (sheet, cell.coordinate)
        assert key in want, f"{sheet}!{cell.coordinate} {cell.value}: no engine figure"
        assert got[(sheet.upper(), cell.coordinate)] == pytest.approx(
            want[key], rel=1e-9, abs=1e-6), f"{sheet}!{cell.coordinate} {cell.value}"
    # the summary's words are the executive summary's
    from cspmodel.findings import executive_summary

    texts = [row[1].value for row in wb["Summary"].iter_rows(min_row=2, max_row=7)]
    summary = executive_summary(scenario, r)
    assert texts == [a.answer for a in summary.answers] + [summary.recommendation]
    # inputs in words, shares as %, defaults marked
    rows = {row[-1].value: row for row in wb["Inputs"].iter_rows(min_row=2)}
    churn = rows["segments.0.churn_annual"]
    assert churn[2].value == 0.08 and churn[2].number_format == "0.0%"
    assert churn[0].value.startswith("Share of customers lost per year")
    assert churn[3].value in (None, "")  # set in the file
    assert rows["costs.card_fee_rate"][3].value == "default"
    assert rows["horizon_months"][2].value == 36


def test_workbook_of_a_batch_has_the_comparison_and_each_scenario(tmp_path: Path) -> None:
    batch = fake_batch(tmp_path / "b", [("small", SMALL, {}),
                                        ("growing", GROWING, {"segments.0.churn_annual": 0.2})])
    res = report(str(batch), "--format", "xlsx")
    assert res.exit_code == 0, res.output
    path = batch / "cspmodel.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Comparison", "Summary", "Inputs", "Monthly small",
                             "Yearly small", "Monthly growing", "Yearly growing"]
    grown = cspmodel.simulate(cspmodel.load_scenario(GROWING).with_overrides(
        {"segments.0.churn_annual": 0.2}))
    ws = wb["Comparison"]
    header = [c.value for c in ws[1]]
    row = [c.value for c in ws[3]]
    assert row[0] == "Growing VAR weighing direct bill"
    assert row[header.index("Operating profit")] == pytest.approx(
        grown.summary["operating_profit"], rel=1e-12)
    inputs = {r[-1].value: [c.value for c in r[2:4]] for r in wb["Inputs"].iter_rows(min_row=2)}
    assert inputs["segments.0.churn_annual"] == [0.08, 0.2]  # the batch's override is applied
    assert inputs["segments.2.name"] == [None, "Mid-market"]  # a key one scenario lacks
    want = _expected_by_formula(wb, grown, "Monthly growing", "Yearly growing", summary_col=3)
    got = _recalculated(path)
    for (sheet, ref), value in want.items():
        assert got[(sheet.upper(), ref)] == pytest.approx(value, rel=1e-9, abs=1e-6), ref
    # the index links the workbook now
    assert 'href="cspmodel.xlsx"' in (batch / "index.html").read_text()


# ------------------------------------------------------------------------------------------
# pptx
# ------------------------------------------------------------------------------------------
def _texts(slide) -> list[str]:  # noqa: ANN001
    return [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]


def _table(slide) -> list[list[str]]:  # noqa: ANN001
    for sh in slide.shapes:
        if sh.has_table:
            return [[c.text for c in row.cells] for row in sh.table.rows]
    raise AssertionError("no table on the slide")


def _charts(slides) -> dict[str, object]:  # noqa: ANN001
    return {sl.shapes.title.text: sh.chart for sl in slides for sh in sl.shapes
            if sh.has_chart}


def _within_slides(prs) -> None:  # noqa: ANN001
    for i, slide in enumerate(prs.slides):
        for sh in slide.shapes:
            assert sh.left >= 0 and sh.top >= 0, (i, sh.name)
            assert sh.left + sh.width <= prs.slide_width, (i, sh.name)
            assert sh.top + sh.height <= prs.slide_height, (i, sh.name)


def test_deck_text_and_native_charts_equal_the_engine_for_a_scenario(tmp_path: Path) -> None:
    out = tmp_path / "small.pptx"
    res = report(str(SMALL), "--format", "pptx", "--out", str(out))
    assert res.exit_code == 0, res.output
    scenario = cspmodel.load_scenario(SMALL)
    r = cspmodel.simulate(scenario)
    s = r.summary
    prs = Presentation(str(out))
    slides = list(prs.slides)
    assert 8 <= len(slides) <= 12
    assert slides[0].shapes.title.text == "Small indirect MSP"
    # the summary and its recommendation: the book is below Microsoft's threshold
    summary = " ".join(_texts(slides[1]))
    assert "Not eligible yet" in summary and "more" in summary
    recommendation = summary.split("Recommendation:")[1]
    assert "Stay indirect" in recommendation and "Go direct" not in recommendation
    tiles = " | ".join(_texts(slides[2]))
    for text in (_money(s["revenue"]), _money(s["operating_profit"]), _money(s["npv"]),
                 _pct(s["operating_margin"]), _money(s["ending_arr"]),
                 _pct(s["net_revenue_retention"]), "from the start"):
        assert text in tiles
    # every chart is a native chart holding its data; no pictures
    assert not any(sh.shape_type == 13 for sl in slides for sh in sl.shapes)
    charts = _charts(slides)
    assert len(charts) >= 4
    profit = charts["Profit and cash, month by month"].plots[0]
    values = {sr.name: list(sr.values) for sr in profit.series}
    assert values["Operating profit"] == pytest.approx(r.monthly["operating_profit"].tolist())
    assert values["Cumulative cash"] == pytest.approx(r.monthly["cumulative_cash"].tolist())
    both = both_channels(scenario)
    channel = charts["Direct bill: not open to this book yet"].plots[0]
    values = {sr.name: list(sr.values) for sr in channel.series}
    assert values["Direct (not eligible)"][2] == pytest.approx(
        both["direct"].summary["operating_profit"])
    assert all(sl.has_notes_slide and "cspmodel" in sl.notes_slide.notes_text_frame.text
               for sl in slides)
    _within_slides(prs)
    closing = slides[-1]
    assert closing.shapes.title.text == "Assumptions that matter"
    rows = {r[0]: r[1] for r in _table(closing)[1:]}
    assert rows["Horizon"] == "36 months from Jan 2026"
    assert rows["Customer churn per year"] == "8%"
    assert rows["Book at start"] == "30 customers, 420 seats"  # 30 x 14


def test_deck_of_a_batch_compares_the_scenarios_in_a_real_table(tmp_path: Path) -> None:
    batch = fake_batch(tmp_path / "b", [("small", SMALL, {}), ("growing", GROWING, {})])
    assert report(str(batch), "--format", "pptx").exit_code == 0
    prs = Presentation(str(batch / "cspmodel.pptx"))
    slides = list(prs.slides)
    assert len(slides) == 2 + 2  # title, the comparison, one slide per scenario
    table = _table(slides[1])
    assert table[0] == ["Figure", "Small indirect MSP", "Growing VAR weighing direct bill"]
    rows = {r[0]: r[1:] for r in table[1:]}
    small = cspmodel.simulate(cspmodel.load_scenario(SMALL)).summary
    growing = cspmodel.simulate(cspmodel.load_scenario(GROWING)).summary
    assert rows["Revenue (USD)"] == [f"{small['revenue']:,.0f}", f"{growing['revenue']:,.0f}"]
    assert rows["Operating margin"] == [_pct(small["operating_margin"]),
                                        _pct(growing["operating_margin"])]
    titles = [sl.shapes.title.text for sl in slides]
    assert titles[2:] == ["Small indirect MSP", "Growing VAR weighing direct bill"]
    small_text = " ".join(_texts(slides[2]))
    assert "Go direct" not in small_text.split("Recommendation:")[1]
    _within_slides(prs)
    assert 'href="cspmodel.pptx"' in (batch / "index.html").read_text()


# ------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make,args,says", [
    (lambda d: str(d / "missing.yaml"), ["--format", "pptx"], "no such file or folder"),
    (lambda d: str(d), ["--format", "xlsx"], "not a batch output folder (no batch.json)"),
    (lambda d: (d / "x.txt").write_text("hi") and str(d / "x.txt"), ["--format", "xlsx"],
     "not a scenario file"),
    (lambda d: str(SMALL), ["--format", "docx"], "'docx' is not one of"),
    (lambda d: (d / "bad.yaml").write_text(SMALL.read_text().replace(
        "churn_annual: 0.08", "churn_annual: 1.5")) and str(d / "bad.yaml"),
     ["--format", "xlsx"], "segments.0.churn_annual = 1.5"),
])
def test_bad_input_exits_2_without_traceback_and_writes_nothing(tmp_path: Path, make, args,
                                                                 says: str) -> None:
    src = make(tmp_path)
    out = tmp_path / "out" / "x.file"
    res = report(src, *args, "--out", str(out))
    assert res.exit_code == 2, res.output
    assert says in res.output
    assert "Traceback" not in res.output
    assert not out.parent.exists()


def test_a_scenario_changed_since_the_batch_is_refused(tmp_path: Path) -> None:
    edited = tmp_path / "s.yaml"
    shutil.copy(SMALL, edited)
    batch = fake_batch(tmp_path / "b", [("s", edited, {})])
    edited.write_text(edited.read_text().replace("churn_annual: 0.08", "churn_annual: 0.3"))
    res = report(str(batch), "--format", "xlsx")
    assert res.exit_code == 2
    assert "changed since the batch ran" in res.output
    assert not (batch / "cspmodel.xlsx").exists()


def test_a_failed_render_leaves_the_old_file_whole(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "d.pptx"
    out.write_bytes(b"old")

    def boom(source):  # noqa: ANN001, ANN202
        raise present.RenderError("chart failed")

    from cspmodel.report import writing

    monkeypatch.setattr(writing, "deck_bytes", boom)
    res = report(str(SMALL), "--format", "pptx", "--out", str(out))
    assert res.exit_code == 1 and "chart failed" in res.output
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["d.pptx"]


# ------------------------------------------------------------------------------------------
# html and slides (papermill: one batch of one scenario, one report of a scenario file)
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cspmodel.batch import run_batch

    out = tmp_path_factory.mktemp("present") / "batch"
    result = run_batch([str(SMALL)], out, jobs=1, progress=False)
    assert result.exit_code == 0, [o.error for o in result.outcomes]
    return out


@pytest.fixture(scope="module")
def html_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("present") / "small.html"
    res = report(str(SMALL), "--format", "html", "--out", str(out))
    assert res.exit_code == 0, res.output
    return out


def _no_code(page: str) -> None:
    # a code cell's input is an editor with highlighted source; markdown has neither
    assert not re.search(r'class="[^"]*(jp-InputArea-editor|jp-CodeMirrorEditor|hl-ipython)',
                         page)
    assert 'class="jp-Cell-outputWrapper' in page or "jp-OutputArea" in page
    assert "cspmodel.simulate(scenario)" not in page  # a line of the notebook's code
    assert "nb.headline_table" not in page


def test_html_report_has_the_figures_and_no_code(html_report: Path) -> None:
    page = html_report.read_text()
    _no_code(page)
    s = cspmodel.simulate(cspmodel.load_scenario(SMALL)).summary
    assert _money(s["revenue"]) in page and _money(s["operating_profit"]) in page
    assert page.count("data:image/png;base64") >= 4  # the charts
    assert "All scenarios" not in page  # no link back to a batch it is not part of
    # the executive summary first, the same as everywhere; an ineligible book stays indirect
    from cspmodel.findings import executive_summary

    summary = executive_summary(cspmodel.load_scenario(SMALL))
    assert page.index("Summary") < page.index("Headline figures")
    assert "Not eligible yet" in page and "Stay indirect" in page
    assert "Direct bill is not open to this book" in page or "not eligible" in page.lower()
    assert summary.answer("cash").answer.split(";")[0] in page
    # every default the file did not set is listed, with its value
    from cspmodel.report.content import defaults_in_use

    defaults = defaults_in_use(cspmodel.load_scenario(SMALL))
    assert len(defaults) > 10
    for key, _what, value, _source in defaults:
        assert key in page and html.escape(value) in page, key


def test_html_of_a_batch_is_its_comparison_with_working_links(real_batch: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "compare.html"
    assert report(str(real_batch), "--format", "html", "--out", str(out)).exit_code == 0
    page = out.read_text()
    links = re.findall(r"href=[\"']([^\"']+report\.html)[\"']", page)
    assert links and all((out.parent / link).resolve().is_file() for link in links)


def test_slides_are_reveal_without_code_and_offline(real_batch: Path) -> None:
    assert report(str(real_batch), "--format", "slides").exit_code == 0
    page = (real_batch / "cspmodel.slides.html").read_text()
    _no_code(page)
    assert "Reveal.initialize" in page and page.count("<section") >= 8
    assert not re.search(r"<(script|link)[^>]+(src|href)=['\"]https?:", page)  # nothing fetched
    s = cspmodel.simulate(cspmodel.load_scenario(SMALL)).summary
    assert _money(s["revenue"]) in page
    assert 'href="cspmodel.slides.html"' in (real_batch / "index.html").read_text()


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Debian's chromium is not installed (make chromium-if-possible installs it "
                    "where apt-get runs as root)")
    return path


def _dom(browser: str, page: Path) -> str:
    run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def test_chromium_shows_the_headline_figures_of_the_report(html_report: Path) -> None:
    dom = _dom(_chromium(), html_report)
    s = cspmodel.simulate(cspmodel.load_scenario(SMALL)).summary
    text = re.sub(r"<[^>]+>", " ", dom)
    for figure in (_money(s["revenue"]), _money(s["operating_profit"]),
                   _pct(s["operating_margin"])):
        assert figure in text


def test_chromium_starts_the_slides_offline(real_batch: Path) -> None:
    browser = _chromium()
    slides = real_batch / "cspmodel.slides.html"
    if not slides.exists():
        assert report(str(real_batch), "--format", "slides").exit_code == 0
    dom = _dom(browser, slides)
    # reveal.js, written into the page, ran: it marks the deck ready and numbers the slides
    assert re.search(r'class="reveal[^"]*\bready\b', dom)
    assert 'class="slide-number"' in dom


def _screenshot(browser: str, url: str, out: Path) -> Path:
    run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--hide-scrollbars", "--window-size=1280,900",
                          "--virtual-time-budget=5000", f"--screenshot={out}", url],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and out.is_file(), run.stderr[-2000:]
    return out


def _shows_something(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (1280, 900)
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text and charts, not a blank page


def test_chromium_screenshots_of_the_report_page_and_the_summary_slide(html_report: Path,
                                                                       tmp_path: Path) -> None:
    browser = _chromium()
    _shows_something(_screenshot(browser, html_report.as_uri(), tmp_path / "report.png"))
    slides = tmp_path / "small.slides.html"
    assert report(str(SMALL), "--format", "slides", "--out", str(slides)).exit_code == 0
    dom = _dom(browser, slides)
    sections = re.findall(r"<section[^>]*>(.*?)</section>", dom, re.S)
    summary_slide = next(i for i, s in enumerate(sections) if "Recommendation" in s)
    shot = _screenshot(browser, f"{slides.as_uri()}#/{summary_slide}", tmp_path / "summary.png")
    _shows_something(shot)
    assert "Stay indirect" in sections[summary_slide]  # the ineligible book's recommendation
