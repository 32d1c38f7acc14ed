"""Parity fixtures: run the engine's specs on DuckDB and on Spark, from the same Parquet."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import ibis
import pyarrow as pa
import pytest

from oneplace.backends import connect_spark

# The spec modules live in tests/engine; import them whether or not tests/ is a package.
_PARENT = __package__.rpartition(".")[0]
ENGINE_TESTS = f"{_PARENT}.engine" if _PARENT else "engine"
spec = importlib.import_module(f"{ENGINE_TESTS}.spec")


def spec_module(name: str):
    return importlib.import_module(f"{ENGINE_TESTS}.{name}")


@pytest.fixture(scope="session")
def spark_con(spark) -> ibis.BaseBackend:
    return connect_spark(spark)


@pytest.fixture
def on_both(
    tmp_path: Path, tiny_place_tables: dict[str, pa.Table], canonical_arrow, spark_con
) -> Callable[[object], tuple[pa.Table, pa.Table]]:
    """``on_both(spec)`` -> (DuckDB result, Spark result), from the same Parquet files."""

    def run(s) -> tuple[pa.Table, pa.Table]:
        folder = spec.write_inputs(s, tiny_place_tables, tmp_path / "inputs", canonical_arrow)
        duck = ibis.duckdb.connect()
        try:
            on_duckdb = spec.evaluate(s, duck, folder)
        finally:
            duck.disconnect()
        return on_duckdb, spec.evaluate(s, spark_con, folder)

    return run


def assert_identical(left: pa.Table, right: pa.Table) -> None:
    """Same column names and types, and the same rows in some order."""
    assert left.schema == right.schema
    assert spec.rows(left) == spec.rows(right)
