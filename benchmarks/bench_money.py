"""Time the money engine on a large synthetic place: fair shares, spend against budget and the
risk-share settlement (issue 4's target: 1.4 million people with three years of activity in
under 30 seconds on DuckDB).

The place is synthesised and loaded once (``oneplace synth``, ``init``, ``load``), and one
full ``oneplace run`` materialises every result. Then, ``--repeat`` times, the money results
are recomputed from the stored population-health results they build on, each written as a
DuckDB table as the run writes it, and the settlement is rebuilt from the stored spend:
``spend_daily`` (the attribution of activity to organisation, practice and locality that
every money result reads), ``spend_cells`` (the registered people's spend by age, sex,
deprivation, morbidity and segment), ``fair_shares``, ``spend_against_budget``,
``hospital_share_to_date``, ``spend_by_month``, ``spend_concentration``,
``budget_projection`` and ``settlement``. Prints the medians per step with the machine.

Usage: ``python benchmarks/bench_money.py [--people 1400000] [--years 3] [--repeat 3]
[--keep DIR]`` (``--keep`` reuses a folder with a loaded workspace from an earlier run).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from machine import machine
from rich.console import Console
from rich.table import Table

MONEY = (
    "spend_daily",
    "spend_cells",
    "fair_shares",
    "spend_against_budget",
    "hospital_share_to_date",
    "spend_by_month",
    "spend_concentration",
    "budget_projection",
)
# Seconds per step, and rows per step (empty when not counted).
Steps = tuple[dict[str, float], dict[str, int]]


def _oneplace(*args: str) -> None:
    exe = Path(sys.executable).with_name("oneplace")
    subprocess.run([str(exe), *args], check=True, stdout=subprocess.DEVNULL)


def prepare(folder: Path, people: int, years: int) -> Path:
    """A loaded and run workspace of ``people`` synthetic people in ``folder``."""
    ws = folder / "ws"
    if (ws / "place.yaml").exists():
        return ws
    data = folder / "data"
    _oneplace(
        "synth", "--people", str(people), "--seed", "1", "--years", str(years), "--out", str(data)
    )
    _oneplace("init", str(ws), "--place", str(data / "place.yaml"))
    for table in ("person", "registration", "activity", "diagnosis"):
        _oneplace("load", str(ws), table, str(data / f"{table}.parquet"))
    _oneplace("run", str(ws))
    return ws


def time_money(ws_path: Path) -> dict[str, float]:
    """Seconds per money step, recomputed and written as the run writes them."""
    from oneplace.backends import typed_duckdb_sql
    from oneplace.engine import RESULTS, Inputs
    from oneplace.run import financial_years_of_activity
    from oneplace.settle import settlement_table
    from oneplace.workspace import Workspace

    ws = Workspace.open(ws_path)
    out: dict[str, float] = {}
    with ws.connect() as raw:
        fys = financial_years_of_activity(raw)
    with ws.ibis() as con:
        inputs = Inputs.from_backend(con, fys, place=ws.place)
        for name in RESULTS:
            if name not in MONEY:
                inputs.results[name] = con.table(name)
        for name in MONEY:
            start = time.perf_counter()
            sql = typed_duckdb_sql(con, RESULTS[name](inputs))
            con.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
            out[name] = time.perf_counter() - start
            inputs.results[name] = con.table(name)
        start = time.perf_counter()
        settlement_table(con.con, ws.place)
        out["settlement"] = time.perf_counter() - start
    return out


def bench(doc: str, engine: str, time_steps: Callable[[Path], Steps]) -> None:
    """The command line of a benchmark of results on a large synthetic place (this one's and
    ``bench_outcomes.py``'s): prepare the place, time its steps ``--repeat`` times
    (``time_steps`` gives seconds per step and, if it counts them, rows per step), and print
    the median, min and max of each step and of their total with the machine."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--people", type=int, default=1_400_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the workspace in")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        ws = prepare(folder, args.people, args.years)
        setup = time.perf_counter() - start
        runs = [time_steps(ws) for _ in range(args.repeat)]

    rows = runs[0][1]
    table = Table(
        title=f"{engine}, {args.people:,} people x {args.years} years (DuckDB) on {machine()}"
    )
    for col in ("step", *(["rows"] if rows else []), "median s", "min s", "max s"):
        table.add_column(col, justify="right" if col != "step" else "left")

    def spread(secs: list[float]) -> list[str]:
        return [f"{statistics.median(secs):.2f}", f"{min(secs):.2f}", f"{max(secs):.2f}"]

    for step in runs[0][0]:
        counted = [f"{rows[step]:,}"] if rows else []
        table.add_row(step, *counted, *spread([r[0][step] for r in runs]))
    table.add_row(
        "[bold]total", *([""] if rows else []), *spread([sum(r[0].values()) for r in runs])
    )
    Console().print(table)
    print(f"(synthesis, load and first run: {setup:.0f} s; {args.repeat} timed repeats)")


if __name__ == "__main__":
    bench(__doc__, "money engine", lambda ws: (time_money(ws), {}))
