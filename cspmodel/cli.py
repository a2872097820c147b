"""The ``cspmodel`` command line.

Exit codes: 0 all good, 1 a run failed, 2 bad input (an invalid scenario or bad arguments).

Example:
    $ cspmodel validate scenarios/*.yaml
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click

from .errors import ScenarioError
from .io import apply_overrides, load_scenario, parse_set_options
from .util import atomic_write_text, publish_dir


def summary_to_json(result) -> str:  # noqa: ANN001 - Result, imported lazily
    """The summary and warnings of a result as JSON (NaN written as null)."""
    from .result import summary_json

    return summary_json(result)


class LazyGroup(click.Group):
    """The command group, with the commands that need pandas and the report stack (``batch``,
    ``report``) imported only when one of them runs, so ``--help`` and ``validate`` start fast
    (click's lazy loading of subcommands). Their one-line help is written here; a test checks
    it is the first line of the command's own."""

    LAZY = {
        "batch": ("cspmodel.batch", "batch_command",
                  "Run the report notebook once per scenario (files or folders)..."),
        "report": ("cspmodel.present", "report_command",
                   "Present SOURCE (a scenario file, or a batch output folder..."),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            import importlib

            module, attr, _ = self.LAZY[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.LAZY:
                rows.append((name, self.LAZY[name][2]))
                continue
            cmd = super().get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(formatter.width - 6 - len(name))))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def _load(name: str, sets: tuple[str, ...] = ()):  # noqa: ANN202 - click helper
    """Load a scenario with --set overrides, or exit 2 with the problems (no traceback)."""
    try:
        scenario = load_scenario(name)
        if sets:
            scenario = apply_overrides(scenario, parse_set_options(list(sets)),
                                       source=f"{name} (--set)")
        return scenario
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override a scenario value, e.g. --set channel.model=direct (repeatable).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder for summary.json and monthly.csv.")
def run(file: str, sets: tuple[str, ...], out: str | None) -> None:
    """Simulate one scenario FILE and print its headline figures."""
    from .findings import executive_summary
    from .result import simulate

    scenario = _load(file, sets)
    result = simulate(scenario)
    click.echo(result.describe())
    click.echo("\n" + executive_summary(scenario, result).text())
    if out:
        target = Path(out)
        staging = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".cspmodel-", dir=target.parent))
            (staging / "summary.json").write_text(summary_to_json(result), encoding="utf-8")
            result.monthly.to_csv(staging / "monthly.csv", float_format="%.2f")
            publish_dir(staging, target, ours=frozenset({"summary.json", "monthly.csv"}))
        except OSError as exc:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            click.echo(f"Error: cannot write {target}: {exc.strerror or exc}", err=True)
            sys.exit(1)
        except BaseException:
            if staging is not None:  # interrupted: leave no staging folder behind
                shutil.rmtree(staging, ignore_errors=True)
            raise
        click.echo(f"\nWrote {target / 'summary.json'} and {target / 'monthly.csv'}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override applied to every scenario (repeatable).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the comparison as CSV to this file.")
def compare(files: tuple[str, ...], sets: tuple[str, ...], out: str | None) -> None:
    """Simulate several scenario FILES and compare their headline figures side by side."""
    import pandas as pd

    from .formatting import fmt_figure
    from .notebook import HEADLINE_ROWS
    from .result import compare as compare_results

    scenarios = [_load(f, sets) for f in files]
    table = compare_results(scenarios)
    view: dict[str, dict[str, str]] = {}
    for (name, row), scenario in zip(table.iterrows(), scenarios, strict=True):
        col = {"Channel": str(row["channel"]).capitalize(),
               "Horizon": f"{int(row['horizon_months'])} months from "
                          f"{scenario.start_month:%Y-%m}"}
        for key, label, kind in HEADLINE_ROWS:
            if key in row:
                col[label] = fmt_figure(float(row[key]), kind, str(row["currency"]))
        col["Warnings"] = f"{int(row['warnings'])}"
        view[str(name)] = col
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        click.echo(pd.DataFrame(view).to_string())
    if out:
        atomic_write_text(Path(out), table.to_csv(float_format="%.4f"))
        click.echo(f"\nWrote {out}")


@main.command("import")
@click.option("--price-list", "price_list", required=True, type=click.Path(dir_okay=False),
              help="Microsoft's NCE licence-based price list (CSV) from Partner Center.")
@click.option("--recon", "recon", multiple=True, type=click.Path(dir_okay=False),
              help="A billing reconciliation file (CSV or .gz; repeatable).")
@click.option("--subscriptions", "subscriptions_file", type=click.Path(dir_okay=False),
              default=None, help="A distributor's plain subscriptions CSV, instead of or with "
              "--recon.")
@click.option("--column", "columns", multiple=True, metavar="NAME=HEADER",
              help="The subscriptions file's own header for a field, e.g. quantity=Seats.")
@click.option("--segments", default=None, metavar="RULE",
              help="seats:10,50 (bands of a customer's seats) or a CSV of customer,segment.")
@click.option("--start", default=None, metavar="YYYY-MM",
              help="First month (default: the month after the latest charge).")
@click.option("--market-segment", default="commercial",
              help="Price list segment: commercial, education, charity or government.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The scenario to write (its book file is written beside it).")
def import_command(price_list: str, recon: tuple[str, ...], subscriptions_file: str | None,
                   columns: tuple[str, ...], segments: str | None, start: str | None,
                   market_segment: str, out: str) -> None:
    """Build a scenario of your own business from Partner Center's files."""
    from .importer import build_import, write_import

    try:
        mapping = dict(c.split("=", 1) for c in columns)
    except ValueError:
        click.echo(f"--column: write it as NAME=HEADER, e.g. quantity=Seats (got {columns})",
                   err=True)
        sys.exit(2)
    try:
        imp = build_import(price_list, list(recon), out, subscriptions_file, mapping or None,
                           segments, start, market_segment)
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo("Nothing was written.", err=True)
        sys.exit(2)
    click.echo(imp.report())
    scenario_path, book_path = write_import(imp, out)
    click.echo(f"\nWrote {scenario_path} and {book_path}. Next: cspmodel run {scenario_path}")


if __name__ == "__main__":  # pragma: no cover
    main()
