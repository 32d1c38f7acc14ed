"""The two backends the engine runs on, and the few calls that differ between them.

This is the run's side of the house, not the engine's: engine functions only build lazy
expressions; connecting, reading inputs and materialising results happen here and in
:mod:`oneplace.run`.

DuckDB is the default and reads the workspace store directly. PySpark runs in local mode and
reads the inputs as Parquet files (copied out of the store by the run); results, which are
small aggregates, come back as Arrow. Data enters Spark only through Parquet and leaves it
only through Arrow (``DataFrame.toArrow``): the pandas route turns NULL floats into NaN.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from .engine.inputs import INPUT_TABLES, Inputs, settings_of

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from .place.model import Place, PopulationHealth

ENGINES = ("duckdb", "spark")

SPARK_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.ansi.enabled": "true",
}


def spark_session(
    warehouse: Path, master: str = "local[2]", config: dict[str, str] | None = None
) -> SparkSession:
    """A local SparkSession (or the active one), configured for exact, UTC, small-data work;
    ``config`` adds or overrides settings."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("oneplace")
    builder = builder.config("spark.sql.warehouse.dir", str(warehouse))
    for key, value in {**SPARK_CONFIG, **(config or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect_spark(session: SparkSession) -> ibis.BaseBackend:
    """The Ibis PySpark backend on ``session``."""
    return ibis.pyspark.connect(session)


def read_parquet_inputs(
    con: ibis.BaseBackend,
    folder: Path,
    fy: list[int],
    health: PopulationHealth | None = None,
    place: Place | None = None,
) -> Inputs:
    """Inputs from ``folder/<table>.parquet`` for every input table, on backend ``con``;
    ``place`` supplies the settings when given."""
    read = _read_parquet_spark if con.name == "pyspark" else _read_parquet
    tables = {name: read(con, Path(folder) / f"{name}.parquet", name) for name in INPUT_TABLES}
    return Inputs(**tables, fy=sorted(fy), **settings_of(place, health))


def read_parquet_table(con: ibis.BaseBackend, path: Path, name: str) -> ibis.Table:
    """The Parquet file (or Spark's folder of part files) ``path`` as table ``name``."""
    if con.name == "pyspark":
        return _read_parquet_spark(con, path, name)
    return _read_parquet(con, path, name)


def _read_parquet(con: ibis.BaseBackend, path: Path, name: str) -> ibis.Table:
    return con.read_parquet(str(path), table_name=name)


def _read_parquet_spark(con: ibis.BaseBackend, path: Path, name: str) -> ibis.Table:
    """As :func:`_read_parquet`, but with the schema given from the file's footer, which
    spares Spark a schema-inference job per table."""
    from ibis.backends.pyspark.datatypes import PySparkSchema

    # A Parquet file, or the folder of part files Spark writes.
    first = next(iter(sorted(Path(path).glob("*.parquet"))), None) if Path(path).is_dir() else path
    if first is None:
        raise FileNotFoundError(f"{path}: no Parquet files")
    schema = PySparkSchema.from_ibis(ibis.Schema.from_pyarrow(pq.read_schema(first)))
    columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields)
    location = str(path).replace("'", "\\'")
    con.raw_sql(
        f"CREATE OR REPLACE TEMPORARY VIEW `{name}` ({columns}) "
        f"USING parquet OPTIONS (path '{location}')"
    )
    return con.table(name)


def compile_sql(con: ibis.BaseBackend, expr: ibis.Table) -> str:
    return str(con.compile(expr))


def typed_duckdb_sql(con: ibis.BaseBackend, expr: ibis.Table) -> str:
    """``expr`` compiled for DuckDB, with every column cast to the type of the expression's
    schema. Ibis drops a cast it considers a no-op (``sum`` of BIGINT "is" BIGINT, but DuckDB
    makes it HUGEINT), so without this a stored table could differ from the Spark run's."""
    from ibis.backends.sql.datatypes import DuckDBType

    columns = ", ".join(
        f'CAST("{name}" AS {DuckDBType.to_string(dtype)}) AS "{name}"'
        for name, dtype in expr.schema().items()
    )
    return f"SELECT {columns} FROM ({compile_sql(con, expr)}) AS result"


def arrow_schema(expr: ibis.Table) -> pa.Schema:
    """The Arrow schema of ``expr``, every field nullable."""
    return pa.schema([pa.field(f.name, f.type, nullable=True) for f in expr.schema().to_pyarrow()])


def to_arrow(con: ibis.BaseBackend, expr: ibis.Table) -> pa.Table:
    """Execute ``expr`` and return it as Arrow, typed exactly as the expression's schema.

    Casting to the Ibis schema makes the two backends agree on types where their SQL differs
    (Spark sums DECIMAL(14,2) to DECIMAL(24,2), DuckDB to DECIMAL(38,2)); nullability flags
    are dropped, as a DuckDB table does not keep them either.
    """
    schema = arrow_schema(expr)
    if con.name == "pyspark":
        table = con.raw_sql(compile_sql(con, expr)).toArrow()
    else:
        table = con.to_pyarrow(expr)
    return table.cast(schema)
