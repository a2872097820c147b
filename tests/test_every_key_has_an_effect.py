"""No scenario key may validate and then do nothing (engine issue, defect 6b: the key
terms.cancellation_window_days validated 0..30 and changed no figure; it is gone).

Every numeric key of a rich scenario is moved a little, one at a time, in three variants
(indirect; direct; direct with commission plans), and must move at least one monthly figure,
headline figure or warning in one of them. A share of a mix moves together with another share
of the same mix (a mix adds up to 1). The documented exceptions say why a key moves nothing
here."""

from __future__ import annotations

import math
from typing import Any

import pytest
from test_deterministic_unchanged import TEXT

import cspmodel
from cspmodel.errors import ScenarioError

EXTRA = {
    "terms.annual_billed_monthly_factor": 1.05,
    "channel.dpo_days": 40,
    "costs.systems_per_seat_month": 1.5,
    "channel.indirect.distributor_fee_per_month": 100.0,
    "channel.indirect.escalation_fee_per_ticket": 20.0,
    "services.deployment_price_per_seat": 50.0,
    "services.deployment_cost_per_seat": 30.0,
    "segments.0.azure": {"consumption_per_customer_month": 800.0, "growth_annual": 0.1,
                         "reserved_share": 0.3, "reservation_discount": 0.35,
                         "pec_eligible_share": 0.8, "markup_vs_retail": 0.02,
                         "management_fee_share": 0.1, "payment_days": 30,
                         "seasonality": [0.9] * 6 + [1.1] * 6},
    "segments.1.azure": {"consumption_per_customer_month": 300.0, "smoothing_months": 3,
                         "reserved_share": 0.2, "reservation_discount": 0.5,
                         "seasonality": [1.2] + [1.0] * 10 + [0.8]},
    "segments.0.financing": {"share": 0.3, "months": 12, "annual_rate": 0.08},
    "segments.1.financing": {"share": 0.5, "months": 24, "annual_rate": 0.06},
    "segments.0.seats_per_customer_at_start": 12.0,
    "products": [{"id": "m365_business_premium", "partner_discount": 0.18,
                  "price_changes": [{"effective": "2026-09-01",
                                     "list_price_per_seat_month": 24.0}]}],
}
DIRECT = {"channel.model": "direct", "support.vendor_plan": "advanced_support_for_partners",
          "support.vendor_plan_cost_per_year": 15000.0,
          "channel.direct.billing_platform_per_year": 1000.0}
PLANS = {"commissions.plans": [
    {"name": "resale", "product_class": "resale", "basis": "net", "payout": "booking",
     "clawback_months": 6, "quota": 20000.0, "quota_period": "quarter",
     "tiers": [{"from_attainment": 0.0, "rate": 0.04}, {"from_attainment": 1.0, "rate": 0.08}]},
    {"name": "support", "product_class": "support_plans", "rate": 0.05, "payout": "invoice"},
]}
# keys that move nothing in these variants, and why (each is tested where it does act)
EXCEPTIONS = {
    # a tier no segment buys: nobody is served at its price or on its shift
    "support.tiers.included.",
    # the programme thresholds move only the warnings, when the book crosses them
    # (tests/test_programme_thresholds.py)
    "thresholds.",
    # a tiered plan takes its rates from its tiers (the variant's second plan is flat: there
    # the rate acts)
    "commissions.plans.0.rate",
    # the first tier starts at 0 by rule: it cannot move
    "commissions.plans.0.tiers.0.from_attainment",
    # Azure's month-to-month volatility is drawn only in Monte Carlo (tests/test_azure.py)
    "segments.0.azure.volatility_monthly", "segments.1.azure.volatility_monthly",
    # these segments' products offer no three-year term (tests/test_triennial.py)
    "segments.0.term_mix.triennial", "segments.1.term_mix.triennial",
}
MIXES = ("product_mix", "term_mix", "payment_mix")


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.update(_flat(v, f"{prefix}.{i}"))
    else:
        out[prefix] = data
    return out


def _figures(s: cspmodel.Scenario) -> tuple:
    r = cspmodel.simulate(s)
    return (tuple(r.monthly.to_numpy().ravel().round(6)),
            tuple(round(float(v), 9) for v in r.summary.to_numpy()), tuple(r.warnings))


def _same(a: tuple, b: tuple) -> bool:
    def eq(x: Any, y: Any) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return (math.isnan(x) and math.isnan(y)) or x == y
        return x == y

    return all(len(p) == len(q) and all(eq(x, y) for x, y in zip(p, q, strict=True))
               for p, q in zip(a, b, strict=True))


def _moved(s: cspmodel.Scenario, key: str, value: Any) -> list[dict[str, Any]]:
    """Candidate overrides that move ``key`` a little (the first valid one is used)."""
    parts = key.split(".")
    if len(parts) >= 4 and parts[0] == "segments" and parts[2] in MIXES:
        mix = dict(getattr(s.segments[int(parts[1])], parts[2]))
        other = next((k for k, v in mix.items() if k != parts[3] and v >= 0.05), None)
        if other is None or (parts[2] == "term_mix" and parts[3].startswith("triennial")):
            return []
        mix[parts[3]] = mix[parts[3]] + 0.05
        mix[other] = mix[other] - 0.05
        return [{".".join(parts[:3]): mix}]
    if len(parts) == 5 and parts[2:4] == ["azure", "seasonality"]:  # they average 1
        factors = list(s.segments[int(parts[1])].azure.seasonality)
        i = int(parts[4])
        factors[i] += 0.05
        factors[(i + 1) % 12] -= 0.05
        return [{".".join(parts[:4]): factors}]
    if isinstance(value, int) and not isinstance(value, bool):
        return [{key: value + d} for d in (7, -7, 1, -1)]
    steps = [{key: value + d} for d in (0.01, -0.01)]
    if value == 0:  # a product would not move it
        return steps
    return [{key: value * f} for f in (1.1, 0.9)] + steps


def _variants() -> list[cspmodel.Scenario]:
    base = cspmodel.load_scenario_text(TEXT).with_overrides(EXTRA)
    return [base, base.with_overrides(DIRECT), base.with_overrides({**DIRECT, **PLANS})]


def _keys() -> list[str]:
    keys: set[str] = set()
    for s in _variants():
        for k, v in _flat(s.model_dump(mode="json")).items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                keys.add(k)
    return sorted(k for k in keys if not any(k.startswith(e) for e in EXCEPTIONS))


VARIANTS = _variants()
BASELINE = [_figures(s) for s in VARIANTS]


@pytest.mark.parametrize("key", _keys())
def test_every_numeric_key_moves_a_figure(key: str) -> None:
    tried = 0
    for s, base in zip(VARIANTS, BASELINE, strict=True):
        value = _flat(s.model_dump(mode="json")).get(key)
        if value is None or isinstance(value, bool):
            continue
        for over in _moved(s, key, value):
            try:
                moved = s.with_overrides(over)
            except ScenarioError:
                continue
            tried += 1
            if not _same(_figures(moved), base):
                return
            break
    assert tried, f"{key}: no valid change to try"
    pytest.fail(f"{key} validates but moves no figure, headline or warning")


def test_the_exceptions_are_few_and_still_needed():
    keys = {k for s in VARIANTS for k, v in _flat(s.model_dump(mode="json")).items()
            if isinstance(v, int | float) and not isinstance(v, bool)}
    excepted = {k for k in keys if any(k.startswith(e) for e in EXCEPTIONS)}
    assert 0 < len(excepted) <= 16
    assert all(any(k.startswith(e) for k in keys) for e in EXCEPTIONS)  # none stale
