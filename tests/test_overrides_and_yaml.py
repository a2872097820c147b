"""Protects the rule that nothing changes a scenario in place: overrides return a new, validated
scenario; scenarios are frozen; and a scenario written as YAML loads back equal."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cspmodel import Scenario, ScenarioError, load_scenario
from cspmodel.io import load_scenario_text, write_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
VAR = ROOT / "scenarios" / "growing_var_weighing_direct.yaml"


def test_override_dotted_paths_and_list_indices() -> None:
    s = load_scenario(VAR)
    new = s.with_overrides({
        "horizon_months": 40,
        "channel.indirect.distributor_margin": 0.04,
        "segments.1.churn_annual": 0.2,
        "segments.-1.seats_per_customer": 150,
        "segments.0.product_mix": {"m365_business_basic": 1.0},
        "segments.1.addons.entra_id_p1": 0.3,
        "support.tiers.standard.price_per_seat_month": 30,
    })
    assert new.horizon_months == 40
    assert new.channel.indirect.distributor_margin == 0.04
    assert new.segments[1].churn_annual == 0.2
    assert new.segments[2].seats_per_customer == 150
    assert new.segments[0].product_mix == {"m365_business_basic": 1.0}
    assert new.segments[1].addons == {"m365_copilot": 0.05, "entra_id_p1": 0.3}
    assert new.support.tiers["standard"].price_per_seat_month == 30
    # what was not overridden stays as it was
    assert new.segments[1].name == s.segments[1].name
    assert new.support.tiers["included"] == s.support.tiers["included"]


def test_override_leaves_the_original_untouched() -> None:
    s = load_scenario(VAR)
    s.with_overrides({"channel.model": "direct",
                      "support.vendor_plan": "advanced_support_for_partners",
                      "segments.0.product_mix": {"m365_business_basic": 1.0}})
    assert s == load_scenario(VAR)
    assert s.channel.model == "indirect"


def test_override_result_is_validated_and_names_the_path() -> None:
    s = load_scenario(VAR)
    with pytest.raises(ScenarioError) as caught:
        s.with_overrides({"segments.1.churn_annual": 1.5})
    problem = caught.value.problems[0]
    assert (problem.path, problem.value) == ("segments.1.churn_annual", 1.5)
    assert "allowed: 0 to 1" in str(caught.value)


def test_override_of_direct_without_vendor_plan_is_refused() -> None:
    s = load_scenario(VAR)
    with pytest.raises(ScenarioError, match="support.vendor_plan"):
        s.with_overrides({"channel.model": "direct"})


def test_override_with_a_key_typo_suggests_the_key() -> None:
    s = load_scenario(VAR)
    with pytest.raises(ScenarioError, match="did you mean 'churn_annual'"):
        s.with_overrides({"segments.0.churn_anual": 0.1})


def test_override_of_a_missing_list_item_says_how_many_there_are() -> None:
    s = load_scenario(VAR)
    with pytest.raises(ScenarioError) as caught:
        s.with_overrides({"segments.7.churn_annual": 0.1})
    assert caught.value.problems[0].path == "segments.7"
    assert "the list has 3 item(s)" in str(caught.value)


def test_scenario_is_frozen() -> None:
    s = load_scenario(VAR)
    with pytest.raises(ValidationError):
        s.horizon_months = 12  # type: ignore[misc]
    with pytest.raises(ValidationError):
        s.segments[0].churn_annual = 0.5  # type: ignore[misc]
    with pytest.raises(ValidationError):
        s.support.tiers["standard"].price_per_seat_month = 1.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        s.segments.append(s.segments[0])  # type: ignore[attr-defined]


def test_scenario_mappings_are_frozen_too() -> None:
    s = load_scenario(VAR)
    with pytest.raises(TypeError, match="with_overrides"):
        s.segments[0].product_mix["m365_e3"] = 0.5
    with pytest.raises(TypeError):
        s.segments[1].addons.update({"entra_id_p1": 0.3})
    with pytest.raises(TypeError):
        del s.support.tiers["standard"]
    assert s == load_scenario(VAR)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_to_yaml_round_trips_to_an_equal_scenario(path: Path) -> None:
    s = load_scenario(path)
    text = s.to_yaml()
    again = load_scenario_text(text, source="round trip")
    assert again == s
    assert again.to_yaml() == text


def test_written_scenario_loads_back_equal(tmp_path: Path) -> None:
    s = load_scenario(VAR).with_overrides({"segments.0.churn_annual": 0.15})
    out = write_scenario(s, tmp_path / "sub" / "var.yaml")
    assert load_scenario(out) == s
    assert not list(out.parent.glob(".*.tmp"))  # no temporary file left behind


def test_overridden_scenario_round_trips() -> None:
    s: Scenario = load_scenario(VAR).with_overrides({
        "products": [{"id": "m365_e3", "price_changes": [
            {"effective": "2027-01-01", "list_price_per_seat_month": 42.0}]}],
        "terms.annual_billed_monthly_factor": 1.0,
    })
    assert load_scenario_text(s.to_yaml()) == s
