"""The executive summary: the partner's questions, each answered in one sentence with its
figure, then a recommendation. One function computes it; every view shows it as it is (the
report page, the slides, the deck, the workbook, the explorer and ``cspmodel run``).

The questions: is direct bill open to me, and would it pay (eligibility first: a book below
Microsoft's threshold is never told to go direct); annual or monthly terms; what the support
plan should cost; where the money goes; where the scenario has them, how much of the margin is
Azure's partner-earned credit and what the partner could lose if customers stopped paying, and
what financing the deployments does to cash; how much funding the plan needs and when it pays
back.

Example:
    >>> import cspmodel
    >>> s = executive_summary(cspmodel.load_scenario("scenarios/small_indirect_msp.yaml"))
    >>> [a.key for a in s.answers]
    ['direct', 'terms', 'support', 'costs', 'cash']
    >>> s.direct_eligible
    False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .formatting import fmt_money, fmt_percent
from .headline import break_even_text
from .result import Result, simulate
from .schema import Scenario
from .util import add_months

TARGET_SUPPORT_MARGIN = 0.5


@dataclass(frozen=True)
class Answer:
    """One question of the partner, answered in a sentence with its figure."""

    key: str
    question: str
    answer: str
    figure: float  # the figure the sentence turns on, in the scenario's currency or a share


@dataclass(frozen=True)
class ExecutiveSummary:
    """The answers and the recommendation for one scenario."""

    scenario: str
    currency: str
    horizon_months: int
    answers: tuple[Answer, ...]
    recommendation: str
    direct_eligible: bool

    def answer(self, key: str) -> Answer:
        """The answer to one question, by key (direct, terms, support, costs, cash)."""
        return next(a for a in self.answers if a.key == key)

    def markdown(self) -> str:
        """The summary as markdown: the questions in bold, then the recommendation."""
        lines = ["## Summary", ""]
        lines += [f"- **{a.question}** {a.answer}" for a in self.answers]
        return "\n".join([*lines, "", f"**Recommendation.** {self.recommendation}"])

    def text(self) -> str:
        """The summary as plain text (the command line)."""
        lines = ["Summary"]
        for a in self.answers:
            lines.append(f"- {a.question} {a.answer}")
        return "\n".join([*lines, f"Recommendation: {self.recommendation}"])


def executive_summary(scenario: Scenario, result: Result | None = None,
                      target_margin: float = TARGET_SUPPORT_MARGIN) -> ExecutiveSummary:
    """Answer the partner's five questions for a scenario (``result``: its simulation, if
    already run) and recommend. ``target_margin``: the support plan's target margin."""
    from . import analysis

    result = result if result is not None else simulate(scenario)
    direct, eligible, act_direct = _direct(scenario, result, analysis)
    terms, act_terms = _terms(scenario, result, analysis)
    support, act_support = _support(scenario, result, analysis, target_margin)
    costs = _costs(result, analysis)
    streams, act_streams = _new_streams(scenario, result)
    cash, act_cash = _cash(scenario, result)
    actions = [a for a in (act_direct, act_terms, act_support, *act_streams, act_cash) if a]
    return ExecutiveSummary(scenario.name, scenario.currency, scenario.horizon_months,
                            (direct, terms, support, costs, *streams, cash), " ".join(actions),
                            eligible)


def _money(x: float, cur: str) -> str:
    return fmt_money(x, cur)


def _month(scenario: Scenario, m: int) -> str:
    return add_months(scenario.start_month, int(m)).strftime("%Y-%m")


def _direct(scenario: Scenario, result: Result, analysis) -> tuple[Answer, bool, str]:  # noqa: ANN001
    """Eligibility first: the book's trailing-12-month billings against Microsoft's direct-bill
    threshold in every month checked; only then what direct would earn."""
    from .channel import check_threshold, direct_bill_need, trailing_12

    cur, H = scenario.currency, scenario.horizon_months
    both = analysis.both_channels(scenario)
    gain = float(both["direct"].summary["operating_profit"]
                 - both["indirect"].summary["operating_profit"])
    lic = both["direct"].monthly["csp_billed_revenue"].to_numpy()  # licences and Azure
    need = direct_bill_need(scenario)
    check = check_threshold(lic, need)
    question = "Is direct bill open to me, and would it pay?"
    earn = (f"direct would earn {_money(gain, cur)} more" if gain >= 0
            else f"direct would earn {_money(-gain, cur)} less")
    if check.first_below is not None:
        ttm = trailing_12(lic) if H >= 12 else np.array([check.first_year])
        months = np.arange(min(11, H - 1), H)
        short = float(need[months[0]] - ttm[0])
        reach = np.nonzero(ttm >= need[months])[0]
        later = (f"; the book reaches it only from {_month(scenario, months[reach[0]])}"
                 if len(reach) else "")
        answer = (f"Not eligible yet: Microsoft asks for {_money(need[months[0]], cur)} of "
                  f"billings over 12 months and this book bills {_money(ttm[0], cur)} in its "
                  f"first 12, so it needs {_money(max(short, 0.0), cur)} more{later}. At "
                  f"today's book {earn} over {H} months, but Microsoft would not admit it.")
        act = (f"Stay indirect: direct bill needs {_money(max(short, 0.0), cur)} more "
               "trailing-12-month billings.")
        return Answer("direct", question, answer, max(short, 0.0)), False, act
    answer = (f"Eligible: the book bills {_money(check.first_year, cur)} in its first 12 months "
              f"(Microsoft asks {_money(need[min(11, H - 1)], cur)}); over {H} months {earn} "
              "than indirect.")
    if gain > 0:
        act = f"Go direct: it earns {_money(gain, cur)} more over {H} months."
    else:
        act = f"Stay indirect: direct would earn {_money(-gain, cur)} less over {H} months."
    return Answer("direct", question, answer, gain), True, act


