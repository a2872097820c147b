"""The package imports one way (engine issue, item 4): the import graph of cspmodel, every
import statement counted (also those inside functions), has no cycle. Before, three circles:
engine -> commissions -> result -> uncertainty, schema -> io -> distributions, batch -> cli ->
notebook -> present."""

from __future__ import annotations

import ast
from pathlib import Path

import cspmodel

PACKAGE = Path(cspmodel.__file__).resolve().parent


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts)
        mods[name[: -len(".__init__")] if name.endswith(".__init__") else name] = path
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)] if node.level \
                    else []
                target = ".".join(base + ([node.module] if node.module else [])) if node.level \
                    else (node.module or "")
                names = [target] + [f"{target}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                while name and name not in mods:
                    name = name.rsplit(".", 1)[0] if "." in name else ""
                if name and name not in (mod, "cspmodel") and not mod.startswith(name + "."):
                    edges[mod].add(name)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycle():
    edges = import_graph()
    assert "cspmodel.engine" in edges and edges["cspmodel.result"] >= {"cspmodel.engine"}
    assert cycles(edges) == []


def test_the_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_engine_imports_nothing_from_commissions_or_the_views():
    edges = import_graph()
    engine = edges["cspmodel.engine"]
    assert not engine & {"cspmodel.commissions", "cspmodel.result", "cspmodel.uncertainty",
                         "cspmodel.analysis", "cspmodel.present", "cspmodel.batch"}
    assert "cspmodel.result" not in edges["cspmodel.commissions"]  # it never calls simulate


def test_import_cspmodel_leaves_the_presentation_libraries_alone() -> None:
    # the engine's import path: no charts, slides, workbooks or notebook runner
    import subprocess
    import sys

    heavy = ("matplotlib", "pptx", "openpyxl", "papermill", "nbconvert", "jinja2")
    code = ("import sys, cspmodel, cspmodel.cli; print(' '.join(m for m in "
            f"{heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""
