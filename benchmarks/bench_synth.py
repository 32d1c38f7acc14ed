"""Benchmark the synthetic place generator: wall time, peak memory and rows at several sizes.

Each run is its own child process, which reports its wall time and peak resident set size
(resource.getrusage). Each size is run ``--repeat`` times; the table gives the median time, the
range, and the largest peak memory. Usage::

    python benchmarks/bench_synth.py --people 50000 200000 1400000 --years 3 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

from machine import machine
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
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
size = sum(p.stat().st_size for p in out.iterdir())
print(json.dumps({"seconds": wall, "peak_mib": peak_kb / 1024, "rows": r.rows, "bytes": size}))
"""


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
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    console = Console(width=150)
    console.print(f"machine: {machine()}")
    table = Table(title=f"oneplace synth generate, {args.years} financial years")
    for col in (
        "people",
        "runs",
        "median s",
        "min-max s",
        "peak MiB (max)",
        "person",
        "registration",
        "activity",
        "diagnosis",
        "MB on disk",
        "activity rows/s",
    ):
        table.add_column(col, justify="right")
    for n in args.people:
        runs = []
        for i in range(args.repeat):
            r = run(n, args.years, args.seed)
            runs.append(r)
            console.print(
                f"{n:,} people, run {i + 1}: {r['seconds']:.1f} s, peak {r['peak_mib']:,.0f} MiB"
            )
        secs = [r["seconds"] for r in runs]
        median = statistics.median(secs)
        rows = runs[0]["rows"]  # the same seed gives the same rows every run
        table.add_row(
            f"{n:,}",
            str(len(runs)),
            f"{median:.1f}",
            f"{min(secs):.1f}-{max(secs):.1f}",
            f"{max(r['peak_mib'] for r in runs):,.0f}",
            *(f"{rows[t]:,}" for t in ("person", "registration", "activity", "diagnosis")),
            f"{runs[0]['bytes'] / 1e6:,.0f}",
            f"{rows['activity'] / median:,.0f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
