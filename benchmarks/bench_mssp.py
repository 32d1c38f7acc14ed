"""Time ``oneplace mssp settle`` end to end, and the settlement in-process, on 10,000 ACOs.

The input is random but seeded: every track in every performance year its rule book allows
(Track 1 PY2012 to ENHANCED PY2026), 3,000-150,000 assigned beneficiaries, per-capita
benchmarks of $8,000-$16,000, expenditure within about +-10% of the benchmark, quality scores,
P4R, failed quality standards, chosen and variable MSRs, participant revenue and disaster
adjustments where the track takes them.

Timed, each as the median of ``--repeat`` runs:

* ``oneplace mssp settle --input F --output O`` as a fresh child process (wall time and peak
  RSS from ``wait4``), and ``oneplace mssp --help`` for the start-up alone;
* in this process: :func:`oneplace.mssp.settle_file` (read, check, settle, write), and its
  parts, :func:`oneplace.mssp.read_acos` and :func:`oneplace.mssp.settle` over every ACO.

Usage: ``python benchmarks/bench_mssp.py [--acos 10000] [--repeat 5] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
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

from oneplace.mssp import read_acos, settle, settle_file
from oneplace.mssp.files import COLUMNS
from oneplace.mssp.rules import CHOSEN_MSR_PERCENT, RULE_BOOKS

TARGET_SECONDS = 2.0

# Runs the command given and prints its wall seconds, CPU seconds (user + system) and peak RSS
# (KiB); measured from here a child's peak RSS would start at this process's size (fork copies
# it). CPU time is the figure to trust on a busy machine: wall time there includes waiting.
WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "t = time.perf_counter() - t\n"
    "sys.stderr.buffer.write(r.stderr)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(t, u.ru_utime + u.ru_stime, u.ru_maxrss)\n"
    "sys.exit(r.returncode)\n"
)


def track_years() -> list[tuple[int, str, object]]:
    """(performance year, track code, track rules) for every track a rule book allows."""
    found = []
    for book in RULE_BOOKS:
        for code, track in book.tracks.items():
            first = max(book.first_year, track.first_year)
            last = min(book.last_year, track.last_year)
            found.extend((year, code, track) for year in range(first, last + 1))
    return sorted(found, key=lambda t: (t[0], t[1]))


def make_input(n: int, path: Path, seed: int) -> None:
    rng = random.Random(seed)
    combos = track_years()
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for i in range(n):
            year, code, track = combos[i % len(combos)]
            assigned = int(3_000 * (50 ** rng.random()))  # 3,000 to 150,000, long-tailed
            benchmark = assigned * rng.uniform(8_000, 16_000)
            expenditure = benchmark * (1 + rng.gauss(0, 0.05))
            p4r = rng.random() < 0.05
            loss = track.loss
            if track.msr.kind == "variable":
                choice = rng.choice(["", "variable"])
            elif track.msr.kind == "fixed":
                choice = ""
            else:
                choice = rng.choice(["", "variable", *(f"{c}" for c in CHOSEN_MSR_PERCENT)])
            needs_revenue = loss is not None and (loss.revenue_required or rng.random() < 0.5)
            revenue = f"{benchmark * rng.uniform(0.05, 0.6):.2f}" if needs_revenue else ""
            disaster = ""
            if year >= 2017 and loss is not None and rng.random() < 0.1:
                disaster = f"{benchmark * rng.uniform(0, 0.01):.2f}"
            by_year = loss is not None and loss.benchmark_share_by_agreement_year is not None
            writer.writerow(
                [
                    f"A{i:05d}",
                    year,
                    code,
                    assigned,
                    f"{benchmark:.2f}",
                    f"{expenditure:.2f}",
                    "P4R" if p4r else f"{rng.uniform(0.4, 1):.6f}",
                    "false" if rng.random() < 0.08 else "true",
                    choice,
                    rng.randint(1, 3) if by_year else rng.randint(1, 5),
                    revenue,
                    disaster,
                ]
            )


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of ``cmd`` as a child process."""
    done = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    seconds, cpu, kib = done.stdout.split()
    return float(seconds), float(cpu), int(kib) / 1024


def timed(fn: Callable[[], object], repeat: int) -> list[tuple[float, float]]:
    """Wall and CPU seconds of each of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--acos", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    console = Console(width=150)  # wide enough for the table on one line a row
    oneplace = str(Path(sys.executable).with_name("oneplace"))
    with tempfile.TemporaryDirectory(prefix="oneplace-bench-mssp-") as tmp:
        src, out = Path(tmp) / "acos.csv", Path(tmp) / "settled.csv"
        make_input(args.acos, src, args.seed)
        settle_cmd = [oneplace, "mssp", "settle", "--input", str(src), "--output", str(out)]
        help_cmd = [oneplace, "mssp", "--help"]
        run(settle_cmd)  # warm the file cache and check that it runs
        with out.open() as f:
            rows = sum(1 for _ in f) - 1
        assert rows == args.acos, f"wrote {rows} rows for {args.acos} ACOs"

        process: dict[str, list[tuple[float, float, float]]] = {"settle": [], "help": []}
        for _ in range(args.repeat):  # interleaved: machine noise falls on both alike
            process["settle"].append(run(settle_cmd))
            process["help"].append(run(help_cmd))
        acos = read_acos(src)
        in_process = {
            "settle_file (read, check, settle, write)": timed(
                lambda: settle_file(src, out), args.repeat
            ),
            "read_acos (read and check)": timed(lambda: read_acos(src), args.repeat),
            "settle, every ACO": timed(lambda: [settle(a) for a in acos], args.repeat),
        }

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    table = Table(
        title=f"mssp settle: {args.acos:,} ACOs, medians of {args.repeat} on {machine()} "
        f"(load average {load})",
        title_justify="left",
    )
    for col in ("what", "wall s", "min-max wall s", "CPU s", "peak RSS MiB", "µs CPU per ACO"):
        table.add_column(col, justify="left" if col == "what" else "right")
    summary = {}
    rows = [
        ("oneplace mssp settle (process, end to end)", process["settle"]),
        ("oneplace mssp --help (process start-up only)", process["help"]),
        *((f"in-process {label}", [(w, c, 0.0) for w, c in t]) for label, t in in_process.items()),
    ]
    for label, runs in rows:
        wall = [w for w, _, _ in runs]
        med, cpu = statistics.median(wall), statistics.median(c for _, c, _ in runs)
        summary[label] = {"wall": round(med, 4), "cpu": round(cpu, 4)}
        rss = max(m for _, _, m in runs)
        table.add_row(
            label,
            f"{med:.3f}",
            f"{min(wall):.3f}-{max(wall):.3f}",
            f"{cpu:.3f}",
            f"{rss:,.0f}" if rss else "",
            "" if "help" in label else f"{cpu / args.acos * 1e6:,.0f}",
        )
    console.print(table)
    end_to_end = summary["oneplace mssp settle (process, end to end)"]
    verdict = "met" if end_to_end["wall"] < TARGET_SECONDS else "MISSED"
    console.print(
        f"target: end to end under {TARGET_SECONDS:.0f} s: {verdict} "
        f"({end_to_end['wall']:.2f} s wall, {end_to_end['cpu']:.2f} s CPU)"
    )
    console.print(json.dumps(summary))


if __name__ == "__main__":
    main()
