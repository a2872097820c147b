"""Azure consumption and financed deployment (issue "New revenue streams"): the hand cases of
the issue, computed by hand, through the whole engine, and their accounting identities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cspmodel
from cspmodel.errors import ScenarioError

BASE = """name: hand
horizon_months: {h}
segments:
- name: A
  customers_at_start: {n}
  new_customers_per_month: {new}
  churn_annual: {churn}
  seat_growth_annual: 0
  seat_volatility_annual: 0
  product_mix: {{m365_business_basic: 1}}
  term_mix: {{{term}: 1}}
  support_tier: standard
"""


def scenario(extra: str = "", h: int = 6, n: float = 10, new: float = 0, churn: float = 0,
             term: str = "monthly", top: str = "") -> cspmodel.Scenario:
    text = BASE.format(h=h, n=n, new=new, churn=churn, term=term) + extra + top
    return cspmodel.load_scenario_text(text, source="hand")


def line(r: cspmodel.Result, name: str) -> np.ndarray:
    led = r.ledger[r.ledger["line"] == name]
    return led.groupby("month")["amount"].sum().reindex(r.monthly.index.astype(str),
                                                        fill_value=0.0).to_numpy()


def az(r: cspmodel.Result, column: str, segment: str = "A") -> np.ndarray:
    return r.azure().loc[segment, column].to_numpy()


def test_pec_on_10000_of_eligible_consumption_is_1500_a_month() -> None:
    r = cspmodel.simulate(scenario("  azure: {consumption_per_customer_month: 1000}\n"))
    np.testing.assert_allclose(line(r, "azure_consumption"), 10_000.0)
    np.testing.assert_allclose(line(r, "azure_cost"), 10_000.0)
    np.testing.assert_allclose(line(r, "azure_pec"), -1_500.0)


def test_reservations_earn_no_pec_and_cost_less() -> None:
    r = cspmodel.simulate(scenario("  azure: {consumption_per_customer_month: 1000, "
                                   "reserved_share: 0.4, reservation_discount: 0.4}\n"))
    np.testing.assert_allclose(line(r, "azure_pec"), -900.0)  # PEC on 6,000 only
    np.testing.assert_allclose(line(r, "azure_reservations"), 2_400.0)  # instead of 4,000
    np.testing.assert_allclose(line(r, "azure_cost"), 6_000.0)
    # sold at retail: the customer pays the reserved price, so it keeps the saving
    np.testing.assert_allclose(line(r, "azure_consumption"), 8_400.0)


def test_indirect_pec_is_what_the_distributor_passes_on_and_its_charge_a_cost() -> None:
    r = cspmodel.simulate(scenario(
        "  azure: {consumption_per_customer_month: 1000}\n",
        top="channel: {indirect: {pec_passed_on: 0.6, azure_margin: 0.02}}\n"))
    np.testing.assert_allclose(line(r, "azure_pec"), -900.0)  # 60% of 1,500
    np.testing.assert_allclose(line(r, "azure_cost"), 10_200.0)


def test_markup_and_management_fee_on_spend() -> None:
    r = cspmodel.simulate(scenario("  azure: {consumption_per_customer_month: 1000, "
                                   "markup_vs_retail: 0.05, management_fee_share: 0.1}\n"))
    np.testing.assert_allclose(line(r, "azure_consumption"), 10_500.0)
    np.testing.assert_allclose(line(r, "azure_management_fees"), 1_000.0)


def _azure_only(extra: str, **kw) -> cspmodel.Result:  # noqa: ANN003
    """A book whose licences and support cost and bill nothing, so cash is Azure's alone."""
    top = ("products: [{id: m365_business_basic, list_price_per_seat_month: 0.01}]\n"
           "support: {tiers: {standard: {price_per_seat_month: 0}}}\n"
           "costs: {bad_debt_rate: 0}\n")
    return cspmodel.simulate(scenario(extra, top=top, **kw))


def test_month_1_usage_is_billed_in_month_2_and_collected_after_the_payment_days() -> None:
    # no customer before the start: the first usage is month 1's, 10 customers x 1,000
    r = _azure_only("  azure: {consumption_per_customer_month: 1000, payment_days: 30, "
                    "bad_debt_rate: 0}\n", n=0, new=10, h=5)
    usage = line(r, "azure_consumption")
    assert usage[0] == pytest.approx(10_000.0)
    billed = az(r, "billed")
    np.testing.assert_allclose(billed[1:], usage[:-1])  # month m's usage invoiced in m + 1
    assert billed[0] == 0.0
    cash = az(r, "collected")
    assert cash[1] == 0.0 and cash[2] == pytest.approx(10_000.0)  # then 30 days later
    no_terms = _azure_only("  azure: {consumption_per_customer_month: 1000, payment_days: 0, "
                           "bad_debt_rate: 0}\n", n=0, new=10, h=5)
    assert az(no_terms, "collected")[1] == pytest.approx(10_000.0)


