"""A whole run on Spark writes the same result tables, rows and column types as on DuckDB."""

from __future__ import annotations

import pyarrow as pa
import pytest

from oneplace.engine import RESULTS
from oneplace.run import run
from oneplace.workspace import Workspace

from .conftest import spec


def _snapshot(ws: Workspace) -> dict[str, tuple[list, list]]:
    """Result table -> (column names and DuckDB types, sorted rows without run_id)."""
    out = {}
    with ws.connect() as con:
        for name in RESULTS:
            types = con.execute(f'DESCRIBE "{name}"').fetchall()
            table: pa.Table = con.execute(
                f'SELECT * EXCLUDE (run_id) FROM "{name}"'
            ).fetch_arrow_table()
            out[name] = ([(c[0], c[1]) for c in types], spec.rows(table))
    return out


@pytest.mark.spark
def test_run_on_spark_writes_what_duckdb_writes(tiny_workspace, spark) -> None:
    on_duckdb = run(tiny_workspace, engine="duckdb")
    expected = _snapshot(tiny_workspace)
    on_spark = run(tiny_workspace, engine="spark")
    assert on_spark.engine == "spark"
    assert on_spark.results == on_duckdb.results
    got = _snapshot(tiny_workspace)
    for name in RESULTS:
        assert got[name][0] == expected[name][0], name
        assert got[name][1] == expected[name][1], name
    with tiny_workspace.connect() as con:
        for name in RESULTS:
            stamps = con.execute(f'SELECT DISTINCT run_id FROM "{name}"').fetchall()
            # The tiny place has no budget: the results that need one have no rows to stamp.
            assert stamps == ([(on_spark.run_id,)] if on_spark.results[name] else []), name
        engines = con.execute("SELECT engine FROM runs WHERE finished_at IS NOT NULL").fetchall()
    assert sorted(engines) == [("duckdb",), ("spark",)]


@pytest.mark.spark
def test_a_failure_on_spark_names_the_capability_and_keeps_the_results(
    tiny_workspace, spark, monkeypatch
) -> None:
    from oneplace.engine import EngineError

    good = run(tiny_workspace, engine="duckdb")

    def broken(inputs):  # fails only when executed: a name is not a number
        return inputs.person.select(n=inputs.person.person_id.cast("int64"))

    monkeypatch.setitem(RESULTS, "hospital_share", broken)
    with pytest.raises(EngineError) as caught:
        run(tiny_workspace, engine="spark")
    assert (caught.value.capability, caught.value.step) == ("hospital_share", "execute on spark")
    with tiny_workspace.connect() as con:
        assert con.execute("SELECT DISTINCT run_id FROM spend").fetchall() == [(good.run_id,)]
        unfinished = con.execute("SELECT engine FROM runs WHERE finished_at IS NULL").fetchall()
    assert unfinished == [("spark",)]
