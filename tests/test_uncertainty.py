"""Uncertain inputs, Monte Carlo, sweeps, sensitivity and break-even (cspmodel.uncertainty)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import cspmodel
from cspmodel import plots, uncertainty
from cspmodel.distributions import parse_distribution

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
H = 12


@pytest.fixture(scope="module")
def base() -> cspmodel.Scenario:
    s = cspmodel.load_scenario(ROOT / "scenarios" / "growing_var_weighing_direct.yaml")
    return s.with_overrides({"horizon_months": H})


@pytest.fixture(scope="module")
def uncertain(base: cspmodel.Scenario) -> cspmodel.Scenario:
    return base.with_overrides({
        "segments.0.churn_annual": {"dist": "beta", "a": 2, "b": 18},
        "segments.1.seats_per_customer": {"dist": "triangular", "low": 10, "mode": 15,
                                          "high": 25},
        "costs.accounting_per_month": {"dist": "uniform", "low": 1000, "high": 3000},
    })


# --- scenario files --------------------------------------------------------------------------
def test_distribution_field_holds_clipped_mean_and_round_trips(uncertain):
    seg = uncertain.segments[0]
    assert float(seg.churn_annual) == pytest.approx(0.1)  # 2 / (2 + 18)
    assert float(uncertain.segments[1].seats_per_customer) == pytest.approx(50 / 3)
    back = cspmodel.load_scenario_text(uncertain.to_yaml())
    assert back.segments[0].churn_annual.dist.spec() == {"dist": "beta", "a": 2.0, "b": 18.0}
    # a normal whose mean lies below the field's range: the deterministic run uses 0
    s = uncertain.with_overrides({"segments.0.churn_annual":
                                  {"dist": "normal", "mean": -0.5, "sd": 0.1}})
    assert float(s.segments[0].churn_annual) == 0.0


@pytest.mark.parametrize("spec, words", [
    ({"dist": "beta", "a": -1, "b": 2}, "a and b must be more than 0"),
    ({"dist": "gamma", "k": 1}, "allowed: normal, lognormal, beta"),
    ({"dist": "triangular", "low": 10, "mode": 30, "high": 25}, "low <= mode <= high"),
    ({"dist": "normal", "mean": 1}, "missing: sd"),
    ({"dist": "uniform", "low": 1, "high": "x"}, "must be a finite number"),
])
def test_invalid_distribution_names_file_path_value_and_allowed(spec, words):
    text = ("name: x\nsegments:\n- name: A\n  product_mix: {m365_business_basic: 1}\n"
            f"  churn_annual: {spec!r}\n").replace("'", "")
    with pytest.raises(cspmodel.ScenarioError) as err:
        cspmodel.load_scenario_text(text.replace("dist: ", "dist: "), source="plan.yaml")
    p = err.value.problems[0]
    assert (p.source, p.path) == ("plan.yaml", "segments.0.churn_annual")
    assert words in p.message


def test_distribution_refused_where_not_a_driver(base):
    with pytest.raises(cspmodel.ScenarioError, match="horizon_months.*not allowed.*allowed on: "
                       "discount_rate_annual"):
        base.with_overrides({"horizon_months": {"dist": "poisson", "mean": 12}})


def test_draws_follow_the_distribution():
    rng = np.random.default_rng(0)
    x = parse_distribution({"dist": "beta", "a": 2, "b": 18}).sample(rng, 20_000)
    assert x.mean() == pytest.approx(0.1, abs=0.002)  # sd 0.0655, standard error 0.0005
    x = parse_distribution({"dist": "lognormal", "mean": 10, "sd": 2}).sample(rng, 20_000)
    assert (x.mean(), x.std()) == pytest.approx((10, 2), rel=0.03)
    x = parse_distribution({"dist": "poisson", "mean": 3}).sample(rng, 20_000)
    assert np.all(x == np.round(x)) and x.mean() == pytest.approx(3, abs=0.05)


# --- Monte Carlo -----------------------------------------------------------------------------
def test_same_seed_same_result_other_seed_differs(uncertain):
    a = cspmodel.simulate(uncertain, paths=300, seed=7)
    b = cspmodel.simulate(uncertain, paths=300, seed=7)
    c = cspmodel.simulate(uncertain, paths=300, seed=8)
    pd.testing.assert_frame_equal(a.paths, b.paths, check_exact=True)
    assert not np.array_equal(a.paths["npv"], c.paths["npv"])
    assert a.paths["npv"].std() > 0


def test_zero_spread_reproduces_the_deterministic_run_exactly(base):
    z = base.with_overrides({
        "segments.0.churn_annual": {"dist": "normal", "mean": 0.12, "sd": 0},
        "support.labor_rate_per_hour": {"dist": "uniform", "low": 48, "high": 48}})
    det = cspmodel.simulate(base)
    # the same mode (ledger detail) as the deterministic run: bit for bit
    mc = cspmodel.simulate(z, paths=5, seed=3, detail=True)
    assert float(z.support.labor_rate_per_hour) == 48.0 == base.support.labor_rate_per_hour
    for i in range(5):
        np.testing.assert_array_equal(mc.paths.iloc[i].to_numpy(), det.paths.iloc[0].to_numpy())
    np.testing.assert_array_equal(mc.path_statements["cumulative_cash"][3],
                                  det.monthly["cumulative_cash"].to_numpy())
    # the many-paths mode (line totals summed in the loop): the same to rounding
    lean = cspmodel.simulate(z, paths=5, seed=3)
    np.testing.assert_allclose(lean.paths.to_numpy(), mc.paths.to_numpy(), rtol=1e-12)
    # many paths sum the lines inside the month loop: the same to rounding
    many = cspmodel.simulate(z, paths=2000, seed=3)
    assert set(many.ledger["segment"]) == {"all"}
    np.testing.assert_allclose(many.paths.iloc[1999].to_numpy(), det.paths.iloc[0].to_numpy(),
                               rtol=1e-12)


def test_percentiles_of_a_known_distribution(base):
    # accounting_per_month ~ uniform(1000, 3000) enters operating profit one for one each
    # month: operating_profit = op(mean) - (x - 2000), so its 5th percentile is
    # op(mean) - (2900 - 2000) and its 95th op(mean) + (2000 - 1100).
    s = base.with_overrides({"costs.accounting_per_month":
                             {"dist": "uniform", "low": 1000, "high": 3000}})
    op_mean = cspmodel.simulate(s).monthly["operating_profit"].to_numpy()
    r = cspmodel.simulate(s, paths=4000, seed=11)
    pct = r.percentiles("operating_profit", q=(5, 50, 95))
    assert list(pct.columns) == ["p5", "p50", "p95"] and len(pct) == H
    # sampling error of a 5% quantile of 4000 uniform draws: about 7 (2000 x 0.0034)
    np.testing.assert_allclose(pct["p5"], op_mean - 900, atol=30)
    np.testing.assert_allclose(pct["p50"], op_mean, atol=40)
    np.testing.assert_allclose(pct["p95"], op_mean + 900, atol=30)
    # the path-mean ledger (by line only, for many paths) still sums to the monthly statement
    assert set(r.ledger["segment"]) == {"all"}
    ledger_rev = r.ledger[r.ledger["statement"] == "revenue"].groupby("month")["amount"].sum()
    np.testing.assert_allclose(ledger_rev.to_numpy(), r.monthly["revenue"], rtol=1e-12)
    with pytest.raises(ValueError, match="unknown column"):
        r.percentiles("profit")


def test_probability_parses_safely():
    df = pd.DataFrame({"npv": [-1.0, 2.0, 3.0, 5.0], "break_even_month": [1, np.nan, 3, 4]})
    assert uncertainty.probability(df, "npv > 0") == 0.75
    assert uncertainty.probability(df, "npv<=2") == 0.5
    assert uncertainty.probability(df, "npv >= -1e3") == 1.0
    assert uncertainty.probability(df, "break_even_month < 10") == 0.75  # NaN: never
    for bad in ("npv > 0 or 1", "__import__('os').system('x') > 0", "npv >", "npv = 0"):
        with pytest.raises(ValueError, match="cannot read"):
            uncertainty.probability(df, bad)
    with pytest.raises(ValueError, match="unknown metric 'profit'"):
        uncertainty.probability(df, "profit > 0")


def test_result_probability_matches_the_paths(uncertain):
    r = cspmodel.simulate(uncertain, paths=200, seed=1)
    assert r.probability("npv > 0") == float((r.paths["npv"] > 0).mean())
    cut = float(r.paths["operating_profit"].median())
    assert r.probability(f"operating_profit > {cut}") == pytest.approx(0.5, abs=0.01)
    # this book is cash-positive on every path: no funding needed, a trough of 0
    assert r.probability("cash_trough == 0") == 1.0


# --- sweeps ----------------------------------------------------------------------------------
def test_grid_has_every_combination_and_matches_single_runs(base):
    df = cspmodel.sweep(base, grid={"segments.0.churn_annual": [0.05, 0.1, 0.2],
                                    "costs.accounting_per_month": [0, 500, 1000, 1500]})
    assert len(df) == 12 and list(df.columns[:2]) == ["segments.0.churn_annual",
                                                      "costs.accounting_per_month"]
    row = df.iloc[7]  # churn 0.1, accounting 1500
    one = cspmodel.simulate(base.with_overrides({"segments.0.churn_annual": 0.1,
                                                 "costs.accounting_per_month": 1500}))
    assert (row["segments.0.churn_annual"], row["costs.accounting_per_month"]) == (0.1, 1500)
    assert row["npv"] == pytest.approx(one.summary["npv"], rel=1e-12)


def test_zip_and_its_errors(base):
    df = cspmodel.sweep(base, zip={"segments.0.churn_annual": [0.05, 0.2],
                                   "segments.1.churn_annual": [0.1, 0.3]})
    assert len(df) == 2
    with pytest.raises(ValueError, match="equal length.*: 2.*: 3"):
        cspmodel.sweep(base, zip={"segments.0.churn_annual": [0.05, 0.2],
                                  "segments.1.churn_annual": [0.1, 0.2, 0.3]})
    with pytest.raises(ValueError, match="either grid"):
        cspmodel.sweep(base)
    with pytest.raises(cspmodel.ScenarioError, match="segments.0.churn_annual = 1.5.*0 to 1"):
        cspmodel.sweep(base, zip={"segments.0.churn_annual": [0.1, 1.5]})


def test_sweep_of_text_keys_through_an_executor(base):
    grid = {"channel.model": ["indirect", "direct"],
            "support.vendor_plan": ["advanced_support_for_partners"],
            "segments.0.churn_annual": [0.1, 0.2]}
    local = cspmodel.sweep(base, grid=grid)
    with ThreadPoolExecutor(2) as pool:
        pooled = cspmodel.sweep(base, grid=grid, executor=pool)
    pd.testing.assert_frame_equal(local, pooled)
    direct = cspmodel.simulate(base.with_overrides({
        "channel.model": "direct", "support.vendor_plan": "advanced_support_for_partners",
        "segments.0.churn_annual": 0.2}))
    assert local.iloc[3]["npv"] == pytest.approx(direct.summary["npv"], rel=1e-12)


# --- sensitivity -----------------------------------------------------------------------------
def test_sensitivity_ranks_the_obvious_driver_first(base):
    t = cspmodel.sensitivity(base, {"costs.compliance_per_year": (0, 12),
                                    "costs.accounting_per_month": (0, 10_000)},
                             metric="operating_profit")
    assert list(t["key"]) == ["costs.accounting_per_month", "costs.compliance_per_year"]
    # 10,000 a month more for 12 months: 120,000 less profit; compliance 12 a year: 12
    assert t["swing"].iloc[0] == pytest.approx(120_000, rel=1e-9)
    assert t["swing"].iloc[1] == pytest.approx(12, rel=1e-6)
    fig = plots.tornado(t)
    assert "accounting" in fig.axes[0].get_title() and "USD" in fig.axes[0].get_xlabel()


def test_sobol_ranks_the_obvious_driver_first(base):
    s = base.with_overrides({
        "costs.accounting_per_month": {"dist": "uniform", "low": 0, "high": 20_000},
        "costs.compliance_per_year": {"dist": "uniform", "low": 0, "high": 12}})
    t = cspmodel.sobol(s, "operating_profit", n=64)
    assert t["key"].iloc[0] == "costs.accounting_per_month"
    assert t["ST"].iloc[0] > 0.95 and abs(t["ST"].iloc[1]) < 0.05


# --- break-even ------------------------------------------------------------------------------
def test_breakeven_of_a_fixed_cost_solves_by_hand(base):
    # operating profit falls by H per unit of accounting_per_month: it reaches 0 at
    # x0 + profit0 / H
    x0 = base.costs.accounting_per_month
    profit0 = cspmodel.simulate(base).summary["operating_profit"]
    b = cspmodel.breakeven(base, vary="costs.accounting_per_month", metric="operating_profit",
                           low=0, high=1e6, tol=1e-6)
    assert b.found and b.value == pytest.approx(x0 + profit0 / H, abs=1e-5)
    assert "at costs.accounting_per_month" in b.sentence


def test_breakeven_against_another_scenario_and_no_crossing(base):
    # the indirect book pays the distributor fee every month, the direct one does not; with
    # a direct programme costing 600,000 a year the direct plan earns less until the fee is
    # high enough: profit_indirect(250) - 12 (x - 250) = profit_direct
    direct = base.with_overrides({"name": "direct", "channel.model": "direct",
                                  "support.vendor_plan": "advanced_support_for_partners",
                                  "channel.direct.training_per_year": 600_000})
    p_ind = cspmodel.simulate(base).summary["operating_profit"]
    p_dir = cspmodel.simulate(direct).summary["operating_profit"]
    b = cspmodel.breakeven(direct, vary="channel.indirect.distributor_fee_per_month",
                           metric="operating_profit", against=base, low=0, high=1e6, tol=1e-6)
    assert b.found and b.value == pytest.approx(250 + (p_ind - p_dir) / H, abs=1e-5)
    none = cspmodel.breakeven(direct, vary="channel.indirect.distributor_fee_per_month",
                              metric="operating_profit", against=base, low=0, high=100)
    assert not none.found and np.isnan(none.value)
    assert none.sentence.startswith("No crossing") and "stays below 0" in none.sentence


def test_probability_beats_and_fan_chart(uncertain):
    direct = uncertain.with_overrides({"channel.model": "direct",
                                       "support.vendor_plan": "advanced_support_for_partners"})
    p = uncertainty.probability_beats(direct, uncertain, "operating_profit", paths=200, seed=2)
    a = cspmodel.simulate(direct, paths=200, seed=2).paths["operating_profit"]
    b = cspmodel.simulate(uncertain, paths=200, seed=2).paths["operating_profit"]
    assert p == float((a.to_numpy() > b.to_numpy()).mean())
    fig = plots.fan(cspmodel.simulate(uncertain, paths=200, seed=2))
    assert "200 paths" in fig.axes[0].get_title()


def test_sensitivity_of_a_difference(base):
    # the distributor fee is paid by the indirect book only: the gap direct - indirect grows by
    # 12 x the fee; accounting is paid by both and leaves the gap unchanged
    direct = base.with_overrides({"channel.model": "direct",
                                  "support.vendor_plan": "advanced_support_for_partners"})
    t = cspmodel.sensitivity(direct, {"costs.accounting_per_month": (0, 5000),
                                      "channel.indirect.distributor_fee_per_month": (0, 1000)},
                             metric="operating_profit", against=base)
    assert t["key"].iloc[0] == "channel.indirect.distributor_fee_per_month"
    assert t["swing"].iloc[0] == pytest.approx(12 * 1000, rel=1e-9)
    assert t["swing"].iloc[1] == pytest.approx(0, abs=1e-6)


# a segment with no support price: its upfront cohorts are charged (payment fees) only on
# renewal, and a tiny ACH cap binds on every charge but not on uncharged additions; the other
# segment with no annual billed monthly term
NO_SUPPORT_PRICE = {"segments.0.support_tier": "included", "costs.ach_fee_cap": 0.01,
                    "segments.1.term_mix": {"monthly": 0.4, "annual_billed_monthly": 0.0,
                                            "annual_upfront": 0.6}}


@pytest.mark.parametrize("case", ["indirect", "direct", "no_support_price"])
def test_many_paths_mode_equals_full_detail(monkeypatch, case):
    # line totals summed inside the loop, paths-last pricing of one shared annual book and net
    # revenue retention from the joiners' run give the figures of the full-detail run on the
    # same draws (to rounding); the golden scenario has a flexible segment, upfront terms and a
    # 24x7 tier
    from test_deterministic_unchanged import CASES, TEXT

    s = cspmodel.load_scenario_text(TEXT).with_overrides({
        **CASES.get(case, NO_SUPPORT_PRICE),
        "segments.0.churn_annual": {"dist": "beta", "a": 3, "b": 20},
        "segments.1.seats_per_customer": {"dist": "uniform", "low": 5, "high": 40},
        "segments.0.seat_growth_annual": {"dist": "normal", "mean": 0.05, "sd": 0.1}})
    full = cspmodel.simulate(s, paths=40, seed=5, detail=True)
    lean = cspmodel.simulate(s, paths=40, seed=5, detail=False)
    assert lean.ledger["segment"].unique().tolist() == ["all"]
    np.testing.assert_allclose(lean.paths.to_numpy(), full.paths.to_numpy(), rtol=1e-10)
    for name, arr in full.path_statements.items():
        np.testing.assert_allclose(lean.path_statements[name], arr, rtol=1e-10, atol=1e-6,
                                   err_msg=name)


def test_sweep_with_monte_carlo_at_each_point(uncertain):
    # every point sees the same draws; the fixed cost moves each path's profit by 12 x 1000
    df = cspmodel.sweep(uncertain, zip={"costs.accounting_per_month": [0.0, 1000.0]},
                        paths=50, seed=1)
    assert df["operating_profit"].iloc[0] - df["operating_profit"].iloc[1] == pytest.approx(
        12_000, rel=1e-9)
    mc = cspmodel.simulate(uncertain.with_overrides({"costs.accounting_per_month": 1000.0}),
                           paths=50, seed=1)
    # the same draws of the other fields (file order kept; the swept field drawn, then set)
    assert df["npv"].iloc[1] == pytest.approx(mc.summary["npv"], rel=1e-9)


def test_monte_carlo_with_commission_plans(base):
    # commission plans work on the per-segment detail: many paths keep it and still run
    s = base.with_overrides({
        "commissions.plans": [{"name": "resale", "product_class": "resale", "rate": 0.05}],
        "segments.0.churn_annual": {"dist": "beta", "a": 2, "b": 18}})
    det = cspmodel.simulate(s)
    z = s.with_overrides({"segments.0.churn_annual": {"dist": "normal", "mean": 0.1, "sd": 0}})
    many = cspmodel.simulate(z, paths=600, seed=1)
    np.testing.assert_array_equal(many.paths.iloc[599].to_numpy(), det.paths.iloc[0].to_numpy())
    assert cspmodel.simulate(s, paths=600, seed=1).paths["npv"].std() > 0


def test_breakeven_brackets_whole_number_keys_on_whole_numbers():
    # engine issue, defect 6f: dso_days takes whole days; bracketing used to try 5.625 days
    # and stop with a validation error
    s = cspmodel.load_scenario(ROOT / "scenarios" / "small_indirect_msp.yaml")
    npv = {d: float(cspmodel.simulate(s.with_overrides({"billing.dso_days": d})).summary["npv"])
           for d in (0, 90)}
    target = (npv[0] + npv[90]) / 2
    b = cspmodel.breakeven(s, "billing.dso_days", "npv", target=target)
    assert b.found and b.value == int(b.value)
    d = int(b.value)
    at = float(cspmodel.simulate(s.with_overrides({"billing.dso_days": d})).summary["npv"])
    before = float(cspmodel.simulate(
        s.with_overrides({"billing.dso_days": d - 1})).summary["npv"])
    assert before > target >= at  # NPV falls with DSO: d is the first whole day at or past it
