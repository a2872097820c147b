"""cspmodel: the economics of a Microsoft CSP partner, month by month.

Example:
    >>> import cspmodel
    >>> s = cspmodel.load_scenario("scenarios/small_indirect_msp.yaml")
    >>> r = cspmodel.simulate(s)
    >>> bool(abs(r.summary["revenue"] - r.monthly["revenue"].sum()) < 1e-6)
    True
"""

from .errors import Problem, ScenarioError
from .io import apply_overrides, load_scenario, load_scenario_text
from .result import Result, compare, simulate
from .schema import Scenario
from .uncertainty import BreakEven, breakeven, sensitivity, sobol, sweep

__version__ = "0.1.0"

__all__ = [
    "BreakEven",
    "Problem",
    "breakeven",
    "sensitivity",
    "sobol",
    "sweep",
    "Result",
    "compare",
    "simulate",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
    "load_scenario_text",
]
