"""Canonical table declarations, and the data-model page generated from them."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from oneplace.schema import TABLES, VOCABULARIES
from oneplace.schema.docs import render
from oneplace.schema.tables import ICD10_PATTERN, SNOMED_PATTERN

ROOT = Path(__file__).resolve().parents[2]


def test_data_model_page_is_not_stale():
    page = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert page == render(), "docs/data-model.md is stale: run 'make docs'"


def test_design_key_columns_are_declared():
    # DESIGN.md, canonical tables: at least these columns.
    expected = {
        "person": "person_id year_of_birth sex lsoa imd_decile date_of_death opted_out",
        "registration": "person_id practice_code start_date end_date",
        "activity": "activity_id person_id provider_code setting start_date end_date "
        "admission_method cost_gbp",
        "diagnosis": "person_id activity_id date code_system code position",
    }
    for name, cols in expected.items():
        assert set(cols.split()) <= set(TABLES[name].column_names), name


def test_setting_vocabulary_is_design_list():
    assert list(VOCABULARIES["setting"].values) == [
        "acute_non_elective", "acute_elective", "day_case", "outpatient",
        "emergency_department", "community", "mental_health", "primary_care",
        "prescribing", "social_care", "voluntary_sector", "wider_services",
    ]  # fmt: skip


def test_rule_names_are_unique_within_each_table():
    for t in TABLES.values():
        names = [r.name for r in t.rules]
        assert len(names) == len(set(names)), t.name


def test_every_rule_names_a_declared_column():
    for t in TABLES.values():
        for r in t.rules:
            assert r.column in t.column_names, (t.name, r.name)


def test_every_rule_is_valid_sql_over_the_table():
    # Each violation expression must compile against the declared columns and the tables it
    # may reference (person, activity, place_*), so a typo is caught here, not at load time.
    con = duckdb.connect()
    for t in TABLES.values():
        con.execute(t.ddl())
    con.execute("CREATE TABLE place_practice (code VARCHAR)")
    con.execute("CREATE TABLE place_organisation (code VARCHAR)")
    for t in TABLES.values():
        for r in t.rules:
            con.execute(f'SELECT count(*) FROM "{t.name}" s WHERE {r.violation}')


@pytest.mark.parametrize(
    "code, ok",
    [("E119", True), ("E11.9", True), ("I50", True), ("F03X", True), ("U071", True),
     ("e119", False), ("E1", False), ("119E", False), ("E11.99999", False), ("", False)],
)  # fmt: skip
def test_icd10_pattern(code, ok):
    assert bool(re.fullmatch(ICD10_PATTERN, code)) is ok


@pytest.mark.parametrize(
    "code, ok", [("22298006", True), ("44054006", True), ("0123456", False), ("12a45", False)]
)
def test_snomed_pattern(code, ok):
    assert bool(re.fullmatch(SNOMED_PATTERN, code)) is ok
