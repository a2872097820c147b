"""The ``cspmodel`` command line.

Exit codes: 0 all good, 1 a run failed, 2 bad input (an invalid scenario or bad arguments).

Example:
    $ cspmodel validate scenarios/*.yaml
"""

from __future__ import annotations

import sys

import click

from .errors import ScenarioError
from .io import load_scenario


class UserError(click.ClickException):
    """Bad input: printed without a traceback, exit code 2."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cspmodel")
def main() -> None:
    """Model the economics of a Microsoft CSP partner from scenario files."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES; print one line per problem; exit 2 if any is invalid."""
    bad = 0
    for name in files:
        try:
            scenario = load_scenario(name)
        except ScenarioError as exc:
            bad += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        click.echo(f"{name}: ok ({scenario.name}, {len(scenario.segments)} segment(s), "
                   f"{scenario.channel.model})")
    if bad:
        click.echo(f"{bad} of {len(files)} scenario file(s) invalid", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
