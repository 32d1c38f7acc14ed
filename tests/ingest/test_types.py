"""Typing (rule ``wrong_type``): text must be in the canonical format; nothing is rounded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_helpers import ACTIVITY_HEADER, PERSON_HEADER, quarantined

from oneplace.ingest import load_file
from oneplace.workspace import Workspace

OPTED = PERSON_HEADER + ",opted_out"


def _person(ws: Workspace, write_csv, row: str, header: str = PERSON_HEADER):
    return load_file(ws, "person", write_csv("person.csv", header, row))


def _activity(ws: Workspace, write_csv, cost: str, units: str = ""):
    row = f"A1,P1,RXX,outpatient,2024-02-01,2024-02-01,,{cost},{units}"
    return load_file(ws, "activity", write_csv("activity.csv", ACTIVITY_HEADER + ",units", row))


@pytest.mark.parametrize("value", ["1950.0", "1.95e3", "nineteen fifty", "1950-01-01"])
def test_rule_wrong_type_integer_is_not_rounded(ws: Workspace, write_csv, value: str):
    result = _person(ws, write_csv, f"P1,{value},F,E01000001,3,")
    assert result.rejected == 1
    assert quarantined(ws) == [(1, "year_of_birth", "wrong_type", "error")]


def test_integer_with_spaces_and_sign_loads(ws: Workspace, write_csv):
    assert _person(ws, write_csv, "P1, +1950 ,F,E01000001,3,").loaded == 1


@pytest.mark.parametrize("value", ["12.345", "12.3400001", "£12", '"1,200.00"', "1e3", "12.3.4"])
def test_rule_wrong_type_money_more_than_two_places_or_not_a_number(
    based_ws: Workspace, write_csv, value: str
):
    result = _activity(based_ws, write_csv, value)
    assert result.rejected == 1
    assert quarantined(based_ws) == [(1, "cost_gbp", "wrong_type", "error")]


@pytest.mark.parametrize(
    ("text", "pounds"), [("12.34", "12.34"), ("12.3", "12.30"), ("7", "7.00"), (".5", "0.50")]
)
def test_money_is_exact(based_ws: Workspace, write_csv, text: str, pounds: str):
    assert _activity(based_ws, write_csv, text).loaded == 1
    with based_ws.connect(read_only=True) as con:
        got = con.execute("SELECT cost_gbp FROM activity WHERE activity_id = 'A1'").fetchone()
    assert got == (Decimal(pounds),)


@pytest.mark.parametrize("value", ["2024-1-5", "05/01/2024", "2024-01-05 10:00", "2024-02-30"])
def test_rule_wrong_type_date_is_iso_only(ws: Workspace, write_csv, value: str):
    result = _person(ws, write_csv, f"P1,1950,F,E01000001,3,{value}")
    assert result.rejected == 1
    assert quarantined(ws) == [(1, "date_of_death", "wrong_type", "error")]


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("FALSE", False), ("1", True), ("0", False), ("Y", True), ("n", False)],
)
def test_boolean_spellings(ws: Workspace, write_csv, text: str, value: bool):
    assert _person(ws, write_csv, f"P1,1950,F,E01000001,3,,{text}", OPTED).loaded == 1
    with ws.connect(read_only=True) as con:
        assert con.execute("SELECT opted_out FROM person").fetchone() == (value,)


@pytest.mark.parametrize("value", ["yes", "2", "T"])
def test_rule_wrong_type_boolean(ws: Workspace, write_csv, value: str):
    assert _person(ws, write_csv, f"P1,1950,F,E01000001,3,,{value}", OPTED).rejected == 1
    assert quarantined(ws) == [(1, "opted_out", "wrong_type", "error")]


def test_rule_wrong_type_double(based_ws: Workspace, write_csv):
    assert _activity(based_ws, write_csv, "10.00", "nan").rejected == 1
    assert quarantined(based_ws) == [(1, "units", "wrong_type", "error")]


def test_empty_and_quoted_empty_are_null(ws: Workspace, write_csv):
    result = _person(ws, write_csv, 'P1,1950,F,"",,', PERSON_HEADER)
    assert result.loaded == 1
    with ws.connect(read_only=True) as con:
        assert con.execute("SELECT lsoa, imd_decile FROM person").fetchone() == (None, None)


def test_text_keeps_its_spaces(ws: Workspace, write_csv):
    _person(ws, write_csv, " P1 ,1950,F,E01000001,3,")
    with ws.connect(read_only=True) as con:
        assert con.execute("SELECT person_id FROM person").fetchone() == (" P1 ",)


def test_wrong_type_value_is_kept_as_given(ws: Workspace, write_csv):
    _person(ws, write_csv, "P1,1950,F,E01000001,3,31/12/2020")
    with ws.connect(read_only=True) as con:
        assert con.execute("SELECT value, message FROM quarantine").fetchone() == (
            "31/12/2020",
            "date_of_death cannot be read as a date (YYYY-MM-DD)",
        )


# -- Parquet columns arrive typed --------------------------------------------------------------


def _activity_parquet(tmp_path: Path, **columns: pa.Array) -> Path:
    n = len(next(iter(columns.values())))
    base = {
        "activity_id": pa.array([f"A{i + 1}" for i in range(n)]),
        "person_id": pa.array(["P1"] * n),
        "provider_code": pa.array(["RXX"] * n),
        "setting": pa.array(["outpatient"] * n),
        "start_date": pa.array([date(2024, 2, 1)] * n),
        "end_date": pa.array([date(2024, 2, 1)] * n),
        "admission_method": pa.array([None] * n, pa.string()),
        "cost_gbp": pa.array([Decimal("1.00")] * n, pa.decimal128(14, 2)),
    }
    path = tmp_path / "activity.parquet"
    pq.write_table(pa.table({**base, **columns}), path)
    return path


def test_parquet_float_money_in_whole_pence_loads(based_ws: Workspace, tmp_path: Path):
    path = _activity_parquet(tmp_path, cost_gbp=pa.array([0.1 + 0.2, 123.45, 0.005, -0.0]))
    result = load_file(based_ws, "activity", path)
    assert quarantined(based_ws) == [(3, "cost_gbp", "wrong_type", "error")]
    with based_ws.connect(read_only=True) as con:
        costs = con.execute("SELECT cost_gbp FROM activity WHERE activity_id <> 'A0' ORDER BY 1")
        assert [c for (c,) in costs.fetchall()] == [
            Decimal("0.00"),
            Decimal("0.30"),
            Decimal("123.45"),
        ]
    assert result.loaded == 3


def test_parquet_decimal_money_with_more_places(based_ws: Workspace, tmp_path: Path):
    cost = pa.array([Decimal("1.2300"), Decimal("1.2345")], pa.decimal128(18, 4))
    load_file(based_ws, "activity", _activity_parquet(tmp_path, cost_gbp=cost))
    assert quarantined(based_ws) == [(2, "cost_gbp", "wrong_type", "error")]


def test_parquet_timestamp_dates_and_integer_ids(based_ws: Workspace, tmp_path: Path):
    from datetime import datetime

    path = _activity_parquet(
        tmp_path,
        activity_id=pa.array([101, 102]),
        start_date=pa.array([datetime(2024, 2, 1), datetime(2024, 2, 2)]),
        end_date=pa.array([datetime(2024, 2, 3), datetime(2024, 2, 3)]),
    )
    assert load_file(based_ws, "activity", path).loaded == 2
    with based_ws.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT activity_id, start_date FROM activity WHERE activity_id <> 'A0' ORDER BY 1"
        ).fetchall()
    assert rows == [("101", date(2024, 2, 1)), ("102", date(2024, 2, 2))]


def test_rule_wrong_type_parquet_incompatible_type(based_ws: Workspace, tmp_path: Path):
    path = _activity_parquet(tmp_path, start_date=pa.array([20240201]))
    load_file(based_ws, "activity", path)
    assert quarantined(based_ws) == [(1, "start_date", "wrong_type", "error")]
