"""A million activity rows from Parquet: the rules catch the same rows at scale."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from ingest_helpers import count

from oneplace.ingest import load_file
from oneplace.workspace import Workspace

N = 1_000_000


@pytest.mark.slow
def test_million_rows_load_with_every_bad_row_caught(based_ws: Workspace, tmp_path: Path):
    path = tmp_path / "activity.parquet"
    with duckdb.connect() as con:
        # Every 10,000th row has a negative cost, every 25,000th an unknown person, and
        # every 50,000th repeats the id of the row before it.
        con.execute(
            "COPY (SELECT CASE WHEN i % 50000 = 1 THEN 'X' || (i - 1) ELSE 'X' || i END "
            "AS activity_id, CASE WHEN i % 25000 = 0 THEN 'P404' ELSE 'P' || (1 + i % 2) END "
            "AS person_id, 'RXX' AS provider_code, 'outpatient' AS setting, "
            "DATE '2024-01-01' + CAST(i % 300 AS INTEGER) AS start_date, "
            "DATE '2024-01-01' + CAST(i % 300 AS INTEGER) AS end_date, "
            "NULL::VARCHAR AS admission_method, "
            "CAST(CASE WHEN i % 10000 = 0 THEN -5 ELSE 120.5 END AS DECIMAL(14,2)) AS cost_gbp "
            f"FROM range({N}) t(i)) TO '{path}' (FORMAT parquet)"
        )
    stages: list[str] = []
    result = load_file(based_ws, "activity", path, lambda s, f: stages.append(s))
    by_rule = {r.rule: r.count for r in result.reasons}
    assert by_rule == {"negative_cost": 100, "unknown_person": 40, "duplicate_key": 20}
    # Rows divisible by 50,000 break both negative_cost and unknown_person: counted once.
    assert result.rejected == 100 + 40 - 20 + 20
    assert count(based_ws, "activity") == 1 + N - result.rejected
    assert set(stages) == {"read", "type", "rules", "write"}
