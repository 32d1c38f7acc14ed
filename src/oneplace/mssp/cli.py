"""``oneplace mssp``: Medicare Shared Savings Program commands (registered in ``oneplace.cli``).

Kept light to import: the settlement modules load only when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True,
    help="Medicare Shared Savings Program: settle ACOs' performance years.",
)


@app.command()
def settle(
    input: Annotated[Path, typer.Option("--input", help="CSV: one row per ACO performance year")],
    output: Annotated[Path, typer.Option("--output", help="CSV file to write")],
) -> None:
    """Earned shared savings or owed losses per ACO, with the rule that decided each."""
    from rich.console import Console

    from .files import settle_file

    report = settle_file(input, output)
    Console(stderr=True).print(
        f"settled {report.acos:,} ACOs: {report.earning:,} earn ${report.earned:,.2f}, "
        f"{report.owing:,} owe ${report.owed:,.2f}, "
        f"{report.acos - report.earning - report.owing:,} neither -> {output}",
        highlight=False,
        soft_wrap=True,
    )
