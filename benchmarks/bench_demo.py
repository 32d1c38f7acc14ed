"""Time the whole demo (synth -> init -> load -> run -> report) end to end.

Each size runs in a fresh child process (`oneplace demo`), so the peak memory is that run's
alone. Usage: ``python benchmarks/bench_demo.py [--people 50000 200000] [--repeat 3]
[--engine duckdb] [--memory-limit 4GB]``. ``--memory-limit`` sets ONEPLACE_DUCKDB_MEMORY_LIMIT
for the runs (DuckDB then spills to disk rather than grow). Prints a table with the machine it
ran on; quote the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import machine
from rich.console import Console
from rich.table import Table


def run_once(people: int, engine: str, memory_limit: str | None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one demo run in a child process."""
    oneplace = Path(sys.executable).with_name("oneplace")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(oneplace), "demo", "--people", str(people), "--dir", tmp, "--engine", engine]
        cmd.append("--no-serve")
        # A fresh interpreter per run: wait4 gives that child's own peak memory.
        start = time.perf_counter()
        env = dict(os.environ)
        if memory_limit:
            env["ONEPLACE_DUCKDB_MEMORY_LIMIT"] = memory_limit
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"demo failed: {proc.stderr.read().decode()}")
        return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, nargs="+", default=[50_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--memory-limit", help="DuckDB memory limit for the runs, e.g. 4GB")
    args = parser.parse_args()

    limit = f", DuckDB memory limit {args.memory_limit}" if args.memory_limit else ""
    table = Table(title=f"oneplace demo end to end ({args.engine}{limit}) on {machine()}")
    for col in ("people", "runs", "median s", "min s", "max s", "peak RSS MiB (max)"):
        table.add_column(col, justify="right")
    for people in args.people:
        runs = [run_once(people, args.engine, args.memory_limit) for _ in range(args.repeat)]
        secs = [s for s, _ in runs]
        table.add_row(
            f"{people:,}",
            str(len(runs)),
            f"{statistics.median(secs):.1f}",
            f"{min(secs):.1f}",
            f"{max(secs):.1f}",
            f"{max(m for _, m in runs):,.0f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
