"""Partner of record: what each partner earns when several serve one customer.

Microsoft recognizes one partner per association (csp-facts.md section 5): the **transacting**
partner (TPOR) keeps the resale margin (PEC on Azure); the **claiming** partner of a workload
earns the usage incentive (CPOR, Modern Work, Security and Business Applications; only from
``min_paid_seats`` paid available units), the DPOR incentive on an EA online subscription, and
the PAL attribution on Azure. Partners who deploy or support without a record earn nothing from
Microsoft (seeds 000-002), so partners negotiate a split and settle it with side payments.

An :class:`Engagement` describes a customer, its workloads, the partners and their roles, the
rules (rates and thresholds, each with its source or marked as an assumption in
:data:`cspmodel.catalog.FACTS`) and the split the partners agreed. It is validated like a
scenario and can be written in YAML (:func:`load_engagement`).

The rules, per workload over ``months``:

- ``TPOR`` (transacting partner): ``resale_margin x licence_revenue_per_month x months``, and on
  Azure ``pec_rate x azure_consumption_per_month x months``.
- ``CPOR`` (claimant of a Modern Work, Security or Business Applications workload):
  ``usage_rate_per_unit x min(active_users, usage_max_units)``, once, if ``paid_seats >=
  min_paid_seats``; nothing below the threshold.
- ``DPOR`` (claimant of an EA online subscription, not Azure): ``dpor_rate x
  licence_revenue_per_month x months``.
- ``PAL`` (claimant of an Azure workload): ``pal_rate x azure_consumption_per_month x months``.
- A workload with nobody in the role earns nothing (Microsoft pays no one).

The pool of a rule is the sum over workloads of what Microsoft pays. The partners pool the
earnings of ``shared_rules`` (by default the incentives CPOR, DPOR and PAL; the transacting
partner keeps its resale margin unless TPOR is listed); the negotiated split gives each partner
``pool x weight`` with weights by agreed ``share``, by ``cost`` or by ``effort_hours`` (each
over the partners' total); the side payment is target less what the rules gave it from the
shared rules, and the side payments add up to zero.

Example:
    >>> eng = Engagement.model_validate({"name": "x", "customer": "C",
    ...     "workloads": [{"name": "teams", "kind": "modern_work", "paid_seats": 200,
    ...                    "active_users": 180, "license_revenue_per_month": 1000}],
    ...     "partners": [{"name": "P1", "transacting": ["teams"], "effort_hours": 10},
    ...                  {"name": "P2", "claiming": ["teams"], "effort_hours": 30}]})
    >>> earnings_under_rules(eng).groupby("partner")["amount"].sum().to_dict()
    {'P1': 2400.0, 'P2': 900.0}
    >>> negotiated_split(eng)["side_payment"].to_dict()  # P1 did 1/4 of the work: 225 of 900
    {'P1': 225.0, 'P2': -225.0}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from .errors import MISSING, Problem, ScenarioError
from .schema import Frozen, Money, _located, plain, sourced

RULES = ("TPOR", "CPOR", "DPOR", "PAL")
ROLES = ("transacting", "deploying", "supporting", "claiming")
USAGE_KINDS = ("modern_work", "security", "bizapps")


class Workload(Frozen):
    """One workload of the customer (a subscription or a product family)."""

    name: str = Field(min_length=1, description="Workload name, e.g. teams, exchange, azure")
    kind: Literal["modern_work", "security", "bizapps", "azure"] = plain(
        "modern_work", "Kind of workload: modern_work, security, bizapps (Dynamics, Power "
        "Platform) or azure")
    program: Literal["csp", "ea"] = plain("csp", "Licensing programme of the subscription")
    paid_seats: int = plain(0, "Paid available units (PAU) of the workload", "seats", ge=0)
    active_users: int = plain(0, "Active users (the compensable units of usage incentives)",
                              "users", ge=0)
    license_revenue_per_month: Money = plain(0.0, "What the customer pays for its licences",
                                             "currency/month")
    azure_consumption_per_month: Money = plain(0.0, "Azure consumption (azure workloads)",
                                               "currency/month")

    @model_validator(mode="after")
    def _active(self) -> Workload:
        if self.active_users > self.paid_seats and self.kind != "azure":
            raise _located(("active_users",), self.active_users,
                           f"active users {{value}} exceed paid seats ({self.paid_seats})")
        return self


class EngagementPartner(Frozen):
    """A partner serving the customer: its roles by workload and what it puts in."""

    name: str = Field(min_length=1, description="Partner name")
    transacting: tuple[str, ...] = Field(default=(), description="Workloads it resells (TPOR)")
    deploying: tuple[str, ...] = Field(default=(), description="Workloads it deployed")
    supporting: tuple[str, ...] = Field(default=(), description="Workloads it supports")
    claiming: tuple[str, ...] = Field(default=(), description="Workloads it claims "
                                      "(CPOR, DPOR or PAL: one claimant per workload)")
    cost: Money = plain(0.0, "Its cost of serving the customer over the engagement",
                        "currency")
    effort_hours: float = plain(0.0, "Hours it puts in over the engagement", "hours", ge=0.0)
    share: float | None = Field(default=None, ge=0.0, le=1.0,
                                description="Agreed share of the pool (split by share)")


class RecognitionRules(Frozen):
    """Rates and thresholds of the partner-of-record programmes."""

    min_paid_seats: int = sourced("cpor_min_paid_units", "Paid available units per workload "
                                  "before usage incentives begin", "seats", ge=0)
    usage_rate_per_unit: Money = sourced("usage_incentive_per_unit", "CPOR usage incentive per "
                                         "compensable unit, once", "currency/unit")
    usage_max_units: int = sourced("usage_incentive_max_units", "Most units paid per workload",
                                   "units", ge=0)
    dpor_rate: float = sourced("dpor_incentive_rate", "DPOR incentive on EA online licence "
                               "revenue", "share", ge=0.0, le=1.0)
    pal_rate: float = sourced("pal_incentive_rate", "PAL incentive on Azure consumption",
                              "share", ge=0.0, le=1.0)
    resale_margin: float = sourced("partner_discount", "Transacting partner's resale margin",
                                   "share of list", ge=0.0, le=0.9)
    pec_rate: float = sourced("pec_rate", "Partner-earned credit on Azure consumption",
                              "share", ge=0.0, le=1.0)


class Engagement(Frozen):
    """One customer served by several partners.

    Example:
        >>> Engagement.model_validate({"name": "x", "customer": "C", "workloads": [
        ...     {"name": "w"}], "partners": [{"name": "P", "effort_hours": 5}]}).split
        'effort'
    """

    name: str = Field(min_length=1, description="Name of the engagement")
    customer: str = Field(min_length=1, description="The customer")
    currency: str = plain("USD", "Currency of every amount", min_length=3, max_length=3)
    months: int = plain(12, "Months the engagement covers", "months", ge=1, le=120)
    workloads: tuple[Workload, ...] = Field(min_length=1, description="The customer's workloads")
    partners: tuple[EngagementPartner, ...] = Field(min_length=1, description="The partners")
    rules: RecognitionRules = Field(default_factory=RecognitionRules,
                                    description="Programme rates and thresholds")
    split: Literal["share", "cost", "effort"] = plain(
        "effort", "How the partners agreed to split the pool: by share, cost or effort")
    shared_rules: tuple[Literal["TPOR", "CPOR", "DPOR", "PAL"], ...] = Field(
        default=("CPOR", "DPOR", "PAL"), description="Rules whose earnings the partners pool "
        "and split (default: Microsoft's incentives; the transacting partner keeps its resale "
        "margin unless TPOR is listed)")

    @model_validator(mode="after")
    def _checks(self) -> Engagement:
        names = [w.name for w in self.workloads]
        for i, n in enumerate(names):
            if names.count(n) > 1:
                raise _located(("workloads", i, "name"), n, "workload {value} is listed twice")
        pnames = [p.name for p in self.partners]
        for i, n in enumerate(pnames):
            if pnames.count(n) > 1:
                raise _located(("partners", i, "name"), n, "partner {value} is listed twice")
        holder: dict[tuple[str, str], str] = {}
        for i, p in enumerate(self.partners):
            for role in ROLES:
                for j, w in enumerate(getattr(p, role)):
                    if w not in names:
                        raise _located(("partners", i, role, j), w,
                                       "unknown workload {value}; allowed: " + ", ".join(names))
                    if role in ("transacting", "claiming"):
                        if (role, w) in holder:
                            what = ("claimant (one CPOR, DPOR or PAL per workload)"
                                    if role == "claiming" else "transacting partner")
                            raise _located(
                                ("partners", i, role, j), w,
                                f"workload {{value}} already has a {what}: "
                                f"{holder[(role, w)]}")
                        holder[(role, w)] = p.name
        if self.split == "share":
            missing = [p.name for p in self.partners if p.share is None]
            if missing:
                i = pnames.index(missing[0])
                raise _located(("partners", i, "share"), None,
                               "split by share needs a share for every partner (0 to 1)")
            total = sum(p.share or 0.0 for p in self.partners)
            if abs(total - 1.0) > 1e-6:
                raise _located(("partners",), round(total, 6),
                               "the partners' shares sum to {value}; they must add up to 1")
        for key, label in (("cost", "cost"), ("effort", "effort_hours")):
            if self.split == key and sum(getattr(p, label) for p in self.partners) <= 0:
                raise _located(("split",), key, f"split by {key} needs {label} greater than 0 "
                               "for at least one partner")
        return self

    def with_overrides(self, overrides: dict[str, Any]) -> Engagement:
        """A new validated engagement with ``{"dotted.path": value}`` overrides.

        Example:
            >>> e = Engagement.model_validate({"name": "x", "customer": "C", "workloads": [
            ...     {"name": "w"}], "partners": [{"name": "P", "effort_hours": 1}]})
            >>> e.with_overrides({"rules.min_paid_seats": 300}).rules.min_paid_seats
            300
        """
        import copy

        from .io import _set_path

        data = copy.deepcopy(self.model_dump(mode="json"))
        label = f"overrides of {self.name!r}"
        for path, new in overrides.items():
            _set_path(data, str(path), new, label)
        return engagement_from_data(data, label)

    def holder(self, role: str, workload: str) -> str | None:
        """The partner in a role for a workload (transacting or claiming), if any."""
        for p in self.partners:
            if workload in getattr(p, role):
                return p.name
        return None


def _rule_amounts(eng: Engagement, w: Workload) -> dict[str, tuple[float, str]]:
    """What Microsoft pays for one workload under each rule, with a note."""
    r, months = eng.rules, eng.months
    out: dict[str, tuple[float, str]] = {}
    if w.kind == "azure":
        out["TPOR"] = (r.pec_rate * w.azure_consumption_per_month * months, "PEC on Azure")
        out["PAL"] = (r.pal_rate * w.azure_consumption_per_month * months, "Azure attribution")
    else:
        out["TPOR"] = (r.resale_margin * w.license_revenue_per_month * months, "resale margin")
    if w.kind in USAGE_KINDS:
        if w.paid_seats >= r.min_paid_seats:
            units = min(w.active_users, r.usage_max_units)
            out["CPOR"] = (r.usage_rate_per_unit * units, f"usage incentive on {units} units")
        else:
            out["CPOR"] = (0.0, f"{w.paid_seats} paid seats, below the {r.min_paid_seats} "
                                "needed for usage incentives")
    if w.program == "ea" and w.kind != "azure":
        out["DPOR"] = (r.dpor_rate * w.license_revenue_per_month * months, "EA online services")
    return out


def earnings_under_rules(eng: Engagement) -> pd.DataFrame:
    """One row per workload and rule: the partner Microsoft recognizes and what it earns.

    A workload with nobody in the role shows partner ``None`` and 0 (Microsoft pays no one).
    """
    rows = []
    for w in eng.workloads:
        for rule, (amount, note) in _rule_amounts(eng, w).items():
            role = "transacting" if rule == "TPOR" else "claiming"
            who = eng.holder(role, w.name)
            if who is None:
                amount, note = 0.0, f"no {role} partner: Microsoft pays no one"
            rows.append({"workload": w.name, "rule": rule, "partner": who, "amount": amount,
                         "note": note})
    return pd.DataFrame(rows, columns=["workload", "rule", "partner", "amount", "note"])


def incentive_pool(eng: Engagement) -> pd.Series:
    """What Microsoft pays for the engagement under each rule (workloads with a partner in the
    role), computed from the workloads alone.

    Example:
        >>> eng = Engagement.model_validate({"name": "x", "customer": "C", "workloads": [
        ...     {"name": "w", "license_revenue_per_month": 100}], "partners": [
        ...     {"name": "P", "transacting": ["w"], "effort_hours": 5}]})
        >>> float(incentive_pool(eng)["TPOR"])  # 0.20 x 100 x 12 months
        240.0
    """
    pool = dict.fromkeys(RULES, 0.0)
    for w in eng.workloads:
        for rule, (amount, _) in _rule_amounts(eng, w).items():
            role = "transacting" if rule == "TPOR" else "claiming"
            if any(w.name in getattr(p, role) for p in eng.partners):
                pool[rule] += amount
    return pd.Series(pool, name="pool")


def negotiated_split(eng: Engagement, method: str | None = None) -> pd.DataFrame:
    """Each partner: what the rules give it, its target under the split and the side payment
    (positive: it receives; negative: it pays). ``method`` overrides ``eng.split``.

    Example:
        >>> eng = Engagement.model_validate({"name": "x", "customer": "C", "workloads": [
        ...     {"name": "w", "license_revenue_per_month": 100}], "partners": [
        ...     {"name": "A", "transacting": ["w"], "effort_hours": 1},
        ...     {"name": "B", "effort_hours": 3}], "shared_rules": ["TPOR"]})
        >>> negotiated_split(eng)["side_payment"].to_dict()  # pool 240: A 60, B 180
        {'A': -180.0, 'B': 180.0}
    """
    how = method or eng.split
    if method is not None and method != eng.split:  # the same checks as in a file
        eng = engagement_from_data({**eng.model_dump(), "split": method}, f"split={method}")
    table = earnings_under_rules(eng)
    shared = table["rule"].isin(eng.shared_rules)
    earned = table[shared].groupby("partner")["amount"].sum()
    kept = table[~shared].groupby("partner")["amount"].sum()
    names = [p.name for p in eng.partners]
    under = pd.Series([float(earned.get(n, 0.0)) for n in names], index=names)
    pool = float(incentive_pool(eng)[list(eng.shared_rules)].sum())
    if how == "share":
        weight = pd.Series([p.share or 0.0 for p in eng.partners], index=names)
    else:
        attr = "cost" if how == "cost" else "effort_hours"
        raw = pd.Series([float(getattr(p, attr)) for p in eng.partners], index=names)
        weight = raw / raw.sum()
    target = pool * weight
    df = pd.DataFrame({"under_rules": under, "weight": weight, "target": target,
                       "side_payment": target - under,
                       "kept_outside_pool": [float(kept.get(n, 0.0)) for n in names]})
    df.index.name = "partner"
    return df


def settlements(split: pd.DataFrame) -> pd.DataFrame:
    """The cheques that make a split happen: payer, payee, amount (fewest by matching the
    largest payer with the largest payee).

    Example:
        >>> df = pd.DataFrame({"side_payment": [-100.0, 60.0, 40.0]}, index=["A", "B", "C"])
        >>> settlements(df).values.tolist()
        [['A', 'B', 60.0], ['A', 'C', 40.0]]
    """
    pay = {k: -v for k, v in split["side_payment"].items() if v < -1e-9}
    get = {k: v for k, v in split["side_payment"].items() if v > 1e-9}
    rows = []
    while pay and get:
        a = max(pay, key=lambda k: pay[k])
        b = max(get, key=lambda k: get[k])
        amount = min(pay[a], get[b])
        rows.append({"payer": a, "payee": b, "amount": amount})
        pay[a] -= amount
        get[b] -= amount
        if pay[a] <= 1e-9:
            del pay[a]
        if get[b] <= 1e-9:
            del get[b]
    return pd.DataFrame(rows, columns=["payer", "payee", "amount"])


def roles_table(eng: Engagement) -> pd.DataFrame:
    """Workloads x partners: the roles each partner holds (for a notebook table)."""
    data = {p.name: [", ".join(r for r in ROLES if w.name in getattr(p, r)) or "-"
                     for w in eng.workloads] for p in eng.partners}
    return pd.DataFrame(data, index=pd.Index([w.name for w in eng.workloads], name="workload"))


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------
def load_engagement(path: str | os.PathLike[str]) -> Engagement:
    """Load and validate an engagement file; errors name the file, the field path, the value
    and what is allowed (a :class:`cspmodel.ScenarioError`).

    Example:
        >>> load_engagement("engagements/two_partners_one_customer.yaml")  # doctest: +SKIP
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(p), "", MISSING, "no such file")]) from None
    return engagement_from_text(text, str(p))


