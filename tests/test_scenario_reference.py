"""Protects docs/scenario-reference.md: it is generated from the schema, lists every key a
scenario may hold with its meaning, default, allowed values and source, and is kept current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cspmodel.catalog import FACTS, PRODUCTS, VENDOR_PLANS
from cspmodel.reference_doc import ALLOWED_BY_PATH, key_paths, render_reference

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenario-reference.md"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
NAMED = {"product_mix", "addons", "term_mix", "payment_mix", "tiers"}  # keys you name yourself


@pytest.fixture(scope="module")
def text() -> str:
    return render_reference()


def test_committed_reference_is_current(text: str) -> None:
    committed = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert committed == text, (
        "docs/scenario-reference.md is out of date with the schema or the catalog: "
        "run `make docs` and commit the result")


def test_render_is_deterministic(text: str) -> None:
    assert render_reference() == text


def test_every_schema_key_has_a_row(text: str) -> None:
    paths = key_paths()
    assert len(paths) == len(set(paths))
    for path in paths:
        assert f"| `{path}` |" in text, path
    assert "segments[].product_mix.<name>" in paths
    assert "support.tiers.<name>.coverage" in paths
    assert "products[].price_changes[].effective" in paths


def test_rows_show_unit_default_range_and_source(text: str) -> None:
    row = next(line for line in text.splitlines()
               if line.startswith("| `segments[].churn_annual` |"))
    assert "share/yr" in row and "`0.1`" in row and "0 to 1" in row
    row = next(line for line in text.splitlines()
               if line.startswith("| `costs.card_fee_rate` |"))
    assert "`0.029`" in row and "Stripe" in row and "(sourced)" in row
    row = next(line for line in text.splitlines()
               if line.startswith("| `channel.model` |"))
    assert "`direct`, `indirect`" in row
    row = next(line for line in text.splitlines() if line.startswith("| `name` |"))
    assert "**required**" in row


def test_special_allowed_rules_point_at_real_keys() -> None:
    paths = set(key_paths())
    assert set(ALLOWED_BY_PATH) <= paths


def _paths_in(data: Any, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            name = "<name>" if prefix.rsplit(".", 1)[-1] in NAMED else str(key)
            path = f"{prefix}.{name}" if prefix else name
            out.add(path)
            out |= _paths_in(value, path)
    elif isinstance(data, list):
        for item in data:
            out |= _paths_in(item, prefix + "[]")
    return out


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_key_of_a_shipped_scenario_is_documented(path: Path, text: str) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in sorted(_paths_in(data)):
        assert f"| `{key}` |" in text, f"{path.name}: {key} is not in the reference"


def test_catalog_products_and_vendor_plans_are_listed(text: str) -> None:
    for pid, product in PRODUCTS.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{pid}` |"))
        assert product.name in row and product.source in row
    basic = next(line for line in text.splitlines()
                 if line.startswith("| `m365_business_basic` |"))
    assert "6 from 2022-03-01; 7 from 2026-07-01" in basic
    for plan, key in VENDOR_PLANS.items():
        assert f"| `{plan}` | {float(FACTS[key].value or 0):,.0f} |" in text
    for key in FACTS:
        assert f"| `{key}` |" in text
