"""The ledger-line registry (cspmodel.ledger) is the one place that names ledger lines.

- every line the engine writes is in the registry, with a statement, a cash treatment, a product
  class and its levels; the ledger frame carries exactly the registry's statement per line;
- cash out is what the registry says: vendor-settled lines through the vendor's bills, "paid"
  lines in their month, bad debt never (checked month by month on a rich scenario);
- no code in the package indexes a ledger array by a literal line position (an AST scan).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import cspmodel
from cspmodel import ledger
from cspmodel.engine import build_inputs, run_core

PACKAGE = Path(cspmodel.__file__).resolve().parent
RICH = """
name: rich
horizon_months: 30
segments:
- name: A
  customers_at_start: 20
  new_customers_per_month: 1
  seats_per_customer: 12
  seat_volatility_annual: 0.2
  product_mix: {m365_business_premium: 1}
  term_mix: {monthly: 0.3, annual_billed_monthly: 0.4, annual_upfront: 0.3}
  payment_mix: {card: 0.3, ach: 0.2, invoice: 0.5}
  contract_policy: flexible
  support_tier: premium_247
- name: B
  customers_at_start: 5
  product_mix: {m365_e3: 1}
  support_tier: standard
costs: {bad_debt_rate: 0.02}
billing: {dso_days: 45}
"""


def test_every_line_of_the_engine_is_in_the_registry():
    assert len(ledger.LINES) == len(set(ledger.LINES))
    for level, names in (("product", ledger.PRODUCT_LINES), ("segment", ledger.SEGMENT_LINES),
                         ("company", ledger.COMPANY_LINES)):
        for i, name in enumerate(names):
            assert ledger.index(level, name) == i
            assert level in ledger.LINES[name].levels
    s = cspmodel.load_scenario_text(RICH)
    core = run_core(build_inputs(s))
    assert core.product_lines.shape[3] == len(ledger.PRODUCT_LINES)
    assert core.segment_lines.shape[2] == len(ledger.SEGMENT_LINES)
    assert core.company_lines.shape[1] == len(ledger.COMPANY_LINES)


@pytest.mark.parametrize("model", ["indirect", "direct"])
def test_cash_out_follows_the_registry(model):
    s = cspmodel.load_scenario_text(RICH).with_overrides(
        {"channel.model": model, "support.vendor_plan": "advanced_support_for_partners"})
    r = cspmodel.simulate(s)
    lines = r.lines()
    for name in lines.columns:
        statements = set(r.ledger.loc[r.ledger["line"] == name, "statement"])
        assert statements == {ledger.LINES[name].statement}
    paid = lines[[c for c in lines.columns if ledger.LINES[c].cash == "paid"]].sum(axis=1)
    m = r.monthly
    vendor_paid = m["vendor_billings"] - m["payables"].diff().fillna(
        m["payables"].iloc[0] - r.opening["payables"])
    np.testing.assert_allclose(m["cash_out"].to_numpy(), (paid + vendor_paid).to_numpy(),
                               rtol=1e-9, atol=1e-6)
    assert lines["bad_debt"].sum() > 0  # the scenario has bad debt, which is never paid


# arrays of ledger lines and the axis their lines sit on
LINE_AXIS = {"product_lines": 3, "segment_lines": 2, "company_lines": 1, "out_k": 3,
             "out_s": 2, "out_c": 1, "k_lines": 1, "s_lines": 1, "ok": 3, "os_": 2, "sl": 0}


def _literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return True
    if isinstance(node, ast.Slice):
        return any(isinstance(x, ast.Constant) for x in (node.lower, node.upper) if x)
    return False


def test_no_literal_line_positions_in_the_package():
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Subscript):
                continue
            base = node.value
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
            if name not in LINE_AXIS:
                continue
            index = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in index):
                continue  # ``x[..., m]``: months, not lines
            axis = LINE_AXIS[name]
            if axis < len(index) and _literal(index[axis]):
                found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert not found, "ledger arrays indexed by a literal line position:\n" + "\n".join(found)
