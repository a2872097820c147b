"""The explorer: controls for the drivers a partner moves, the figures and charts that follow.

An ipywidgets application for a notebook or for a Voila dashboard (``make dashboard``). Every
control starts at the scenario's own value. The scenario is never changed: each change of a
control becomes a dotted-path override, and the figures come from
``base.with_overrides(overrides)`` run through :func:`cspmodel.simulate`. A value the scenario
format refuses shows its message above the figures, and the figures keep the last valid result.

Segment controls act on the segment chosen in the segment list; the support-tier controls act on
that segment's tier. The term mix is set by two shares that always add up to 1: the monthly
share, and the share of the annual rest paid upfront (the remainder is billed monthly).

Example:
    >>> from cspmodel.io import load_scenario_text
    >>> s = load_scenario_text("name: x\\nsegments:\\n- name: A\\n"
    ...     "  product_mix: {m365_business_basic: 1}\\n")
    >>> ex = Explorer(s, scenarios_dir=None)
    >>> ex.controls["churn_annual"].value = 20.0      # percent, as on the slider
    >>> ex.overrides
    {'segments.0.churn_annual': 0.2}
    >>> s.segments[0].churn_annual                    # the given scenario is untouched
    0.1
"""

from __future__ import annotations

import html
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as W

from .analysis import DEFAULT_VENDOR_PLAN, as_channel
from .errors import ScenarioError
from .headline import break_even_text
from .io import load_scenario, write_scenario
from .result import Result, simulate
from .schema import Scenario
from .terms import TERM_KEYS, TERMS
from .util import add_months

PROJECT_DIR = Path(__file__).resolve().parents[1]
SCENARIOS_DIR = PROJECT_DIR / "scenarios"

CSS = """
<style>
.csp-app { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.csp-title h2 { margin: 4px 0 0 0; }
.csp-title p { margin: 2px 0 6px 0; color: #555; }
.csp-cards { display: flex; flex-wrap: wrap; gap: 8px; }
.csp-cards > .csp-figure { flex: 1 1 170px; margin: 0; }
.csp-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 12px;
            background: #f6f8fa; height: 100%; box-sizing: border-box; }
.csp-label { font-size: 13px; margin-top: 4px; }
.csp-label * { margin: 0; }
.csp-charts .lm-TabBar-tab, .csp-charts .p-TabBar-tab { flex: 0 0 auto !important;
            min-width: 200px; }
.csp-card-label { font-size: 13px; color: #555; }
.csp-card-value { font-size: 20px; font-weight: 600; white-space: nowrap; }
.csp-card-sub { font-size: 12px; color: #777; }
.csp-neg { color: #b42318; }
.csp-message-error { background: #fdecea; border: 1px solid #b42318; color: #7a1b12;
                     border-radius: 6px; padding: 6px 10px; white-space: pre-wrap; }
.csp-message-info { background: #eaf6ec; border: 1px solid #2c7a3f; color: #1e5a2c;
                    border-radius: 6px; padding: 6px 10px; }
.csp-section h4 { margin: 10px 0 2px 0; }
.csp-notes { font-size: 13px; color: #444; }
.csp-row { gap: 12px; }
</style>
"""

FIGURE_IDS = {  # summary key -> element id of the shown figure (stable, for tests and CSS)
    "operating_profit": "csp-operating-profit",
    "operating_margin": "csp-operating-margin",
    "npv": "csp-npv",
    "break_even_month": "csp-break-even-month",
    "cash_trough": "csp-cash-trough",
    "credit_exposure": "csp-credit-exposure",
}


@dataclass(frozen=True)
class ControlSpec:
    """One control: what it sets (a dotted path; ``{seg}`` is the chosen segment, ``{tier}``
    its support tier), how it shows, and how its value maps to the scenario's."""

    name: str
    label: str
    path: str
    kind: str  # "percent" (slider in %), "number" (typed), "toggle", "check"
    lo: float = 0.0  # slider range in the shown unit (widened to hold the scenario's value)
    hi: float = 100.0
    step: float = 0.5
    options: tuple[tuple[str, Any], ...] = ()
    help: str = ""
    fallback: str = ""  # the key whose value an empty key takes (shown, and "unchanged")


