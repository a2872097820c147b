"""Protects the README's promises: its scenario example is valid, the files and make targets it
names exist, and the error it shows is the one a partner gets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cspmodel import ScenarioError
from cspmodel.io import load_scenario_text

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make report" in first_block and "make test" in first_block


def test_readme_scenario_example_is_valid() -> None:
    example = re.search(r"```yaml\n(.*?)```", README, re.S)
    assert example is not None
    scenario = load_scenario_text(example.group(1), source="README example")
    assert scenario.segments[0].product_mix == {"m365_business_premium": 1.0}


def test_readme_error_example_is_what_validate_prints() -> None:
    shown = ("segments.0.churn_annual = 1.5: out of range; allowed: 0 to 1 (share/yr); did you "
             "mean 0.015? (a share is written as a fraction: 8% is 0.08)")
    assert shown in README
    example = re.search(r"```yaml\n(.*?)```", README, re.S)
    assert example is not None
    bad = example.group(1).replace("churn_annual: 0.08", "churn_annual: 1.5")
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(bad, source="my_partner.yaml")
    assert str(caught.value) == "my_partner.yaml: " + shown


def test_files_named_in_the_readme_exist() -> None:
    for name in re.findall(r"`((?:scenarios|docs|benchmarks)/[\w./-]+|environment\.yml)`",
                           README):
        assert (ROOT / name).exists(), name
    for name in re.findall(r"`(\w+\.yaml)`", README):
        assert (ROOT / "scenarios" / name).exists(), name


def test_make_targets_named_in_the_readme_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in set(re.findall(r"`make ([\w-]+)", README)) | {"report", "test"}:
        assert re.search(rf"^{target}:", makefile, re.M), target
