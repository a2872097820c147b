"""The accounting identities of docs/engine.md section 8, on every shipped scenario and on
variants that switch each rule on (direct, flexible, prepay, 24/7), plus determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cspmodel
import cspmodel.ledger
from cspmodel.result import MONTHLY_COLUMNS, SUMMARY_KEYS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))

VARIANTS = {
    "as_is": {},
    "direct": {"channel.model": "direct",
               "support.vendor_plan": "advanced_support_for_partners"},
    "flexible_shrinking": {"segments.0.contract_policy": "flexible",
                           "segments.0.seat_growth_annual": -0.2,
                           "segments.0.seat_volatility_annual": 0.3},
    "prepay_upfront": {"segments.0.prepay_discount": 0.05,
                       "segments.0.term_mix": {"monthly": 0.0, "annual_billed_monthly": 0.0,
                                               "annual_upfront": 1.0}},
}


def _settled(r: cspmodel.Result, cash: str) -> float:
    """Total of the lines the registry says turn into cash this way (``vendor``: through the
    vendor's bills; ``none``: never paid: bad debt, financed deployments written off)."""
    lines = r.lines().sum()
    return float(sum(lines.get(k, 0.0) for k in cspmodel.ledger.lines_where(cash=cash)))


def _vendor_settled(r: cspmodel.Result) -> float:
    return _settled(r, "vendor")


def _cases() -> list[tuple[Path, str]]:
    return [(p, v) for p in SHIPPED for v in VARIANTS]


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], cspmodel.Result]:
    out = {}
    for path, variant in _cases():
        scenario = cspmodel.load_scenario(path).with_overrides(VARIANTS[variant])
        out[(path.name, variant)] = cspmodel.simulate(scenario)
    return out


def test_there_are_shipped_scenarios() -> None:
    assert len(SHIPPED) >= 5


@pytest.mark.parametrize("path,variant", _cases(), ids=lambda x: getattr(x, "stem", x))
def test_ledger_sums_to_the_statement(results, path: Path, variant: str) -> None:
    r = results[(path.name, variant)]
    by = r.ledger.groupby(["month", "statement"], observed=True)["amount"].sum().unstack(
        fill_value=0.0)
    by = by.reindex(r.monthly.index, fill_value=0.0)
    for col in ("revenue", "cost_of_sales", "operating_costs"):
        np.testing.assert_allclose(by[col].to_numpy(), r.monthly[col].to_numpy(), rtol=1e-12,
                                   atol=1e-6)


@pytest.mark.parametrize("path,variant", _cases(), ids=lambda x: getattr(x, "stem", x))
def test_profit_is_revenue_less_costs_every_month(results, path: Path, variant: str) -> None:
    m = results[(path.name, variant)].monthly
    np.testing.assert_allclose(m["gross_profit"], m["revenue"] - m["cost_of_sales"], atol=1e-6)
    np.testing.assert_allclose(m["operating_profit"],
                               m["revenue"] - m["cost_of_sales"] - m["operating_costs"],
                               atol=1e-6)
    np.testing.assert_allclose(m["cumulative_cash"].iloc[-1], m["net_cash"].sum(), rtol=1e-12)


@pytest.mark.parametrize("path,variant", _cases(), ids=lambda x: getattr(x, "stem", x))
def test_cash_collected_plus_receivables_is_billings_less_bad_debt(
        results, path: Path, variant: str) -> None:
    r = results[(path.name, variant)]
    m = r.monthly
    billed = m["billings"].sum() - m["bad_debt"].sum()
    np.testing.assert_allclose(m["cash_in"].sum() + m["receivables"].iloc[-1],
                               billed + r.opening["receivables"], rtol=1e-10)
    np.testing.assert_allclose(m["cash_out"].sum() - m["operating_costs"].sum()
                               - m["cost_of_sales"].sum() + m["payables"].iloc[-1],
                               r.opening["payables"] - _settled(r, "none")
                               + m["vendor_billings"].sum() - _vendor_settled(r), rtol=1e-9,
                               atol=1e-6)
    assert (m["receivables"] >= -1e-6).all()
    assert (m["payables"] >= -1e-6).all()


@pytest.mark.parametrize("path,variant", _cases(), ids=lambda x: getattr(x, "stem", x))
def test_deferred_revenue_and_prepaid_costs_never_negative(
        results, path: Path, variant: str) -> None:
    m = results[(path.name, variant)].monthly
    assert (m["deferred_revenue"] >= -1e-6).all()
    assert (m["prepaid_costs"] >= -1e-6).all()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_deferred_revenue_returns_to_zero_when_every_prepaid_term_is_served(path: Path) -> None:
    # everyone leaves at renewal and nobody joins: after 12 months every term has been served
    base = cspmodel.load_scenario(path)
    overrides: dict[str, object] = {"horizon_months": 18}
    for i, seg in enumerate(base.segments):
        overrides[f"segments.{i}.churn_annual"] = 1.0
        overrides[f"segments.{i}.new_customers_per_month"] = 0.0
        # a book that starts empty (a launch) gets ten customers so that there is a term to serve
        overrides[f"segments.{i}.customers_at_start"] = max(seg.customers_at_start, 10.0)
    m = cspmodel.simulate(base.with_overrides(overrides)).monthly
    assert m["deferred_revenue"].iloc[:12].max() > 0  # there was something to serve
    assert abs(m["deferred_revenue"].iloc[-1]) < 1e-6
    assert abs(m["prepaid_costs"].iloc[-1]) < 1e-6
    assert m["customers"].iloc[-1] < 1e-9
    # and with the payment lags past, every receivable is collected and every bill paid
    assert abs(m["receivables"].iloc[-1]) < 1e-6
    assert abs(m["payables"].iloc[-1]) < 1e-6


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_same_scenario_same_result(path: Path) -> None:
    s = cspmodel.load_scenario(path)
    a, b = cspmodel.simulate(s), cspmodel.simulate(s)
    pd.testing.assert_frame_equal(a.monthly, b.monthly)
    pd.testing.assert_series_equal(a.summary, b.summary)
    assert list(a.monthly.columns) == list(MONTHLY_COLUMNS)
    assert set(SUMMARY_KEYS) <= set(a.summary.index)
    assert a.monthly.index.freqstr == "M"


def test_paths_without_distributions_equal_the_deterministic_run() -> None:
    s = cspmodel.load_scenario(SHIPPED[0])
    det = cspmodel.simulate(s)
    many = cspmodel.simulate(s, paths=3, seed=1)
    assert len(many.paths) == 3
    np.testing.assert_allclose(many.paths["npv"].to_numpy(), det.summary["npv"], rtol=1e-12)


def test_direct_bill_threshold_is_a_warning_not_a_crash() -> None:
    small = cspmodel.load_scenario(ROOT / "scenarios" / "small_indirect_msp.yaml")
    r = cspmodel.simulate(small.with_overrides(
        {"channel.model": "direct", "support.vendor_plan": "advanced_support_for_partners"}))
    assert any("Direct bill requires USD 1,000,000" in w for w in r.warnings)
    big = cspmodel.load_scenario(ROOT / "scenarios" / "established_direct_partner.yaml")
    assert not any("Direct bill requires" in w for w in cspmodel.simulate(big).warnings)


def test_compare_gives_one_row_per_scenario() -> None:
    scenarios = [cspmodel.load_scenario(p) for p in SHIPPED]
    table = cspmodel.compare(scenarios)
    assert list(table.index) == [s.name for s in scenarios]
    for s in scenarios:
        assert table.loc[s.name, "npv"] == pytest.approx(cspmodel.simulate(s).summary["npv"])
