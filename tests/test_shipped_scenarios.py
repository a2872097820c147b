"""Protects the shipped scenarios: each loads, validates from the command line, and still
describes the partner its file name promises (the README and the docs point partners at them)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from cspmodel import Scenario, load_scenario
from cspmodel.catalog import direct_bill_threshold_on

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
EXPECTED = {
    "small_indirect_msp.yaml",
    "growing_var_weighing_direct.yaml",
    "established_direct_partner.yaml",
    "monthly_terms_partner.yaml",
    "dynamics_247_partner.yaml",
}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def _load(name: str) -> Scenario:
    return load_scenario(ROOT / "scenarios" / name)


def _yearly_list_billings(s: Scenario) -> float:
    """Licence billings of the opening book for a year at annual list price (a floor: no
    monthly premium, no growth)."""
    total = 0.0
    for seg in s.segments:
        seats = seg.customers_at_start * seg.seats_per_customer
        for pid, share in [*seg.product_mix.items(), *seg.addons.items()]:
            total += seats * share * s.list_price(pid, s.start_month) * 12
    return total


def test_the_five_shipped_scenarios_are_there() -> None:
    assert EXPECTED <= {p.name for p in SCENARIOS}


@pytest.mark.parametrize("path", SCENARIOS, ids=_ids(SCENARIOS))
def test_shipped_scenario_loads_within_engine_limits(path: Path) -> None:
    s = load_scenario(path)
    assert 36 <= s.horizon_months <= 60
    assert 1 <= len(s.segments) <= 3
    assert s.start_month == dt.date(2026, 1, 1)


@pytest.mark.parametrize("path", SCENARIOS, ids=_ids(SCENARIOS))
def test_shipped_scenario_opens_with_a_comment_saying_who_it_describes(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    assert len(header) >= 3, f"{path.name}: start with a comment block saying who it describes"
    assert any("Who:" in line for line in header)


@pytest.mark.parametrize("path", SCENARIOS, ids=_ids(SCENARIOS))
def test_shipped_scenario_figures_are_plausible(path: Path) -> None:
    s = load_scenario(path)
    dm = s.channel.indirect.distributor_margin if s.channel.model == "indirect" else 0.0
    for seg in s.segments:
        for pid in [*seg.product_mix, *seg.addons]:
            resale_margin = s.partner_discount(pid) - dm + seg.markup_vs_list
            assert 0.0 < resale_margin <= 0.20, (seg.name, pid, resale_margin)


def test_validate_command_accepts_every_shipped_scenario() -> None:
    cmd = [sys.executable, "-m", "cspmodel.cli", "validate", *map(str, SCENARIOS)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": ok (") == len(SCENARIOS)


def test_small_indirect_msp_is_about_30_smb_customers_on_business_premium() -> None:
    s = _load("small_indirect_msp.yaml")
    assert s.channel.model == "indirect"
    assert 25 <= sum(seg.customers_at_start for seg in s.segments) <= 35
    for seg in s.segments:
        assert seg.product_mix == {"m365_business_premium": 1.0}
        assert seg.support_tier == "standard"
        assert s.support.tiers["standard"].price_per_seat_month > 0


def test_growing_var_is_indirect_with_a_larger_book_in_several_segments() -> None:
    s = _load("growing_var_weighing_direct.yaml")
    assert s.channel.model == "indirect"
    assert len(s.segments) >= 2
    assert 150 <= sum(seg.customers_at_start for seg in s.segments) <= 250
    direct = s.with_overrides({"channel.model": "direct",
                               "support.vendor_plan": "advanced_support_for_partners"})
    assert direct.channel.model == "direct"  # the alternative its comment describes is valid


def test_established_direct_partner_is_comfortably_above_the_direct_bill_threshold() -> None:
    s = _load("established_direct_partner.yaml")
    assert s.channel.model == "direct"
    assert s.support.vendor_plan == "advanced_support_for_partners"
    assert _yearly_list_billings(s) >= 2 * direct_bill_threshold_on(s.start_month)


def test_monthly_terms_partner_is_mostly_monthly_with_a_flexible_policy() -> None:
    s = _load("monthly_terms_partner.yaml")
    seats = {seg.name: seg.customers_at_start * seg.seats_per_customer for seg in s.segments}
    monthly = sum(seats[seg.name] * seg.term_mix["monthly"] for seg in s.segments)
    assert monthly / sum(seats.values()) > 0.5
    assert all(seg.contract_policy == "flexible" for seg in s.segments)


def test_dynamics_partner_sells_sales_enterprise_with_a_24x7_tier() -> None:
    s = _load("dynamics_247_partner.yaml")
    assert any("d365_sales_enterprise" in seg.product_mix for seg in s.segments)
    tiers_sold = {seg.support_tier for seg in s.segments}
    assert any(s.support.tiers[t].coverage == "24x7" for t in tiers_sold)