def test_the_book_at_the_start_bills_its_last_month_in_month_1() -> None:
    r = _azure_only("  azure: {consumption_per_customer_month: 1000, bad_debt_rate: 0}\n")
    billed = az(r, "billed")
    assert billed[0] == pytest.approx(10_000.0)  # the usage of the month before the start
    assert r.monthly["accrued_revenue"].iloc[0] == pytest.approx(10_000.0)  # this month's


def test_smoothing_bills_a_level_budget_and_trues_up() -> None:
    def billed(season: list[float]) -> np.ndarray:
        r = _azure_only("  azure: {consumption_per_customer_month: 1000, smoothing_months: 3, "
                        f"bad_debt_rate: 0, seasonality: {season}}}\n", h=7)
        np.testing.assert_allclose(line(r, "azure_consumption")[:3],
                                   [10_000 * f for f in season[:3]])  # revenue: the usage
        return az(r, "billed")

    # usage 10,000, 15,000, 5,000 in the first quarter against a budget of 10,000 a month:
    # the quarter's usage equals its budgets, so nothing is trued up
    np.testing.assert_allclose(billed([1.0, 1.5, 0.5] + [1.0] * 9)[1:7], 10_000.0)
    # 10,000, 15,000, 7,000 and 8,000 in April: the first quarter trues up +2,000 with
    # March's bill (invoiced in April), the second quarter's shortfall waits for its end
    np.testing.assert_allclose(billed([1.0, 1.5, 0.7, 0.8] + [1.0] * 8)[1:6],
                               [10_000.0, 10_000.0, 12_000.0, 10_000.0, 10_000.0])


def test_bad_debt_of_consumption_is_lost_and_exposure_is_what_is_owed_plus_a_month() -> None:
    r = _azure_only("  azure: {consumption_per_customer_month: 1000, payment_days: 30, "
                    "bad_debt_rate: 0.02}\n", h=4)
    np.testing.assert_allclose(line(r, "azure_bad_debt"), 200.0)  # 2% of each 10,000 bill
    # at the end of a month: its usage unbilled, last month's invoice unpaid, next month's
    np.testing.assert_allclose(r.monthly["credit_exposure"], 10_000 + 9_800 + 10_000)
    assert r.monthly["credit_exposure"].max() == pytest.approx(29_800.0)


def test_financed_deployment_12000_over_24_months_at_0_and_a_leaver_after_a_year() -> None:
    top = "services: {onboarding_price_per_customer: 12000, onboarding_cost_per_customer: 0}\n"
    r = cspmodel.simulate(scenario(
        "  financing: {share: 1, months: 24, annual_rate: 0}\n", n=0, new=1, churn=1.0,
        term="annual_billed_monthly", h=14, top=top))
    plain = cspmodel.simulate(scenario("", n=0, new=1, churn=1.0, term="annual_billed_monthly",
                                       h=14, top=top))
    # the deployments are no longer billed upfront: the installments are the difference
    installments = (r.monthly["billings"] - plain.monthly["billings"]).to_numpy() + 12_000.0
    np.testing.assert_allclose(installments[:12], 500.0 * np.arange(1, 13))
    written_off = line(r, "financing_write_offs")
    np.testing.assert_allclose(written_off[:12], 0.0)
    np.testing.assert_allclose(written_off[12:], 6_000.0)  # each year-old vintage leaves
    np.testing.assert_allclose(line(r, "services"), 12_000.0)  # revenue at deployment


def test_financing_interest_is_revenue_as_it_is_billed() -> None:
    top = "services: {onboarding_price_per_customer: 1000, onboarding_cost_per_customer: 0}\n"
    r = cspmodel.simulate(scenario("  financing: {share: 1, months: 3, annual_rate: 0.12}\n",
                                   n=0, new=1, h=4, top=top))
    # 1,000 over 3 months at 1% a month, first payment at deployment: 336.66 a month;
    # interest 6.63 on 663.34, then 3.33 on 333.32
    interest = line(r, "financing_interest")
    np.testing.assert_allclose(interest, [0.0, 6.6334, 6.6334 + 3.3332, 6.6334 + 3.3332],
                               atol=1e-3)


@pytest.mark.parametrize("extra, where", [
    ("  azure: {seasonality: [1, 1, 1]}\n", "segments.0.azure.seasonality"),
    ("  azure: {seasonality: [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}\n",
     "segments.0.azure.seasonality"),
    ("  azure: {reservation_discount: 0.8}\n", "segments.0.azure.reservation_discount"),
    ("  azure: {smoothing_months: 1}\n", "segments.0.azure.smoothing_months"),
    ("  azure: {consumtion_per_customer_month: 10}\n", "segments.0.azure"),
    ("  financing: {share: 0.5}\n  support_tier: included\n", "segments.0.financing.share"),
])
def test_bad_azure_and_financing_keys_are_named(extra: str, where: str) -> None:
    text = BASE.format(h=3, n=1, new=0, churn=0, term="monthly").replace(
        "  support_tier: standard\n", "") + extra
    with pytest.raises(ScenarioError) as err:
        cspmodel.load_scenario_text(text, source="bad.yaml")
    assert where in str(err.value) and "bad.yaml" in str(err.value)


