"""``cspmodel import`` (issue "Start from the partner's own data", item 5): from the shipped
sample price list and reconciliation file to a scenario that validates and runs, whose starting
book is the sample's subscriptions; bad files are refused and nothing is written."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cspmodel
from cspmodel.cli import main
from cspmodel.engine import build_inputs
from cspmodel.opening import read_book
from cspmodel.recon import read_reconciliation, subscriptions
from cspmodel.samples import reconciliation_rows, write_price_list, write_reconciliation
from cspmodel.terms import TERMS

ROOT = Path(__file__).resolve().parents[1]
PRICES = ROOT / "examples" / "nce_price_list_sample.csv"
RECON = ROOT / "examples" / "reconciliation_sample.csv"


def run_import(tmp_path: Path, *extra: str) -> tuple:
    shutil.copy(PRICES, tmp_path / "prices.csv")
    shutil.copy(RECON, tmp_path / "recon.csv")
    out = tmp_path / "mine" / "my_partner.yaml"
    out.parent.mkdir()
    result = CliRunner().invoke(main, ["import", "--price-list", str(tmp_path / "prices.csv"),
                                       "--recon", str(tmp_path / "recon.csv"), "--out",
                                       str(out), *extra])
    return result, out


def test_the_shipped_samples_are_current(tmp_path):
    # the examples are the project's own sample writers' output, byte for byte
    assert write_price_list(tmp_path / "p.csv").read_bytes() == PRICES.read_bytes()
    assert (write_reconciliation(tmp_path / "r.csv", customers=40).read_bytes()
            == RECON.read_bytes())


def test_import_writes_a_scenario_that_validates_and_runs(tmp_path):
    result, out = run_import(tmp_path, "--segments", "seats:10,50")
    assert result.exit_code == 0, result.output
    assert "Left out:" in result.output and "a trial (price 0)" in result.output
    assert "not in the price list" in result.output and ": cancelled" in result.output
    assert "credit row(s)" in result.output
    scenario = cspmodel.load_scenario(out)
    assert [s.name for s in scenario.segments] == ["0-9 seats", "10-49 seats", "50+ seats"]
    assert scenario.catalog.price_list == "../prices.csv"
    r = cspmodel.simulate(scenario)
    assert np.isfinite(r.monthly["revenue"]).all() and r.monthly["revenue"].iloc[0] > 0
    run = CliRunner().invoke(main, ["run", str(out)])
    assert run.exit_code == 0, run.output


def test_the_starting_book_equals_the_sample_subscriptions(tmp_path):
    result, out = run_import(tmp_path)
    assert result.exit_code == 0, result.output
    subs = subscriptions(read_reconciliation([RECON]))
    kept = subs[(subs["cost_per_seat_month"] > 0)
                & (subs["product"] != "DZH318Z0BXWC:0002")]  # the trial, the unknown SKU
    book = read_book(out.parent / "my_partner_book.csv")
    assert len(book) == len(kept)
    assert {b["customer"] for b in book} == set(kept["customer"])
    scenario = cspmodel.load_scenario(out)
    code = {k: v for k, v in scenario.catalog.products.items()}
    # seats per product and term
    mine = {}
    for b in book:
        key = (code[b["product"]], b["term"])
        mine[key] = mine.get(key, 0.0) + b["seats"]
    theirs = kept.groupby(["product", "term"])["seats"].sum().to_dict()
    assert mine == pytest.approx(theirs)
    # renewal months: the month after each term's end (an ended term renewed automatically)
    by_id = dict(zip(zip(kept["customer"], kept["product"], strict=True), kept["end"],
                     strict=True))
    start = scenario.start_month
    for b in book:
        if TERMS[b["term"]].commitment == 1:
            assert b["renews"] is None
            continue
        nxt = by_id[(b["customer"], code[b["product"]])] + dt.timedelta(days=1)
        months = (nxt.year - start.year) * 12 + nxt.month - start.month
        assert int(b["renews"][:4]) * 12 + int(b["renews"][5:]) - 1 == (
            start.year * 12 + start.month - 1 + months % TERMS[b["term"]].commitment)
    # the engine starts from exactly that book: customers, seats per product and term, phases
    inp = build_inputs(scenario)
    arrays = inp.book
    assert arrays.customers.sum() == pytest.approx(len(set(kept["customer"])))
    assert arrays.seats.sum() == pytest.approx(kept["seats"].sum())
    for i in range(len(arrays.parent)):
        product, term = inp.products[arrays.product[i]], inp.layout.terms[arrays.term[i]]
        assert arrays.seats[i].sum() == pytest.approx(mine[(code[product], term)])


def test_a_plain_subscriptions_file_with_its_own_headers(tmp_path):
    write_price_list(tmp_path / "prices.csv")
    subs = tmp_path / "distributor.csv"
    subs.write_text("Client,Sku,Seats,Term,Billing,Start,End,Cost,Price\n"
                    "A,CFQ7TTC0LCHC:0002,10,P1Y,Annual,2025-05-01,2026-04-30,211.20,264\n"
                    "B,CFQ7TTC0LFLZ:0001,25,P1M,Monthly,2025-12-01,2025-12-31,34.56,43.20\n",
                    encoding="utf-8")
    out = tmp_path / "reseller.yaml"
    result = CliRunner().invoke(main, [
        "import", "--price-list", str(tmp_path / "prices.csv"), "--subscriptions", str(subs),
        "--column", "customer=Client", "--column", "product=Sku", "--column",
        "quantity=Seats", "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = read_book(tmp_path / "reseller_book.csv")
    assert [(b["customer"], b["seats"], b["renews"]) for b in book] == [
        ("A", 10.0, "2026-05"), ("B", 25.0, None)]


@pytest.mark.parametrize("change, match", [
    (lambda rows: [{k: v for k, v in r.items() if k != "BillableQuantity"} for r in rows],
     "missing column"),
    (lambda rows: [{**r, "Quantity": "ten"} for r in rows], "line 2, Quantity"),
    (lambda rows: [{**r, "TermAndBillingCycle": "Two-Year commitment"} for r in rows],
     "TermAndBillingCycle"),
    (lambda rows: [], "empty"),
])
def test_a_bad_file_is_refused_and_nothing_is_written(tmp_path, change, match):
    import csv
    import io

    rows = change(reconciliation_rows())
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (tmp_path / "bad.csv").write_text(buf.getvalue(), encoding="utf-8")
    write_price_list(tmp_path / "prices.csv")
    out = tmp_path / "x.yaml"
    result = CliRunner().invoke(main, ["import", "--price-list", str(tmp_path / "prices.csv"),
                                       "--recon", str(tmp_path / "bad.csv"), "--out", str(out)])
    assert result.exit_code == 2
    assert match in result.output and "bad.csv" in result.output
    assert "Nothing was written" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "prices.csv"]


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    write_price_list(tmp_path / "prices.csv")
    (tmp_path / "bad.csv").write_bytes("CustomerId,ProductId\n".encode("utf-16"))
    result = CliRunner().invoke(main, ["import", "--price-list", str(tmp_path / "prices.csv"),
                                       "--recon", str(tmp_path / "bad.csv"), "--out",
                                       str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "bad.csv" in result.output
    assert not (tmp_path / "x.yaml").exists()


def test_segments_from_a_customer_csv(tmp_path):
    (tmp_path / "who.csv").write_text("customer,segment\ncust-a,Key accounts\n",
                                      encoding="utf-8")
    result, out = run_import(tmp_path, "--segments", str(tmp_path / "who.csv"))
    assert result.exit_code == 0, result.output
    scenario = cspmodel.load_scenario(out)
    assert [s.name for s in scenario.segments] == ["Key accounts", "Other customers"]
    mine = {b["customer"] for b in read_book(out.parent / "my_partner_book.csv")
            if b["segment"] == "Key accounts"}
    assert mine == {"cust-a"}
    bad = CliRunner().invoke(main, ["import", "--price-list", str(tmp_path / "prices.csv"),
                                    "--recon", str(tmp_path / "recon.csv"), "--segments",
                                    "seats:ten", "--out", str(tmp_path / "x.yaml")])
    assert bad.exit_code == 2 and "seats:10,50" in bad.output
