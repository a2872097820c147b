"""What the notebooks call: find and load the scenario of a run, record its summary, show
tables with money and percentages a partner can read.

Notebooks hold little code: a parameters cell (``scenario_path``, ``overrides``,
``output_dir``), then calls to this module, :mod:`cspmodel.analysis` and :mod:`cspmodel.plots`.
A relative ``scenario_path`` is found from the working folder, then from the project folder
(found above the working folder, or the checkout the package runs from), so the same default
works in Jupyter (run from ``notebooks/``), under papermill from the project folder, and in the
batch.

Example:
    >>> s = load("scenarios/small_indirect_msp.yaml")
    >>> s.channel.model
    'indirect'
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import MISSING, Problem, ScenarioError
from .formatting import fmt_figure, fmt_money, fmt_percent  # noqa: F401 - shared
from .io import apply_overrides, load_scenario
from .metrics import HEADLINE
from .result import Result, summary_json
from .schema import Scenario
from .util import atomic_write_text

PACKAGE_DIR = Path(__file__).resolve().parent


def project_roots(start: str | os.PathLike[str] | None = None) -> list[Path]:
    """Folders a relative path may be relative to, in order: the working folder, the first
    folder above it holding ``pyproject.toml`` and ``scenarios/``, and the checkout the package
    was installed from (when it is one).

    Example:
        >>> project_roots("/")[0]
        PosixPath('/')
    """
    here = Path(start) if start is not None else Path.cwd()
    roots = [here]
    for base in [here, *here.parents]:
        if (base / "pyproject.toml").is_file() and (base / "scenarios").is_dir():
            roots.append(base)
            break
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file():
        roots.append(checkout)
    unique: list[Path] = []
    for r in roots:
        if r.resolve() not in [u.resolve() for u in unique]:
            unique.append(r)
    return unique


def find_file(path: str | os.PathLike[str], start: str | os.PathLike[str] | None = None) -> Path:
    """The file a (possibly relative) path names, tried against :func:`project_roots`; a path
    written from the notebooks folder (``../scenarios/x.yaml``) is also tried without its
    leading ``../``. Raises ScenarioError naming every place tried.

    Example:
        >>> find_file("pyproject.toml").name  # doctest: +SKIP
        'pyproject.toml'
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        if p.exists():
            return p
        raise ScenarioError([Problem(str(p), "", MISSING, "no such file")])
    variants = [p]
    parts = p.parts
    while parts and parts[0] == "..":
        parts = parts[1:]
        if parts:
            variants.append(Path(*parts))
    tried: list[str] = []
    for root in project_roots(start):
        for v in variants:
            candidate = root / v
            if candidate.exists():
                return candidate.resolve()
            tried.append(str(candidate))
    raise ScenarioError([Problem(str(path), "", MISSING,
                                 "no such file; looked in " + ", ".join(tried))])


