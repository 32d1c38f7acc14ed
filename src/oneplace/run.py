"""A run: every engine result computed from the workspace's inputs and stored in it.

A run gets an id, a row in ``runs`` (start time, engine, package version, place and inputs
hashes, the result tables it writes) and stamps every result row with its ``run_id``
(Tuva's habit: every output row carries the run that made it). Results are replaced all
together in one DuckDB transaction, so a run that fails leaves the previous results in place
and its own ``runs`` row without ``finished_at``.

On ``engine="duckdb"`` each result is materialised inside the store with
``CREATE OR REPLACE TABLE name AS <compiled Ibis SQL>``. On ``engine="spark"`` the input
tables are copied to Parquet, the same engine functions run on a local SparkSession, and the
(small, aggregated) results come back as Arrow and are written into the store.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa

from .backends import (
    ENGINES,
    arrow_schema,
    compile_sql,
    connect_spark,
    read_parquet_inputs,
    read_parquet_table,
    spark_session,
    to_arrow,
    typed_duckdb_sql,
)
from .engine import CANONICAL_TABLES, INPUT_TABLES, RESULTS, EngineError, Inputs
from .errors import UserError, WorkspaceError
from .outcomes.comparison import indicator_spc_table, inequality_gaps_table
from .outcomes.framework import incentive_payout_table, outcome_scores_table
from .outcomes.values import indicator_values_table
from .place.model import Place
from .settle import settlement_table
from .workspace import Workspace

Progress = Callable[[str, float], None]
# Results built in Python from stored results, after the engine's, in this order: the
# published statistics on small tables of counts, and exact-money statements.
PYTHON_RESULTS: dict[str, Callable[[duckdb.DuckDBPyConnection, Place], pa.Table]] = {
    "indicator_values": indicator_values_table,
    "indicator_spc": indicator_spc_table,
    "inequality_gaps": inequality_gaps_table,
    "outcome_scores": outcome_scores_table,
    "incentive_payout": incentive_payout_table,
    "settlement": settlement_table,
}
ALL_RESULTS = (*RESULTS, *PYTHON_RESULTS)


@dataclass(frozen=True)
class RunResult:
    run_id: str
    engine: str
    results: dict[str, int]  # result table -> rows written
    seconds: float


def package_version() -> str:
    try:
        return version("oneplace")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def inputs_sha256(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Canonical table -> sha256 over its loaded batches' content hashes (sorted); for a table
    filled without batches, over its row count."""
    out: dict[str, str] = {}
    for name in CANONICAL_TABLES:
        hashes = [
            r[0]
            for r in con.execute(
                'SELECT content_sha256 FROM batches WHERE "table" = ? ORDER BY content_sha256',
                [name],
            ).fetchall()
        ]
        if hashes:
            text = "\n".join(hashes)
        else:
            (rows,) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            text = f"rows:{rows}"
        out[name] = hashlib.sha256(text.encode()).hexdigest()
    return out