def _terms(scenario: Scenario, result: Result, analysis) -> tuple[Answer, str]:  # noqa: ANN001
    """What moving the monthly-term share to annual terms earns, and its cash and risk."""
    cur, H = scenario.currency, scenario.horizon_months
    question = "Annual or monthly terms?"
    monthly = [s.term_mix.get("monthly", 0.0) for s in scenario.segments]
    booked = [s for s in scenario.opening_book.subscriptions if s.term == "monthly"]
    if not any(monthly) and not booked:
        return Answer("terms", question, "No customer is on the monthly term: every "
                      "customer already commits for a year or more.", 0.0), ""
    t = analysis.monthly_to_annual(scenario)
    gain = float(t.loc["operating_profit", "difference"])
    cash = float(t.loc["ending_cash", "difference"])
    share = max(monthly)
    who = (f"the monthly-term customers (up to {fmt_percent(share, 0)} of new customers)"
           if any(monthly) else "the monthly-term subscriptions")
    verb = "earns" if gain >= 0 else "costs"
    answer = (f"Moving {who} to annual terms billed monthly {verb} "
              f"{_money(abs(gain), cur)} of operating profit over {H} months (cash at the end "
              f"{'+' if cash >= 0 else '-'}{_money(abs(cash), cur)}): the annual price is lower, "
              "and the customers commit for a year, so seats they drop stay billed to the "
              "partner until the renewal.")
    act = ("Offer annual terms to the monthly customers." if gain > 0 else
           "Keep the monthly terms: their higher price pays for the flexibility.")
    return Answer("terms", question, answer, gain), act


def _support(scenario: Scenario, result: Result, analysis, target: float  # noqa: ANN001
             ) -> tuple[Answer, str]:
    """Each tier's margin and the price for the target margin."""
    cur = scenario.currency
    question = "What should the support plan cost?"
    table = analysis.support_tier_margins(result)
    if table.empty or float(table["seat_months"].sum()) == 0:
        return Answer("support", question, "No support plan is sold in this scenario.",
                      float("nan")), ""
    parts, act = [], ""
    worst = float("inf")
    for tier, row in table.iterrows():
        if row["revenue"] <= 0:  # included in the licence price: what it costs
            per_seat = row["cost"] / row["seat_months"] if row["seat_months"] else 0.0
            parts.append(f"{tier} (no price): {_money(row['cost'], cur)} of cost over "
                         f"{scenario.horizon_months} months, {fmt_money(per_seat, cur, 2)} a "
                         "seat a month")
            continue
        price = analysis.price_for_target_margin(result, str(tier), target)
        margin = float(row["margin_share"])
        parts.append(f"{tier}: {fmt_percent(margin, 0)} margin at "
                     f"{fmt_money(row['price_per_seat_month'], cur, 2)} a seat a month; "
                     f"{fmt_percent(target, 0)} needs {fmt_money(price, cur, 2)}")
        if margin < target and margin < worst:
            worst = margin
            act = (f"Price the {tier} support plan at {fmt_money(price, cur, 2)} a seat a "
                   f"month for a {fmt_percent(target, 0)} margin.")
    answer = "; ".join(parts) + "."
    return Answer("support", question, answer[0].upper() + answer[1:],
                  float(table["margin_share"].iloc[0])), act


def _costs(result: Result, analysis) -> Answer:  # noqa: ANN001
    """The three largest cost lines."""
    cur = result.currency
    top = analysis.cost_lines_table(result).head(3)
    parts = [f"{label.lower()} {_money(row['amount'], cur)} "
             f"({fmt_percent(row['share_of_revenue'], 0)} of revenue)"
             for label, row in top.iterrows()]
    answer = "The three largest costs are " + ", ".join(parts) + "."
    return Answer("costs", "Where does the money go?", answer, float(top["amount"].sum()))


