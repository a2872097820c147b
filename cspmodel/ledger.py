"""The ledger-line registry: every line of the ledger named once, with what it means.

Each :class:`Line` says in which statement the line sits (``revenue``, ``cost_of_sales``,
``operating_costs``), how it turns into cash (``billed``: collected through the customer's
billings; ``vendor``: settled through the bills of Microsoft or the distributor; ``paid``: paid
in the month it is incurred; ``none``: never paid, such as bad debt), the product class that
commission plans key on (``resale``, ``support``, ``services``, ``azure``, ``other``), the
levels at which the engine keeps it (``product``: per segment and product; ``segment``;
``company``), whether it is recurring revenue (MRR), and its label for views.

The engine's arrays are laid out from this table: :data:`PRODUCT_LINES`,
:data:`SEGMENT_LINES` and :data:`COMPANY_LINES` give the order of the lines on each level and
:func:`index` the position of a line by name. Code outside this module asks for positions by
name; it never writes one down.

Example (a partner asking which costs are settled through Microsoft's bills):
    >>> [line.name for line in LINES.values() if line.cash == "vendor" and line.product_class
    ...  == "resale"]
    ['license_cost', 'stranded_seats', 'distributor_margin']
    >>> index("segment", "support_plans")
    0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STATEMENTS = ("revenue", "cost_of_sales", "operating_costs")
CASH = ("billed", "vendor", "paid", "none")
CLASSES = ("resale", "support", "services", "azure", "other")
LEVELS = ("product", "segment", "company")


@dataclass(frozen=True)
class Line:
    """One ledger line and its treatment."""

    name: str
    statement: str
    cash: str
    product_class: str
    levels: tuple[str, ...]
    label: str
    recurring: bool = False

    def __post_init__(self) -> None:
        assert self.statement in STATEMENTS, self
        assert self.cash in CASH, self
        assert self.product_class in CLASSES, self
        assert self.levels and set(self.levels) <= set(LEVELS), self


def _line(name: str, statement: str, cash: str, product_class: str, levels: str, label: str,
          recurring: bool = False) -> Line:
    return Line(name, statement, cash, product_class, tuple(levels.split()), label, recurring)


_ROWS = (
    # revenue
    _line("license_resale", "revenue", "billed", "resale", "product", "Licence resale",
          recurring=True),
    _line("support_plans", "revenue", "billed", "support", "segment", "Support plans",
          recurring=True),
    _line("services", "revenue", "billed", "services", "segment",
          "Services"),
    _line("financing_interest", "revenue", "billed", "services", "segment",
          "Financing interest"),
    _line("azure_consumption", "revenue", "billed", "azure", "segment", "Azure consumption"),
    _line("azure_management_fees", "revenue", "billed", "azure", "segment",
          "Azure management fees"),
    # cost of sales
    _line("license_cost", "cost_of_sales", "vendor", "resale", "product", "Licence cost"),
    _line("stranded_seats", "cost_of_sales", "vendor", "resale", "product", "Stranded seats"),
    _line("distributor_margin", "cost_of_sales", "vendor", "resale", "product",
          "Distributor margin"),
    _line("support_labor", "cost_of_sales", "paid", "support", "segment", "Support labor"),
    _line("support_247_floor", "cost_of_sales", "paid", "support", "company",
          "24/7 staffing floor"),
    _line("escalation_fees", "cost_of_sales", "paid", "support", "segment", "Escalation fees"),
    _line("services_cost", "cost_of_sales", "paid", "services", "segment", "Services delivery"),
    _line("per_seat_tools", "cost_of_sales", "paid", "support", "segment", "Per-seat tools"),
    _line("azure_cost", "cost_of_sales", "vendor", "azure", "segment",
          "Azure pay-as-you-go cost"),
    _line("azure_reservations", "cost_of_sales", "vendor", "azure", "segment",
          "Azure reservations"),
    _line("azure_pec", "cost_of_sales", "vendor", "azure", "segment",
          "Partner-earned credit (PEC)"),
    # operating costs
    _line("card_processing", "operating_costs", "paid", "other", "segment", "Card processing"),
    _line("ach_fees", "operating_costs", "paid", "other", "segment", "Debit (ACH) fees"),
    _line("license_admin", "operating_costs", "paid", "other", "segment",
          "Licence admin"),
    _line("accounting", "operating_costs", "paid", "other", "segment company", "Accounting"),
    _line("compliance", "operating_costs", "paid", "other", "company", "Compliance"),
    _line("systems", "operating_costs", "paid", "other", "company", "Systems"),
    _line("commissions", "operating_costs", "paid", "other", "segment", "Commissions"),
    _line("acquisition", "operating_costs", "paid", "other", "segment",
          "Customer acquisition"),
    _line("bad_debt", "operating_costs", "none", "other", "segment", "Bad debt"),
    _line("azure_bad_debt", "operating_costs", "none", "azure", "segment", "Azure bad debt"),
    _line("financing_write_offs", "operating_costs", "none", "services", "segment",
          "Financed deployments written off"),
    _line("vendor_support_plan", "operating_costs", "paid", "other", "company",
          "Microsoft support plan"),
    _line("direct_programme", "operating_costs", "paid", "other", "company",
          "Direct-bill programme"),
    _line("distributor_fees", "operating_costs", "paid", "other", "company",
          "Distributor fees"),
)

LINES: dict[str, Line] = {row.name: row for row in _ROWS}
assert len(LINES) == len(_ROWS), "a ledger line is named twice"

PRODUCT_LINES = tuple(n for n, row in LINES.items() if "product" in row.levels)
SEGMENT_LINES = tuple(n for n, row in LINES.items() if "segment" in row.levels)
COMPANY_LINES = tuple(n for n, row in LINES.items() if "company" in row.levels)
_ORDER = {"product": PRODUCT_LINES, "segment": SEGMENT_LINES, "company": COMPANY_LINES}

STATEMENT_OF_LINE: dict[str, str] = {n: row.statement for n, row in LINES.items()}
RECURRING_LINES = tuple(n for n, row in LINES.items() if row.recurring)


def index(level: str, name: str) -> int:
    """Position of line ``name`` among the lines kept at ``level``.

    Example:
        >>> index("company", "support_247_floor")
        0
    """
    return _ORDER[level].index(name)


def lines_where(**conditions: str) -> tuple[str, ...]:
    """Names of the lines whose fields equal the conditions, in registry order.

    Example (which lines make up the support plans' cost of sales?):
        >>> lines_where(product_class="support", statement="cost_of_sales")
        ('support_labor', 'support_247_floor', 'escalation_fees', 'per_seat_tools')
    """
    return tuple(n for n, row in LINES.items()
                 if all(getattr(row, k) == v for k, v in conditions.items()))


def mask(level: str, **conditions: str) -> np.ndarray:
    """Boolean mask over the lines kept at ``level`` whose fields equal the conditions.

    Example (the segment lines paid in the month they are incurred):
        >>> int(mask("segment", cash="paid").sum())
        10
    """
    chosen = set(lines_where(**conditions))
    return np.array([n in chosen for n in _ORDER[level]], dtype=bool)


def label(name: str) -> str:
    """The label of a line for tables and charts.

    Example:
        >>> label("support_247_floor")
        '24/7 staffing floor'
    """
    return LINES[name].label
