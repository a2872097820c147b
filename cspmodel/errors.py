"""Errors a partner can read: the file, the field path, the bad value and what is allowed.

Example:
    >>> err = ScenarioError([Problem("a.yaml", "segments.0.churn_annual", 1.5,
    ...     "must be between 0 and 1")])
    >>> print(err)
    a.yaml: segments.0.churn_annual = 1.5: must be between 0 and 1
"""

from __future__ import annotations

import datetime as dt
import reprlib
from dataclasses import dataclass
from typing import Any

import click


class LocatedError(ValueError):
    """Raised inside a validator that knows the exact field path of the problem."""

    def __init__(self, loc: tuple[Any, ...], value: Any, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.value = value
        self.message = message


_MISSING = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario."""

    source: str
    path: str
    value: Any
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        if self.path and self.value is not _MISSING:
            return f"{where}{self.path} = {_show(self.value)}: {self.message}"
        if self.path:
            return f"{where}{self.path}: {self.message}"
        return f"{where}{self.message}"


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxtuple = 2, 4, 4, 4
_REPR.maxstring, _REPR.maxother = 60, 60


def _show(value: Any) -> str:
    """A value as an error shows it: at most 80 characters, whatever its size (a nested value
    is cut while it is written, never written whole first)."""
    if value is None:
        return "(empty)"  # YAML's null or a key left blank; "None" means nothing to a partner
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _REPR.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` lists each thing wrong, one per line.

    Example:
        >>> try:
        ...     raise ScenarioError([Problem("x.yaml", "", None, "the file is empty")])
        ... except ValueError as e:
        ...     print(e)
        x.yaml: the file is empty
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


MISSING = _MISSING


class UserError(click.ClickException):
    """Bad input on the command line: printed without a traceback, exit code 2."""

    exit_code = 2
