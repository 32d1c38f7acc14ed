"""Runs a spec on DuckDB (the reference backend) from its tables written as Parquet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ibis
import pyarrow as pa
import pytest

from .spec import Spec, evaluate, write_inputs


@pytest.fixture
def on_duckdb(
    tmp_path: Path, tiny_place_tables: dict[str, pa.Table], canonical_arrow
) -> Callable[[Spec], pa.Table]:
    def run(spec: Spec) -> pa.Table:
        folder = write_inputs(spec, tiny_place_tables, tmp_path / "inputs", canonical_arrow)
        con = ibis.duckdb.connect()
        try:
            return evaluate(spec, con, folder)
        finally:
            con.disconnect()

    return run