def financial_years_of_activity(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The financial years (start year) covered by activity start dates."""
    rows = con.execute(
        "SELECT DISTINCT CAST(CASE WHEN month(start_date) >= 4 THEN year(start_date) "
        "ELSE year(start_date) - 1 END AS INTEGER) AS fy FROM activity "
        "WHERE start_date IS NOT NULL ORDER BY fy"
    ).fetchall()
    return [r[0] for r in rows]


def _build(name: str, inputs: Inputs, run_id: str) -> ibis.Table:
    try:
        expr = RESULTS[name](inputs)
        return expr.mutate(run_id=ibis.literal(run_id, type="string"))
    except Exception as exc:
        raise EngineError(name, "build", exc) from exc


def _compile(name: str, con: ibis.BaseBackend, expr: ibis.Table) -> str:
    compile_ = typed_duckdb_sql if con.name == "duckdb" else compile_sql
    try:
        return compile_(con, expr)
    except Exception as exc:
        raise EngineError(name, "compile", exc) from exc


def _start(ws: Workspace, run_id: str, engine: str) -> list[int]:
    """Checks the inputs, records the run as started and returns its financial years."""
    with ws.connect() as con:
        (people,) = con.execute("SELECT count(*) FROM person").fetchone()
        if people == 0:
            raise WorkspaceError(
                f"{ws.path}: no people loaded; load the person table before running the engine"
            )
        fys = financial_years_of_activity(con)
        con.execute(
            "INSERT INTO runs (run_id, started_at, engine, package_version, place_sha256, "
            "inputs_sha256, results) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                _now(),
                engine,
                package_version(),
                ws.place_sha256(),
                json.dumps(inputs_sha256(con), sort_keys=True),
                json.dumps(list(ALL_RESULTS)),
            ],
        )
    return fys


def _write_python_results(con: duckdb.DuckDBPyConnection, place: Place, run_id: str) -> None:
    """The results computed in Python from small stored results (exact-money statements)."""
    for name, build in PYTHON_RESULTS.items():
        try:
            table = build(con, place)
        except UserError:
            raise
        except Exception as exc:
            raise EngineError(name, "build in Python", exc) from exc
        table = table.append_column("run_id", pa.array([run_id] * table.num_rows, pa.string()))
        con.register("_oneplace_result", table)
        try:
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _oneplace_result')
        finally:
            con.unregister("_oneplace_result")


def _commit(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    write: Callable[[str], None],
    progress: Progress,
) -> dict[str, int]:
    """Writes every result (``write(name)``, then the Python results) and finishes the run,
    in one transaction."""
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for i, name in enumerate(RESULTS):
            progress(f"writing {name}", i / len(ALL_RESULTS))
            write(name)
            (counts[name],) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        progress("scoring outcomes and settling the risk share", len(RESULTS) / len(ALL_RESULTS))
        _write_python_results(con, ws.place, run_id)
        for name in PYTHON_RESULTS:
            (counts[name],) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        con.execute("UPDATE runs SET finished_at = ? WHERE run_id = ?", [_now(), run_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts


def _run_duckdb(ws: Workspace, run_id: str, fys: list[int], progress: Progress) -> dict[str, int]:
    with ws.ibis() as con:
        inputs = Inputs.from_backend(con, fys, place=ws.place)
        raw = con.con

        def write(name: str) -> None:
            # Compiled when its turn comes, so that it can read the results written before it.
            sql = _compile(name, con, _build(name, inputs, run_id))
            try:
                raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
            except duckdb.Error as exc:
                raise EngineError(name, "materialise", exc, sql) from exc
            inputs.results[name] = con.table(name)

        return _commit(ws, raw, run_id, write, progress)


def _export_inputs(ws: Workspace, folder: Path) -> None:
    with ws.connect() as con:
        for name in INPUT_TABLES:
            target = str(folder / f"{name}.parquet").replace("'", "''")
            con.execute(f"COPY \"{name}\" TO '{target}' (FORMAT parquet)")


def _run_spark(ws: Workspace, run_id: str, fys: list[int], progress: Progress) -> dict[str, int]:
    from pyspark.sql import SparkSession

    with tempfile.TemporaryDirectory(prefix="oneplace-spark-") as tmp:
        folder = Path(tmp)
        progress("copying inputs to Parquet", 0.0)
        _export_inputs(ws, folder)
        progress("starting Spark", 0.05)
        owned = SparkSession.getActiveSession() is None
        session = spark_session(folder / "warehouse")
        try:
            con = connect_spark(session)
            inputs = read_parquet_inputs(con, folder, fys, place=ws.place)
            arrow: dict[str, pa.Table] = {}
            for i, name in enumerate(RESULTS):
                progress(f"computing {name} on Spark", 0.1 + 0.8 * i / len(RESULTS))
                expr = _build(name, inputs, run_id)
                sql = _compile(name, con, expr)
                stored = folder / "results" / f"{name}.parquet"
                try:
                    # Written to Parquet and read back, so later results build on it.
                    con.raw_sql(sql).write.parquet(str(stored))
                    inputs.results[name] = read_parquet_table(con, stored, name)
                    stored_table = inputs.results[name].select(*expr.columns)
                    arrow[name] = to_arrow(con, stored_table).cast(arrow_schema(expr))
                except Exception as exc:
                    raise EngineError(name, "execute on spark", exc, sql) from exc
        finally:
            if owned:
                session.stop()
    with ws.connect() as raw:

        def write(name: str) -> None:
            raw.register("_oneplace_result", arrow[name])
            try:
                raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _oneplace_result')
            finally:
                raw.unregister("_oneplace_result")

        return _commit(ws, raw, run_id, write, progress)


def run(ws: Workspace, engine: str = "duckdb", progress: Progress | None = None) -> RunResult:
    """Compute every result in :data:`oneplace.engine.RESULTS` and store it in ``ws``."""
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    report: Progress = progress or (lambda message, fraction: None)
    started = time.perf_counter()
    run_id = uuid.uuid4().hex
    fys = _start(ws, run_id, engine)
    do = _run_duckdb if engine == "duckdb" else _run_spark
    counts = do(ws, run_id, fys, report)
    report("done", 1.0)
    return RunResult(run_id, engine, counts, time.perf_counter() - started)