def engagement_from_text(text: str, source: str = "<text>") -> Engagement:
    """Validate an engagement given as YAML text."""
    from .io import parse_yaml

    data = parse_yaml(text, source)
    return engagement_from_data(data, source)


def engagement_from_data(data: dict[str, Any], source: str = "<data>") -> Engagement:
    """Validate a mapping into an Engagement, or raise ScenarioError."""
    from .io import _problems

    try:
        return Engagement.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc, data, source)
        fixed = []
        for prob, err in zip(problems, _kept(exc), strict=False):
            if err["type"] == "extra_forbidden":
                prob = Problem(prob.source, prob.path, prob.value,
                               _unknown_key(tuple(err["loc"])))
            fixed.append(prob)
        raise ScenarioError(fixed) from None


def _kept(exc: ValidationError) -> list[dict[str, Any]]:
    """The errors io._problems reports (it drops a list's too_short when its items failed)."""
    errors = exc.errors(include_url=False)
    return [e for e in errors if not (e["type"] == "too_short" and any(
        len(o["loc"]) > len(e["loc"]) and tuple(o["loc"][: len(e["loc"])]) == tuple(e["loc"])
        for o in errors))]


def _unknown_key(loc: tuple[Any, ...]) -> str:
    import difflib

    model: Any = Engagement
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            break
        ann = field.annotation
        inner = [a for a in getattr(ann, "__args__", ()) if isinstance(a, type)]
        model = ann if isinstance(ann, type) else (inner[0] if inner else model)
    allowed = list(model.model_fields)
    key = str(loc[-1])
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{key}'{hint}; allowed keys here: {', '.join(allowed)}"
