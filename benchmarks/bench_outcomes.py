"""Time the outcomes engine on a large synthetic place: the indicator counts (every indicator
of the library, on DuckDB) and the statistics, comparisons, scores and payout built on them
in Python.

The place is synthesised, loaded and run once, exactly as ``bench_money.py`` does (and
``--keep`` shares its folder). Then, ``--repeat`` times, ``indicator_cells`` and
``indicator_monthly`` are recomputed from the stored population-health results and written as
the run writes them, and the Python results (``indicator_values``, ``indicator_spc``,
``inequality_gaps``, ``outcome_scores``, ``incentive_payout``) are rebuilt from them. Prints
the medians per step with the machine, and the size of the tables the statistics read.

Usage: ``python benchmarks/bench_outcomes.py [--people 1400000] [--years 3] [--repeat 3]
[--keep DIR]``.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench_money import bench

COUNTS = ("indicator_cells", "indicator_monthly")
PYTHON = (
    "indicator_values",
    "indicator_spc",
    "inequality_gaps",
    "outcome_scores",
    "incentive_payout",
)


def time_outcomes(ws_path: Path) -> tuple[dict[str, float], dict[str, int]]:
    """Seconds per step, and the rows of each table written."""
    import pyarrow as pa

    from oneplace.backends import typed_duckdb_sql
    from oneplace.engine import RESULTS, Inputs
    from oneplace.run import PYTHON_RESULTS, financial_years_of_activity
    from oneplace.workspace import Workspace

    ws = Workspace.open(ws_path)
    out: dict[str, float] = {}
    rows: dict[str, int] = {}
    with ws.connect() as raw:
        fys = financial_years_of_activity(raw)
    with ws.ibis() as con:
        inputs = Inputs.from_backend(con, fys, place=ws.place)
        for name in RESULTS:
            if name not in COUNTS:
                inputs.results[name] = con.table(name)
        for name in COUNTS:
            start = time.perf_counter()
            sql = typed_duckdb_sql(con, RESULTS[name](inputs))
            # Stamped as the run stamps them: the Python steps read them as the run's.
            con.con.execute(
                f"CREATE OR REPLACE TABLE \"{name}\" AS SELECT *, 'bench' AS run_id FROM ({sql})"
            )
            out[name] = time.perf_counter() - start
            (rows[name],) = con.con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        for name in PYTHON:
            start = time.perf_counter()
            table: pa.Table = PYTHON_RESULTS[name](con.con, ws.place)
            con.con.register("_result", table)
            con.con.execute(
                f"CREATE OR REPLACE TABLE \"{name}\" AS SELECT *, 'bench' AS run_id FROM _result"
            )
            con.con.unregister("_result")
            out[name] = time.perf_counter() - start
            rows[name] = table.num_rows
    return out, rows


if __name__ == "__main__":
    bench(__doc__, "outcomes engine", time_outcomes)
