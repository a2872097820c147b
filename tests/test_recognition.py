"""Partner of record (cspmodel.recognition): what Microsoft pays under each rule, the minimum
paid seats, one claimant per workload, the negotiated split and its side payments."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cspmodel.commissions
import cspmodel.recognition
from cspmodel import ScenarioError
from cspmodel.catalog import FACTS
from cspmodel.recognition import (
    RULES,
    earnings_under_rules,
    engagement_from_data,
    engagement_from_text,
    incentive_pool,
    load_engagement,
    negotiated_split,
    settlements,
)

ROOT = Path(__file__).resolve().parents[1]
ENGAGEMENTS = sorted((ROOT / "engagements").glob("*.yaml"))

# Rules with round rates: margin 20%, PEC 15%, usage 5 per unit up to 300 units, DPOR 3%,
# PAL 2%, 150 paid seats; 12 months.
RULESET = {"usage_rate_per_unit": 5.0, "usage_max_units": 300, "dpor_rate": 0.03,
           "pal_rate": 0.02, "resale_margin": 0.2, "pec_rate": 0.15, "min_paid_seats": 150}


def engagement(**over: object) -> cspmodel.recognition.Engagement:
    data = {
        "name": "hand", "customer": "C", "months": 12, "rules": RULESET, "split": "effort",
        "workloads": [
            {"name": "m365", "kind": "modern_work", "paid_seats": 400, "active_users": 340,
             "license_revenue_per_month": 1000},
            {"name": "phone", "kind": "modern_work", "paid_seats": 149, "active_users": 149,
             "license_revenue_per_month": 100},
            {"name": "ea_suite", "kind": "modern_work", "program": "ea", "paid_seats": 200,
             "active_users": 100, "license_revenue_per_month": 2000},
            {"name": "azure", "kind": "azure", "azure_consumption_per_month": 500},
        ],
        "partners": [
            {"name": "R", "transacting": ["m365", "phone", "azure"], "claiming": ["m365"],
             "cost": 100, "effort_hours": 10, "share": 0.5},
            {"name": "D", "claiming": ["phone", "ea_suite"], "deploying": ["m365"],
             "cost": 300, "effort_hours": 30, "share": 0.3},
            {"name": "A", "claiming": ["azure"], "supporting": ["azure"], "cost": 100,
             "effort_hours": 60, "share": 0.2},
        ],
    }
    data.update(over)
    return engagement_from_data(data, "test")


def test_each_rule_by_hand() -> None:
    t = earnings_under_rules(engagement()).set_index(["workload", "rule"])
    # TPOR: 0.2 x 1,000 x 12 = 2,400 and 0.2 x 100 x 12 = 240; Azure PEC 0.15 x 500 x 12 = 900
    assert t.loc[("m365", "TPOR"), "amount"] == pytest.approx(2400.0)
    assert t.loc[("phone", "TPOR"), "amount"] == pytest.approx(240.0)
    assert t.loc[("azure", "TPOR"), "amount"] == pytest.approx(900.0)
    # CPOR: 400 paid seats, 340 active capped at 300 units x 5 = 1,500 (once)
    assert t.loc[("m365", "CPOR"), "amount"] == pytest.approx(1500.0)
    assert t.loc[("m365", "CPOR"), "partner"] == "R"
    # DPOR on the EA subscription: 0.03 x 2,000 x 12 = 720; its CPOR 100 units x 5 = 500
    assert t.loc[("ea_suite", "DPOR"), "amount"] == pytest.approx(720.0)
    assert t.loc[("ea_suite", "CPOR"), "amount"] == pytest.approx(500.0)
    # PAL: 0.02 x 500 x 12 = 120 to the Azure claimant
    assert t.loc[("azure", "PAL"), "amount"] == pytest.approx(120.0)
    assert t.loc[("azure", "PAL"), "partner"] == "A"
    # the EA subscription has no transacting partner here: Microsoft pays no one
    assert t.loc[("ea_suite", "TPOR"), "amount"] == 0.0
    assert pd.isna(t.loc[("ea_suite", "TPOR"), "partner"])


def test_below_the_minimum_paid_seats_no_usage_incentive() -> None:
    t = earnings_under_rules(engagement()).set_index(["workload", "rule"])
    # phone: 149 paid seats < 150 -> the claimant D gets nothing from usage incentives
    assert t.loc[("phone", "CPOR"), "partner"] == "D"
    assert t.loc[("phone", "CPOR"), "amount"] == 0.0
    assert "below the 150" in t.loc[("phone", "CPOR"), "note"]
    # at exactly 150 it begins: 150 units x 5 = 750
    e = engagement()
    wl = [w.model_dump() for w in e.workloads]
    wl[1]["paid_seats"] = 150
    wl[1]["active_users"] = 150
    t2 = earnings_under_rules(engagement(workloads=wl)).set_index(["workload", "rule"])
    assert t2.loc[("phone", "CPOR"), "amount"] == pytest.approx(750.0)


def test_the_sourced_minimum_is_150_not_300() -> None:
    e = engagement(rules={})
    assert e.rules.min_paid_seats == 150 == FACTS["cpor_min_paid_units"].value
    assert FACTS["usage_incentive_per_unit"].confidence == "assumption"
    assert FACTS["dpor_incentive_rate"].source.startswith("UNSOURCED")


@pytest.mark.parametrize("split", ["share", "cost", "effort"])
def test_partners_receive_the_pool_under_every_rule_and_split(split: str) -> None:
    e = engagement(split=split)
    table = earnings_under_rules(e)
    pool = incentive_pool(e)
    # the pool, from the workloads alone: TPOR 2,400 + 240 + 900; CPOR 1,500 + 0 + 500;
    # DPOR 720; PAL 120
    assert pool.to_dict() == pytest.approx({"TPOR": 3540.0, "CPOR": 2000.0, "DPOR": 720.0,
                                            "PAL": 120.0})
    for rule in RULES:
        got = table[(table.rule == rule) & table.partner.notna()]["amount"].sum()
        assert got == pytest.approx(pool[rule]), rule
    s = negotiated_split(e)
    shared = pool[["CPOR", "DPOR", "PAL"]].sum()  # 2,840
    assert s["side_payment"].sum() == pytest.approx(0.0, abs=1e-9)
    assert (s["under_rules"] + s["side_payment"]).sum() == pytest.approx(shared)
    assert s["target"].sum() == pytest.approx(shared)
    cheques = settlements(s)
    for name, row in s.iterrows():
        net = (cheques[cheques.payee == name]["amount"].sum()
               - cheques[cheques.payer == name]["amount"].sum())
        assert net == pytest.approx(row["side_payment"])


def test_split_by_effort_by_hand() -> None:
    # shared pool 2,840 (CPOR 2,000 + DPOR 720 + PAL 120); effort 10 / 30 / 60 of 100 hours.
    # Under the rules R has 1,500, D 500 + 720 = 1,220, A 120.
    # Targets 284, 852, 1,704 -> side payments -1,216, -368, +1,584.
    s = negotiated_split(engagement())
    assert s["under_rules"].to_dict() == pytest.approx({"R": 1500.0, "D": 1220.0, "A": 120.0})
    assert s["side_payment"].to_dict() == pytest.approx({"R": -1216.0, "D": -368.0,
                                                        "A": 1584.0})
    assert s.loc["R", "kept_outside_pool"] == pytest.approx(3540.0)  # its resale margin + PEC
    # settled with two cheques: R pays A 1,216 and D pays A 368
    assert settlements(s).values.tolist() == [["R", "A", 1216.0], ["D", "A", 368.0]]


def test_split_by_share_and_by_cost_by_hand() -> None:
    # shares 0.5 / 0.3 / 0.2 of 2,840 -> 1,420, 852, 568
    s = negotiated_split(engagement(), "share")
    assert s["target"].to_dict() == pytest.approx({"R": 1420.0, "D": 852.0, "A": 568.0})
    # costs 100 / 300 / 100 -> 568, 1,704, 568
    c = negotiated_split(engagement(), "cost")
    assert c["target"].to_dict() == pytest.approx({"R": 568.0, "D": 1704.0, "A": 568.0})


def test_split_including_the_resale_margin() -> None:
    # with TPOR shared too the pool is 6,380 and the reseller pays most of its margin away
    s = negotiated_split(engagement(shared_rules=["TPOR", "CPOR", "DPOR", "PAL"]))
    assert s["target"].sum() == pytest.approx(6380.0)
    assert s.loc["R", "side_payment"] == pytest.approx(0.1 * 6380.0 - 5040.0)


def test_one_claimant_per_workload() -> None:
    e = engagement()
    partners = [p.model_dump() for p in e.partners]
    partners[2]["claiming"] = ["azure", "m365"]
    with pytest.raises(ScenarioError) as caught:
        engagement(partners=partners)
    text = str(caught.value)
    assert "partners.2.claiming.1 = 'm365'" in text and "already has a claimant" in text
    assert "R" in text


def test_one_transacting_partner_per_workload() -> None:
    partners = [p.model_dump() for p in engagement().partners]
    partners[1]["transacting"] = ["m365"]
    with pytest.raises(ScenarioError, match="already has a transacting partner: R"):
        engagement(partners=partners)


@pytest.mark.parametrize("text,path,words", [
    ("name: x\ncustomer: C\nworkloads: [{name: w, kind: cloud}]\npartners: [{name: P}]\n",
     "workloads.0.kind", "modern_work"),
    ("name: x\ncustomer: C\nworkloads: [{name: w}]\npartners: [{name: P, claming: [w]}]\n",
     "partners.0.claming", "did you mean 'claiming'"),
    ("name: x\ncustomer: C\nworkloads: [{name: w}]\npartners: [{name: P, claiming: [v]}]\n",
     "partners.0.claiming.0", "allowed: w"),
    ("name: x\ncustomer: C\nworkloads: [{name: w, paid_seats: -3}]\npartners: [{name: P}]\n",
     "workloads.0.paid_seats", "allowed"),
    ("name: x\ncustomer: C\nsplit: share\nworkloads: [{name: w}]\n"
     "partners: [{name: P, share: 0.5}, {name: Q, share: 0.2}]\n", "partners", "add up to 1"),
    ("name: x\ncustomer: C\nworkloads: [{name: w}]\npartners: [{name: P}]\n", "split",
     "effort_hours greater than 0"),
])
def test_bad_engagements_are_named(text: str, path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        engagement_from_text(text, "e.yaml")
    message = str(caught.value)
    assert f"e.yaml: {path}" in message and words in message, message


@pytest.mark.parametrize("path", ENGAGEMENTS, ids=lambda p: p.stem)
def test_shipped_engagements_load(path: Path) -> None:
    e = load_engagement(path)
    assert negotiated_split(e)["side_payment"].sum() == pytest.approx(0.0, abs=1e-6)


def test_missing_engagement_file() -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_engagement(ROOT / "engagements" / "nope.yaml")
