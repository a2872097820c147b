"""`cspmodel run` and `cspmodel compare`: readable figures, files written whole or not at all,
exit 2 on bad input without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import cspmodel
from cspmodel.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = str(ROOT / "scenarios" / "small_indirect_msp.yaml")


def test_run_prints_money_with_currency_and_writes_both_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", SMALL, "--out", str(out)])
    assert res.exit_code == 0, res.output
    expected = cspmodel.simulate(cspmodel.load_scenario(SMALL)).summary
    assert f"USD {expected['revenue']:,.0f}" in res.output
    assert f"USD {expected['operating_profit']:,.0f}" in res.output
    data = json.loads((out / "summary.json").read_text())
    assert data["currency"] == "USD"
    assert data["summary"]["npv"] == pytest.approx(expected["npv"])
    monthly = pd.read_csv(out / "monthly.csv", index_col=0)
    assert len(monthly) == 36
    assert monthly["operating_profit"].sum() == pytest.approx(expected["operating_profit"],
                                                              abs=1.0)
    assert sorted(p.name for p in out.iterdir()) == ["monthly.csv", "summary.json"]


def test_run_applies_set_overrides() -> None:
    res = CliRunner().invoke(main, ["run", SMALL, "--set", "channel.model=direct",
                                    "--set", "support.vendor_plan=advanced_support_for_partners"])
    assert res.exit_code == 0, res.output
    direct = cspmodel.simulate(cspmodel.load_scenario(SMALL).with_overrides(
        {"channel.model": "direct", "support.vendor_plan": "advanced_support_for_partners"}))
    assert f"USD {direct.summary['operating_profit']:,.0f}" in res.output
    assert "Direct bill requires" in res.output


@pytest.mark.parametrize("args,says", [
    (["--set", "segments.0.churn_annual=1.5"],
     "small_indirect_msp.yaml (--set): segments.0.churn_annual = 1.5: out of range"),
    (["--set", "channel.model=direct"],
     "small_indirect_msp.yaml (--set): support.vendor_plan"),
    (["--set", "nonsense"], "--set: nonsense: write it as key=value"),
])
def test_run_on_bad_input_exits_2_and_writes_nothing(tmp_path: Path, args: list[str],
                                                     says: str) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", SMALL, "--out", str(out), *args])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert says in res.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_compare_writes_one_row_per_file(tmp_path: Path) -> None:
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    csv = tmp_path / "cmp.csv"
    res = CliRunner().invoke(main, ["compare", *files, "--out", str(csv)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(csv, index_col=0)
    assert len(table) == len(files)
    for f in files:
        s = cspmodel.load_scenario(f)
        assert table.loc[s.name, "npv"] == pytest.approx(cspmodel.simulate(s).summary["npv"],
                                                         rel=1e-6)


def test_compare_with_one_bad_file_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsegments: []\n")
    csv = tmp_path / "cmp.csv"
    res = CliRunner().invoke(main, ["compare", SMALL, str(bad), "--out", str(csv)])
    assert res.exit_code == 2
    assert "bad.yaml" in res.output and "Traceback" not in res.output
    assert not csv.exists()


def test_compare_prints_money_percentages_and_the_horizon() -> None:
    import re

    from click.testing import CliRunner

    from cspmodel.cli import main

    out = CliRunner().invoke(main, ["compare", "scenarios/small_indirect_msp.yaml",
                                    "scenarios/new_msp_launch.yaml"])
    assert out.exit_code == 0, out.output
    lines = {line.split("  ")[0]: line for line in out.output.splitlines()}
    assert "36 months from 2026-01" in lines["Horizon"]
    for label in ("Gross margin", "Operating margin", "Net revenue retention (last 12 months)"):
        assert re.findall(r"-?\d+\.\d%", lines[label]), label  # shares as percentages
    assert not re.search(r"(?<![\d,.])0\.\d{2,}", out.output)  # no raw fraction anywhere
    assert "USD 1,131,845" in lines["Revenue"]
    assert re.search(r"Customers at the end +\d+ +\d+$", lines["Customers at the end"])
