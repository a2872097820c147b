"""Start-up (issue "Speed and scale", item 6): ``import cspmodel`` and ``cspmodel --help`` load
neither pandas nor the engine; the heavy modules load on first use. Times live in ``make
bench``; these tests check what is loaded, which does not depend on the machine."""

from __future__ import annotations

import subprocess
import sys

import click

from cspmodel.cli import LazyGroup, main

HEAVY = ("pandas", "matplotlib", "cspmodel.engine", "cspmodel.result", "pydantic", "numba")


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join("
                          "sorted(sys.modules)))"], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_cspmodel_loads_nothing_heavy() -> None:
    loaded = _loaded_after("import cspmodel")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_the_exports_and_submodules_load_on_first_use() -> None:
    loaded = _loaded_after("import cspmodel\ncspmodel.simulate\ncspmodel.ledger.index")
    assert {"cspmodel.result", "cspmodel.ledger", "pandas"} <= loaded


def test_help_loads_neither_pandas_nor_the_report_stack() -> None:
    loaded = _loaded_after("from click.testing import CliRunner\nfrom cspmodel.cli import main"
                           "\nCliRunner().invoke(main, ['--help'])")
    assert not loaded & {"pandas", "cspmodel.batch", "cspmodel.present", "matplotlib"}


def test_the_lazy_commands_one_line_help_is_their_own() -> None:
    ctx = click.Context(main)
    for name, (_, _, short) in LazyGroup.LAZY.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        first = (command.help or "").split(". ")[0].split("\n\n")[0].replace("\n", " ")
        assert first.startswith(short.rstrip(".").rstrip()), (name, first, short)