CONTROLS: tuple[ControlSpec, ...] = (
    ControlSpec("channel", "Channel", "channel.model", "toggle",
                options=(("Indirect (distributor)", "indirect"), ("Direct bill", "direct"))),
    ControlSpec("distributor_margin", "Distributor margin, % of list (indirect only)",
                "channel.indirect.distributor_margin", "percent", 0, 20, 0.5),
    ControlSpec("markup_vs_list", "Markup over list price, %", "segments.{seg}.markup_vs_list",
                "percent", -20, 50, 0.5),
    *(ControlSpec(f"term_{key}", f"{TERMS[key].label}, % of customers",
                  "segments.{seg}.term_mix", "percent", 0, 100, 1) for key in TERM_KEYS),
    ControlSpec("prepay_discount", "Discount for paying upfront, %",
                "segments.{seg}.prepay_discount", "percent", 0, 20, 0.5),
    ControlSpec("contract_policy", "Customer contracts", "segments.{seg}.contract_policy",
                "toggle", options=(("Mirror Microsoft's terms", "mirror"),
                                   ("Flexible (partner carries seats)", "flexible"))),
    ControlSpec("customers_at_start", "Customers at start", "segments.{seg}.customers_at_start",
                "number"),
    ControlSpec("new_customers_per_month", "New customers per month",
                "segments.{seg}.new_customers_per_month", "number"),
    ControlSpec("churn_annual", "Customers lost per year, %", "segments.{seg}.churn_annual",
                "percent", 0, 40, 0.5),
    ControlSpec("seats_at_start", "Seats per customer of the book at the start",
                "segments.{seg}.seats_per_customer_at_start", "number",
                fallback="segments.{seg}.seats_per_customer"),
    ControlSpec("seats_per_customer", "Seats per new customer",
                "segments.{seg}.seats_per_customer", "number"),
    ControlSpec("support_price", "Support plan price per seat per month",
                "support.tiers.{tier}.price_per_seat_month", "number"),
    ControlSpec("tickets_per_seat_month", "Tickets per seat per month",
                "support.tiers.{tier}.tickets_per_seat_month", "number"),
    ControlSpec("coverage_247", "24/7 coverage (staffing floor)", "support.tiers.{tier}.coverage",
                "check"),
    ControlSpec("labor_rate_per_hour", "Support labor rate per hour",
                "support.labor_rate_per_hour", "number"),
    ControlSpec("azure_consumption", "Azure use per customer per month, at retail",
                "segments.{seg}.azure.consumption_per_customer_month", "number"),
    ControlSpec("azure_pec_eligible", "Azure managed under the admin relationship (earns "
                "the PEC), %", "segments.{seg}.azure.pec_eligible_share", "percent", 0, 100, 1),
    ControlSpec("azure_reserved", "Azure on reservations or savings plans, %",
                "segments.{seg}.azure.reserved_share", "percent", 0, 100, 1),
    ControlSpec("azure_fee", "Azure management fee, % of spend",
                "segments.{seg}.azure.management_fee_share", "percent", 0, 30, 0.5),
    ControlSpec("azure_payment_days", "Days customers take to pay for Azure",
                "segments.{seg}.azure.payment_days", "number"),
)
MONEY_CONTROLS = ("support_price", "labor_rate_per_hour", "azure_consumption")
MAX_KEPT = 3  # what-ifs the compare strip keeps beside the file
CHART_KINDS = ("profit_and_cash", "waterfall", "channels")  # the tabs' charts, in order
BAND_PATHS = 1_000  # Monte Carlo paths of the uncertainty bands
# goal seeking: a figure and its target (metric, target, or "direct" to reach indirect's
# operating profit), and the inputs that may move (the control that shows each)
GOALS = {
    "Operating margin of 20%": ("operating_margin", 0.20),
    "Operating profit of 0 over the horizon": ("operating_profit", 0.0),
    "Support plans' margin of 50%": ("support_gross_margin", 0.50),
    "Direct bill earns as much as indirect": ("operating_profit", "direct"),
}
MOVES = {
    "Support plan price": "support_price",
    "Markup over list price": "markup_vs_list",
    "New customers per month": "new_customers_per_month",
    "Customers at start": "customers_at_start",
    "Distributor margin": "distributor_margin",
}
SPECS = {c.name: c for c in CONTROLS}
TERM_CONTROLS = tuple(f"term_{key}" for key in TERM_KEYS)


def rebalance(mix: dict[str, float], key: str, share: float,
              offered: tuple[str, ...] = TERM_KEYS) -> dict[str, float]:
    """The term mix with ``key`` at ``share`` of all customers and the other terms offered
    scaled so that the shares add up to 1 (in their proportions; all on the first other term
    offered where they held none).

    Example (monthly from 20% to 40%: the annual terms' 80% becomes 60%, in proportion):
        >>> mix = rebalance({"monthly": 0.2, "annual_billed_monthly": 0.6,
        ...     "annual_upfront": 0.2}, "monthly", 0.4, ("monthly", "annual_billed_monthly",
        ...     "annual_upfront"))
        >>> {k: v for k, v in mix.items() if v}
        {'monthly': 0.4, 'annual_billed_monthly': 0.45, 'annual_upfront': 0.15}
    """
    share = min(max(float(share), 0.0), 1.0)
    others = [k for k in offered if k != key]
    held = sum(float(mix.get(k, 0.0)) for k in others)
    out = {k: 0.0 for k in TERM_KEYS}
    out[key] = share
    for k in others:
        if held > 1e-12:
            out[k] = float(mix.get(k, 0.0)) * (1.0 - share) / held
    if held <= 1e-12 and others:
        out[others[0]] = 1.0 - share
    elif not others:
        out[key] = 1.0
    return {k: round(v, 12) for k, v in out.items()}


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list | tuple) else data[part]
    return data


