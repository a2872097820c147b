"""The compiled month loop (issue "Speed and scale", item 1): one source, run compiled by numba
and as plain Python (``CSPMODEL_NO_JIT=1``, as where numba is absent), gives the same figures
bit for bit, on rich books: financing, Azure, three-year terms, flexible contracts, a 24/7
tier, lapses into the extended service term, commission events, one path and many. numba is
loaded by the first run, never by ``import cspmodel`` or by importing the engine."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import cspmodel
from cspmodel import ledger
from cspmodel.engine import build_inputs, run_core

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RICH = """
name: rich
start_month: 2026-03
horizon_months: 26
segments:
- name: A
  customers_at_start: 4
  new_customers_per_month: 0.4
  churn_annual: 0.15
  seats_per_customer: 120
  seats_per_customer_at_start: 140
  seat_growth_annual: 0.05
  seat_volatility_annual: 0.25
  product_mix: {m365_e3: 0.6, m365_e5: 0.4}
  term_mix: {monthly: 0.2, annual_billed_monthly: 0.3, annual_upfront: 0.2,
             triennial_billed_yearly: 0.2, triennial_upfront: 0.1}
  contract_policy: flexible
  support_tier: premium_247
  lapse_share: 0.3
  payment_mix: {card: 0.2, ach: 0.5, invoice: 0.3}
- name: B
  customers_at_start: 12
  new_customers_per_month: 0.5
  churn_annual: 0.1
  seats_per_customer: 14
  product_mix: {m365_business_standard: 1.0}
  term_mix: {monthly: 0.5, annual_upfront: 0.5}
  support_tier: standard
  prepay_discount: 0.03
  payment_mix: {card: 0.0, ach: 1.0, invoice: 0.0}
"""
FIELDS = ("product_lines", "segment_lines", "company_lines", "customers", "seats",
          "new_customers", "churned_customers", "billings", "vendor_billings", "accrued",
          "financed_billings", "cash_in", "cash_out", "joined_product_lines",
          "joined_segment_lines")


def _cases() -> dict[str, tuple]:
    rich = cspmodel.load_scenario_text(RICH, source="rich")
    azure = cspmodel.load_scenario(ROOT / "scenarios" / "msp_managing_azure.yaml")
    return {"rich": (rich, True), "rich_paths": (rich, False),
            "azure": (azure.with_overrides({"horizon_months": 18}), True)}


def figures() -> dict[str, np.ndarray]:
    """Every array of the core runs of the cases, by case and field."""
    out = {}
    for name, (s, detail) in _cases().items():
        inp = build_inputs(s)
        if not detail:  # three paths: churn and growth drawn differently
            inp = dataclasses.replace(inp, drivers={
                **inp.drivers, "churn_annual": np.array([[0.1, 0.1], [0.2, 0.05], [0.3, 0.0]]),
                "seat_growth_annual": np.array([[0.0, 0.1], [0.05, 0.2], [0.1, -0.1]])})
        core = run_core(inp, window=inp.horizon // 2, detail=detail, events=detail)
        for field in FIELDS:
            out[f"{name}.{field}"] = np.asarray(getattr(core, field))
        for event, x in core.events.items():
            out[f"{name}.events.{event}"] = x
    return out


def _dump(path: str) -> None:
    np.savez(path, **figures())


def test_compiled_and_plain_python_give_the_same_bits(tmp_path: Path) -> None:
    plain = tmp_path / "plain.npz"
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import test_compiled_loop as t; "
            f"t._dump({str(plain)!r}); import cspmodel.monthloop as m; "
            "print(type(m.compiled()).__name__)")
    env = {**os.environ, "CSPMODEL_NO_JIT": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True)
    assert out.stdout.strip() == "function"  # it really ran as plain Python
    from cspmodel import monthloop

    assert type(monthloop.compiled()).__name__ == "CPUDispatcher"  # and here compiled
    ran = figures()
    with np.load(plain) as expected:
        assert set(expected.files) == set(ran)
        for key in expected.files:
            np.testing.assert_array_equal(ran[key], expected[key], err_msg=key)
    # the cases exercise what they claim to
    assert np.abs(ran["rich.product_lines"]).sum() > 0
    assert ran["azure.financed_billings"].any() and ran["rich.events.booking"].any()
    stranded = ran["rich.product_lines"][:, :, :, ledger.index("product", "stranded_seats")]
    floor = ran["rich.company_lines"][:, ledger.index("company", "support_247_floor")]
    assert stranded.any() and floor.any()
    inp = build_inputs(_cases()["rich"][0])
    assert inp.layout.extended is not None and 36 in inp.layout.groups  # lapses, 3-year terms


def test_numba_loads_with_the_first_run_not_with_the_import() -> None:
    code = ("import sys, cspmodel, cspmodel.engine; before = 'numba' in sys.modules; "
            "s = cspmodel.load_scenario('scenarios/small_indirect_msp.yaml'); "
            "cspmodel.simulate(s); print(before, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "True"]
