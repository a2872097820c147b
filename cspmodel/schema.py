"""The scenario format: frozen, typed, validated pydantic models.

A scenario is one YAML file a partner writes to describe its business. Every key has a meaning, a
unit (in the key's name where a number could be misread), a default from
:mod:`cspmodel.catalog` with its source, and an allowed range. Unknown keys are refused.

Example:
    >>> s = Scenario.model_validate({"name": "demo", "segments": [{"name": "SMB",
    ...     "product_mix": {"m365_business_premium": 1.0}}]})
    >>> s.horizon_months, s.channel.model
    (36, 'indirect')
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidatorFunctionWrapHandler,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from . import catalog
from .catalog import FACTS, PRODUCTS, VENDOR_PLANS
from .checking import describe_bounds, field_bounds, set_path, validated  # noqa: F401
from .terms import TERM_KEYS, TERMS  # noqa: E402,F401 - the term table: term_mix keys
from .util import add_months

PAYMENT_KEYS = ("card", "ach", "invoice")


# The most a partner's business can justify, by unit, for keys without a bound of their own
# (a value past it is a typo or a unit mistake, e.g. cents for dollars); the scenario reference
# lists them with their reasons
UNIT_CAPS: dict[str, tuple[float, str]] = {
    "currency/yr": (1e9, "a yearly cost line of a billion is past any CSP partner's scale"),
    "currency/month": (1e8, "a monthly fee of a hundred million is past any CSP partner"),
    "currency/seat/month": (1e4, "the dearest licence or support seat costs about 1,000 a month"),
    "currency/seat": (1e5, "a one-time price or cost per seat of 100,000 is past any project"),
    "currency/customer": (1e7, "a one-time amount per customer of 10 million"),
    "currency/hour": (1e4, "an hourly labour rate of 10,000"),
    "currency/charge": (1e4, "a fee of 10,000 per payment"),
    "currency/change": (1e4, "an admin cost of 10,000 per licence change"),
    "currency/invoice": (1e4, "an invoicing cost of 10,000 per invoice"),
    "currency/ticket": (1e5, "a fee of 100,000 per escalated ticket"),
    "currency/12 months": (1e12, "a programme threshold past a trillion"),
    "currency/period": (1e12, "a commission quota past a trillion"),
    "customers": (1e6, "a million customers is past the largest CSP partner's book"),
    "customers/month": (1e5, "100,000 new customers a month"),
    "seats": (1e6, "a million seats per customer is past the largest tenant"),
    "people": (1e3, "a thousand engineers on every 24/7 shift"),
}
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the horizon's months lie within these years
TINY = 1e-9  # a number this close to 0 but not 0 is a mistake (and breaks the arithmetic)


def _capped(unit: str, constraints: dict[str, Any]) -> dict[str, Any]:
    """The constraints of a field with its unit's cap when it has no upper bound of its own."""
    if unit in UNIT_CAPS and "le" not in constraints and "lt" not in constraints:
        return {**constraints, "le": UNIT_CAPS[unit][0]}
    return constraints


def sourced(key: str, description: str, unit: str = "", **constraints: Any) -> Any:
    """A pydantic Field whose default comes from the catalog, with its source in the schema."""
    fact = FACTS[key]
    extra = {"unit": unit, "source": fact.source, "confidence": fact.confidence}
    default = fact.value
    if isinstance(default, int) and not isinstance(default, bool) and unit not in ("days", ""):
        default = float(default)
    return Field(default=default, description=description, json_schema_extra=extra,
                 **_capped(unit, constraints))


def plain(default: Any, description: str, unit: str = "", **constraints: Any) -> Any:
    """A pydantic Field with a plain default (no external source: a choice of the partner)."""
    extra = {"unit": unit, "source": "partner's own figure", "confidence": "assumption"}
    return Field(default=default, description=description, json_schema_extra=extra,
                 **_capped(unit, constraints))


Money = Annotated[float, Field(ge=0.0)]


class FrozenDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes, so a frozen scenario's mappings are frozen too.

    Example:
        >>> mix = FrozenDict({"m365_business_basic": 1.0})
        >>> mix["m365_e3"] = 0.5
        Traceback (most recent call last):
        TypeError: a scenario cannot be changed in place; use with_overrides(...)
    """

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a scenario cannot be changed in place; use with_overrides(...)")

    __setitem__ = __delitem__ = __ior__ = _refuse
    update = pop = popitem = clear = setdefault = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return FrozenDict(copy.deepcopy(dict(self), memo))


class Frozen(BaseModel):
    """Base of every scenario block: frozen, and no key that the format does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True,
                              allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _plain_numbers(cls, data: Any) -> Any:
        """A number is written as a number: true/false is not 1/0, and a value this close to 0
        (below 1e-9) is a mistake; a mapping of numbers (a mix) takes finite values only."""
        if not isinstance(data, dict):
            return data
        for name, value in data.items():
            field = cls.model_fields.get(name) if isinstance(name, str) else None
            if field is None:
                continue
            if isinstance(value, bool) and _numeric(field.annotation):
                raise _located((name,), value, "must be a number, not true or false")
            number = value
            if isinstance(value, str) and _numeric(field.annotation):
                try:
                    number = float(value)  # YAML reads 1e-320 (no dot) as text
                except ValueError:
                    number = None
            if isinstance(number, float) and number != 0 and abs(number) < TINY:
                raise _located((name,), value, f"too small to mean anything; write 0 or a "
                               f"value of at least {TINY:g}")
            if isinstance(value, dict):
                for key, v in value.items():
                    if isinstance(v, bool) or (isinstance(v, float) and not math.isfinite(v)):
                        raise _located((name, key), v, "must be a finite number; got {value}")
        return data

    @model_validator(mode="wrap")
    @classmethod
    def _uncertain(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # a numeric driver may be a distribution ({dist: beta, a: 2, b: 18}): see distributions
        from .distributions import validate_uncertain

        return validate_uncertain(cls, data, handler)

    @model_serializer(mode="wrap")
    def _write_uncertain(self, handler: SerializerFunctionWrapHandler) -> Any:
        from .distributions import serialize_uncertain

        return serialize_uncertain(self, handler(self))


def _numeric(ann: Any) -> bool:
    """Whether a field's type is a number (int or float, also inside ``X | None``)."""
    import typing

    for _ in range(4):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if typing.get_origin(ann) is Annotated:
            ann = args[0]
        elif args and len(args) == 1:
            ann = args[0]
        else:
            break
    return ann in (int, float)


def _check_mix(mix: dict[str, float], what: str, allowed: tuple[str, ...] | None = None) -> None:
    if allowed is not None:
        for key in mix:
            if key not in allowed:
                raise PydanticCustomError(
                    "unknown_mix_key",
                    "unknown {what} '{key}'; allowed: {allowed}",
                    {"what": what, "key": key, "allowed": ", ".join(allowed)},
                )
    for key, share in mix.items():
        if not (0.0 <= share <= 1.0) or math.isnan(share):
            raise PydanticCustomError(
                "share_range",
                "{what} share of '{key}' is {share}; each share must be between 0 and 1",
                {"what": what, "key": key, "share": share},
            )
    total = sum(mix.values())
    if abs(total - 1.0) > 1e-6:
        raise PydanticCustomError(
            "mix_sum",
            "{what} shares sum to {total}; they must add up to 1 (for example 0.25 + 0.75)",
            {"what": what, "total": f"{total:g}"},
        )


# --------------------------------------------------------------------------------------------
# Terms, channel
# --------------------------------------------------------------------------------------------
class Terms(Frozen):
    """Price factors of the New Commerce Experience terms, relative to the annual list price.

    Microsoft's cancellation window (168 hours after a purchase, renewal or addition, with a
    prorated refund) is shorter than the model's month: every commitment is binding from the
    month it starts, and no key pretends otherwise.
    """

    monthly_term_factor: float = sourced(
        "monthly_term_factor", "Price of a monthly term relative to the annual list price",
        "x list", ge=1.0, le=3.0)
    annual_billed_monthly_factor: float | None = Field(
        default=None,
        description="Price of an annual term billed monthly relative to annual upfront; empty "
        "means the dated default: 1.05 from 2025-04-01, 1.00 before",
        json_schema_extra={"unit": "x list",
                           "source": FACTS["annual_billed_monthly_factor"].source,
                           "confidence": "sourced"},
        ge=1.0, le=2.0)
    annual_upfront_factor: float = sourced(
        "annual_upfront_factor", "Price of an annual term paid upfront relative to list",
        "x list", ge=0.5, le=2.0)


class DirectCosts(Frozen):
    """Yearly costs that only a direct-bill partner carries."""

    billing_platform_per_year: Money = sourced(
        "direct_billing_platform_per_year", "Own billing platform beyond costs.systems",
        "currency/yr")
    provisioning_per_year: Money = sourced(
        "direct_provisioning_per_year", "Provisioning tools and integration", "currency/yr")
    portal_per_year: Money = sourced(
        "direct_portal_per_year", "Customer self-service portal", "currency/yr")
    training_per_year: Money = sourced(
        "direct_training_per_year", "Staff training for direct bill", "currency/yr")
    compliance_per_year: Money = sourced(
        "direct_compliance_per_year", "Programme reassessment, security score, credit checks",
        "currency/yr")


class IndirectCosts(Frozen):
    """What the distributor takes from an indirect reseller."""

    distributor_margin: float = sourced(
        "distributor_margin", "Share of the list price (ERP) the distributor keeps",
        "share of list", ge=0.0, le=0.5)
    distributor_fee_per_month: Money = plain(
        0.0, "Fixed platform fee charged by the distributor", "currency/month")
    escalation_fee_per_ticket: Money = plain(
        0.0, "Fee per ticket escalated to Microsoft through the distributor", "currency/ticket")
    pec_passed_on: float = plain(
        1.0, "Share of the partner-earned credit on Azure the distributor passes on to the "
        "reseller", "share", ge=0.0, le=1.0)
    azure_margin: float = plain(
        0.0, "Distributor's charge on Azure consumption, as a share of Microsoft's retail price",
        "share", ge=0.0, le=0.5)


class Channel(Frozen):
    """How the partner buys licenses: directly from Microsoft or through a distributor."""

    model: Literal["direct", "indirect"] = plain(
        "indirect", "direct (direct-bill CSP) or indirect (reseller through a distributor)")
    partner_discount: float = sourced(
        "partner_discount", "Partner margin at Microsoft's partner price, as a share of list "
        "(ERP)", "share of list", ge=0.0, le=0.9)
    dpo_days: int | None = Field(
        default=None, ge=0, le=180,
        description="Days the partner takes to pay Microsoft or the distributor; empty means "
        "60 direct, 30 indirect",
        json_schema_extra={"unit": "days", "source": FACTS["dpo_days_direct"].source + "; "
                           + FACTS["dpo_days_indirect"].source, "confidence": "sourced"})
    pec_rate: float = sourced(
        "pec_rate", "Partner-earned credit on eligible Azure consumption the partner manages "
        "(none on reservations, savings plans, marketplace or spot)", "share", ge=0.0, le=0.5)
    direct: DirectCosts = Field(default_factory=DirectCosts,
                                description="Costs applied when model is direct")
    indirect: IndirectCosts = Field(default_factory=IndirectCosts,
                                    description="Costs applied when model is indirect")

    @property
    def payment_days(self) -> int:
        """Days payable outstanding in force (the explicit value or the channel's default)."""
        if self.dpo_days is not None:
            return self.dpo_days
        key = "dpo_days_direct" if self.model == "direct" else "dpo_days_indirect"
        return int(FACTS[key].value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------------------------
class PriceChange(Frozen):
    """A dated change of list price; it reaches customers at their next renewal."""

    effective: dt.date = Field(description="Date the new list price takes effect (YYYY-MM-DD)")

    @field_validator("effective", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return _no_number_date(v)
    list_price_per_seat_month: float = Field(gt=0, le=UNIT_CAPS["currency/seat/month"][0],
                                             description="New list price",
                                             json_schema_extra={"unit": "currency/seat/month"})


class ProductSpec(Frozen):
    """A product the partner sells: a catalog reference with optional overrides, or its own."""

    id: str = Field(description="Catalog id (see the catalog list) or an id of your own",
                    min_length=1)
    name: str | None = Field(default=None, description="Display name")
    list_price_per_seat_month: float | None = Field(
        default=None, gt=0, le=UNIT_CAPS["currency/seat/month"][0],
        description="List price (ERP, annual term); empty means the "
        "catalog's dated price", json_schema_extra={"unit": "currency/seat/month"})
    partner_discount: float | None = Field(
        default=None, ge=0.0, le=0.9, description="Partner margin for this product; empty "
        "means channel.partner_discount", json_schema_extra={"unit": "share of list"})
    terms: tuple[Literal["monthly", "annual", "triennial"], ...] | None = Field(
        default=None, description="Terms offered; empty means the catalog's")
    price_changes: tuple[PriceChange, ...] = Field(
        default=(), description="Dated list-price changes, applied at renewal")
    monthly_term_factor: float | None = Field(
        default=None, ge=1.0, le=3.0, description="This product's monthly-term price relative "
        "to its annual list price (a price list gives it: 1.20 for most, about 1.11 for "
        "Windows 365); empty means terms.monthly_term_factor",
        json_schema_extra={"unit": "x list"})
    annual_billed_monthly_factor: float | None = Field(
        default=None, ge=1.0, le=2.0, description="This product's annual term billed monthly "
        "relative to its annual list price; empty means terms.annual_billed_monthly_factor",
        json_schema_extra={"unit": "x list"})
    sku: str | None = Field(default=None, description="Microsoft's ProductId:SkuId, when the "
                            "product comes from a price list")
    kind: Literal["base", "addon"] | None = Field(
        default=None, description="base (a user's main licence, which takes the support plan) "
        "or addon (Copilot, Defender...: no support plan); empty means the catalog's, or base")

    @model_validator(mode="after")
    def _known(self) -> ProductSpec:
        if self.id not in PRODUCTS and self.list_price_per_seat_month is None:
            raise PydanticCustomError(
                "unknown_product",
                "unknown product '{id}'; the catalog has: {known}; or give "
                "list_price_per_seat_month to define a product of your own",
                {"id": self.id, "known": ", ".join(sorted(PRODUCTS))},
            )
        return self


# --------------------------------------------------------------------------------------------
# Segments
# --------------------------------------------------------------------------------------------
class AzureConsumption(Frozen):
    """A segment's Azure consumption under CSP: sold at retail, billed after the month."""

    consumption_per_customer_month: Money = plain(
        0.0, "Azure consumption per customer per month at Microsoft's retail pay-as-you-go "
        "prices (0: no Azure)", "currency/month")
    growth_annual: float = plain(0.0, "Yearly growth of each customer's consumption",
                                 "share/yr", ge=-0.9, le=5.0)
    volatility_monthly: float = plain(
        0.0, "Month-to-month standard deviation of a customer's consumption around its "
        "expected level (Monte Carlo draws it)", "share", ge=0.0, le=2.0)
    seasonality: tuple[float, ...] = Field(
        default=(1.0,) * 12, description="12 factors on consumption, January to December, "
        "that average 1 (e.g. 1.3 in a retailer's December)",
        json_schema_extra={"unit": "factor", "source": "partner's own figure",
                           "confidence": "assumption"})
    pec_eligible_share: float = plain(
        1.0, "Share of consumption that earns partner-earned credit: meters the partner "
        "manages through an admin relationship (no reservations, marketplace or spot)",
        "share", ge=0.0, le=1.0)
    reserved_share: float = plain(
        0.0, "Share of consumption bought as reservations or savings plans (no PEC on it)",
        "share", ge=0.0, le=1.0)
    reservation_discount: float = Field(
        default=0.0, ge=0.0, le=float(FACTS["reservation_discount_max"].value),
        description="Saving of reservations against pay-as-you-go (up to 72% for three years)",
        json_schema_extra={"unit": "share", "source": "partner's own figure; at most "
                           + FACTS["reservation_discount_max"].source,
                           "confidence": "assumption"})
    markup_vs_retail: float = plain(
        0.0, "Price to the customer above (+) or below (-) Microsoft's retail price", "share",
        ge=-0.5, le=2.0)
    management_fee_share: float = plain(
        0.0, "Management fee charged on the customer's Azure spend", "share", ge=0.0, le=1.0)
    smoothing_months: int = plain(
        0, "0: consumption billed as used; N (2 to 12): the customer pays a level monthly "
        "budget and a true-up every N months", "months", ge=0, le=12)
    payment_days: int = plain(30, "Days a customer takes to pay a consumption invoice",
                              "days", ge=0, le=180)
    bad_debt_rate: float = sourced("bad_debt_rate", "Share of consumption billings never "
                                   "collected (the partner owes Microsoft regardless)", "share",
                                   ge=0.0, le=0.5)

    @field_validator("seasonality")
    @classmethod
    def _seasonality(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if len(v) != 12:
            raise PydanticCustomError("seasonality", "give 12 factors, January to December; "
                                      "got {n}", {"n": len(v)})
        if any(not math.isfinite(x) or x < 0 for x in v):
            raise PydanticCustomError("seasonality", "each factor must be 0 or more; got "
                                      "{v}", {"v": list(v)})
        if abs(sum(v) - 12.0) > 0.01:
            raise PydanticCustomError(
                "seasonality", "the 12 factors must average 1 (sum to 12); they sum to {total}",
                {"total": f"{sum(v):g}"})
        return tuple(float(x) for x in v)

    @field_validator("smoothing_months")
    @classmethod
    def _smoothing(cls, v: int) -> int:
        if v == 1:
            raise PydanticCustomError("smoothing", "1 month is billing as used; write 0, or "
                                      "2 to 12 months between true-ups", {})
        return v


class Financing(Frozen):
    """Financing new customers' onboarding and deployment, tied to a managed-services plan."""

    share: float = plain(0.0, "Share of new customers whose onboarding and deployment price "
                         "is financed", "share", ge=0.0, le=1.0)
    months: int = plain(24, "Months over which the financed price is repaid", "months", ge=1,
                        le=120)
    annual_rate: float = plain(0.0, "Interest charged on the financed price, per year",
                               "share/yr", ge=0.0, le=0.5)


class Segment(Frozen):
    """A group of similar customers: how many, how big, what they buy and on which terms."""

    name: str = Field(min_length=1, description="Segment name, e.g. SMB")
    customers_at_start: float = plain(30.0, "Customers at the start of the horizon", "customers",
                                      ge=0)
    new_customers_per_month: float = plain(1.0, "Customers won each month", "customers/month",
                                           ge=0)
    churn_annual: float = plain(0.10, "Share of customers lost per year (annual terms leave "
                                "at renewal)", "share/yr", ge=0.0, le=1.0)
    seats_per_customer: float = plain(15.0, "Users per customer when they join", "seats", gt=0)
    seats_per_customer_at_start: float | None = Field(
        default=None, gt=0, le=UNIT_CAPS["seats"][0],
        description="Users per customer of the book at the start; empty: seats_per_customer",
        json_schema_extra={"unit": "seats", "source": "partner's own figure",
                           "confidence": "assumption"})
    seat_growth_annual: float = plain(0.05, "Net growth of users per customer per year "
                                      "(negative shrinks)", "share/yr", ge=-0.9, le=5.0)
    seat_volatility_annual: float = plain(
        0.10, "Yearly standard deviation of a customer's user count: gross additions and "
        "reductions around the growth", "share/yr", ge=0.0, le=2.0)
    product_mix: dict[str, float] = Field(
        description="Share of users on each base product; shares add up to 1")
    addons: dict[str, float] = Field(
        default_factory=dict, description="Share of users who also take an add-on (each 0..1)")
    term_mix: dict[str, float] = Field(
        default_factory=lambda: {"monthly": 0.2, "annual_billed_monthly": 0.5,
                                 "annual_upfront": 0.3},
        description="Share of customers on each term: monthly, annual_billed_monthly, "
        "annual_upfront, triennial_billed_monthly, triennial_billed_yearly, "
        "triennial_upfront (three-year terms, for the products that offer them); adds up to 1")
    contract_policy: Literal["mirror", "flexible"] = plain(
        "mirror", "mirror: the customer is bound like the partner; flexible: the customer may "
        "drop seats mid-term and the partner pays for them until renewal")
    support_tier: str = plain("included", "Support tier sold to this segment (see support.tiers)")
    payment_mix: dict[str, float] = Field(
        default_factory=lambda: {"card": 0.5, "ach": 0.2, "invoice": 0.3},
        description="Share of billings paid by card, ach (debit) and invoice; adds up to 1")
    prepay_discount: float = plain(0.0, "Discount given for paying an annual term upfront",
                                   "share", ge=0.0, le=0.5)
    markup_vs_list: float = plain(0.0, "Sell price above (+) or below (-) list price", "share",
                                  ge=-0.5, le=2.0)
    lapse_share: float = plain(
        0.0, "Share of expiring annual and three-year subscriptions neither renewed nor "
        "cancelled: from 2026-05-04 they continue month to month on the extended service term "
        "(monthly price + 3%; partner's own figure)", "share", ge=0.0, le=1.0)
    azure: AzureConsumption = Field(default_factory=AzureConsumption,
                                    description="Azure consumption (none by default)")
    financing: Financing = Field(default_factory=Financing,
                                 description="Financed onboarding and deployment")

    @field_validator("product_mix")
    @classmethod
    def _product_mix(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise PydanticCustomError("empty_mix", "product_mix is empty; name at least one "
                                      "product with share 1")
        _check_mix(v, "product_mix")
        return FrozenDict(v)

    @field_validator("addons")
    @classmethod
    def _addons(cls, v: dict[str, float]) -> dict[str, float]:
        for key, share in v.items():
            if not (0.0 <= share <= 1.0):
                raise PydanticCustomError(
                    "share_range", "addons share of '{key}' is {share}; it must be between 0 "
                    "and 1", {"key": key, "share": share})
        return FrozenDict(v)

    @field_validator("term_mix")
    @classmethod
    def _term_mix(cls, v: dict[str, float]) -> dict[str, float]:
        _check_mix(v, "term_mix", TERM_KEYS)
        return FrozenDict({k: float(v.get(k, 0.0)) for k in TERM_KEYS})

    @field_validator("payment_mix")
    @classmethod
    def _payment_mix(cls, v: dict[str, float]) -> dict[str, float]:
        _check_mix(v, "payment_mix", PAYMENT_KEYS)
        return FrozenDict({k: float(v.get(k, 0.0)) for k in PAYMENT_KEYS})


# --------------------------------------------------------------------------------------------
# Support
# --------------------------------------------------------------------------------------------
class SupportTier(Frozen):
    """A support plan the partner sells, priced per seat per month."""

    price_per_seat_month: Money = plain(0.0, "Price to the customer", "currency/seat/month")
    tickets_per_seat_month: float = sourced(
        "tickets_per_seat_month", "Tickets raised per user per month", "tickets/seat/month",
        ge=0.0, le=10.0)
    minutes_per_ticket: float = sourced("minutes_per_ticket", "Level-1 handling time",
                                        "minutes", gt=0.0, le=600.0)
    escalation_rate: float = sourced("escalation_rate", "Share of tickets escalated", "share",
                                     ge=0.0, le=1.0)
    escalation_minutes: float = sourced("escalation_minutes",
                                        "Extra partner minutes per escalated ticket", "minutes",
                                        ge=0.0, le=1200.0)
    coverage: Literal["business_hours", "24x7"] = plain(
        "business_hours", "business_hours, or 24x7 (a staffing floor of 168 h/week)")


def _default_tiers() -> dict[str, SupportTier]:
    return {
        "included": SupportTier(
            tickets_per_seat_month=catalog.value("tickets_per_seat_month_included")),
        "standard": SupportTier(
            price_per_seat_month=catalog.value("standard_support_price_per_seat_month")),
        "premium_247": SupportTier(
            price_per_seat_month=catalog.value("premium_support_price_per_seat_month"),
            coverage="24x7"),
    }


class Support(Frozen):
    """Support the partner sells and the labor behind it; the vendor plan of a direct partner."""

    tiers: dict[str, SupportTier] = Field(
        default_factory=_default_tiers,
        description="Tiers by name; defaults: included (no price), standard, premium_247")
    labor_rate_per_hour: Money = sourced("labor_rate_per_hour", "Loaded cost of a support "
                                         "engineer", "currency/hour")
    utilization: float = sourced("utilization", "Share of paid hours spent on tickets", "share",
                                 gt=0.0, le=1.0)
    staff_on_shift_247: float = plain(1.0, "Engineers on shift at every hour for a 24x7 tier",
                                      "people", ge=0.0)
    vendor_plan: str | None = Field(
        default=None,
        description="Microsoft support plan a direct partner must hold: "
        + " or ".join(VENDOR_PLANS) + "; empty for none",
        json_schema_extra={"unit": "", "source": FACTS[
            "advanced_support_for_partners_per_year"].source, "confidence": "stale"})
    vendor_plan_cost_per_year: Money | None = Field(
        default=None, le=UNIT_CAPS["currency/yr"][0],
        description="Yearly price of the vendor plan; empty means the catalog's",
        json_schema_extra={"unit": "currency/yr"})

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, SupportTier]) -> dict[str, SupportTier]:
        return FrozenDict(v)

    @field_validator("vendor_plan")
    @classmethod
    def _plan(cls, v: str | None) -> str | None:
        if v is not None and v not in VENDOR_PLANS:
            raise PydanticCustomError(
                "unknown_vendor_plan", "unknown vendor plan '{v}'; allowed: {allowed}",
                {"v": v, "allowed": ", ".join(VENDOR_PLANS)})
        return v

    @property
    def vendor_plan_yearly_cost(self) -> float:
        """Yearly cost of the vendor plan (0 when there is none)."""
        if self.vendor_plan is None:
            return 0.0
        if self.vendor_plan_cost_per_year is not None:
            return self.vendor_plan_cost_per_year
        return catalog.value(VENDOR_PLANS[self.vendor_plan])


# --------------------------------------------------------------------------------------------
# Costs, services, billing
# --------------------------------------------------------------------------------------------
class Costs(Frozen):
    """The cost-of-service lines (seed 004, 'Microsoft CSP Cost of Doing Business')."""

    card_fee_rate: float = sourced("card_fee_rate", "Card processing, share of the amount",
                                   "share", ge=0.0, le=0.2)
    card_fee_per_charge: Money = sourced("card_fee_per_charge", "Card processing per charge",
                                         "currency/charge")
    ach_fee_rate: float = sourced("ach_fee_rate", "Debit (ACH) fee, share of the amount",
                                  "share", ge=0.0, le=0.2)
    ach_fee_cap: Money = sourced("ach_fee_cap", "Cap of the debit fee per charge",
                                 "currency/charge")
    license_admin_per_seat_change: Money = sourced(
        "license_admin_per_seat_change", "Admin per license added, removed or provisioned",
        "currency/change")
    accounting_per_invoice: Money = sourced("accounting_per_invoice", "Invoicing and "
                                            "collection work per invoice", "currency/invoice")
    accounting_per_month: Money = sourced("accounting_per_month", "Monthly close and vendor "
                                          "reconciliation", "currency/month")
    compliance_per_year: Money = sourced("compliance_per_year", "PCI and other compliance",
                                         "currency/yr")
    systems_per_year: Money = sourced("systems_per_year", "Ticketing, billing, PSA/CRM",
                                      "currency/yr")
    systems_per_seat_month: Money = sourced("systems_per_seat_month", "Per-seat tools (RMM, "
                                            "security)", "currency/seat/month")
    commission_rate: float = sourced("commission_rate", "Sales commission on recurring "
                                     "revenue (flat)", "share", ge=0.0, le=0.5)
    acquisition_cost_per_customer: Money = sourced(
        "acquisition_cost_per_customer", "Marketing and sales per new customer",
        "currency/customer")
    bad_debt_rate: float = sourced("bad_debt_rate", "Share of billings never collected",
                                   "share", ge=0.0, le=0.5)


class Services(Frozen):
    """One-time projects sold to new customers."""

    onboarding_price_per_customer: Money = sourced(
        "onboarding_price_per_customer", "Onboarding project price", "currency/customer")
    onboarding_cost_per_customer: Money = sourced(
        "onboarding_cost_per_customer", "Onboarding delivery cost", "currency/customer")
    deployment_price_per_seat: Money = plain(0.0, "Deployment or migration price per new seat",
                                             "currency/seat")
    deployment_cost_per_seat: Money = plain(0.0, "Deployment or migration cost per new seat",
                                            "currency/seat")


class Billing(Frozen):
    """When customers pay."""

    dso_days: int = sourced("dso_days", "Days to collect an invoice", "days", ge=0, le=180)


class Thresholds(Frozen):
    """Microsoft programme thresholds (warnings in the result, not errors)."""

    direct_bill_min_ttm_revenue: Money | None = Field(
        default=None, le=UNIT_CAPS["currency/12 months"][0],
        description="Direct-bill minimum trailing-12-month revenue; empty means "
        "the dated default (1,000,000 from 2025-10-01; 300,000 before)",
        json_schema_extra={"unit": "currency/12 months",
                           "source": FACTS["direct_bill_min_ttm_revenue"].source,
                           "confidence": "sourced"})
    indirect_reseller_min_ttm_revenue: Money = sourced(
        "indirect_reseller_min_ttm_revenue", "Indirect reseller minimum per tenant",
        "currency/12 months")


# --------------------------------------------------------------------------------------------
# Sales commission plans (seed 004); applied by cspmodel.commissions
# --------------------------------------------------------------------------------------------
class CommissionTier(Frozen):
    """A marginal rate that applies to the basis above a share of the quota."""

    from_attainment: float = plain(0.0, "Quota attainment from which this rate applies "
                                   "(0 = first unit, 1 = quota met)", "share of quota",
                                   ge=0.0, le=10.0)
    rate: float = plain(0.0, "Commission rate on the basis within this band", "share",
                        ge=0.0, le=1.0)


class CommissionPlan(Frozen):
    """One sales incentive plan: a product class, a basis, a rate, a payout timing."""

    name: str = Field(min_length=1, description="Name of the plan")
    product_class: Literal["resale", "support_plans", "services"] = plain(
        "resale", "What it pays on: licence resale, support (IP) plans or services")
    basis: Literal["revenue", "net"] = plain(
        "revenue", "Paid on revenue, or on net margin (revenue less the class's direct costs)")
    rate: float = plain(0.0, "Flat commission rate (used when no tiers are given)", "share",
                        ge=0.0, le=1.0)
    tiers: tuple[CommissionTier, ...] = Field(
        default=(), description="Marginal rates by quota attainment; the first starts at 0")
    quota: Money | None = Field(
        default=None, le=UNIT_CAPS["currency/period"][0],
        description="Basis amount per quota period that counts as 100% attainment (needed "
        "with tiers)", json_schema_extra={
            "unit": "currency/period", "source": "partner's own figure",
            "confidence": "assumption"})
    quota_period: Literal["month", "quarter", "year"] = plain(
        "year", "Period over which attainment accumulates (from the first month simulated)")
    payout: Literal["booking", "invoice", "cash_receipt"] = plain(
        "invoice", "When the commission is earned and paid: at booking (the committed term), "
        "at invoice, or when the customer pays")
    prorate: bool = plain(True, "Seats added mid-term earn commission on their prorated "
                          "charge (months left); false pays a full term on them")
    clawback_months: int = plain(0, "Sign-up commission recovered when a new customer leaves "
                                 "within this many months (0 = no clawback)", "months",
                                 ge=0, le=60)
    segments: tuple[str, ...] = Field(default=(), description="Segments the plan covers "
                                      "(empty = every segment)")

    @model_validator(mode="after")
    def _tiers(self) -> CommissionPlan:
        if self.tiers:
            starts = [t.from_attainment for t in self.tiers]
            if starts[0] != 0.0:
                raise _located(("tiers", 0, "from_attainment"), starts[0],
                               "the first tier must start at 0 (got {value})")
            for i in range(1, len(starts)):
                if starts[i] <= starts[i - 1]:
                    raise _located(("tiers", i, "from_attainment"), starts[i],
                                   "tiers must start at increasing attainments; got {value} "
                                   f"after {starts[i - 1]}")
            if self.quota is None or self.quota <= 0:
                raise _located(("quota",), self.quota,
                               "a tiered plan needs a quota greater than 0 (the basis amount "
                               "per quota_period that counts as 100%)")
        return self


class Commissions(Frozen):
    """Sales commission plans; with none, ``costs.commission_rate`` applies (flat)."""

    plans: tuple[CommissionPlan, ...] = Field(
        default=(), description="Commission plans; when given they replace "
        "costs.commission_rate")


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------
class CatalogSource(Frozen):
    """Where the products' prices come from: the catalog, or Microsoft's price list.

    With ``price_list`` (a Partner Center NCE licence-based price list, a path relative to the
    scenario file), each product named under ``products`` (a key of your own -> Microsoft's
    ``ProductId:SkuId``) takes its list price, dated price changes, partner discount, term
    factors and terms from the file, for ``segment`` (and on ``as_of``, default the latest).
    """

    price_list: str | None = Field(default=None, description="Partner Center NCE licence-based "
                                   "price list (CSV), relative to the scenario file")
    segment: str = plain("commercial", "Price list segment: commercial, education, charity or "
                         "government")
    as_of: dt.date | None = Field(default=None, description="Prices in force on this date; "
                                  "empty means the latest in the file")
    products: dict[str, str] = Field(
        default_factory=dict, description="Your product keys -> Microsoft's ProductId:SkuId "
        "in the price list")

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return _no_number_date(v)


def _no_number_date(v: Any) -> Any:
    """A date is written as a date (YYYY-MM-DD): a number is not read as seconds since 1970."""
    if isinstance(v, bool | int | float):
        raise PydanticCustomError("date", "'{v}' is not a date; write it as YYYY-MM-DD, e.g. "
                                  "2026-07-01", {"v": v})
    return v


def _as_month(v: Any) -> Any:
    """``YYYY-MM`` (or a date) as the first day of its month; a number or true/false is
    refused (it is not a month, whatever a date parser would make of it)."""
    if isinstance(v, bool | int | float):
        raise PydanticCustomError("month", "'{v}' is not a month; write it as YYYY-MM, e.g. "
                                  "2026-01", {"v": v})
    if isinstance(v, str):
        text = v.strip()
        try:
            if len(text) == 7:
                return dt.date.fromisoformat(text + "-01")
            return dt.date.fromisoformat(text).replace(day=1)
        except ValueError:
            raise PydanticCustomError(
                "month", "'{v}' is not a month; write it as YYYY-MM, e.g. 2026-01",
                {"v": v}) from None
    if isinstance(v, dt.date):
        return v.replace(day=1)
    return v


class Subscription(Frozen):
    """One subscription of the partner's book at the start: a customer's seats of one product
    on one term, and the month it next renews (on or after the scenario's start)."""

    customer: str = Field(min_length=1, description="The customer (a name or an id)")
    segment: str = Field(min_length=1, description="The segment it belongs to (a segment name)")
    product: str = Field(min_length=1, description="Product key (catalog or products)")
    term: Literal[TERM_KEYS] = Field(description="Term and billing: " + ", ".join(TERM_KEYS))  # type: ignore[valid-type]
    seats: float = Field(ge=0.0, le=UNIT_CAPS["seats"][0], description="Seats (licences)",
                         json_schema_extra={"unit": "seats"})
    renews: dt.date | None = Field(
        default=None, description="Month of its next renewal (YYYY-MM), on or after the "
        "start and within one term of it; empty for a monthly term")

    @field_validator("renews", mode="before")
    @classmethod
    def _month(cls, v: Any) -> Any:
        return None if v in ("", None) else _as_month(v)

    @field_serializer("renews")
    def _ser_month(self, v: dt.date | None) -> str | None:
        return None if v is None else v.strftime("%Y-%m")


class OpeningBook(Frozen):
    """The partner's own book at the start, subscription by subscription (in place of, or on
    top of, each segment's ``customers_at_start`` spread evenly over the renewal months).

    ``file`` names a CSV (relative to the scenario file) with the columns ``customer, segment,
    product, term, seats, renews``, as ``cspmodel import`` writes it; it is read at load and
    its rows become ``subscriptions``.
    """

    file: str | None = Field(default=None, description="Book CSV (customer, segment, product, "
                             "term, seats, renews), relative to the scenario file")
    subscriptions: tuple[Subscription, ...] = Field(
        default=(), description="The subscriptions at the start (read from file if given)")


class Scenario(Frozen):
    """One partner's business: the root of a scenario file.

    Example:
        >>> s = Scenario.model_validate({"name": "x", "segments": [{"name": "SMB",
        ...     "product_mix": {"m365_business_basic": 1}}]})
        >>> s.with_overrides({"channel.model": "direct",
        ...     "support.vendor_plan": "advanced_support_for_partners"}).channel.model
        'direct'
    """

    name: str = Field(min_length=1, description="Short name of the scenario")
    description: str = plain("", "Who this scenario describes")
    horizon_months: int = plain(36, "Months simulated", "months", ge=1, le=240)
    start_month: dt.date = plain(dt.date(2026, 1, 1), "First month simulated (YYYY-MM)")
    currency: str = plain("USD", "Currency of every amount (ISO code)", min_length=3,
                          max_length=3)
    discount_rate_annual: float = sourced("discount_rate_annual", "Discount rate for NPV",
                                          "share/yr", ge=0.0, le=1.0)
    terms: Terms = Field(default_factory=Terms, description="Term price factors")
    channel: Channel = Field(default_factory=Channel, description="Direct or indirect")
    catalog: CatalogSource = Field(default_factory=CatalogSource,
                                   description="A price list the products come from")
    products: tuple[ProductSpec, ...] = Field(
        default=(), description="Catalog overrides and products of your own")
    segments: tuple[Segment, ...] = Field(min_length=1, description="Customer segments")
    support: Support = Field(default_factory=Support, description="Support tiers and labor")
    costs: Costs = Field(default_factory=Costs, description="Cost-of-service lines")
    services: Services = Field(default_factory=Services, description="One-time projects")
    billing: Billing = Field(default_factory=Billing, description="Collection terms")
    thresholds: Thresholds = Field(default_factory=Thresholds, description="Programme minimums")
    commissions: Commissions = Field(default_factory=Commissions,
                                     description="Sales commission plans")
    opening_book: OpeningBook = Field(default_factory=OpeningBook,
                                      description="The partner's own subscriptions at the start")

    @field_validator("start_month", mode="before")
    @classmethod
    def _month(cls, v: Any) -> Any:
        return _as_month(v)

    @field_validator("name", "description")
    @classmethod
    def _printable(cls, v: str, info: Any) -> str:
        """A name is one line of printable text (it names files and headings); a description
        may run over lines but holds no other control character."""
        allowed = "" if info.field_name == "name" else "\n\t"
        bad = next((c for c in v if (ord(c) < 32 or ord(c) == 127) and c not in allowed), None)
        if bad is not None:
            raise PydanticCustomError(
                "printable", "holds the control character {code}; write "
                + ("one line of plain text" if info.field_name == "name" else "plain text"),
                {"code": f"U+{ord(bad):04X}"})
        if info.field_name == "name" and len(v) > 200:
            raise PydanticCustomError("long_name", "a name of at most 200 characters", {})
        return v

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if not v.isalpha():
            raise PydanticCustomError("currency", "'{v}' is not a currency code like USD or EUR",
                                      {"v": v})
        return v.upper()

    @field_serializer("start_month")
    def _ser_month(self, v: dt.date) -> str:
        return v.strftime("%Y-%m")

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        known = self.product_ids_known()
        ids = [p.id for p in self.products]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise _located(("products",), dupes, "product listed twice: {value}; list each "
                           "product once")
        for i, seg in enumerate(self.segments):
            for field_name in ("product_mix", "addons"):
                for pid in getattr(seg, field_name):
                    if pid not in known:
                        close = difflib.get_close_matches(pid, sorted(known), n=1)
                        hint = f" (did you mean '{close[0]}'?)" if close else ""
                        raise _located(
                            ("segments", i, field_name, pid), pid,
                            "unknown product {value}" + hint + "; allowed: "
                            + ", ".join(sorted(known))
                            + " (or add it under products with a list_price_per_seat_month)")
            if seg.support_tier not in self.support.tiers:
                raise _located(("segments", i, "support_tier"), seg.support_tier,
                               "unknown support tier {value}; allowed: "
                               + ", ".join(self.support.tiers))
            tier_price = self.support.tiers[seg.support_tier].price_per_seat_month
            if seg.financing.share and not tier_price > 0:  # a drawn price: its mean
                raise _located(
                    ("segments", i, "financing", "share"), seg.financing.share,
                    "financing is tied to a managed-services commitment: the segment's "
                    f"support tier '{seg.support_tier}' must have a price (it has "
                    f"{tier_price}); set financing.share to 0 or sell a paid tier")
            for key, share in seg.term_mix.items():
                if share <= 0:
                    continue
                needs = TERMS[key].product_term
                for pid in list(seg.product_mix) + list(seg.addons):
                    if needs not in self.product_terms(pid):
                        raise _located(
                            ("segments", i, "term_mix", key), share,
                            f"product '{pid}' has no {needs} term, so term_mix.{key} must "
                            "be 0 in a segment that sells it (got {value})")
        names = [s.name for s in self.segments]
        if len(set(names)) != len(names):
            raise _located(("segments",), names, "segment names must differ; got {value}")
        plan_names = [p.name for p in self.commissions.plans]
        for i, plan in enumerate(self.commissions.plans):
            if plan_names.count(plan.name) > 1:
                raise _located(("commissions", "plans", i, "name"), plan.name,
                               "commission plan names must differ; {value} is used twice")
            for j, seg_name in enumerate(plan.segments):
                if seg_name not in names:
                    raise _located(("commissions", "plans", i, "segments", j), seg_name,
                                   "unknown segment {value}; allowed: " + ", ".join(names))
        self._check_book(known, names)
        last = self.start_month.year * 12 + self.start_month.month - 1 + self.horizon_months - 1
        if not (FIRST_YEAR <= self.start_month.year and last // 12 <= LAST_YEAR):
            raise _located(("start_month",), self.start_month.strftime("%Y-%m"),
                           f"the horizon must lie within the years {FIRST_YEAR} to {LAST_YEAR}"
                           f" (it would end in {last // 12}-{last % 12 + 1:02d})")
        if self.channel.model == "direct" and self.support.vendor_plan is None:
            raise _located(
                ("support", "vendor_plan"), None,
                "a direct channel needs a Microsoft support plan; allowed: "
                + ", ".join(VENDOR_PLANS))
        return self

    def _check_book(self, known: set[str], names: list[str]) -> None:
        """Each subscription of the opening book names a segment, a known product on a term it
        offers, and its next renewal within one term of the start."""
        for i, sub in enumerate(self.opening_book.subscriptions):
            at = ("opening_book", "subscriptions", i)
            if sub.segment not in names:
                raise _located(at + ("segment",), sub.segment,
                               "unknown segment {value}; allowed: " + ", ".join(names))
            if sub.product not in known:
                raise _located(at + ("product",), sub.product, "unknown product {value}; "
                               "allowed: " + ", ".join(sorted(known)))
            term = TERMS[sub.term]
            if term.product_term not in self.product_terms(sub.product):
                raise _located(at + ("term",), sub.term, f"product '{sub.product}' has no "
                               f"{term.product_term} term; allowed: " + ", ".join(
                                   k for k in TERM_KEYS if TERMS[k].product_term
                                   in self.product_terms(sub.product)))
            if term.commitment == 1:
                continue
            last = add_months(self.start_month, term.commitment - 1)
            if sub.renews is None or not self.start_month <= sub.renews <= last:
                raise _located(
                    at + ("renews",), None if sub.renews is None
                    else sub.renews.strftime("%Y-%m"),
                    f"the next renewal of a {term.commitment}-month term must fall from "
                    f"{self.start_month:%Y-%m} (the start) to {last:%Y-%m}; got {{value}}")

    # -- helpers used by the engine and the views -------------------------------------------
    def product_ids_known(self) -> set[str]:
        """Catalog ids plus the scenario's own products."""
        return set(PRODUCTS) | {p.id for p in self.products}

    def product_spec(self, pid: str) -> ProductSpec | None:
        """The scenario's override entry for a product, if any."""
        for p in self.products:
            if p.id == pid:
                return p
        return None

    def product_terms(self, pid: str) -> tuple[str, ...]:
        """Terms offered for a product (scenario override, else catalog)."""
        spec = self.product_spec(pid)
        if spec is not None and spec.terms is not None:
            return tuple(spec.terms)
        if pid in PRODUCTS:
            return PRODUCTS[pid].terms
        return ("monthly", "annual")

    def product_kind(self, pid: str) -> str:
        """``base`` or ``addon``: the scenario's entry, else the catalog's, else base."""
        spec = self.product_spec(pid)
        if spec is not None and spec.kind is not None:
            return spec.kind
        return PRODUCTS[pid].kind if pid in PRODUCTS else "base"

    def product_name(self, pid: str) -> str:
        """Display name of a product."""
        spec = self.product_spec(pid)
        if spec is not None and spec.name:
            return spec.name
        return PRODUCTS[pid].name if pid in PRODUCTS else pid

    def list_price(self, pid: str, when: dt.date) -> float:
        """List price (per seat per month, annual term) of a product in force on a date."""
        spec = self.product_spec(pid)
        price: float | None = None
        if spec is not None and spec.list_price_per_seat_month is not None:
            price = spec.list_price_per_seat_month
        elif pid in PRODUCTS:
            price = PRODUCTS[pid].price_on(when)
        if spec is not None:
            for change in sorted(spec.price_changes, key=lambda c: c.effective):
                if change.effective <= when:
                    price = change.list_price_per_seat_month
        assert price is not None
        return float(price)

    def list_prices(self, pid: str, dates: list[dt.date]) -> list[float]:
        """:meth:`list_price` on each of ``dates`` (in increasing order), looked up only where
        a price point or a price change falls between two dates (the price holds between).

        Example:
            >>> s = Scenario.model_validate({"name": "x", "segments": [{"name": "A",
            ...     "product_mix": {"m365_business_basic": 1}}]})
            >>> days = [dt.date(2026, m, 1) for m in (1, 2)]
            >>> s.list_prices("m365_business_basic", days) == [s.list_price(
            ...     "m365_business_basic", d) for d in days]
            True
        """
        import bisect

        spec = self.product_spec(pid)
        points = sorted({*(p.effective for p in (PRODUCTS[pid].prices if pid in PRODUCTS
                                                  else ())),
                         *(c.effective for c in (spec.price_changes if spec else ()))})
        out: list[float] = []
        seen = -1
        for day in dates:
            step = bisect.bisect_right(points, day)
            if step != seen or not out:
                price = self.list_price(pid, day)
                seen = step
            out.append(price)
        return out

    def partner_discount(self, pid: str) -> float:
        """Partner margin (share of list) for a product."""
        spec = self.product_spec(pid)
        if spec is not None and spec.partner_discount is not None:
            return spec.partner_discount
        return self.channel.partner_discount

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A new validated scenario with dotted-path overrides; this one is untouched.

        Example:
            >>> s = Scenario.model_validate({"name": "x", "segments": [{"name": "SMB",
            ...     "product_mix": {"m365_business_basic": 1}}]})
            >>> s.with_overrides({"segments.0.churn_annual": 0.2}).segments[0].churn_annual
            0.2
        """
        data = copy.deepcopy(self.model_dump(mode="json"))
        label = f"overrides of {self.name!r}"
        for path, new in overrides.items():
            set_path(data, str(path), new, label)
        return validated(type(self), data, label)

    def to_yaml(self) -> str:
        """The scenario as YAML text that loads back to an equal scenario, every key written
        out (YAML is written with PyYAML's safe dumper)."""
        import yaml

        header = f"# {self.name}\n"
        if self.description:
            header += "".join(f"# {line}\n" for line in self.description.splitlines())
        body = yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
        return header + body


def _located(loc: tuple[Any, ...], value: Any, message: str) -> Exception:
    """An error that carries its own field path (the model validator's loc is the root)."""
    from .errors import LocatedError

    return LocatedError(loc, value, message.replace("{value}", repr(value)))
