"""What a report is made from: one scenario file, or a batch output folder whose scenarios are
simulated again from their files and overrides (and must equal the batch's ``summary.json``).

Example:
    >>> load_source("scenarios/small_indirect_msp.yaml").kind  # doctest: +SKIP
    'scenario'
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..io import apply_overrides, load_scenario
from ..result import Result, simulate
from ..schema import Scenario

FORMATS = ("html", "slides", "pptx", "xlsx")
SUFFIXES = {"html": ".html", "slides": ".slides.html", "pptx": ".pptx", "xlsx": ".xlsx"}
LABELS = {"html": "Report page", "slides": "Slides", "pptx": "PowerPoint deck",
          "xlsx": "Excel workbook"}
BATCH_STEM = "cspmodel"
SCENARIO_SUFFIXES = (".yaml", ".yml")


class SourceError(ValueError):
    """SOURCE is neither a valid scenario file nor a usable batch output folder."""


class RenderError(RuntimeError):
    """A report could not be produced (e.g. the report notebook failed)."""


@dataclass
class Run:
    """One scenario of a source: its name (batch folder or file stem), scenario and result."""

    name: str
    scenario: Scenario
    result: Result
    source: str


@dataclass
class Source:
    """What a report is made from: one scenario file, or a batch output folder."""

    path: Path
    kind: str  # "scenario" or "batch"
    runs: list[Run]
    failed: list[tuple[str, str]] = field(default_factory=list)  # (run, error) of a batch

    @property
    def title(self) -> str:
        """The scenario's name, or a title for the comparison."""
        if self.kind == "scenario":
            return self.runs[0].scenario.name
        return "CSP business scenarios compared"

    def default_out(self, fmt: str) -> Path:
        """``<stem>.<ext>`` in the working folder for a scenario, ``DIR/cspmodel.<ext>`` for a
        batch.

        Example:
            >>> Source(Path("b"), "batch", []).default_out("pptx")
            PosixPath('b/cspmodel.pptx')
        """
        if self.kind == "batch":
            return self.path / f"{BATCH_STEM}{SUFFIXES[fmt]}"
        return Path(f"{self.path.stem}{SUFFIXES[fmt]}")


# --------------------------------------------------------------------------------------------
# Reading a source
# --------------------------------------------------------------------------------------------
def load_source(path: str | os.PathLike[str]) -> Source:
    """Read SOURCE: a scenario file (validated and simulated) or a batch output folder (every
    scenario that ran, simulated again and checked against the batch's ``summary.json``).
    Raises ScenarioError for an invalid scenario, SourceError for anything else unusable.

    Example:
        >>> load_source("no/such/thing.yaml")
        Traceback (most recent call last):
        ...
        cspmodel.report.source.SourceError: no/such/thing.yaml: no such file or folder; give a \
scenario file (.yaml) or a batch output folder (made by `cspmodel batch ... --out DIR`)
    """
    p = Path(path)
    if p.is_dir():
        return _load_batch(p)
    if not p.exists():
        raise SourceError(f"{p}: no such file or folder; give a scenario file (.yaml) or a "
                          "batch output folder (made by `cspmodel batch ... --out DIR`)")
    if p.suffix.lower() not in SCENARIO_SUFFIXES:
        raise SourceError(f"{p}: not a scenario file (.yaml, .yml) nor a batch output folder")
    scenario = load_scenario(p)
    return Source(p, "scenario", [Run(p.stem, scenario, simulate(scenario), str(p))])


def _batch_parameters(run_dir: Path) -> dict[str, Any]:
    """The parameters papermill ran a batch notebook with (scenario_path, overrides)."""
    nb_path = run_dir / "report.ipynb"
    if not nb_path.is_file():
        return {}
    try:
        data = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(data.get("metadata", {}).get("papermill", {}).get("parameters", {}) or {})


def _load_batch(folder: Path) -> Source:
    from ..batch import load_batch

    if not (folder / "batch.json").is_file():
        raise SourceError(f"{folder}: not a batch output folder (no batch.json); make one with "
                          f"`cspmodel batch SCENARIOS --out {folder}`, or give a scenario file")
    try:
        table, runs = load_batch(folder)
    except (OSError, ValueError, KeyError) as exc:
        raise SourceError(f"{folder}: batch output unreadable ({type(exc).__name__}: {exc}); "
                          "run `cspmodel batch` again") from None
    failed = [(str(name), str(r.get("error") or "")) for name, r in runs.iterrows()
              if not r["ok"]]
    if table.empty:
        raise SourceError(f"{folder}: no scenario of this batch ran, so there is nothing to "
                          "present (see its index.html)")
    out: list[Run] = []
    for name, row in table.iterrows():
        params = _batch_parameters(folder / str(name))
        scenario_file = Path(params.get("scenario_path") or runs.loc[name, "source"])
        if not scenario_file.is_file():
            raise SourceError(f"{folder}: the scenario file of run {name!r} ({scenario_file}) "
                              "is gone; run the batch again")
        scenario = load_scenario(scenario_file)
        overrides = params.get("overrides") or {}
        if overrides:
            scenario = apply_overrides(scenario, dict(overrides),
                                       source=f"{scenario_file} (batch overrides)")
        result = simulate(scenario)
        _check_same(folder, str(name), scenario_file, row, result)
        out.append(Run(str(name), scenario, result, str(scenario_file)))
    return Source(folder, "batch", out, failed)


def _check_same(folder: Path, name: str, scenario_file: Path, row: pd.Series,
                result: Result) -> None:
    """The batch's recorded figures equal a fresh simulation of its scenario, or SourceError."""
    for key, value in result.summary.items():
        if key not in row.index:
            continue
        recorded, now = float(row[key]), float(value)
        if math.isnan(recorded) and math.isnan(now):
            continue
        if not math.isclose(recorded, now, rel_tol=1e-6, abs_tol=1e-6):
            raise SourceError(
                f"{folder}: run {name!r}: {key} is {now:,.2f} when {scenario_file} is simulated "
                f"now but {recorded:,.2f} in the batch's summary.json; the scenario changed "
                "since the batch ran: run `cspmodel batch` again")
