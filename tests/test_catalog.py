"""Protects the catalog's promise: every default figure has a source, unsourced ones are marked
as assumptions, and dated prices switch on their date."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from cspmodel import catalog
from cspmodel.catalog import FACTS, PRODUCTS, VENDOR_PLANS
from cspmodel.schema import Scenario


def _models(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type]:
    """Every block of the scenario format, found by walking the field annotations."""
    seen = set() if seen is None else seen
    seen.add(model)
    for field in model.model_fields.values():
        stack: list[Any] = [field.annotation]
        while stack:
            ann = stack.pop()
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                if ann not in seen:
                    _models(ann, seen)
            else:
                stack.extend(typing.get_args(ann))
    return seen


MODELS = sorted(_models(Scenario), key=lambda m: m.__name__)
CONFIDENCE = set(typing.get_args(catalog.Confidence))


@pytest.mark.parametrize("key", sorted(FACTS))
def test_every_fact_has_a_source(key: str) -> None:
    fact = FACTS[key]
    assert fact.source.strip(), key
    assert fact.confidence in CONFIDENCE


def test_every_unsourced_fact_is_an_assumption() -> None:
    unsourced = {k: f for k, f in FACTS.items() if f.source.startswith("UNSOURCED")}
    assert unsourced, "the catalog is expected to mark its placeholders UNSOURCED"
    wrong = {k: f.confidence for k, f in unsourced.items() if f.confidence != "assumption"}
    assert not wrong


def test_business_basic_price_is_dated() -> None:
    basic = PRODUCTS["m365_business_basic"]
    assert basic.price_on("2026-06-30") == 6.0
    assert basic.price_on(dt.date(2026, 7, 1)) == 7.0
    assert basic.price_on("2022-02-28") == 5.0


@pytest.mark.parametrize("pid", sorted(PRODUCTS))
def test_every_product_has_a_source_and_ordered_prices(pid: str) -> None:
    product = PRODUCTS[pid]
    assert product.source.strip()
    dates = [p.effective for p in product.prices]
    assert dates == sorted(dates)
    assert all(p.price > 0 for p in product.prices)
    assert set(product.terms) <= {"monthly", "annual", "triennial"}


def test_2026_list_prices_match_the_domain_brief() -> None:
    # model.md: Business Basic 7, Standard 14, Premium 22, O365 E3 26, M365 E3 39, E5 60,
    # Dynamics 365 Sales Enterprise 105, Copilot 30, Entra ID P1 6, Intune P1 8
    expected = {"m365_business_basic": 7, "m365_business_standard": 14,
                "m365_business_premium": 22, "o365_e3": 26, "m365_e3": 39, "m365_e5": 60,
                "d365_sales_enterprise": 105, "m365_copilot": 30, "entra_id_p1": 6,
                "intune_p1": 8}
    for pid, price in expected.items():
        assert PRODUCTS[pid].price_on("2026-07-01") == price, pid


def test_dated_programme_rules() -> None:
    assert catalog.direct_bill_threshold_on(dt.date(2025, 9, 30)) == 300_000
    assert catalog.direct_bill_threshold_on(dt.date(2025, 10, 1)) == 1_000_000
    assert catalog.annual_billed_monthly_factor_on(dt.date(2025, 3, 31)) == 1.0
    assert catalog.annual_billed_monthly_factor_on(dt.date(2025, 4, 1)) == 1.05


def test_every_vendor_plan_has_a_sourced_yearly_price() -> None:
    for plan, key in VENDOR_PLANS.items():
        assert FACTS[key].source.strip(), plan
        assert catalog.value(key) > 0


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_every_schema_default_has_a_source(model: type[BaseModel]) -> None:
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        default = field.default
        numeric = isinstance(default, int | float) and not isinstance(default, bool)
        if numeric or "source" in extra:
            assert str(extra.get("source", "")).strip(), f"{model.__name__}.{name}"
            assert extra.get("confidence") in CONFIDENCE, f"{model.__name__}.{name}"
        if str(extra.get("source", "")).startswith("UNSOURCED"):
            assert extra["confidence"] == "assumption", f"{model.__name__}.{name}"


def test_schema_defaults_equal_their_catalog_figures() -> None:
    s = Scenario.model_validate({"name": "x", "segments": [
        {"name": "A", "product_mix": {"m365_business_basic": 1}}]})
    assert s.terms.monthly_term_factor == catalog.value("monthly_term_factor")
    assert s.channel.partner_discount == catalog.value("partner_discount")
    assert s.channel.indirect.distributor_margin == catalog.value("distributor_margin")
    assert s.costs.card_fee_rate == catalog.value("card_fee_rate")
    assert s.support.labor_rate_per_hour == catalog.value("labor_rate_per_hour")
    assert s.billing.dso_days == catalog.value("dso_days")
    assert s.channel.payment_days == catalog.value("dpo_days_indirect")
