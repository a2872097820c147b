"""Protects environment.yml (conda users) from drifting away from pyproject.toml: both must
list the same packages, runtime and dev extra."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TOOLING = {"python", "pip"}  # what conda needs to build the environment, not a dependency


def normalize(spec: str) -> str:
    """Package name of a requirement: lowercase, '_' as '-', no version, extra or marker.

    Example: 'PyYAML>=6.0' -> 'pyyaml'; 'typing_extensions[x]; python_version<"3.12"' ->
    'typing-extensions'; conda's 'python=3.11' -> 'python'.
    """
    name = re.split(r"[\s<>=!~\[;@]", spec.strip(), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project.get("dependencies", []))
    specs += project.get("optional-dependencies", {}).get("dev", [])
    return {normalize(s) for s in specs}


def environment() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def environment_names() -> set[str]:
    names: set[str] = set()
    for entry in environment()["dependencies"]:
        if isinstance(entry, dict):  # the pip: section
            names |= {normalize(s) for s in entry.get("pip", []) if not s.startswith("-")}
        else:
            names.add(normalize(str(entry)))
    return names - TOOLING


def test_normalize() -> None:
    assert normalize("PyYAML>=6.0") == "pyyaml"
    assert normalize("typing_extensions[x]; python_version<'3.12'") == "typing-extensions"
    assert normalize("python=3.11") == "python"
    assert normalize("nbval") == "nbval"


def test_environment_yml_lists_the_same_packages_as_pyproject() -> None:
    in_pyproject, in_env = pyproject_names(), environment_names()
    assert in_pyproject == in_env, (
        f"only in pyproject.toml: {sorted(in_pyproject - in_env)}; "
        f"only in environment.yml: {sorted(in_env - in_pyproject)}. "
        "Add or remove the package in both files.")


def test_environment_yml_uses_conda_forge_python_311_and_pip() -> None:
    env = environment()
    assert env["channels"] == ["conda-forge"]
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in deps
    assert "pip" in deps
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"