def _identities(r: cspmodel.Result) -> None:
    m = r.monthly
    np.testing.assert_allclose(m["operating_profit"],
                               m["revenue"] - m["cost_of_sales"] - m["operating_costs"],
                               atol=1e-6)
    np.testing.assert_allclose(
        m["cash_in"].sum() + m["receivables"].iloc[-1],
        m["billings"].sum() - m["bad_debt"].sum() + r.opening["receivables"], rtol=1e-10)
    assert (m["deferred_revenue"] >= -1e-6).all()
    assert (m["accrued_revenue"] >= -1e-6).all()


@pytest.mark.parametrize("channel", ["indirect", "direct"])
def test_identities_hold_with_azure_and_financing(channel: str) -> None:
    s = cspmodel.load_scenario("scenarios/msp_managing_azure.yaml")
    if channel == "direct":
        s = s.with_overrides({"channel.model": "direct",
                              "support.vendor_plan": "advanced_support_for_partners"})
    _identities(cspmodel.simulate(s))


def test_accrued_revenue_is_the_last_month_of_usage_and_the_unpaid_financing() -> None:
    top = "services: {onboarding_price_per_customer: 1200, onboarding_cost_per_customer: 0}\n"
    r = cspmodel.simulate(scenario("  azure: {consumption_per_customer_month: 100}\n"
                                   "  financing: {share: 1, months: 12}\n", n=10, new=1, h=3,
                                   top=top))
    usage = line(r, "azure_consumption")
    # financed: 1,200 a vintage, 100 a month repaid; after 3 vintages 1,100 + 1,000 + 900 left
    assert r.monthly["accrued_revenue"].iloc[-1] == pytest.approx(usage[-1] + 3_000.0)


def test_monte_carlo_draws_consumption_volatility() -> None:
    s = scenario("  azure: {consumption_per_customer_month: 1000, volatility_monthly: 0.3}\n")
    mc = cspmodel.simulate(s, paths=2000, seed=3)
    revenue = mc.path_statements["revenue"] - cspmodel.simulate(s.with_overrides(
        {"segments.0.azure.consumption_per_customer_month": 0})).monthly["revenue"].to_numpy()
    assert revenue.std(axis=0).min() > 0.25 * 10_000  # a spread each month, about 30%
    assert revenue.mean() == pytest.approx(10_000.0, rel=0.02)  # around the same level
    assert mc.percentiles("revenue")["p95"].gt(mc.percentiles("revenue")["p5"]).all()
    again = cspmodel.simulate(s, paths=2000, seed=3)
    np.testing.assert_array_equal(again.path_statements["revenue"], mc.path_statements["revenue"])
    flat = cspmodel.simulate(s.with_overrides({"segments.0.azure.volatility_monthly": 0}),
                             paths=50, seed=3)
    np.testing.assert_allclose(flat.path_statements["revenue"].std(axis=0), 0.0, atol=1e-6)


def test_ledger_frame_has_the_azure_lines_per_segment() -> None:
    r = cspmodel.simulate(scenario("  azure: {consumption_per_customer_month: 1000}\n"))
    lines = set(r.ledger["line"])
    assert {"azure_consumption", "azure_cost", "azure_pec"} <= lines
    assert isinstance(r.ledger, pd.DataFrame)


def test_azure_counts_toward_microsofts_direct_bill_threshold() -> None:
    # 50 customers x 50 seats of E3 at 36: 90,000 a month of licences, 1.08M a year; less
    # seats fall below USD 1M, and Azure consumption (CSP billed revenue too) lifts them over
    top = "channel: {model: direct}\nsupport: {vendor_plan: advanced_support_for_partners}\n"
    text = """name: threshold
horizon_months: 24
segments:
- name: A
  customers_at_start: 40
  new_customers_per_month: 0
  churn_annual: 0
  seats_per_customer: 50
  seat_growth_annual: 0
  seat_volatility_annual: 0
  product_mix: {m365_e3: 1}
  term_mix: {annual_billed_monthly: 1}
"""
    below = cspmodel.simulate(cspmodel.load_scenario_text(text + top))
    assert below.monthly["csp_billed_revenue"].iloc[:12].sum() < 1_000_000
    assert any("Direct bill" in w for w in below.warnings)
    with_azure = cspmodel.simulate(cspmodel.load_scenario_text(
        text + "  azure: {consumption_per_customer_month: 1000}\n" + top))
    assert with_azure.monthly["csp_billed_revenue"].iloc[:12].sum() > 1_000_000
    assert not any("Direct bill" in w for w in with_azure.warnings)


