"""Protects the examples in the docstrings of the scenario and catalog modules: a partner or a
developer who copies one gets what the docstring shows."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["cspmodel.catalog", "cspmodel.errors", "cspmodel.io", "cspmodel.schema",
           "cspmodel.util", "cspmodel.reference_doc"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples name files relative to the project folder
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{name}: {result.failed} docstring example(s) failed"
    assert result.attempted > 0, f"{name}: no docstring example"