def _scenario_files(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(folder.glob("*.yaml"))


def resolve_scenario_path(path: str | Path) -> Path:
    """A scenario path as given, else relative to the project's ``notebooks/`` folder (so a
    notebook's ``../scenarios/x.yaml`` works from wherever it is run), else the project's
    ``scenarios/`` folder by name.

    Example:
        >>> resolve_scenario_path("../scenarios/small_indirect_msp.yaml").name
        'small_indirect_msp.yaml'
    """
    p = Path(path)
    for candidate in (p, PROJECT_DIR / "notebooks" / p, SCENARIOS_DIR / p,
                      SCENARIOS_DIR / f"{p}.yaml"):
        if candidate.is_file():
            return candidate.resolve()
    return p


class Explorer:
    """Controls, headline figures and charts for one scenario (see the module doc).

    Parameters:
        scenario: the scenario to start from (never changed).
        path: the file it came from, if any ("reset" returns to ``scenario``).
        scenarios_dir: folder whose ``*.yaml`` the scenario chooser lists and "save as" writes
            to; defaults to the folder of ``path``, else the project's ``scenarios/``; ``None``
            for no chooser.

    Attributes a notebook or a test may read: ``widget`` (the application), ``controls``
    (name -> widget), ``overrides`` (dotted path -> value), ``scenario`` and ``result`` (the
    last valid ones), ``figures`` (summary key -> HTML widget), ``message`` (HTML widget).
    """

    def __init__(self, scenario: Scenario, path: str | Path | None = None,
                 scenarios_dir: str | Path | None | bool = True, dpi: float = 80,
                 draw: bool = True) -> None:
        self.path = Path(path).resolve() if path is not None else None
        if scenarios_dir is True:
            scenarios_dir = self.path.parent if self.path is not None else SCENARIOS_DIR
        self.scenarios_dir = Path(scenarios_dir) if scenarios_dir else None
        self._base = scenario
        self._overrides: dict[str, Any] = {}
        self._segment = 0
        self._loading = False
        self._invalid = False
        self._cache: dict[tuple[str, str], Result] = {}
        self._stale = {"profit_and_cash": True, "waterfall": True, "channels": True}
        self._baseline: dict[str, float] | None = None  # the file's figures, for the deltas
        self.kept: list[tuple[str, dict[str, float], dict[str, Any]]] = []  # saved what-ifs
        self.scenario = scenario
        self.result: Result | None = None
        self._dpi = dpi
        self._charts: dict[str, Any] = {}  # LiveChart per kind, made on first draw
        self._defer_draw = not draw
        self._build()
        self._load_controls()
        self._recompute()

    # ---------------------------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path, scenarios_dir: str | Path | None | bool = True,
                  draw: bool = True) -> Explorer:
        """Open a scenario file (see :func:`resolve_scenario_path`). A file that cannot be read
        or validated raises :class:`ScenarioError`; :func:`open_explorer` shows it instead."""
        p = resolve_scenario_path(path)
        return cls(load_scenario(p), path=p, scenarios_dir=scenarios_dir, draw=draw)

    @property
    def overrides(self) -> dict[str, Any]:
        """The changes made with the controls, as ``{dotted.path: value}`` (a copy)."""
        return json.loads(json.dumps(self._overrides))

    @property
    def base(self) -> Scenario:
        """The scenario the controls started from (what "reset" returns to)."""
        return self._base

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # -- building the widgets ---------------------------------------------------------------
    def _build(self) -> None:
        """The widgets: the controls, the toolbar, the figures and charts, the layout."""
        self._build_controls()
        self._build_toolbar()
        self._build_outputs()
        self._build_layout()

    def _build_controls(self) -> None:
        """One widget per control of CONTROLS (slider, number, toggle or checkbox), with its
        label, and the segment picker."""
        self.controls: dict[str, W.Widget] = {}
        self._rows: dict[str, W.Widget] = {}
        self._labels: dict[str, W.HTML] = {}
        style = {"description_width": "initial"}
        full = W.Layout(width="96%")
        for spec in CONTROLS:
            if spec.kind == "percent":
                w: W.Widget = W.FloatSlider(min=spec.lo, max=spec.hi, step=spec.step,
                                            continuous_update=False, readout_format=".1f",
                                            layout=full)
            elif spec.kind == "number":
                w = W.FloatText(layout=W.Layout(width="160px"))
            elif spec.kind == "toggle":
                w = W.ToggleButtons(options=list(spec.options), style={"button_width": "auto"})
            else:
                w = W.Checkbox(description=spec.label, indent=False)
            w.add_class(f"csp-control-{spec.name.replace('_', '-')}")
            w.observe(self._on_control(spec.name), names="value")
            self.controls[spec.name] = w
            if spec.kind in ("percent", "number"):
                label = W.HTML()
                label.add_class("csp-label")
                self._labels[spec.name] = label
                self._rows[spec.name] = W.VBox([label, w])
            else:
                self._rows[spec.name] = w

        self.segment_picker = W.Dropdown(description="Segment", style=style,
                                         layout=W.Layout(width="98%"))
        self.segment_picker.add_class("csp-segment")
        self.segment_picker.observe(self._on_segment, names="value")
        self.tier_label = W.HTML()
        self.term_total = W.HTML()  # the term shares, visibly adding up to 100%
        self.term_total.add_class("csp-term-total")

    def _build_toolbar(self) -> None:
        """The scenario chooser, Reset, and Save as with its name."""
        style = {"description_width": "initial"}
        self.chooser = W.Dropdown(description="Scenario", style=style,
                                  layout=W.Layout(width="360px"))
        self.refresh_choices()
        self.chooser.add_class("csp-scenario")
        self.chooser.observe(self._on_choose, names="value")
        self.reset_button = W.Button(description="Reset", icon="undo",
                                     tooltip="Back to the scenario file's values")
        self.reset_button.add_class("csp-reset")
        self.reset_button.on_click(lambda _b: self.reset())
        full = W.Layout(width="96%")
        self.save_name = W.Text(placeholder="Name for a new scenario",
                                layout=W.Layout(width="240px"))
        self.save_name.add_class("csp-save-name")
        self.save_button = W.Button(description="Save as", icon="save",
                                    tooltip="Write the current settings as a new scenario file")
        self.save_button.add_class("csp-save")
        self.save_button.on_click(lambda _b: self._on_save())
        self.meeting_button = W.Button(description="Report and deck", icon="file-powerpoint-o",
                                       tooltip="Save these settings as a new scenario (the "
                                       "name beside), then write its report page and deck")
        self.meeting_button.add_class("csp-meeting")
        self.meeting_button.on_click(lambda _b: self._on_meeting())
        self.keep_button = W.Button(description="Keep for comparison", icon="thumb-tack",
                                    tooltip="Keep these settings' figures beside the file's "
                                    f"(the last {MAX_KEPT})")
        self.keep_button.add_class("csp-keep")
        self.keep_button.on_click(lambda _b: self.keep())
        self.goal = W.Dropdown(options=list(GOALS), description="Reach", layout=full)
        self.move = W.Dropdown(options=list(MOVES), description="by moving", layout=full)
        self.seek_button = W.Button(description="Find it", icon="crosshairs")
        self.seek_button.on_click(lambda _b: self.seek())
        self.seek_answer = W.HTML()
        self.bands = W.Checkbox(description=f"Uncertainty bands ({BAND_PATHS:,} paths)",
                                indent=False)
        self.bands.add_class("csp-bands")
        self.bands.observe(lambda _c: self._on_bands(), names="value")
        for w, name in ((self.goal, "goal"), (self.move, "move"),
                        (self.seek_button, "seek"), (self.seek_answer, "seek-answer")):
            w.add_class(f"csp-{name}")
        if self.scenarios_dir is None:
            self.save_button.disabled = True
            self.meeting_button.disabled = True

    def _build_outputs(self) -> None:
        """The title, the message line, the figure cards, the notes, and the tabs of charts
        and of the summary (drawn when shown)."""
        self.title = W.HTML()
        self.title.add_class("csp-title")
        self.message = W.HTML()
        self.message.add_class("csp-message")
        self.figures = {}
        for key, element_id in FIGURE_IDS.items():
            w = W.HTML()
            w.add_class("csp-figure")
            w.add_class(element_id)
            self.figures[key] = w
        self.notes = W.HTML()
        self.notes.add_class("csp-notes")
        self.compare = W.HTML()  # the file against up to MAX_KEPT kept what-ifs
        self.compare.add_class("csp-compare")
        self.eligibility = W.HTML()  # direct bill for a book Microsoft would not admit: first
        self.eligibility.add_class("csp-eligibility")

        self.images = {k: W.Image(format="png", layout=W.Layout(width="100%",
                                                                 max_width="980px"))
                       for k in CHART_KINDS}
        for k, img in self.images.items():
            img.add_class(f"csp-chart-{k.replace('_', '-')}")
        self.summary = W.HTML()  # the executive summary, computed when its tab is shown
        self.summary.add_class("csp-summary")
        self._summary_stale = True
        self.tabs = W.Tab(children=[*[self.images[k] for k in CHART_KINDS], self.summary])
        for i, label in enumerate(("Profit and cash", "Where the money goes",
                                   "Direct vs indirect", "Summary")):
            self.tabs.set_title(i, label)
        self.tabs.add_class("csp-charts")
        self.tabs.observe(lambda _c: self._draw_visible(), names="selected_index")

    def _build_layout(self) -> None:
        """The controls panel in sections beside the figures and the tabs."""
        c = self._rows

        def section(title: str, *children: W.Widget) -> W.VBox:
            box = W.VBox([W.HTML(f"<h4>{html.escape(title)}</h4>"), *children])
            box.add_class("csp-section")
            return box

        panel = W.VBox([
            section("Channel", c["channel"], c["distributor_margin"]),
            section("Customers and terms", self.segment_picker, c["customers_at_start"],
                    c["new_customers_per_month"], c["churn_annual"], c["seats_at_start"],
                    c["seats_per_customer"],
                    c["markup_vs_list"], self.term_total, *[c[k] for k in TERM_CONTROLS],
                    c["prepay_discount"], c["contract_policy"]),
            section("Goal seeking", self.goal, self.move, self.seek_button,
                    self.seek_answer),
            section("Support", self.tier_label, c["support_price"],
                    c["tickets_per_seat_month"], c["coverage_247"], c["labor_rate_per_hour"]),
            section("Azure (the chosen segment)", c["azure_consumption"],
                    c["azure_pec_eligible"], c["azure_reserved"], c["azure_fee"],
                    c["azure_payment_days"]),
        ], layout=W.Layout(width="400px", min_width="340px"))
        toolbar = W.HBox([self.chooser, self.reset_button, self.keep_button, self.save_name,
                          self.save_button, self.meeting_button],
                         layout=W.Layout(flex_flow="row wrap"))
        toolbar.add_class("csp-row")
        cards = W.HBox(list(self.figures.values()), layout=W.Layout(flex_flow="row wrap"))
        cards.add_class("csp-cards")
        right = W.VBox([self.eligibility, cards, self.compare, self.bands, self.tabs,
                        self.notes],
                       layout=W.Layout(flex="1 1 auto"))
        self.widget = W.VBox([W.HTML(CSS), self.title, toolbar, self.message,
                              _row(panel, right)])
        self.widget.add_class("csp-app")

    # -- reading the scenario into the controls ---------------------------------------------
    def _tier(self) -> str:
        return self._base.segments[self._segment].support_tier

    def _path(self, spec: ControlSpec) -> str:
        return spec.path.format(seg=self._segment, tier=self._tier())

    def _current_value(self, path: str) -> Any:
        if path in self._overrides:
            return self._overrides[path]
        return _get(self._base.model_dump(mode="json"), path)

    def _load_controls(self) -> None:
        """Put the scenario's values (with the overrides made so far) into the controls."""
        self._loading = True
        try:
            segs = self._base.segments
            self.segment_picker.options = [(f"{i}: {s.name}", i) for i, s in enumerate(segs)]
            self.segment_picker.value = self._segment
            users = [s.name for s in segs if s.support_tier == self._tier()]
            for name, label in self._labels.items():
                spec = SPECS[name]
                money = spec.name in MONEY_CONTROLS
                unit = f" ({html.escape(self._base.currency)})" if money else ""
                label.value = f"{html.escape(spec.label)}{unit}"
            self.tier_label.value = (f"Tier <b>{html.escape(self._tier())}</b> of the chosen "
                                     f"segment (also used by: {html.escape(', '.join(users))})")
            for spec in CONTROLS:
                if spec.name in TERM_CONTROLS:
                    continue
                value = self._current_value(self._path(spec))
                if value is None and spec.fallback:
                    value = self._current_value(spec.fallback.format(seg=self._segment))
                w = self.controls[spec.name]
                if spec.kind == "percent":
                    _set_slider(w, 100.0 * float(value), spec.lo, spec.hi)
                elif spec.kind == "number":
                    w.value = float(value)
                elif spec.kind == "check":
                    w.value = value == "24x7"
                else:
                    w.value = value
            self._show_term_mix(self._current_value(f"segments.{self._segment}.term_mix"))
        finally:
            self._loading = False

    def _offered_terms(self) -> tuple[str, ...]:
        """The terms every product of the chosen segment offers (the others stay at 0)."""
        seg = self._base.segments[self._segment]
        products = [*seg.product_mix, *seg.addons]
        return tuple(k for k in TERM_KEYS if all(
            TERMS[k].product_term in self._base.product_terms(p) for p in products))

    def _show_term_mix(self, mix: dict[str, float]) -> None:
        """The term sliders at their shares of all customers (the terms the segment's products
        do not offer hidden, unless the mix holds them), and their total."""
        offered = self._offered_terms()
        for key in TERM_KEYS:
            share = float(mix.get(key, 0.0))
            _set_slider(self.controls[f"term_{key}"], 100.0 * share, 0, 100)
            shown = key in offered or share > 0
            self._rows[f"term_{key}"].layout.display = None if shown else "none"
        total = 100.0 * sum(float(v) for v in mix.values())
        self.term_total.value = (f"<b>Terms, as shares of all customers</b> (they add up to "
                                 f"{total:.0f}%: moving one moves the others in proportion)")

    # -- reacting to the controls -----------------------------------------------------------
    def _on_control(self, name: str) -> Callable[[dict[str, Any]], None]:
        def handler(_change: dict[str, Any]) -> None:
            if self._loading:
                return
            self._set_override(name)
            self._recompute()

        return handler

    def _set_override(self, name: str) -> None:
        spec = SPECS[name]
        path = self._path(spec)
        base_data = self._base.model_dump(mode="json")
        base_value = _get(base_data, path)
        w = self.controls[name]
        if name in TERM_CONTROLS:
            current = self._current_value(path)
            value: Any = rebalance(current, name[len("term_"):], w.value / 100.0,
                                   self._offered_terms())
            self._loading = True  # the other terms move with it, without a run each
            try:
                self._show_term_mix(value)
            finally:
                self._loading = False
            same = all(abs(value[k] - base_value.get(k, 0.0)) < 1e-12 for k in value)
        elif spec.kind == "percent":
            value = w.value / 100.0
            same = value == base_value
        elif spec.kind == "number":
            value = w.value
            if base_value is None and spec.fallback:  # empty in the file: it takes another
                same = value == self._current_value(spec.fallback.format(seg=self._segment))
            else:
                same = value == base_value
        elif spec.kind == "check":
            value = "24x7" if w.value else "business_hours"
            same = value == base_value
        else:
            value = w.value
            same = value == base_value
        if name == "seats_per_customer":  # new customers only: the book keeps its seats
            self._pin_book_seats(path, base_data, same)
        if same:
            self._overrides.pop(path, None)
        else:
            self._overrides[path] = value
        if name == "channel":
            # a direct partner needs a Microsoft support plan: the usual one, as as_channel does
            plan = "support.vendor_plan"
            if value == "direct" and self._base.support.vendor_plan is None:
                self._overrides[plan] = DEFAULT_VENDOR_PLAN
            else:
                self._overrides.pop(plan, None)

    def _pin_book_seats(self, path: str, base_data: dict, back: bool) -> None:
        """Where the file leaves the book's seats per customer empty (they follow the new
        customers'), hold them at their value while the new customers' move; let go once the
        new customers' are back at the file's (``back``)."""
        at_path = f"segments.{self._segment}.seats_per_customer_at_start"
        if _get(base_data, at_path) is not None:
            return
        if back:
            self._overrides.pop(at_path, None)
        elif at_path not in self._overrides:
            self._overrides[at_path] = float(_get(base_data, path))
            self._loading = True
            try:
                self.controls["seats_at_start"].value = self._overrides[at_path]
            finally:
                self._loading = False

    def _on_segment(self, change: dict[str, Any]) -> None:
        if self._loading or change["new"] is None:
            return
        self._segment = int(change["new"])
        self._load_controls()

    def _on_choose(self, change: dict[str, Any]) -> None:
        if self._loading or not change["new"]:
            return
        try:
            scenario = load_scenario(change["new"])
        except ScenarioError as exc:
            self._show_message(exc, error=True, prefix="This scenario file cannot be used:")
            self.refresh_choices()  # the chooser shows the scenario still open
            return
        self.open(scenario, Path(change["new"]))

    def open(self, scenario: Scenario, path: Path | None = None) -> None:
        """Start again from another scenario (the chooser calls this)."""
        self._base, self.path = scenario, path
        self._overrides, self._segment, self._cache = {}, 0, {}
        self._baseline, self.kept = None, []
        self._load_controls()
        self._recompute()

    def reset(self) -> None:
        """Every control back to the scenario's value."""
        self._overrides = {}
        self._load_controls()
        self._recompute()

    # -- computing and showing --------------------------------------------------------------
    def _settings_key(self, channel: str) -> str:
        """The overrides that matter to a run through ``channel``: the distributor's terms do
        not change a direct run, the direct programme and the vendor plan not an indirect one
        (engine.md, sections 5 and 6). Equal keys give equal figures, so a run is reused."""
        skip = ("channel.indirect.",) if channel == "direct" else (
            "channel.direct.", "support.vendor_plan")
        rest = {k: v for k, v in self._overrides.items()
                if k != "channel.model" and not k.startswith(skip)}
        if channel == "direct" and self._base.support.vendor_plan is None:
            rest.pop("support.vendor_plan", None)  # the default plan as_channel also adds
        return json.dumps(rest, sort_keys=True)

    def _recompute(self) -> None:
        try:
            scenario = self._base.with_overrides(self._overrides) if self._overrides \
                else self._base
            result = self._run(scenario, scenario.channel.model)
        except ScenarioError as exc:
            self._invalid = True
            self._show_message(exc, error=True)
            return
        except (ValueError, ArithmeticError) as exc:  # the engine's own checks
            self._invalid = True
            self._show_message(exc, error=True, prefix="The model cannot run these settings:")
            return
        self._invalid = False
        self.scenario, self.result = scenario, result
        self._show_message(None)
        self._show_figures()
        for k in self._stale:
            self._stale[k] = True
        self._summary_stale = True
        self._draw_visible()

    def _run(self, scenario: Scenario, channel: str) -> Result:
        key = (channel, self._settings_key(channel))
        if key not in self._cache:
            run = scenario if scenario.channel.model == channel else as_channel(scenario, channel)
            self._cache[key] = simulate(run)
            while len(self._cache) > 8:
                self._cache.pop(next(iter(self._cache)))
        return self._cache[key]

    def both_channels(self) -> dict[str, Result]:
        """The current settings through each channel (what the side-by-side chart shows)."""
        assert self.result is not None
        return {ch: self._run(self.scenario, ch) for ch in ("indirect", "direct")}

    def _chart(self, kind: str) -> Any:  # noqa: ANN401 - a cspmodel.plots.LiveChart
        """The live chart of a kind, made on first use (matplotlib loads then, not before the
        figures show)."""
        if kind not in self._charts:
            from .plots import LiveChart

            self._charts[kind] = LiveChart(kind, dpi=self._dpi)  # type: ignore[arg-type]
        return self._charts[kind]

    def draw(self) -> None:
        """Draw the visible chart now (an explorer made with ``draw=False`` shows its figures
        first and its chart when this is called)."""
        self._defer_draw = False
        self._draw_visible()

    def _draw_visible(self) -> None:
        if self.result is None or self._defer_draw:
            return
        index = self.tabs.selected_index or 0
        if index == len(CHART_KINDS):
            self._show_summary()
            return
        kind = CHART_KINDS[index]
        if not self._stale[kind]:
            return
        if kind == "profit_and_cash" and self.bands.value:
            self.images[kind].value = self._fan_png()
            self._stale[kind] = False
            return
        chart = self._chart(kind)
        chart.update(self.both_channels() if kind == "channels" else self.result)
        self.images[kind].value = chart.png()
        self._stale[kind] = False

    def uncertain(self) -> Scenario:
        """The current settings with their uncertainty: the scenario's own distributions, or
        where it has none, +-20% (uniform) on each input moved with the controls and on each
        segment's churn and new customers."""
        from .drivers import _targets, uncertain_fields

        if uncertain_fields(self.scenario):
            return self.scenario
        keys = [k for k, v in self._overrides.items()
                if isinstance(v, int | float) and _targets(self.scenario, k)]
        keys += [f"segments.{i}.{k}" for i in range(len(self.scenario.segments))
                 for k in ("churn_annual", "new_customers_per_month")
                 if f"segments.{i}.{k}" not in keys]
        over = {}
        for k in keys:
            v = float(_get(self.scenario.model_dump(mode="json"), k))
            if v > 0:
                hi = min(1.2 * v, 1.0) if ("churn" in k or "share" in k) else 1.2 * v
                over[k] = {"dist": "uniform", "low": 0.8 * v, "high": hi}
        return self.scenario.with_overrides(over) if over else self.scenario

    def _fan_png(self) -> bytes:
        """Operating profit and cumulative cash as fan charts (5th to 95th percentile) of
        :data:`BAND_PATHS` paths of :meth:`uncertain`."""
        from . import plots

        mc = simulate(self.uncertain(), paths=BAND_PATHS, seed=1)
        self.band_result = mc
        fig = plots.Figure(figsize=(10, 7), dpi=80)
        ax1, ax2 = fig.subplots(2, 1)
        plots.fan(mc, "operating_profit", ax=ax1, color=plots.POSITIVE,
                  title=f"Operating profit and cumulative cash, 5th to 95th percentile of "
                        f"{BAND_PATHS:,} paths")
        plots.fan(mc, "cumulative_cash", ax=ax2, title="")
        fig.set_layout_engine("constrained")
        buf = io.BytesIO()
        plots.FigureCanvasAgg(fig)
        fig.savefig(buf, format="png")
        return buf.getvalue()

    def summary_markdown(self) -> str:
        """The executive summary of the current settings (the same as every view's)."""
        from .findings import executive_summary

        assert self.result is not None
        return executive_summary(self.scenario, self.result).markdown()

    def _show_summary(self) -> None:
        if not self._summary_stale or self.result is None:
            return
        from .findings import executive_summary

        summary = executive_summary(self.scenario, self.result)
        items = "".join(f"<li><b>{html.escape(a.question)}</b> {html.escape(a.answer)}</li>"
                        for a in summary.answers)
        self.summary.value = (f'<div class="csp-summary-body"><ul>{items}</ul><p><b>'
                              f"Recommendation.</b> {html.escape(summary.recommendation)}"
                              "</p></div>")
        self._summary_stale = False

    def _show_figures(self) -> None:
        res = self.result
        assert res is not None
        s, cur, months = res.summary, res.currency, self.scenario.horizon_months
        channel = "direct bill" if self.scenario.channel.model == "direct" else "indirect"
        self.title.value = (f"<h2>{html.escape(self.scenario.name)}</h2><p>"
                            f"{html.escape(self.scenario.description)} Channel: {channel}; "
                            f"{months} months from {self.scenario.start_month:%Y-%m}; "
                            f"amounts in {html.escape(cur)}.</p>")
        be = float(s["break_even_month"])
        margin = float(s["operating_margin"])
        shown = {
            "operating_profit": ("Operating profit", _money(s["operating_profit"], cur),
                                 f"over {months} months"),
            "operating_margin": ("Operating margin",
                                 "n/a" if math.isnan(margin) else f"{100 * margin:.1f}%",
                                 "of revenue"),
            "npv": ("NPV of cash", _money(s["npv"], cur),
                    f"at {100 * self.scenario.discount_rate_annual:.0f}% a year"),
            "break_even_month": ("Break-even month",
                                 "never" if math.isnan(be) else break_even_text(be, months),
                                 "cumulative cash stays positive from then"
                                 if not math.isnan(be) else f"not within {months} months"),
            "cash_trough": ("Cash trough", _money(s["cash_trough"], cur),
                            "lowest cumulative cash"),
            "credit_exposure": self._exposure_card(res),
        }
        raws = self._figures_of(res)
        if self._baseline is None and not self._overrides:
            self._baseline = raws  # the file's own figures: what every what-if is against
        eligible = self._direct_eligibility(res)
        for key, (label, text, sub) in shown.items():
            raw = raws[key]
            if eligible is not None and key != "credit_exposure":
                label, sub = f"{label} (direct: not eligible)", "if Microsoft admitted the book"
            delta = self._delta_text(key, raw, cur)
            if delta:
                sub = f"{sub}; {delta}"
            neg = " csp-neg" if raw < 0 else ""
            self.figures[key].value = (
                f'<div class="csp-card"><div class="csp-card-label">{label}</div>'
                f'<div class="csp-card-value{neg}" id="{FIGURE_IDS[key]}" '
                f'data-value="{raw!r}" data-currency="{html.escape(cur)}">{text}</div>'
                f'<div class="csp-card-sub">{html.escape(sub)}</div></div>')
        notes = "".join(f"<li>{html.escape(w)}</li>" for w in res.warnings)
        self.notes.value = f"<b>Notes from the model</b><ul>{notes}</ul>" if notes else ""

    @staticmethod
    def _figures_of(res: Result) -> dict[str, float]:
        """The headline figures the cards show, as numbers."""
        out = {k: float(res.summary[k]) for k in FIGURE_IDS if k in res.summary.index}
        out["credit_exposure"] = float(res.monthly["credit_exposure"].max())
        return out

    def _delta_text(self, key: str, value: float, currency: str) -> str:
        """A figure's change against the file's (money and %; points for a margin; months
        for break-even); empty with no change or no baseline."""
        base = None if self._baseline is None else self._baseline.get(key)
        if base is None or not self._overrides or (math.isnan(base) and math.isnan(value)):
            return ""
        if math.isnan(base) or math.isnan(value):
            return "the file: " + ("never" if math.isnan(base) else f"month {base:.0f}")
        diff = value - base
        if abs(diff) < 1e-9:
            return "as in the file"
        sign = "+" if diff > 0 else "-"
        if key == "operating_margin":
            return f"{sign}{abs(100 * diff):.1f} points against the file"
        if key == "break_even_month":
            return f"{sign}{abs(diff):.0f} months against the file"
        pct = f" ({sign}{abs(diff / base) * 100:.1f}%)" if base else ""
        return f"{sign}{_money(abs(diff), currency)}{pct} against the file"

    def _on_bands(self) -> None:
        self._stale["profit_and_cash"] = True
        self.tabs.selected_index = 0
        self._draw_visible()

    def seek(self, goal: str | None = None, move: str | None = None) -> Any:  # noqa: ANN401
        """Find the value of an input (``move``, a key of :data:`MOVES`) at which a figure
        reaches its target (``goal``, a key of :data:`GOALS`) with the package's break-even
        solver, for the current settings; when found, set the input's control to it (the
        figures and charts follow). Returns the :class:`cspmodel.uncertainty.BreakEven`."""
        from .uncertainty import breakeven

        goal = goal or self.goal.value
        move = move or self.move.value
        if self.goal.value != goal:
            self.goal.value = goal
        if self.move.value != move:
            self.move.value = move
        metric, target = GOALS[goal]
        spec = SPECS[MOVES[move]]
        key = self._path(spec)
        scenario = self.scenario
        against = None
        if target == "direct":
            scenario, against = as_channel(scenario, "direct"), as_channel(scenario, "indirect")
            target = 0.0
        if spec.name == "distributor_margin" and scenario.channel.model == "direct" \
                and against is None:
            self.seek_answer.value = ("<i>The distributor's margin does not act on a direct "
                                      "book: choose another input.</i>")
            return None
        high = None
        if spec.name in ("customers_at_start", "new_customers_per_month", "support_price"):
            current = float(_get(scenario.model_dump(mode="json"), key) or 0.0)
            high = (max(4.0 * current, 200.0) if spec.name == "support_price"
                    else max(20.0 * current, 500.0))  # a book may need many more customers
        found = breakeven(scenario, key, metric, target=float(target), against=against,
                          low=0.0 if high is not None else None, high=high)
        self.seek_answer.value = f"<p>{html.escape(found.sentence)}</p>"
        if found.found:
            value = found.value * (100.0 if spec.kind == "percent" else 1.0)
            self.controls[spec.name].value = round(value, 6)
        return found

    def keep(self) -> None:
        """Keep the current settings' figures for the compare strip (the last
        :data:`MAX_KEPT`), beside the file's."""
        if self.result is None or self._invalid:
            return
        n = (self.kept[-1][0].split()[-1] if self.kept else "0")
        name = f"What-if {int(n) + 1}"
        self.kept = [*self.kept, (name, self._figures_of(self.result), self.overrides)]
        self.kept = self.kept[-MAX_KEPT:]
        self._show_compare()

    def _show_compare(self) -> None:
        """The file's figures and the kept what-ifs side by side, each with what it changed."""
        if not self.kept or self._baseline is None:
            self.compare.value = ""
            return
        cur = self._base.currency
        cols = [("The file", self._baseline, {}), *self.kept]
        head = "".join(f"<th>{html.escape(name)}</th>" for name, _, _ in cols)
        labels = {"operating_profit": "Operating profit", "operating_margin": "Operating margin",
                  "npv": "NPV of cash", "break_even_month": "Break-even month",
                  "cash_trough": "Cash trough", "credit_exposure": "Azure credit exposure"}

        def cell(key: str, v: float) -> str:
            if math.isnan(v):
                return "never"
            if key == "operating_margin":
                return f"{100 * v:.1f}%"
            if key == "break_even_month":
                return break_even_text(v, self._base.horizon_months)
            return _money(v, cur)

        rows = "".join(
            f"<tr><td>{labels[k]}</td>"
            + "".join(f'<td data-key="{k}" data-value="{figs[k]!r}">{cell(k, figs[k])}</td>'
                      for _, figs, _ in cols) + "</tr>" for k in labels)
        changes = "".join(
            f"<td>{html.escape('; '.join(f'{p} = {v}' for p, v in over.items()) or '-')}</td>"
            for _, _, over in cols)
        self.compare.value = (f'<table class="csp-compare-table"><tr><th></th>{head}</tr>'
                              f"{rows}<tr><td>Changed</td>{changes}</tr></table>")

    def _direct_eligibility(self, res: Result) -> str | None:
        """For the direct channel and a book below Microsoft's direct-bill threshold: show it
        first, with the billings still missing (else clear it). Returns the note or None."""
        from .channel import check_threshold, direct_bill_need

        self.eligibility.value = ""
        if self.scenario.channel.model != "direct":
            return None
        check = check_threshold(res.monthly["csp_billed_revenue"].to_numpy(),
                                direct_bill_need(self.scenario))
        if check.first_below is None:
            return None
        cur = res.currency
        missing = max(check.need_at_first_below - check.ttm_at_first_below, 0.0)
        when = add_months(self.scenario.start_month, check.first_below).strftime("%Y-%m")
        note = (f"Not eligible for direct bill: Microsoft asks for "
                f"{_money(check.need_at_first_below, cur)} of CSP billings over 12 months, and "
                f"this book bills {_money(check.ttm_at_first_below, cur)} in the 12 months to "
                f"{when}: {_money(missing, cur)} missing. The figures below are what direct "
                "would earn if Microsoft admitted it.")
        self.eligibility.value = (f'<div class="csp-message-error" id="csp-not-eligible">'
                                  f"{html.escape(note)}</div>")
        return note

    @staticmethod
    def _exposure_card(res: Result) -> tuple[str, str, str]:
        """The Azure credit exposure at its worst month, beside the Azure margin it buys."""
        from .azure_analysis import azure_margins, has_azure

        if not has_azure(res.scenario):
            return ("Azure credit exposure", "no Azure", "no consumption in this scenario")
        cur = res.currency
        margin = float(azure_margins(res).loc["all", "margin"])
        worst = float(res.monthly["credit_exposure"].max())
        return ("Azure credit exposure", _money(worst, cur),
                f"worst month; Azure margin {_money(margin, cur)} over "
                f"{res.scenario.horizon_months} months")

    def _show_message(self, exc: Exception | str | None, error: bool = False,
                      prefix: str = "Not applied:") -> None:
        if exc is None:
            self.message.value = ""
            return
        if isinstance(exc, ScenarioError):
            lines = [self._readable(p) for p in exc.problems]
        else:
            lines = [str(exc)]
        body = "\n".join(html.escape(line) for line in lines)
        if error:
            tail = ("\nThe figures show the last valid settings."
                    if self.result is not None else "")
            self.message.value = (f'<div class="csp-message-error"><b>{html.escape(prefix)}'
                                  f"</b>\n{body}{html.escape(tail)}</div>")
        else:
            self.message.value = f'<div class="csp-message-info">{body}</div>'

    def _readable(self, problem: Any) -> str:
        """A problem in the control's words when a control sets its field (its key after)."""
        for spec in CONTROLS:
            path = self._path(spec)
            if problem.path == path or problem.path.startswith(path + "."):
                seg = self._base.segments[self._segment].name
                where = f" (segment {seg})" if "{seg}" in spec.path else ""
                where = f" (tier {self._tier()})" if "{tier}" in spec.path else where
                value = problem.value
                shown = f"{value:g}" if isinstance(value, float) else str(value)
                return (f"{spec.label}{where} = {shown}: {problem.message} "
                        f"(key {problem.path})")
        return str(problem)

    # -- saving -------------------------------------------------------------------------------
    def _on_save(self) -> None:
        try:
            path = self.save_as(self.save_name.value)
        except (ScenarioError, ValueError, OSError) as exc:
            self._show_message(exc, error=True, prefix="Not saved:")
            return
        self._show_message(f"Saved as {path.name} in {path.parent}.")

    def _on_meeting(self) -> None:
        self._show_message("Writing the scenario, its report page and its deck...")
        try:
            written = self.into_the_meeting(self.save_name.value)
        except (ScenarioError, ValueError, OSError) as exc:
            self._show_message(exc, error=True, prefix="Not written:")
            return
        except Exception as exc:  # noqa: BLE001 - the report could not be made: say why
            self._show_message(f"{type(exc).__name__}: {exc}", error=True,
                               prefix="The report could not be made:")
            return
        self._show_message("Wrote " + ", ".join(f"{p.name}" for p in written)
                           + f" in {written[0].parent}.")

    def into_the_meeting(self, name: str, formats: tuple[str, ...] = ("html", "pptx")
                         ) -> list[Path]:
        """Save the current settings as a new scenario file (:meth:`save_as`), then write its
        report page and its PowerPoint deck beside it (``cspmodel report``'s formats). Returns
        the files written, the scenario first.

        Example:
            >>> ex.into_the_meeting("Growing VAR, direct")  # doctest: +SKIP
            [PosixPath('.../growing_var_direct.yaml'), PosixPath('.../growing_var_direct.html'),
             PosixPath('.../growing_var_direct.pptx')]
        """
        from .present import load_source, write_report

        path = self.save_as(name)
        source = load_source(str(path))
        written = [path]
        for fmt in formats:
            written.append(Path(write_report(source, fmt, str(path.with_suffix(f".{fmt}")))))
        return written

    def save_as(self, name: str) -> Path:
        """Write the current settings as a new scenario file named after ``name`` in the
        scenarios folder, and switch to it. An existing file is never overwritten.

        Example:
            >>> ex.save_as("Growing VAR, direct")  # doctest: +SKIP
            PosixPath('.../scenarios/growing_var_direct.yaml')
        """
        name = name.strip()
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
        if not slug:
            raise ValueError("type a name for the new scenario first (letters or digits)")
        if self.scenarios_dir is None:
            raise ValueError("this explorer has no scenarios folder to save into")
        if self._invalid:
            raise ValueError("a control holds a value that is not valid; fix it first (the "
                             "message above says which)")
        path = self.scenarios_dir / f"{slug}.yaml"
        if path.exists():
            raise ValueError(f"{path.name} already exists in {self.scenarios_dir}; choose "
                             "another name")
        based_on = self.path.name if self.path is not None else self._base.name
        description = (self.scenario.description + " " if self.scenario.description else "")
        new = self.scenario.with_overrides({
            "name": name, "description": description + f"(Saved from the explorer, based on "
                                                       f"{based_on}.)"})
        write_scenario(new, path)
        self.open(new, path.resolve())
        self.refresh_choices()
        return path

    def refresh_choices(self) -> None:
        """List the scenarios folder again in the chooser, keeping the open scenario chosen."""
        options = [(f.stem, str(f.resolve())) for f in _scenario_files(self.scenarios_dir)]
        current = str(self.path) if self.path is not None else ""
        if current not in {o[1] for o in options}:
            label = self.path.stem if self.path is not None else f"{self._base.name} (as given)"
            options.insert(0, (label, current))
        self._loading = True
        try:
            self.chooser.options = options
            self.chooser.value = current
        finally:
            self._loading = False


