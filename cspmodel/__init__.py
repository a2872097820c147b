"""cspmodel: the economics of a Microsoft CSP partner, month by month.

Example:
    >>> import cspmodel
    >>> s = cspmodel.load_scenario("scenarios/small_indirect_msp.yaml")
    >>> r = cspmodel.simulate(s)
    >>> bool(abs(r.summary["revenue"] - r.monthly["revenue"].sum()) < 1e-6)
    True
"""

import importlib
from typing import Any

# what ``cspmodel.<name>`` gives, and the module it lives in: loaded on first use, so that
# ``import cspmodel`` and the command line's ``--help`` do not pay for pandas and the engine
_EXPORTS = {
    "Problem": "errors", "ScenarioError": "errors",
    "apply_overrides": "io", "load_scenario": "io", "load_scenario_text": "io",
    "Result": "result", "compare": "result", "simulate": "result",
    "Scenario": "schema",
    "BreakEven": "uncertainty", "breakeven": "uncertainty", "sensitivity": "uncertainty",
    "sobol": "uncertainty", "sweep": "uncertainty",
}


def __getattr__(name: str) -> Any:  # noqa: ANN401 - whatever the attribute is
    """Load an export (or a submodule, ``cspmodel.ledger``) the first time it is asked for."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    elif not name.startswith("__"):
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


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
