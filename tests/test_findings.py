"""The executive summary (issue "Findings a partner can act on and show", item 1): the five
questions answered with their figures, eligibility for direct bill first, and a recommendation
that never sends a book below Microsoft's threshold to direct."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import cspmodel
from cspmodel.analysis import both_channels, monthly_to_annual
from cspmodel.channel import trailing_12
from cspmodel.cli import main
from cspmodel.findings import executive_summary
from cspmodel.formatting import fmt_money, fmt_percent

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_book_below_the_threshold_is_never_sent_direct(path: Path) -> None:
    scenario = cspmodel.load_scenario(path)
    summary = executive_summary(scenario)
    direct = both_channels(scenario)["direct"]
    first_year = trailing_12(direct.monthly["csp_billed_revenue"].to_numpy())[0]
    if first_year < 1_000_000:
        assert not summary.direct_eligible
        answer = summary.answer("direct").answer
        assert answer.startswith("Not eligible yet")
        assert fmt_money(1_000_000 - first_year, "USD") in answer  # what is missing
        assert "Go direct" not in summary.recommendation
        assert "Stay indirect" in summary.recommendation
    streams = (["azure"] if any(seg.azure.consumption_per_customer_month
                                for seg in scenario.segments) else []) + (
        ["financing"] if any(seg.financing.share for seg in scenario.segments) else [])
    assert [a.key for a in summary.answers] == ["direct", "terms", "support", "costs",
                                                *streams, "cash"]


def test_the_azure_summary_names_pec_dependence_and_credit_exposure() -> None:
    scenario = cspmodel.load_scenario(ROOT / "scenarios" / "msp_managing_azure.yaml")
    result = cspmodel.simulate(scenario)
    summary = executive_summary(scenario, result)
    azure = summary.answer("azure").answer
    from cspmodel.azure_analysis import azure_margins, credit_exposure_table

    m = azure_margins(result).loc["all"]
    assert "partner-earned credit" in azure and fmt_money(m["pec"], "USD") in azure
    assert fmt_percent(m["pec_share_of_gross_profit"], 0) + " of the gross profit" in azure
    worst = credit_exposure_table(result).loc["all", "worst"]
    assert fmt_money(worst, "USD") + " at risk" in azure
    assert "admin relationship" in summary.recommendation
    financing = summary.answer("financing").answer
    assert "interest" in financing and "funding needed" in financing


def test_an_eligible_book_that_gains_is_told_to_go_direct() -> None:
    scenario = cspmodel.load_scenario(ROOT / "scenarios" / "established_direct_partner.yaml")
    summary = executive_summary(scenario)
    both = both_channels(scenario)
    gain = (both["direct"].summary["operating_profit"]
            - both["indirect"].summary["operating_profit"])
    assert summary.direct_eligible and gain > 0
    assert f"Go direct: it earns {fmt_money(gain, 'USD')} more" in summary.recommendation


def test_the_terms_answer_is_the_monthly_to_annual_difference() -> None:
    scenario = cspmodel.load_scenario(ROOT / "scenarios" / "new_msp_launch.yaml")
    moved = monthly_to_annual(scenario)
    answer = executive_summary(scenario).answer("terms")
    assert answer.figure == pytest.approx(moved.loc["operating_profit", "difference"])
    assert fmt_money(abs(answer.figure), "USD") in answer.answer


def test_the_cash_and_cost_answers_carry_the_headline_figures() -> None:
    scenario = cspmodel.load_scenario(ROOT / "scenarios" / "new_msp_launch.yaml")
    r = cspmodel.simulate(scenario)
    summary = executive_summary(scenario, r)
    cash = summary.answer("cash").answer
    assert fmt_money(-r.summary["cash_trough"], "USD") in cash
    assert f"month {int(r.summary['break_even_month'])}" in cash
    assert "Plan for" in summary.recommendation


def test_cspmodel_run_prints_the_summary() -> None:
    path = ROOT / "scenarios" / "small_indirect_msp.yaml"
    out = CliRunner().invoke(main, ["run", str(path)])
    assert out.exit_code == 0, out.output
    assert executive_summary(cspmodel.load_scenario(path)).text() in out.output
