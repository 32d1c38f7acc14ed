"""Time ``oneplace score`` as a whole process, file in and file out, against two yardsticks.

For each index (Charlson, Elixhauser, HFRS) on the same input (by default 1 million people
with 8 diagnoses each on average, 8 million rows, as Parquet):

* ``oneplace score --index I --input F --output O`` (the project's CLI);
* ``yardstick_sql.py``: one hand-written DuckDB SQL query doing the same work (see there);
* ``comorbidipy_runner.py`` in each comorbidipy venv given with ``--comorbidipy`` (the package
  is never installed in the project's environment; see that script for how to make the venvs).

Every run is a fresh child process; wall time and peak RSS come from ``wait4``. Runs of the
tools are interleaved, so machine noise falls on all of them alike; quote the medians and the
ratios of medians. Before timing, the outputs of oneplace and the SQL yardstick are compared
person by person (the scores must agree).

Usage: ``python benchmarks/bench_score.py [--people 1000000] [--repeat 5] [--format parquet]
[--comorbidipy benchmarks/.venv-comorbidipy ...]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from machine import machine
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
INDICES = ("charlson", "elixhauser", "hfrs")
DISTINCT_CODES = 6_000
INVALID_SHARE = 0.001


def make_input(people: int, per_person: int, folder: Path, fmt: str, seed: int = 1) -> Path:
    """person_id, code rows: ~``per_person`` diagnoses a person, HES-style codes (I500, I10X),
    a few thousand distinct codes with a long-tailed frequency, 0.1% that are not ICD-10."""
    rng = np.random.default_rng(seed)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    universe = np.array(
        [f"{a}{c:02d}{s}" for a in letters for c in range(100) for s in "0123456789X"]
    )
    universe = rng.choice(universe, DISTINCT_CODES, replace=False)
    weights = 1.0 / np.arange(1, DISTINCT_CODES + 1) ** 0.9
    n = people * per_person
    person = np.sort(rng.integers(0, people, n))
    code = universe[rng.choice(DISTINCT_CODES, n, p=weights / weights.sum())]
    bad = rng.random(n) < INVALID_SHARE
    code[bad] = "22298006"  # a SNOMED CT id in the ICD-10 column
    table = pa.table({"person_id": pa.array(np.char.add("P", person.astype(str))), "code": code})
    path = folder / f"diagnoses.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path)
    return path


# Each tool runs under this small wrapper, which times it and reads its peak RSS. (Measured
# from here, a child's peak RSS would start at this process's size: fork copies it.)
WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "t = time.perf_counter() - t\n"
    "sys.stderr.buffer.write(r.stderr)\n"
    "print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(r.returncode)\n"
)


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of ``cmd`` as a child process."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, cwd=HERE
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    seconds, kib = done.stdout.split()
    return float(seconds), int(kib) / 1024


def tools(index: str, src: Path, out: Path, venvs: list[Path]) -> dict[str, list[str]]:
    py = sys.executable
    oneplace = str(Path(py).with_name("oneplace"))
    found = {
        "oneplace score": [oneplace, "score", "--index", index, "--input", str(src)],
        "yardstick SQL": [
            py,
            str(HERE / "yardstick_sql.py"),
            "--index",
            index,
            "--input",
            str(src),
        ],
    }
    found["oneplace score"] += ["--output", str(out / f"oneplace_{index}.parquet")]
    found["yardstick SQL"] += ["--output", str(out / f"yardstick_{index}.parquet")]
    for venv in venvs:
        vpy = venv.resolve() / "bin" / "python"
        version = subprocess.run(
            [str(vpy), "-c", "import importlib.metadata as m; print(m.version('comorbidipy'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        runner = [str(vpy), str(HERE / "comorbidipy_runner.py"), "--index", index]
        runner += ["--input", str(src), "--output", str(out / f"comorbidipy_{index}.csv")]
        if index == "charlson":
            runner += ["--weighting", "charlson"]
        found[f"comorbidipy {version}"] = runner
    return found


def agree(index: str, out: Path) -> str:
    a, b = out / f"oneplace_{index}.parquet", out / f"yardstick_{index}.parquet"
    (n, same) = duckdb.sql(
        f"SELECT count(*), count(*) FILTER (WHERE a.score = b.score) FROM '{a}' a "
        f"FULL JOIN '{b}' b USING (person_id)"
    ).fetchone()
    return f"{same:,} of {n:,} people"


def query_only(src: Path, indices: list[str], repeat: int) -> dict[tuple[str, str], float]:
    """Median seconds of the two queries alone, in this process, interleaved: oneplace's
    compiled Ibis expression and the yardstick's SQL (start-up and imports left out)."""
    import ibis
    from yardstick_sql import comorbidity_sql, hfrs_sql

    from oneplace.engine import comorbidity as cm

    icon = ibis.duckdb.connect()
    table = icon.read_parquet(str(src), table_name="diagnoses")
    con, source, out = icon.con, f"read_parquet('{src}')", src.with_name("query.parquet")
    times: dict[tuple[str, str], list[float]] = {}
    for index in indices:
        listed, ysql = hfrs_sql(source) if index == "hfrs" else comorbidity_sql(index, source)
        values = ", ".join(f"('{p}', '{c}')" for p, c in listed)
        con.execute(
            f"CREATE OR REPLACE TABLE codelist AS SELECT * FROM (VALUES {values}) t(prefix, condition)"
        )
        result = cm.scores(table.filter(table.person_id.notnull()), index).order_by("person_id")
        osql = str(icon.compile(result))
        for _ in range(repeat):
            for name, sql in (("oneplace", osql), ("yardstick", ysql)):
                start = time.perf_counter()
                con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
                times.setdefault((index, name), []).append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--per-person", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    ap.add_argument("--index", nargs="+", choices=INDICES, default=list(INDICES))
    ap.add_argument("--comorbidipy", type=Path, nargs="*", default=[], help="venv folders")
    args = ap.parse_args()

    console = Console()
    with tempfile.TemporaryDirectory(prefix="oneplace-bench-score-") as tmp:
        folder = Path(tmp)
        src = make_input(args.people, args.per_person, folder, args.format)
        rows = pq.read_metadata(src).num_rows if args.format == "parquet" else None
        size = f"{rows:,} rows" if rows else f"{src.stat().st_size / 2**20:,.0f} MiB"
        title = (
            f"score: {args.people:,} people, {size} ({args.format}), "
            f"medians of {args.repeat} on {machine()}"
        )
        table = Table(title=title)
        for col in ("index", "tool", "median s", "min s", "max s", "peak RSS MiB", "x oneplace"):
            table.add_column(col, justify="right" if col != "tool" else "left")
        summary = {}
        for index in args.index:
            cmds = tools(index, src, folder, args.comorbidipy)
            for cmd in cmds.values():  # warm the file cache and check that every tool runs
                run(cmd)
            console.print(f"{index}: oneplace and yardstick agree on {agree(index, folder)}")
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
            for _ in range(args.repeat):
                for name, cmd in cmds.items():
                    times[name].append(run(cmd))
            ours = statistics.median(s for s, _ in times["oneplace score"])
            for name, runs in times.items():
                secs = [s for s, _ in runs]
                med = statistics.median(secs)
                summary[(index, name)] = med
                table.add_row(
                    index,
                    name,
                    f"{med:.2f}",
                    f"{min(secs):.2f}",
                    f"{max(secs):.2f}",
                    f"{max(m for _, m in runs):,.0f}",
                    f"{med / ours:.2f}",
                )
        console.print(table)
        if args.format == "parquet":
            queries = query_only(src, args.index, args.repeat)
            line = ", ".join(
                f"{i} {queries[(i, 'oneplace')]:.2f} s vs {queries[(i, 'yardstick')]:.2f} s"
                for i in args.index
            )
            console.print(f"queries alone, one process, oneplace vs yardstick: {line}")
        console.print(json.dumps({f"{i}/{t}": round(s, 3) for (i, t), s in summary.items()}))


if __name__ == "__main__":
    main()
