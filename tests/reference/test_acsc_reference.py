"""The chronic ambulatory care sensitive conditions of NHS Outcomes Framework indicator 2.3.i
(``reference/acsc_chronic_nhsof.csv``), authored from NHS Digital's Domain 2 specification as
transcribed in psychty/secondary_care (see the file's source line).

The codes are checked against the WHO ICD-10 list in ``../shared/data/icd10_reference``
(CDC/NCHS 2011 mortality edition). That list leaves out asterisk (manifestation) codes, so the
two asterisk dementia categories of the specification, F00 and F02, are expected to be
missing from it, and only those.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from oneplace import reference
from oneplace.reference.icd10 import expand

TABLE = "acsc_chronic_nhsof"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
WHO_CODES = SHARED / "data" / "icd10_reference" / "icd10_who2011_cdc_codes.csv"
# F00* (dementia in Alzheimer disease) and F02* (dementia in other diseases classified
# elsewhere) are asterisk codes: valid in UK morbidity coding, absent from the mortality list
# (icd10_reference/SOURCE.md, "Caveat").
ASTERISK_CATEGORIES = {"F00", "F02"}

# NHSOF 2.3.i, NHS Digital Domain 2 specification (NHSOF_Domain_2_S.pdf): the eleven chronic
# ACS conditions of its numerator, as the psychty/secondary_care transcription lists them and
# the NHSOF table in BMJ Quality & Safety names them for 2.3.i.
CONDITIONS = {
    "chronic_hepatitis_b",
    "diabetes",
    "iron_deficiency_anaemia",
    "dementia",
    "convulsions_epilepsy",
    "congestive_heart_failure",
    "angina",
    "hypertension",
    "atrial_fibrillation",
    "copd",
    "asthma",
}
COPD_SECONDARY = {"J41", "J42", "J43", "J44", "J47"}


def _rows() -> list[dict[str, str]]:
    return reference.rows(TABLE)


def _cells() -> list[tuple[str, str, str]]:
    """(condition, column, cell) for every non-empty code cell."""
    return [
        (r["condition"], column, r[column])
        for r in _rows()
        for column in ("icd10", "secondary_icd10")
        if r[column]
    ]


@pytest.fixture(scope="module")
def who_codes() -> set[str]:
    if not WHO_CODES.is_file():
        pytest.skip(f"the shared WHO ICD-10 list is absent ({WHO_CODES})")
    with WHO_CODES.open(encoding="utf-8") as f:
        return {r["Code.clean"] for r in csv.DictReader(f)}


def test_loads_with_its_columns_and_names_its_source():
    rows = _rows()
    assert rows
    assert set(rows[0]) == {"condition", "label", "icd10", "secondary_icd10", "note"}
    src = reference.source(TABLE)
    assert "NHS Digital" in src
    assert "2.3.i" in src and "NHS Outcomes Framework" in src
    assert "NHSOF_Domain_2_S.pdf" in src
    assert "Licence" in src


def test_every_code_cell_expands_to_prefixes():
    for condition, column, cell in _cells():
        prefixes = expand(cell, f"{TABLE} {condition} {column}")
        assert prefixes, (condition, column, cell)
        assert len(prefixes) == len(set(prefixes)), (condition, column, cell)
    assert all(r["icd10"] for r in _rows())


def test_every_code_is_in_the_who_list(who_codes):
    categories = {c[:3] for c in who_codes}
    missing: set[str] = set()
    for condition, column, cell in _cells():
        for prefix in expand(cell):
            if prefix[:3] not in categories:
                missing.add(prefix[:3])
                continue
            # a four-character code must exist too (B18.0, I11.9, ...)
            assert prefix in who_codes, (condition, column, prefix)
    assert missing == ASTERISK_CATEGORIES


def test_conditions_are_those_of_the_specification():
    assert {r["condition"] for r in _rows()} == CONDITIONS


def test_no_two_conditions_share_a_primary_prefix():
    prefixes: dict[str, set[str]] = defaultdict(set)
    for r in _rows():
        prefixes[r["condition"]].update(expand(r["icd10"]))
    seen: dict[str, str] = {}
    for condition, mine in prefixes.items():
        for prefix in mine:
            # neither the same prefix nor one inside another (I11 would hold I110)
            clash = [p for p in seen if p.startswith(prefix) or prefix.startswith(p)]
            assert not clash, (condition, prefix, [seen[p] for p in clash])
        for prefix in mine:
            seen[prefix] = condition


def test_acute_bronchitis_counts_only_with_copd():
    conditional = [r for r in _rows() if r["secondary_icd10"]]
    assert len(conditional) == 1
    (row,) = conditional
    assert row["condition"] == "copd"
    assert expand(row["icd10"]) == ["J20"]
    assert set(expand(row["secondary_icd10"])) == COPD_SECONDARY
    # the other COPD row carries those codes as primary diagnoses, unconditionally
    copd = [r for r in _rows() if r["condition"] == "copd" and not r["secondary_icd10"]]
    assert [set(expand(r["icd10"])) for r in copd] == [COPD_SECONDARY]


def test_procedure_exclusions_are_recorded_as_notes():
    notes = {r["condition"]: r["note"] for r in _rows() if r["note"]}
    for condition in ("congestive_heart_failure", "hypertension", "angina"):
        assert "OPCS-4" in notes[condition] and "not applied" in notes[condition]
    assert "K0-K4" in notes["congestive_heart_failure"]
    assert notes["hypertension"] == notes["congestive_heart_failure"]
    assert "chapters A-T" in notes["angina"]
    assert "D57" in notes["chronic_hepatitis_b"]
    assert set(notes) == {
        "congestive_heart_failure",
        "hypertension",
        "angina",
        "chronic_hepatitis_b",
    }
