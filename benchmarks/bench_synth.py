"""Benchmark the synthetic place generator: wall time, peak memory and rows at several sizes.

Each size runs in its own child process, which reports its wall time and peak resident set
size (resource.getrusage). Usage::

    python benchmarks/bench_synth.py --people 50000 200000 1400000 --years 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

from rich.console import Console
from rich.table import Table

CHILD = """
import json, resource, sys, time
from pathlib import Path
from oneplace.synth import generate
people, years, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
t = time.perf_counter()
r = generate(people, seed=seed, years=years, out=out)
wall = time.perf_counter() - t
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
size = sum(p.stat().st_size for p in out.iterdir())
print(json.dumps({"seconds": wall, "peak_mb": peak_kb / 1024, "rows": r.rows, "bytes": size}))
"""


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, StopIteration):
        pass
    return f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs{mem}"


def run(people: int, years: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(people), str(years), str(seed), tmp],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, nargs="+", default=[50_000, 200_000, 1_400_000])
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    console = Console(width=150)
    console.print(f"machine: {machine()}")
    table = Table(title=f"oneplace synth generate, {args.years} financial years")
    for col in (
        "people",
        "seconds",
        "peak MB",
        "person",
        "registration",
        "activity",
        "diagnosis",
        "MB on disk",
        "activity rows/s",
    ):
        table.add_column(col, justify="right")
    for n in args.people:
        r = run(n, args.years, args.seed)
        rows = r["rows"]
        table.add_row(
            f"{n:,}",
            f"{r['seconds']:.1f}",
            f"{r['peak_mb']:,.0f}",
            *(f"{rows[t]:,}" for t in ("person", "registration", "activity", "diagnosis")),
            f"{r['bytes'] / 1e6:,.0f}",
            f"{rows['activity'] / r['seconds']:,.0f}",
        )
        console.print(f"{n:,} people: {r['seconds']:.1f} s, peak {r['peak_mb']:,.0f} MB")
    console.print(table)


if __name__ == "__main__":
    main()