def _row(*children: W.Widget) -> W.HBox:
    box = W.HBox(list(children))
    box.add_class("csp-row")
    return box


def _set_slider(w: W.FloatSlider, value: float, lo: float, hi: float) -> None:
    """Set a slider to a value, widening its range to hold it (never clamped)."""
    lo, hi = min(lo, value), max(hi, value)
    w.min, w.max = min(w.min, lo), max(w.max, hi)
    w.value = value
    w.min, w.max = lo, hi


def _money(amount: float, currency: str) -> str:
    a = float(amount)
    return "n/a" if math.isnan(a) else f"{currency} {a:,.0f}"


def open_explorer(scenario_path: str | Path, draw: bool = True) -> Explorer | W.HTML:
    """The explorer of a scenario file, or a readable message when the file cannot be used
    (what the notebook and the dashboard show).

    Example:
        >>> open_explorer("no_such_scenario.yaml").value  # doctest: +ELLIPSIS
        '<div class="csp-message-error">...no such file...'
    """
    try:
        return Explorer.from_file(scenario_path, draw=draw)
    except ScenarioError as exc:
        files = ", ".join(f.stem for f in _scenario_files(SCENARIOS_DIR))
        text = f"{exc}\nScenarios available: {files or 'none'}"
        return W.HTML(f'<div class="csp-message-error"><b>This scenario cannot be opened:'
                      f"</b>\n{html.escape(text)}</div>{CSS}")


def warm_up() -> None:
    """Load what a page's first figures and charts need (the engine and its compiled month
    loop, the chart library) before any page asks: the dashboard runs this in the kernel it
    starts ahead of the next page.

    Example:
        >>> warm_up()
    """
    from . import plots  # noqa: F401 - matplotlib, loaded by the charts
    from .io import load_scenario_text

    simulate(load_scenario_text("name: warm-up\nhorizon_months: 1\nsegments:\n- name: A\n"
                                "  product_mix: {m365_business_basic: 1}\n", source="warm-up"))


def show_charts(explorer: Explorer | W.HTML) -> None:
    """Draw the charts of an explorer opened with ``draw=False`` (its figures show first);
    nothing for the message :func:`open_explorer` shows instead of an explorer.

    Example:
        >>> show_charts(open_explorer("no_such_scenario.yaml"))
    """
    if isinstance(explorer, Explorer):
        explorer.draw()
