"""The engine's spec tests (tests/engine) run on Spark: each gives the expected rows, and
exactly the rows and types DuckDB gives."""

from __future__ import annotations

import pytest

from .conftest import assert_identical, spec, spec_module

MODULES = (
    "test_population",
    "test_registration",
    "test_spend",
    "test_hospital_share",
    "test_segments",
)
# The money and indicator specs store the population-health results they read first, which
# takes Spark one to two minutes a spec: a few of each run here (the first of each module,
# which set up the rules the rest vary), and the demo parity test (test_demo_on_spark.py)
# compares every money and outcomes result of a whole synthetic place on both engines.
MONEY_MODULES = (
    "test_fair_shares",
    "test_monitoring",
    "test_spend_detail",
    "test_projection",
    "test_indicators",
)
MONEY_SPECS_EACH = 2
SPECS = [s for module in MODULES for s in spec_module(module).SPECS] + [
    s for module in MONEY_MODULES for s in spec_module(module).SPECS[:MONEY_SPECS_EACH]
]


@pytest.mark.spark
@pytest.mark.parametrize("s", spec.cases(SPECS, lambda s: f"{s.result.__name__}: {s.rule}"))
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
