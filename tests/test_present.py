"""`cspmodel report`: the workbook, the deck, the report page and the slides read back equal the
engine's figures for the same scenario; each opens; the page has no code; bad input exits 2
without a traceback and writes nothing.

Batches are made two ways: by hand (batch.json and summary.json written from simulate, as the
batch writes them: fast, used for the workbook and deck) and once by `cspmodel batch` itself on
one scenario (papermill, for the page and the slides)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from pptx import Presentation

import cspmodel
from cspmodel import present
from cspmodel.analysis import both_channels
from cspmodel.cli import main, summary_to_json
from cspmodel.present import flatten

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
def test_workbook_cells_equal_the_engine_for_a_scenario(tmp_path: Path) -> None:
    out = tmp_path / "small.xlsx"
    res = report(str(SMALL), "--format", "xlsx", "--out", str(out))
    assert res.exit_code == 0, res.output
    scenario = cspmodel.load_scenario(SMALL)
    r = cspmodel.simulate(scenario)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Inputs", "Monthly"]

    summary = {row[1].value: row[2] for row in wb["Summary"].iter_rows(min_row=2)
               if row[1].value}
    assert summary["revenue"].value == pytest.approx(r.summary["revenue"], rel=1e-12)
    assert isinstance(summary["revenue"].value, float)
    assert '"USD"' in summary["revenue"].number_format
    assert summary["operating_margin"].value == pytest.approx(r.summary["operating_margin"])
    assert summary["operating_margin"].number_format == "0.0%"
    # cash-positive from the start: break-even 0, shown in words by the cell's number format
    assert summary["break_even_month"].value == r.summary["break_even_month"] == 0
    assert '"from the start"' in summary["break_even_month"].number_format

    inputs = {row[0].value: row[1].value for row in wb["Inputs"].iter_rows(min_row=2)}
    assert len(inputs) == len(list(flatten(scenario.model_dump(mode="json"))))
    assert inputs["segments.0.churn_annual"] == 0.08  # as written in the file
    assert inputs["channel.model"] == "indirect"
    assert inputs["support.tiers.standard.price_per_seat_month"] == 28.0
    assert inputs["horizon_months"] == 36

    ws = wb["Monthly"]
    header = [c.value for c in ws[1]]
    assert header[0] == "Month" and header[header.index("Revenue (USD)")]
    col = header.index("Revenue (USD)") + 1
    seats = header.index("Seats") + 1
    rows = list(ws.iter_rows(min_row=2, values_only=False))
    assert len(rows) == 36
    for i, row in enumerate(rows):
        # Excel keeps 15 significant digits: equal to that precision
        assert row[col - 1].value == pytest.approx(r.monthly["revenue"].iloc[i], rel=1e-13)
        assert row[seats - 1].value == pytest.approx(r.monthly["seats"].iloc[i], rel=1e-13)
    assert rows[0][0].value == dt.datetime(2026, 1, 1)
    assert '"USD"' in rows[0][col - 1].number_format
    # the monthly revenue adds up to the summary's (36 months)
    assert sum(row[col - 1].value for row in rows) == pytest.approx(r.summary["revenue"])


def test_workbook_of_a_batch_has_the_comparison_and_each_scenario(tmp_path: Path) -> None:
    batch = fake_batch(tmp_path / "b", [("small", SMALL, {}),
                                        ("growing", GROWING, {"segments.0.churn_annual": 0.2})])
    res = report(str(batch), "--format", "xlsx")
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(batch / "cspmodel.xlsx")
    assert wb.sheetnames == ["Comparison", "Summary", "Inputs", "Monthly small",
                             "Monthly growing"]
    grown = cspmodel.simulate(cspmodel.load_scenario(GROWING).with_overrides(
        {"segments.0.churn_annual": 0.2}))
    ws = wb["Comparison"]
    header = [c.value for c in ws[1]]
    row = [c.value for c in ws[3]]
    assert row[0] == "Growing VAR weighing direct bill"
    assert row[header.index("Operating profit")] == pytest.approx(
        grown.summary["operating_profit"], rel=1e-12)
    assert row[header.index("NPV of cash")] == pytest.approx(grown.summary["npv"], rel=1e-12)
    inputs = {r[0].value: [c.value for c in r[1:]] for r in wb["Inputs"].iter_rows(min_row=2)}
    assert inputs["segments.0.churn_annual"] == [0.08, 0.2]  # the batch's override is applied
    assert inputs["segments.2.name"] == [None, "Mid-market"]  # a key one scenario lacks
    # the index links the workbook now
    assert "href='cspmodel.xlsx'" in (batch / "index.html").read_text()


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
    assert "href='cspmodel.pptx'" in (batch / "index.html").read_text()


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

    monkeypatch.setattr(present, "deck_bytes", boom)
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
    links = re.findall(r"href='([^']+report\.html)'", page)
    assert links and all((out.parent / link).resolve().is_file() for link in links)


def test_slides_are_reveal_without_code_and_offline(real_batch: Path) -> None:
    assert report(str(real_batch), "--format", "slides").exit_code == 0
    page = (real_batch / "cspmodel.slides.html").read_text()
    _no_code(page)
    assert "Reveal.initialize" in page and page.count("<section") >= 8
    assert not re.search(r"<(script|link)[^>]+(src|href)=['\"]https?:", page)  # nothing fetched
    s = cspmodel.simulate(cspmodel.load_scenario(SMALL)).summary
    assert _money(s["revenue"]) in page
    assert "href='cspmodel.slides.html'" in (real_batch / "index.html").read_text()


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
