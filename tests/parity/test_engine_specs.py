"""The engine's spec tests (tests/engine) run on Spark: each gives the expected rows, and
exactly the rows and types DuckDB gives."""

from __future__ import annotations

import pytest

from .conftest import assert_identical, spec, spec_module

SPECS = [
    s
    for module in ("test_population", "test_spend", "test_hospital_share", "test_segments")
    for s in spec_module(module).SPECS
]


@pytest.mark.spark
@pytest.mark.parametrize("s", SPECS, ids=[f"{s.result.__name__}: {s.rule}" for s in SPECS])
def test_spec_on_spark_matches_duckdb(s, on_both) -> None:
    on_duckdb, on_spark = on_both(s)
    spec.check(s, on_spark)
    assert_identical(on_duckdb, on_spark)


comorbidity = spec_module("test_comorbidity")


@pytest.mark.spark
@pytest.mark.parametrize("case", comorbidity.CASES, ids=[c.rule for c in comorbidity.CASES])
def test_index_case_on_spark_matches_duckdb(case, spark_con, tmp_path) -> None:
    import ibis

    duck = ibis.duckdb.connect()
    try:
        on_duckdb = comorbidity.evaluate(case, duck, tmp_path / "duckdb")
    finally:
        duck.disconnect()
    on_spark = comorbidity.evaluate(case, spark_con, tmp_path / "spark")
    comorbidity.check(case, on_spark)
    assert_identical(on_duckdb, on_spark)
