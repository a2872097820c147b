"""The NCE price list reader (issue "Start from the partner's own data", item 1): figures derived
per product from sample files written in Microsoft's exact format, header variants of older
files, and one clear error per class of bad file."""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest

from cspmodel.errors import ScenarioError
from cspmodel.pricelist import parse_date, read_price_list, sku_key
from cspmodel.samples import HEADER, price_list_rows, price_list_text


def _read(text: str, **kw: object):
    return read_price_list(io.StringIO(text), **kw)


def test_business_premium_by_hand():
    # P1Y Annual: ERP 264.00 a year, partner 211.20 -> list 22.00 a seat-month, discount 20%;
    # P1M: ERP 26.40 a month -> monthly-term factor 1.20; P1Y Monthly: ERP 277.20 -> 1.05
    p = _read(price_list_text()).products.loc["CFQ7TTC0LCHC:0002"]
    assert p["list_price_per_seat_month"] == pytest.approx(22.0)
    assert p["partner_discount"] == pytest.approx(1 - 211.20 / 264.00)
    assert p["monthly_term_factor"] == pytest.approx(26.40 / 22.0)
    assert p["annual_billed_monthly_factor"] == pytest.approx(277.20 / 264.00)
    assert not p["triennial"]


def test_discounts_and_factors_differ_by_product():
    products = _read(price_list_text()).products
    assert products.loc["CFQ7TTC0MM8R:0001", "partner_discount"] == pytest.approx(0.10)  # Copilot
    assert products.loc["CFQ7TTC0LH18:0001", "partner_discount"] == pytest.approx(0.30)  # D365
    assert products.loc["CFQ7TTC0J1FV:0001", "monthly_term_factor"] == pytest.approx(1.11)
    assert math.isnan(products.loc["CFQ7TTC0MM8R:0001", "monthly_term_factor"])  # no P1M
    assert products.loc["CFQ7TTC0LFLZ:0001", "triennial"]  # E3 offers three years


def test_dated_prices_and_the_price_on_a_date():
    text = price_list_text()
    e3 = "CFQ7TTC0LFLZ:0001"
    latest = _read(text).products.loc[e3]
    assert latest["list_price_per_seat_month"] == pytest.approx(39.0)
    assert latest["price_changes"] == [(dt.date(2025, 4, 1), pytest.approx(36.0)),
                                       (dt.date(2026, 7, 1), pytest.approx(39.0))]
    before = _read(text, as_of="2026-06-30").products.loc[e3]
    assert before["list_price_per_seat_month"] == pytest.approx(36.0)


def test_trials_and_other_segments_are_left_out():
    rows = price_list_rows(segments=("Commercial", "Education"))
    p = _read(price_list_text(rows))
    assert (p.rows["erp_price"] > 0).all()  # trials (BillingPlan None, price 0) skipped
    assert len(_read(price_list_text(rows), segment="Education").products) == 6


def test_older_headers_and_padding():
    # an older file: no Segment, Tags or ERP-less columns beyond the required ones, other case
    lines = ["productid,skuid,SkuTitle,termduration,billingplan,unitprice,erp price,"
             "effectivestartdate,EndofSaleDate",
             "CFQ7TTC0LCHC,0002,Business Premium,P1Y,Annual,'211.20,264.00,"
             "4/1/2025 12:00:00 AM,11/30/9999 11:59:59 PM"]
    p = _read("\n".join(lines) + "\n").products
    assert p.loc["CFQ7TTC0LCHC:0002", "list_price_per_seat_month"] == pytest.approx(22.0)
    assert sku_key("X", "2") == sku_key("X", "0002") == "X:0002"
    assert parse_date("11/30/9999 11:59:59 PM") == dt.date(9999, 11, 30)


@pytest.mark.parametrize("text, where, words", [
    ("", "(file)", "empty"),
    ("ProductId,SkuId,UnitPrice\nA,1,2\n", "(header)", "missing column(s) TermDuration"),
    (",".join(HEADER) + "\nx,t,P,1,t,p,d,u,P1Y,Annual,US,USD,abc,,,2025-04-01,,License,10,"
     "Commercial,\n", "line 2, UnitPrice", "must be a number"),
    (",".join(HEADER) + "\nx,t,P,1,t,p,d,u,P1Y,Annual,US,USD,8,,,April first,,License,10,"
     "Commercial,\n", "line 2, EffectiveStartDate", "must be a date"),
])
def test_a_bad_file_gets_one_clear_error(text, where, words):
    with pytest.raises(ScenarioError) as info:
        _read(text)
    [problem] = info.value.problems
    assert problem.path == where and words in problem.message


def test_a_file_in_another_encoding_is_refused(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_bytes(price_list_text().replace("\ufeff", "").replace(
        "Business Premium", "Business Premium \u00e9").encode("utf-16"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        read_price_list(path)
