"""What a partner asks about its Azure business and its financed deployments, answered with the
engine (the rules: ``docs/engine.md`` section 11). Nothing here draws.

- :func:`azure_margins`: the margin on Azure with and without the partner-earned credit (what
  losing the admin relationship costs), per segment, and the PEC's share of the gross profit;
- :func:`reservations_vs_payg`: more reservations against pay-as-you-go, for the partner's
  margin and the customer's spend;
- :func:`credit_exposure_table`: the most the partner could lose if a segment's customers
  stopped paying, against the Azure margin that exposure buys;
- :func:`financing_effect`: what financing the deployments does to profit, cash and the trough.

Example (how much of an Azure MSP's margin is the PEC?):
    >>> import cspmodel
    >>> s = cspmodel.load_scenario("scenarios/msp_managing_azure.yaml")
    >>> t = azure_margins(cspmodel.simulate(s))
    >>> bool(t.loc["all", "margin_without_pec"] < t.loc["all", "margin"])
    True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .result import Result, simulate
from .schema import Scenario

REVENUE = ("azure_consumption", "azure_management_fees")
COSTS = ("azure_cost", "azure_reservations")


def has_azure(scenario: Scenario) -> bool:
    """Whether any segment consumes Azure.

    Example:
        >>> import cspmodel
        >>> has_azure(cspmodel.load_scenario("scenarios/small_indirect_msp.yaml"))
        False
    """
    return any(_value(seg.azure.consumption_per_customer_month) > 0 for seg in scenario.segments)


def has_financing(scenario: Scenario) -> bool:
    """Whether any segment finances its new customers' deployments.

    Example:
        >>> import cspmodel
        >>> has_financing(cspmodel.load_scenario("scenarios/msp_managing_azure.yaml"))
        True
    """
    return any(_value(seg.financing.share) > 0 for seg in scenario.segments)


def _value(x: float) -> float:
    """A key's value (a distribution's is its clipped mean: an ``Uncertain`` is a float)."""
    return float(x)


def _by_segment(result: Result) -> pd.DataFrame:
    """Horizon totals of each Azure line by segment (rows: segments and ``all``)."""
    led = result.ledger
    names = (*REVENUE, *COSTS, "azure_pec", "azure_bad_debt")
    t = (led[led["line"].isin(names)].pivot_table(index="segment", columns="line",
                                                   values="amount", aggfunc="sum",
                                                   fill_value=0.0, observed=True)
         .reindex(columns=list(names), fill_value=0.0))
    t.loc["all"] = t.sum()
    return t


def azure_margins(result: Result) -> pd.DataFrame:
    """The Azure margin over the horizon by segment (and ``all``): ``revenue`` (consumption and
    management fees), ``cost`` (pay-as-you-go and reservations, before the credit), ``pec``
    (the partner-earned credit), ``bad_debt``, ``margin`` = revenue - cost + PEC - bad debt,
    ``margin_share`` of the revenue, ``margin_without_pec`` (what is left without the admin
    relationship), and ``pec_share_of_gross_profit`` (the PEC over the company's gross profit).

    Example:
        >>> import cspmodel
        >>> r = cspmodel.simulate(cspmodel.load_scenario_text(
        ...     "name: x\\nhorizon_months: 2\\nsegments:\\n- name: A\\n  customers_at_start: 10\\n"
        ...     "  new_customers_per_month: 0\\n  churn_annual: 0\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"
        ...     "  azure: {consumption_per_customer_month: 1000, bad_debt_rate: 0}\\n"))
        >>> azure_margins(r).loc["A", ["revenue", "cost", "pec", "margin"]].tolist()
        [20000.0, 20000.0, 3000.0, 3000.0]
    """
    t = _by_segment(result)
    out = pd.DataFrame(index=t.index)
    out["revenue"] = t[list(REVENUE)].sum(axis=1)
    out["cost"] = t[list(COSTS)].sum(axis=1)
    out["pec"] = -t["azure_pec"]
    out["bad_debt"] = t["azure_bad_debt"]
    out["margin"] = out["revenue"] - out["cost"] + out["pec"] - out["bad_debt"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["margin_share"] = np.where(out["revenue"] > 0, out["margin"] / out["revenue"],
                                       np.nan)
    out["margin_without_pec"] = out["margin"] - out["pec"]
    gross = float(result.summary["gross_profit"])
    out["pec_share_of_gross_profit"] = out["pec"] / gross if gross > 0 else np.nan
    return out


def reservations_vs_payg(scenario: Scenario, reserved_share: float | None = None,
                         discount: float | None = None) -> pd.DataFrame:
    """Every segment's Azure on pay-as-you-go against ``reserved_share`` of it on reservations
    at ``discount`` (default: the scenario's own; 50% at its discount, or 40% off, where it has
    none) over the horizon: the partner's Azure ``margin`` and the customer's ``spend`` (at its
    price), and the difference (``saving``: what the customer saves).

    Example (reservations save the customer money and take the PEC on that share):
        >>> import cspmodel
        >>> t = reservations_vs_payg(cspmodel.load_scenario("scenarios/msp_managing_azure.yaml"))
        >>> bool(t.loc["difference", "spend"] < 0), bool(t.loc["difference", "margin"] < 0)
        (True, True)
    """
    payg, reserved = {}, {}
    for i, seg in enumerate(scenario.segments):
        share = reserved_share if reserved_share is not None else (
            seg.azure.reserved_share if _value(seg.azure.reserved_share) > 0 else 0.5)
        off = discount if discount is not None else (
            seg.azure.reservation_discount if _value(seg.azure.reservation_discount) > 0
            else 0.4)
        payg[f"segments.{i}.azure.reserved_share"] = 0.0
        reserved[f"segments.{i}.azure.reserved_share"] = share
        reserved[f"segments.{i}.azure.reservation_discount"] = off
    rows = {}
    for name, over in (("pay_as_you_go", payg), ("reservations", reserved)):
        r = simulate(scenario.with_overrides(over))
        m = azure_margins(r).loc["all"]
        rows[name] = {"margin": float(m["margin"]), "spend": float(m["revenue"]),
                      "pec": float(m["pec"])}
    out = pd.DataFrame(rows).T
    out.loc["difference"] = out.loc["reservations"] - out.loc["pay_as_you_go"]
    return out


def monthly_margin(result: Result) -> pd.DataFrame:
    """The Azure margin of each month by segment (months x segments), as
    :func:`azure_margins` counts it: revenue less cost, plus the PEC, less bad debt.

    Example:
        >>> import cspmodel
        >>> r = cspmodel.simulate(cspmodel.load_scenario("scenarios/msp_managing_azure.yaml"))
        >>> bool(abs(monthly_margin(r).to_numpy().sum() - azure_margins(r).loc["all", "margin"])
        ...      < 1e-6)
        True
    """
    led = result.ledger
    names = (*REVENUE, *COSTS, "azure_pec", "azure_bad_debt")
    rows = led[led["line"].isin(names)].copy()
    rows["signed"] = np.where(rows["line"].isin(REVENUE), rows["amount"], -rows["amount"])
    t = rows.pivot_table(index="month", columns="segment", values="signed", aggfunc="sum",
                         fill_value=0.0, observed=True)
    return t.reindex(result.monthly.index.astype(str), fill_value=0.0)


def credit_exposure_table(result: Result) -> pd.DataFrame:
    """Per segment with Azure: the ``worst`` credit exposure (usage not yet collected plus the
    next month's, at the customer's prices), its ``month``, ``per_customer`` then, and the
    Azure margin of the 12 months up to that month (``margin_per_year``; a shorter horizon:
    its months scaled to a year), the margin that exposure buys; the ``all`` row is the
    company's worst month.

    Example:
        >>> import cspmodel
        >>> r = cspmodel.simulate(cspmodel.load_scenario("scenarios/msp_managing_azure.yaml"))
        >>> t = credit_exposure_table(r)
        >>> bool(t.loc["all", "worst"] >= t.drop(index="all")["worst"].max())
        True
    """
    az = result.azure()
    monthly = monthly_margin(result)
    monthly["all"] = monthly.sum(axis=1)

    def year_to(column: str, m: int) -> float:
        months = monthly[column].to_numpy()[max(0, m - 11):m + 1]
        return float(months.sum()) * 12.0 / len(months)

    rows = {}
    for segment, frame in az.groupby(level="segment", sort=False):
        if float(frame["charged"].sum()) == 0.0:
            continue
        worst = frame["exposure"].droplevel("segment")
        m = int(np.argmax(worst.to_numpy()))
        rows[segment] = {"worst": float(worst.iloc[m]), "month": str(worst.index[m]),
                         "per_customer": float(frame["exposure_per_customer"].iloc[m]),
                         "margin_per_year": year_to(str(segment), m)}
    total = result.monthly["credit_exposure"].to_numpy()
    customers = result.monthly["customers"].to_numpy()
    m = int(np.argmax(total))
    rows["all"] = {"worst": float(total[m]), "month": str(result.monthly.index[m]),
                   "per_customer": float(total[m] / customers[m]) if customers[m] else 0.0,
                   "margin_per_year": year_to("all", m)}
    out = pd.DataFrame(rows).T
    out["exposure_to_margin"] = out["worst"].astype(float) / out["margin_per_year"].astype(float)
    return out


def financing_effect(scenario: Scenario) -> pd.DataFrame:
    """The scenario against the same scenario with no deployment financed: operating profit,
    interest earned, write-offs, the cash trough, the ending cash and the break-even month,
    and the difference.

    Example (financing spreads the price: less cash early, interest later):
        >>> import cspmodel
        >>> t = financing_effect(cspmodel.load_scenario("scenarios/msp_managing_azure.yaml"))
        >>> bool(t.loc["cash_trough", "difference"] <= 0)
        True
    """
    upfront = scenario.with_overrides({f"segments.{i}.financing.share": 0.0
                                       for i in range(len(scenario.segments))})

    def figures(r: Result) -> dict[str, float]:
        lines = r.lines().sum()
        return {"operating_profit": float(r.summary["operating_profit"]),
                "interest": float(lines.get("financing_interest", 0.0)),
                "written_off": float(lines.get("financing_write_offs", 0.0)),
                "cash_trough": float(r.summary["cash_trough"]),
                "ending_cash": float(r.monthly["cumulative_cash"].iloc[-1]),
                "break_even_month": float(r.summary["break_even_month"])}

    out = pd.DataFrame({"financed": figures(simulate(scenario)),
                        "paid_upfront": figures(simulate(upfront))})
    out["difference"] = out["financed"] - out["paid_upfront"]
    return out
