"""``oneplace stats``: public-health statistics on an analyst's own aggregated counts.

Registered in ``oneplace.cli``; light to import (numpy and scipy load when a command runs).
The column contract of each command is in :mod:`oneplace.stats.files` and docs/stats.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from .files import StatsReport

app = typer.Typer(
    no_args_is_help=True,
    help="Rates, proportions and standardised rates with 95% and 99.8% limits, as PHE computes them.",
)

InputOpt = Annotated[Path, typer.Option("--input", help="CSV file of counts")]
OutputOpt = Annotated[Path, typer.Option("--output", help="CSV file to write")]
GroupOpt = Annotated[
    list[str] | None,
    typer.Option("--group-by", help="Column to group (and sum) by; repeat for several"),
]


def _done(report: StatsReport, output: Path) -> None:
    from rich.console import Console

    console = Console(stderr=True)
    for message in report.warnings:
        console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
    blank = f" ({report.blank:,} blank)" if report.blank else ""
    console.print(
        f"{report.rows:,} rows -> {report.units:,} values{blank} -> {output}",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def rate(
    input: InputOpt,
    output: OutputOpt,
    multiplier: Annotated[float, typer.Option(help="Rate per this many")] = 100_000,
    group_by: GroupOpt = None,
) -> None:
    """Crude rates: columns numerator, denominator. Exact Poisson limits below 10 events, Byar's from 10."""
    from .commands import rate_file

    _done(rate_file(input, output, multiplier, group_by or []), output)


@app.command()
def proportion(
    input: InputOpt,
    output: OutputOpt,
    multiplier: Annotated[float, typer.Option(help="1 for a fraction, 100 for a percentage")] = 1,
    group_by: GroupOpt = None,
) -> None:
    """Proportions: columns numerator, denominator. Wilson score limits."""
    from .commands import rate_file

    _done(rate_file(input, output, multiplier, group_by or [], "proportion"), output)


@app.command("dsr")
def dsr_command(
    input: InputOpt,
    output: OutputOpt,
    multiplier: Annotated[float, typer.Option(help="Rate per this many")] = 100_000,
    group_by: GroupOpt = None,
) -> None:
    """Directly standardised rates: columns age_band, count, population [, standard_population].

    Without standard_population the bands are the European Standard Population 2013's
    0-4, 5-9, ..., 85-89, 90+, each once per group. Dobson limits; blank below 10 events.
    """
    from .commands import dsr_file

    _done(dsr_file(input, output, multiplier, group_by or []), output)


@app.command("isr")
def isr_command(
    input: InputOpt,
    reference: Annotated[
        Path, typer.Option("--reference", help="CSV: age_band, count, population of the reference")
    ],
    output: OutputOpt,
    type: Annotated[str, typer.Option("--type", help="ratio (O/E) or rate")] = "ratio",
    multiplier: Annotated[
        float | None,
        typer.Option(help="ratio: 1 (default) or 100 for an SAR; rate: per 100,000 (default)"),
    ] = None,
    group_by: GroupOpt = None,
) -> None:
    """Indirectly standardised ratios or rates: input age_band, count, population by group.

    Expected events use the reference's age-specific rates (count / population per band);
    every group needs exactly the reference's bands. The rate is O/E x the reference's crude
    rate. Limits: Poisson limits of O (exact below 10, Byar's from 10) / E.
    """
    from .commands import isr_file

    _done(isr_file(input, reference, output, type, multiplier, group_by or []), output)
