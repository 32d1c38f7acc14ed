"""Reading a file: formats, the one-line load errors, column matching and row numbers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from ingest_helpers import ACTIVITY_HEADER, PERSON_HEADER, count, quarantined

from oneplace.errors import LoadError
from oneplace.ingest import load_file
from oneplace.workspace import Workspace


def test_unknown_table_lists_the_tables(ws: Workspace, write_csv):
    path = write_csv("person.csv", PERSON_HEADER, "P1,1950,F,E01000001,3,")
    with pytest.raises(LoadError, match="unknown table 'people'") as err:
        load_file(ws, "people", path)
    assert "person, registration, activity, diagnosis" in str(err.value)


def test_missing_file(ws: Workspace, tmp_path: Path):
    with pytest.raises(LoadError, match="no such file"):
        load_file(ws, "person", tmp_path / "absent.csv")


def test_missing_required_column_is_one_line_naming_file_and_column(ws: Workspace, write_csv):
    header = ACTIVITY_HEADER.removesuffix(",cost_gbp")
    path = write_csv("activity.csv", header, "A1,P1,RXX,outpatient,2024-01-01,2024-01-01,")
    with pytest.raises(LoadError) as err:
        load_file(ws, "activity", path)
    assert str(err.value) == f"{path}: missing required column 'cost_gbp'"
    assert err.value.exit_code == 2
    assert count(ws, "activity") == 0 and count(ws, "batches") == 0


def test_missing_required_columns_are_all_named(ws: Workspace, write_csv):
    path = write_csv("person.csv", "person_id,lsoa", "P1,E01000001")
    with pytest.raises(LoadError, match="missing required columns 'year_of_birth', 'sex'"):
        load_file(ws, "person", path)


def test_optional_column_may_be_absent(ws: Workspace, write_csv):
    path = write_csv("person.csv", PERSON_HEADER, "P1,1950,F,E01000001,3,")
    assert load_file(ws, "person", path).loaded == 1
    with ws.connect(read_only=True) as con:
        assert con.execute("SELECT opted_out FROM person").fetchall() == [(None,)]


def test_extra_columns_are_ignored_and_reported(ws: Workspace, write_csv):
    path = write_csv("person.csv", PERSON_HEADER + ",nhs_number,notes", "P1,1950,F,,3,,943,x")
    result = load_file(ws, "person", path)
    assert result.ignored_columns == ["nhs_number", "notes"]
    assert result.loaded == 1


def test_header_matches_columns_ignoring_case(ws: Workspace, write_csv):
    path = write_csv("person.csv", PERSON_HEADER.upper(), "P1,1950,F,E01000001,3,")
    result = load_file(ws, "person", path)
    assert (result.loaded, result.ignored_columns) == (1, [])


def test_repeated_header_name_is_a_load_error(ws: Workspace, write_csv):
    path = write_csv("person.csv", PERSON_HEADER + ",Sex", "P1,1950,F,E01000001,3,,F")
    with pytest.raises(LoadError, match="column 'Sex' appears more than once"):
        load_file(ws, "person", path)


def test_ragged_csv_names_the_line(ws: Workspace, write_csv):
    path = write_csv("person.csv", PERSON_HEADER, "P1,1950,F,E01000001,3,", "P2,1960,M,,")
    with pytest.raises(LoadError) as err:
        load_file(ws, "person", path)
    assert str(err.value) == f"{path}: line 3: expected 6 columns, found 5"
    assert count(ws, "person") == 0


def test_not_utf8_is_a_load_error(ws: Workspace, tmp_path: Path):
    path = tmp_path / "person.csv"
    path.write_bytes(b"\xff\xfe\x00p\x00e\x00r\x00s\x00o\x00n")
    with pytest.raises(LoadError, match="not UTF-8 text"):
        load_file(ws, "person", path)


def test_unknown_extension_is_a_load_error(ws: Workspace, tmp_path: Path):
    path = tmp_path / "person.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(LoadError, match=r"unknown file type '\.xlsx'; expected \.csv"):
        load_file(ws, "person", path)


def test_unreadable_parquet_is_a_load_error(ws: Workspace, tmp_path: Path):
    path = tmp_path / "person.parquet"
    path.write_text("this is not parquet")
    with pytest.raises(LoadError) as err:
        load_file(ws, "person", path)
    assert str(err.value).startswith(f"{path}: not a readable Parquet file")
    assert "\n" not in str(err.value)


def test_csv_row_is_the_data_row_after_the_header(ws: Workspace, write_csv):
    # A quoted value with a line break: row 3 is the third record, whatever its line.
    path = write_csv(
        "person.csv",
        PERSON_HEADER,
        "P1,1950,F,E01000001,3,",
        'P2,1960,M,"E01\n000002",3,',
        "P3,1970,X,E01000003,3,",
    )
    load_file(ws, "person", path)
    assert (3, "sex", "not_in_vocabulary", "error") in quarantined(ws)


def test_parquet_row_is_one_based(ws: Workspace, tmp_path: Path):
    path = tmp_path / "person.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * FROM (VALUES ('P1', 1950, 'F', 'E01000001', 3, NULL::DATE), "
            "('P2', 1960, 'Z', 'E01000002', 4, NULL::DATE)) "
            f"t({PERSON_HEADER})) TO '{path}' (FORMAT parquet)"
        )
    result = load_file(ws, "person", path)
    assert result.loaded == 1
    assert quarantined(ws) == [(2, "sex", "not_in_vocabulary", "error")]


def test_progress_reports_each_stage_in_order(ws: Workspace, write_csv):
    path = write_csv("person.csv", PERSON_HEADER, "P1,1950,F,E01000001,3,")
    seen: list[tuple[str, float]] = []
    load_file(ws, "person", path, lambda stage, fraction: seen.append((stage, fraction)))
    stages = list(dict.fromkeys(stage for stage, _ in seen))
    assert stages == ["read", "type", "rules", "write"]
    assert seen[-1] == ("write", 1.0)
    assert all(0.0 <= f <= 1.0 for _, f in seen)