def _new_streams(scenario: Scenario, result: Result) -> tuple[list[Answer], list[str]]:
    """The Azure and financing answers, where the scenario has them."""
    from . import azure_analysis

    answers, actions = [], []
    if azure_analysis.has_azure(scenario):
        answer, act = _azure(scenario, result, azure_analysis)
        answers.append(answer)
        actions.append(act)
    if azure_analysis.has_financing(scenario):
        answer, act = _financing(scenario, azure_analysis)
        answers.append(answer)
        actions.append(act)
    return answers, actions


def _azure(scenario: Scenario, result: Result, azure_analysis) -> tuple[Answer, str]:  # noqa: ANN001
    """The PEC's part of the margin, and the credit exposure against the margin it buys."""
    cur, H = scenario.currency, scenario.horizon_months
    m = azure_analysis.azure_margins(result).loc["all"]
    exposure = azure_analysis.credit_exposure_table(result)
    top = exposure.drop(index="all")["worst"].astype(float).idxmax()
    worst = exposure.loc["all"]
    pec_share = float(m["pec_share_of_gross_profit"])
    answer = (f"Azure earns {_money(m['margin'], cur)} over {H} months "
              f"({fmt_percent(m['margin_share'], 0)} of its revenue); "
              f"{_money(m['pec'], cur)} of it is the partner-earned credit, "
              f"{fmt_percent(pec_share, 0)} of the gross profit: without the admin relationship "
              f"the Azure margin would be {_money(m['margin_without_pec'], cur)}. Billed after "
              f"the month, Azure puts up to {_money(worst['worst'], cur)} at risk if customers "
              f"stopped paying (in {worst['month']}: usage not yet collected plus the next "
              f"month; {_money(exposure.loc[top, 'per_customer'], cur)} a customer in {top}), "
              f"{float(worst['exposure_to_margin']):.1f} times the Azure margin of the 12 "
              "months to then.")
    act = (f"Keep the admin relationship on every managed subscription (the credit is "
           f"{fmt_percent(pec_share, 0)} of gross profit) and cap the credit exposure "
           f"({_money(worst['worst'], cur)} at its peak) with billing alerts and credit limits."
           if pec_share >= 0.1 else
           f"Cap the Azure credit exposure ({_money(worst['worst'], cur)} at its peak) with "
           "billing alerts and credit limits.")
    question = ("How much of my margin is Azure's partner-earned credit, and what could I lose "
                "if customers stopped paying?")
    return Answer("azure", question, answer, float(m["pec"])), act


def _financing(scenario: Scenario, azure_analysis) -> tuple[Answer, str]:  # noqa: ANN001
    """What financing the deployments does to profit, cash and the funding needed."""
    cur, H = scenario.currency, scenario.horizon_months
    t = azure_analysis.financing_effect(scenario)
    d = t["difference"]
    terms = sorted({(seg.financing.months, seg.financing.annual_rate)
                    for seg in scenario.segments if seg.financing.share})
    how = ", ".join(f"over {n} months at {fmt_percent(r, 1)}" for n, r in terms)
    profit = float(d["operating_profit"])
    interest = _money(t.loc["interest", "financed"], cur)
    answer = (f"Financing the deployments ({how}) earns {interest} of interest and writes off "
              f"{_money(t.loc['written_off', 'financed'], cur)} "
              f"from customers who leave early: operating profit "
              f"{'+' if profit >= 0 else '-'}{_money(abs(profit), cur)} over {H} months. The "
              f"partner carries the price: cash at the end is "
              f"{_money(abs(float(d['ending_cash'])), cur)} "
              f"{'lower' if d['ending_cash'] < 0 else 'higher'}, and the funding needed goes "
              f"from {_money(-t.loc['cash_trough', 'paid_upfront'], cur)} to "
              f"{_money(-t.loc['cash_trough', 'financed'], cur)}.")
    act = (f"Fund the financed deployments: they add {_money(-float(d['cash_trough']), cur)} to "
           "the funding needed." if d["cash_trough"] < 0 else "")
    return Answer("financing", "What does financing the deployments do to cash and profit?",
                  answer, float(d["ending_cash"])), act


def _cash(scenario: Scenario, result: Result) -> tuple[Answer, str]:
    """Funding needed (the trough of cumulative cash) and when the plan pays back."""
    cur, H = scenario.currency, scenario.horizon_months
    trough = float(result.summary["cash_trough"])
    be = float(result.summary["break_even_month"])
    cum = result.monthly["cumulative_cash"].to_numpy()
    low = int(np.argmin(cum))
    question = "How much funding does the plan need, and when does it pay back?"
    if trough >= 0:
        answer = "No funding: cumulative cash never goes below zero"
    else:
        answer = (f"It needs {_money(-trough, cur)} of funding (the lowest cumulative cash, "
                  f"in {_month(scenario, low)})")
    pays = break_even_text(be, H)
    answer += f"; break-even: {pays}."
    act = (f"Plan for {_money(-trough, cur)} of funding." if trough < 0 else "")
    return Answer("cash", question, answer, trough), act