def load(scenario_path: str | os.PathLike[str],
         overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Find, load and validate a scenario, then apply ``{"dotted.key": value}`` overrides.

    Example:
        >>> s = load("scenarios/small_indirect_msp.yaml", {"channel.model": "indirect"})
        ... # doctest: +SKIP
    """
    path = find_file(scenario_path)
    scenario = load_scenario(path)
    if overrides:
        scenario = apply_overrides(scenario, dict(overrides), source=f"{path} (overrides)")
    return scenario


def save_summary(result: Result, output_dir: str | os.PathLike[str] | None) -> Path | None:
    """Write ``summary.json`` (the same content as ``cspmodel run --out``) into ``output_dir``;
    nothing when ``output_dir`` is empty or None. Returns the file written.

    Example:
        >>> save_summary(None, None) is None
        True
    """
    if not output_dir:
        return None

    return atomic_write_text(Path(output_dir) / "summary.json", summary_json(result))


# --------------------------------------------------------------------------------------------
# Tables a partner reads (strings, rounded: stable when printed, readable in a report)
# --------------------------------------------------------------------------------------------
def format_table(df: pd.DataFrame, percent: Iterable[str] = (), money: Iterable[str] = (),
                 decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with numbers as readable strings: ``percent`` columns as 12.3%, every
    other numeric column with thousands separators (``decimals`` per column, default 0).

    Example:
        >>> format_table(pd.DataFrame({"a": [1234.5], "m": [0.25]}), percent=["m"]).iloc[0].tolist()
        ['1,234', '25.0%']
    """
    pct = set(percent)
    dec = dict(decimals or {})
    out = df.copy().astype(object)
    for col in df.columns:
        if col in pct:
            out[col] = [fmt_percent(v) for v in df[col]]
        elif col in set(money) or pd.api.types.is_numeric_dtype(df[col]):
            out[col] = [fmt_money(float(v), decimals=dec.get(col, 0)) for v in df[col]]
    return out


# (key, label, kind) of every headline metric, from the one registry (cspmodel.metrics)
HEADLINE_ROWS = tuple((m.key, m.label, m.kind) for m in HEADLINE)


def headline_table(result: Result) -> pd.DataFrame:
    """The headline figures of a run, one row each, as rounded text with the currency.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> from cspmodel.result import simulate
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"))
        >>> headline_table(r).loc["Gross margin", "value"].endswith("%")
        True
    """
    s, cur = result.summary, result.currency
    rows = []
    for key, label, kind in HEADLINE_ROWS:
        v = float(s[key])
        if kind == "month" and math.isnan(v):
            text = "never (within the horizon)"
        else:
            text = fmt_figure(v, kind, cur)
        rows.append((label, text))
    return pd.DataFrame(rows, columns=["figure", "value"]).set_index("figure").rename_axis(None)


def statement_table(result: Result) -> pd.DataFrame:
    """:func:`cspmodel.analysis.annual_statement` as rounded text (whole currency units)."""
    from .analysis import annual_statement

    return format_table(annual_statement(result))


def warnings_markdown(result: Result) -> str:
    """The run's warnings as a markdown list (or a sentence saying there are none)."""
    if not result.warnings:
        return ""  # nothing to say: no filler line (the summary says what the book meets)
    return "**Warnings**\n\n" + "\n".join(f"- {w}" for w in result.warnings)


def compare_table(results: Mapping[str, Result]) -> pd.DataFrame:
    """Headline figures of several results side by side (one column per name), as text.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> from cspmodel.result import simulate
        >>> r = simulate(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"))
        >>> list(compare_table({"a": r, "b": r}).columns)
        ['a', 'b']
    """
    return pd.concat({name: headline_table(r)["value"] for name, r in results.items()}, axis=1)


def scenario_header(scenario: Scenario) -> str:
    """A markdown title and one-paragraph description of a scenario."""
    segs = ", ".join(f"{s.name} ({s.customers_at_start:,.0f} customers x "
                     f"{s.seats_per_customer:,.0f} seats)" for s in scenario.segments)
    text = f"# {scenario.name}\n\n"
    if scenario.description:
        text += f"{scenario.description}\n\n"
    text += (f"**Channel:** {scenario.channel.model} &nbsp;·&nbsp; **Horizon:** "
             f"{scenario.horizon_months} months from {scenario.start_month:%B %Y} "
             f"&nbsp;·&nbsp; **Currency:** {scenario.currency}\n\n**Segments:** {segs}")
    subs = scenario.opening_book.subscriptions
    if subs:
        text += (f"\n\n**Opening book:** {len(subs):,} subscriptions of "
                 f"{len({s.customer for s in subs}):,} customers, "
                 f"{sum(s.seats for s in subs):,.0f} seats, each renewing in its own month")
    return text


def lapse_markdown(scenario: Scenario) -> str:
    """What the extended service term earns or costs (a sentence), or nothing when no
    subscription lapses into it.

    Example:
        >>> from cspmodel.io import load_scenario_text
        >>> lapse_markdown(load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
        ...     "  product_mix: {m365_business_basic: 1}\\n"))
        ''
    """
    from .analysis import lapse_effect

    effect = lapse_effect(scenario)
    if effect is None:
        return ""
    cur = scenario.currency
    where = ", ".join(f"{fmt_percent(s.lapse_share, 0)} in {s.name}"
                      for s in scenario.segments if s.lapse_share > 0)
    verb = "earns" if effect["operating_profit"] >= 0 else "costs"
    fewer = effect["ending_customers"]
    return (
        "**Extended service term.** Of the annual and three-year subscriptions that come up "
        f"for renewal from May 2026, {where} are neither renewed nor cancelled: they continue "
        "month to month at the monthly price + 3%. Over the "
        f"{scenario.horizon_months} months that {verb} "
        f"{fmt_money(abs(effect['operating_profit']), cur)} of operating profit against "
        f"renewing them ({fmt_money(effect['revenue'], cur)} of revenue; "
        f"{fmt_figure(abs(fewer), 'count')} {'fewer' if fewer < 0 else 'more'} customers at "
        "the end, as month-to-month customers can leave in any month).")


def segments_table(scenario: Scenario) -> pd.DataFrame:
    """Each segment's term mix, contract policy and prepay discount, as text."""
    from .terms import STANDARD_TERMS, TERMS

    # the standard terms always; a three-year term where a segment uses it
    shown = [k for k in TERMS if k in STANDARD_TERMS
             or any(s.term_mix.get(k, 0.0) > 0 for s in scenario.segments)]
    rows = {}
    for s in scenario.segments:
        row = {TERMS[k].label: fmt_percent(s.term_mix.get(k, 0.0), 0) for k in shown}
        row.update({"Contract policy": s.contract_policy,
                    "Prepay discount": fmt_percent(s.prepay_discount, 1)})
        rows[s.name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def crossover_markdown(scenario: Scenario, crossover_seats: float,
                       threshold_seats: float) -> str:
    """The crossover and the direct-bill threshold in two sentences (seats rounded to tens)."""
    from .analysis import direct_bill_threshold, starting_seats

    def seats(x: float) -> str:
        return "n/a" if math.isnan(x) else f"{round(x, -1):,.0f}"

    now = starting_seats(scenario)
    need = direct_bill_threshold(scenario)
    if math.isnan(crossover_seats):
        cross = "Direct does **not** catch up with indirect at any book size scanned."
    else:
        cross = (f"Direct earns more than indirect from about **{seats(crossover_seats)} seats** "
                 f"at the start (this book has {seats(now)}).")
    gate = (f"Microsoft admits a direct-bill partner from "
            f"{fmt_money(need, scenario.currency)} of CSP revenue over 12 months: this book "
            f"reaches it from about **{seats(threshold_seats)} seats**.")
    verdict = ""
    if not math.isnan(crossover_seats) and not math.isnan(threshold_seats):
        gate_binds = threshold_seats > crossover_seats
        verdict = (" The threshold, not the economics, decides when direct is possible."
                   if gate_binds else " Once direct pays, the book already meets the "
                   "threshold.")
    return f"{cross} {gate}{verdict}"


def floor_table(scenario: Scenario) -> pd.DataFrame:
    """The 24/7 staffing floor of each 24x7 tier of the scenario, as text (empty if none)."""
    from .analysis import floor_figures

    rows = {}
    for name, tier in scenario.support.tiers.items():
        if tier.coverage != "24x7":
            continue
        f = floor_figures(scenario, name)
        rows[name] = {
            "Floor hours per month": fmt_money(f["floor_hours_per_month"]),
            "Floor cost per month": fmt_money(f["floor_cost_per_month"], scenario.currency),
            "Hours per seat per month": f"{f['hours_per_seat_month']:.3f}",
            "Seats to keep the floor busy": fmt_money(f["seats_to_fill_floor"]),
            "Seats whose price pays the floor": fmt_money(f["seats_to_pay_floor"]),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def load_comparison(batch_dir: str, scenarios_dir: str = "scenarios"
                    ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The comparison of a batch output folder, or, when no batch has run there yet, the same
    comparison computed from the scenario folder. Returns (table, runs, where it came from)."""
    from .batch import comparison_from_scenarios, load_batch

    try:
        folder = find_file(batch_dir)
        if (folder / "batch.json").is_file():
            table, runs = load_batch(folder)
            return table, runs, f"the batch in {folder.name}/"
    except ScenarioError:
        pass
    folder = find_file(scenarios_dir)
    table, runs = comparison_from_scenarios(folder)
    return table, runs, f"the scenarios in {folder.name}/ (no batch output found)"


def save_comparison(table: pd.DataFrame, output_dir: str | os.PathLike[str]) -> Path:
    """Write a comparison table as ``comparison.csv`` into ``output_dir``."""
    return atomic_write_text(Path(output_dir) / "comparison.csv",
                             table.to_csv(float_format="%.4f"))


# --------------------------------------------------------------------------------------------
# Azure and financed deployments (shown only where the scenario has them)
# --------------------------------------------------------------------------------------------
def azure_margin_table(result: Result) -> pd.DataFrame:
    """The Azure margin by segment with and without the partner-earned credit, readable.

    Example:
        >>> import cspmodel
        >>> r = cspmodel.simulate(load("scenarios/msp_managing_azure.yaml"))
        >>> list(azure_margin_table(r).columns)[:3]
        ['Revenue', 'Cost before the PEC', 'Partner-earned credit']
    """
    from .azure_analysis import azure_margins

    t = azure_margins(result)
    names = {"revenue": "Revenue", "cost": "Cost before the PEC",
             "pec": "Partner-earned credit", "bad_debt": "Bad debt", "margin": "Margin",
             "margin_share": "Margin %", "margin_without_pec": "Margin without the PEC",
             "pec_share_of_gross_profit": "PEC % of gross profit"}
    return format_table(t.rename(columns=names), percent=["Margin %", "PEC % of gross profit"])


def exposure_table(result: Result) -> pd.DataFrame:
    """The worst credit exposure of each segment, its month, per customer, against the Azure
    margin of the 12 months to then, readable.

    Example:
        >>> import cspmodel
        >>> r = cspmodel.simulate(load("scenarios/msp_managing_azure.yaml"))
        >>> exposure_table(r).index[-1]
        'all'
    """
    from .azure_analysis import credit_exposure_table

    t = credit_exposure_table(result)
    year = "Azure margin, 12 months to then"
    t = t.rename(columns={"worst": "Worst month at risk", "month": "Month",
                          "per_customer": "Per customer", "margin_per_year": year,
                          "exposure_to_margin": "Times the year's margin"})
    for col in ("Worst month at risk", "Per customer", year, "Times the year's margin"):
        t[col] = t[col].astype(float)
    return format_table(t, decimals={"Times the year's margin": 1})


def azure_section(scenario: Scenario, result: Result, summary: Any) -> None:  # noqa: ANN401
    """Show the Azure part of a report, if the scenario has Azure: the answer, the margin with
    and without the PEC, the credit exposure against the margin, the reservations' trade-off."""
    from IPython.display import Markdown, display

    from . import plots
    from .azure_analysis import has_azure, reservations_vs_payg

    if not has_azure(scenario):
        return
    display(Markdown("## Azure: the partner-earned credit and the credit exposure\n\n"
                     + summary.answer("azure").answer))
    from .azure_analysis import azure_margins

    plots.azure_margin_and_exposure(azure_margins(result), result)
    display(azure_margin_table(result))
    display(exposure_table(result))
    t = reservations_vs_payg(scenario)
    display(Markdown(
        "Reservations against pay-as-you-go over the horizon: the customer spends "
        f"{fmt_money(-t.loc['difference', 'spend'], scenario.currency)} less, the partner's "
        f"Azure margin moves by {fmt_money(t.loc['difference', 'margin'], scenario.currency)} "
        "(no partner-earned credit on reservations)."))


def financing_section(scenario: Scenario, summary: Any) -> None:  # noqa: ANN401
    """Show what financing the deployments does to profit, cash and the trough, if the scenario
    finances any."""
    from IPython.display import Markdown, display

    from . import plots
    from .azure_analysis import financing_effect, has_financing
    from .result import simulate

    if not has_financing(scenario):
        return
    display(Markdown("## Financed deployments\n\n" + summary.answer("financing").answer))
    upfront = scenario.with_overrides({f"segments.{i}.financing.share": 0.0
                                       for i in range(len(scenario.segments))})
    plots.financing_cash(simulate(scenario), simulate(upfront))
    t = financing_effect(scenario).rename(columns={
        "financed": "Financed", "paid_upfront": "Paid upfront", "difference": "Difference"})
    display(format_table(t))


def require_azure(scenario: Scenario) -> None:
    """Stop with a clear message when a scenario has no Azure consumption (for the Azure
    notebook).

    Example:
        >>> require_azure(load("scenarios/msp_managing_azure.yaml"))
    """
    from .azure_analysis import has_azure

    if not has_azure(scenario):
        raise ScenarioError([Problem(
            scenario.name, "segments[].azure.consumption_per_customer_month", 0.0,
            "this notebook is about Azure and no segment of the scenario consumes any: set "
            "the consumption per customer of a segment (docs/scenario-reference.md, "
            "segments[].azure), or pass it in overrides")])
