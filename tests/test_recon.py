"""The billing reconciliation reader (issue "Start from the partner's own data", item 3): the
subscriptions of sample files written in Partner Center's format, header drift and aliases,
multi-member gzip, and one clear error per class of bad file."""

from __future__ import annotations

import gzip

import pytest

from cspmodel.errors import ScenarioError
from cspmodel.recon import read_reconciliation, subscriptions, term_of
from cspmodel.samples import RECON_HEADER, reconciliation_rows, write_reconciliation


def _write(tmp_path, text: str, name: str = "r.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _csv(rows: list[dict], header=RECON_HEADER) -> str:
    lines = [",".join(header)]
    lines += [",".join(str(r.get(h, "")) for h in header) for r in rows]
    return "\n".join(lines) + "\n"


def test_the_sample_subscriptions(tmp_path):
    subs = subscriptions(read_reconciliation([write_reconciliation(tmp_path / "r.csv")]))
    assert subs.loc["sub-1", "term"] == "annual_upfront"
    assert subs.loc["sub-1", "seats"] == 10
    # 211.20 a seat for the year: 17.60 a seat-month
    assert subs.loc["sub-1", "cost_per_seat_month"] == pytest.approx(211.20 / 12)
    assert subs.loc["sub-2", "term"] == "annual_billed_monthly"
    assert subs.loc["sub-2", "seats"] == 30  # 25 and 5 added
    assert subs.loc["sub-3", "term"] == "monthly"
    assert subs.loc["sub-3", "product"] == "CFQ7TTC0LCHC:0002"


@pytest.mark.parametrize("cycle, frequency, term", [
    ("One-Month commitment for monthly billing", "", "monthly"),
    ("One-Year commitment for monthly/yearly billing", "Monthly", "annual_billed_monthly"),
    ("One-Year commitment for yearly billing", "", "annual_upfront"),
    ("Three-3 Years commitment for monthly billing", "", "triennial_billed_monthly"),
    ("Three-3 Years commitment for monthly/yearly billing", "Annual",
     "triennial_billed_yearly"),
    ("Annual term, Monthly billing", "", "annual_billed_monthly"),
])
def test_terms(cycle, frequency, term):
    assert term_of(cycle, frequency) == term


def test_header_drift_aliases_and_gzip(tmp_path):
    rows = reconciliation_rows()
    header = [h.lower().replace("id", "_id") if h != "Tier2MpnId" else h for h in RECON_HEADER]
    renamed = [{header[i]: r[h] for i, h in enumerate(RECON_HEADER)} for r in rows]
    text = _csv(renamed, header)
    data = gzip.compress(text[:len(text) // 2].encode()) + gzip.compress(
        text[len(text) // 2:].encode())  # two members, as Partner Center serves them
    path = tmp_path / "r.csv.gz"
    path.write_bytes(data)
    subs = subscriptions(read_reconciliation([path]))
    assert set(subs.index) == {"sub-1", "sub-2", "sub-3"}


def test_a_cancelled_subscription_is_left_out(tmp_path):
    rows = reconciliation_rows()
    cancel = dict(rows[2], ChargeType="Cancel", BillableQuantity="-4", Quantity="4")
    subs = subscriptions(read_reconciliation([_write(tmp_path, _csv(rows + [cancel]))]))
    assert "sub-3" not in subs.index


@pytest.mark.parametrize("change, where, words", [
    (lambda rows: "", "(file)", "empty"),
    (lambda rows: _csv(rows, RECON_HEADER[:5]), "(header)", "missing column(s)"),
    (lambda rows: _csv([dict(rows[0], Quantity="ten")]), "line 2, Quantity", "number"),
    (lambda rows: _csv([dict(rows[0], TermAndBillingCycle="Pay as you go")]),
     "line 2, TermAndBillingCycle", "not a term"),
])
def test_a_bad_file_gets_one_clear_error(tmp_path, change, where, words):
    with pytest.raises(ScenarioError) as info:
        read_reconciliation([_write(tmp_path, change(reconciliation_rows()))])
    [problem] = info.value.problems
    assert problem.path == where and words in problem.message


def test_a_file_in_another_encoding_is_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(_csv(reconciliation_rows()).encode("utf-16"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        read_reconciliation([path])


def test_a_distributors_plain_subscriptions_file_with_a_column_mapping(tmp_path):
    from cspmodel.recon import read_subscriptions

    path = _write(tmp_path, "Client,Sku,Seats,Term,Billing,Start,End,Cost,Price\n"
                  "A,CFQ7TTC0LCHC:0002,10,P1Y,Monthly,2025-04-01,2026-03-31,'18.48,23.10\n"
                  "B,CFQ7TTC0LFLZ:0001,120,P3Y,Annual,2025-06-01,2028-05-31,28.80,36.00\n"
                  "C,CFQ7TTC0LCHC:0002,3,P1M,Monthly,2025-10-01,2025-10-31,21.12,26.40\n")
    mapping = {"customer": "Client", "product": "Sku", "quantity": "Seats"}
    subs = read_subscriptions(path, mapping)
    assert list(subs["term"]) == ["annual_billed_monthly", "triennial_billed_yearly", "monthly"]
    assert list(subs["quantity"]) == [10, 120, 3] and subs.loc[0, "cost"] == 18.48
    with pytest.raises(ScenarioError, match="missing column"):
        read_subscriptions(path)  # without the mapping the file's names are unknown
    bad = _write(tmp_path, path.read_text().replace("P3Y", "P5Y"), "bad.csv")
    with pytest.raises(ScenarioError, match="line 3, Term"):
        read_subscriptions(bad, mapping)