def test_the_azure_and_financing_charts_are_titled_with_their_currency() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from cspmodel import plots
    from cspmodel.azure_analysis import azure_margins

    s = cspmodel.load_scenario("scenarios/msp_managing_azure.yaml")
    r = cspmodel.simulate(s)
    fig = plots.azure_margin_and_exposure(azure_margins(r), r)
    left, right = fig.axes
    assert "USD" in left.get_xlabel() and "USD" in right.get_ylabel()
    assert left.get_title() and right.get_title() and fig._suptitle.get_text()
    upfront = cspmodel.simulate(s.with_overrides({"segments.0.financing.share": 0.0}))
    (ax,) = plots.financing_cash(r, upfront).axes
    assert "USD" in ax.get_ylabel() and ax.get_title()


def test_the_report_shows_azure_and_financing_only_where_the_scenario_has_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    from cspmodel import notebook as nb
    from cspmodel.findings import executive_summary

    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    s = cspmodel.load_scenario("scenarios/msp_managing_azure.yaml")
    r = cspmodel.simulate(s)
    summary = executive_summary(s, r)
    nb.azure_section(s, r, summary)
    nb.financing_section(s, summary)
    text = " ".join(o.data if isinstance(o, IPython.display.Markdown) else o.to_string()
                    for o in shown)
    assert "partner-earned credit and the credit exposure" in text
    assert summary.answer("azure").answer in text
    assert "Financed deployments" in text and "Worst month at risk" in text
    assert "Reservations against pay-as-you-go" in text
    shown.clear()
    plain = cspmodel.load_scenario("scenarios/small_indirect_msp.yaml")
    nb.azure_section(plain, cspmodel.simulate(plain), executive_summary(plain))
    nb.financing_section(plain, executive_summary(plain))
    assert not shown


def test_the_azure_notebook_refuses_a_scenario_without_azure_with_a_clear_message() -> None:
    from cspmodel import notebook as nb

    with pytest.raises(ScenarioError) as err:
        nb.require_azure(cspmodel.load_scenario("scenarios/small_indirect_msp.yaml"))
    text = str(err.value)
    assert "segments[].azure.consumption_per_customer_month" in text
    assert "Small indirect MSP" in text


def test_azure_and_financing_drivers_take_distributions() -> None:
    s = scenario("  azure: {consumption_per_customer_month: {dist: triangular, low: 500, "
                 "mode: 1000, high: 1500}, reservation_discount: 0.4}\n")
    assert s.segments[0].azure.consumption_per_customer_month.dist.mean() == pytest.approx(1000)
    np.testing.assert_allclose(line(cspmodel.simulate(s), "azure_consumption"), 10_000.0)
    mc = cspmodel.simulate(s, paths=500, seed=2)
    spread = mc.path_statements["revenue"][:, 0]
    assert spread.std() > 1_000.0  # each path its own consumption
    from cspmodel.uncertainty import sweep

    t = sweep(s, {"segments.0.azure.reserved_share": [0.0, 0.5]})
    assert t["revenue"].iloc[1] < t["revenue"].iloc[0]  # reservations cost the customer less


def test_the_deck_has_the_azure_and_financing_slides_with_their_data(tmp_path) -> None:  # noqa: ANN001
    from click.testing import CliRunner
    from pptx import Presentation

    from cspmodel.azure_analysis import azure_margins, credit_exposure_table
    from cspmodel.cli import main

    path = "scenarios/msp_managing_azure.yaml"
    out = tmp_path / "azure.pptx"
    res = CliRunner().invoke(main, ["report", path, "--format", "pptx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    slides = list(Presentation(str(out)).slides)
    assert len(slides) <= 12
    charts = {sl.shapes.title.text: sh.chart for sl in slides for sh in sl.shapes
              if sh.has_chart}
    r = cspmodel.simulate(cspmodel.load_scenario(path))
    azure = charts["Azure: the partner-earned credit and the credit exposure"].plots[0]
    values = {sr.name: list(sr.values) for sr in azure.series}
    m, x = azure_margins(r), credit_exposure_table(r)
    assert values["Azure margin"][0] == pytest.approx(m.iloc[0]["margin"])
    assert values["Without the PEC"][0] == pytest.approx(m.iloc[0]["margin_without_pec"])
    assert values["Worst month at risk"][0] == pytest.approx(x.iloc[0]["worst"])
    cash = charts["Financed deployments: what they do to cash"].plots[0]
    values = {sr.name: list(sr.values) for sr in cash.series}
    assert values["Deployments financed"] == pytest.approx(r.monthly["cumulative_cash"].tolist())
