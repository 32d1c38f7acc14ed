"""The input file's rules, checked before anything is settled (``read_acos``)."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from oneplace.mssp import read_acos
from oneplace.mssp.files import COLUMNS, MAX_SHOWN, MsspInputError

GOOD = {
    "aco_id": "A1",
    "performance_year": "2018",
    "track": "1+",
    "assigned_beneficiaries": "12000",
    "benchmark_total": "100000000.00",
    "expenditure_total": "95000000.50",
    "quality_score": "0.9",
    "quality_standard_met": "true",
    "msr_choice": "1.5",
    "agreement_year": "1",
    "participant_revenue": "",
    "disaster_adjustment": "",
}


def _file(tmp_path, *rows: dict[str, str]):
    path = tmp_path / "acos.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows([row[c] for c in COLUMNS] for row in rows)
    return path


def _problems(tmp_path, **fields: str) -> list[str]:
    with pytest.raises(MsspInputError) as caught:
        read_acos(_file(tmp_path, {**GOOD, **fields}))
    return caught.value.details


def test_input_money_is_read_exactly_as_decimal(tmp_path):
    (aco,) = read_acos(_file(tmp_path, GOOD))
    assert aco.expenditure_total == Decimal("95000000.50") and aco.msr_choice == Decimal("1.5")


@pytest.mark.parametrize(
    ("column", "value", "why"),
    [
        ("benchmark_total", "1,000,000", "benchmark_total '1,000,000' is not an amount of dollars"),
        ("benchmark_total", "NaN", "benchmark_total 'NaN' is not an amount of dollars"),
        ("benchmark_total", "0", "benchmark_total '0' must be above 0"),
        ("expenditure_total", "-5", "expenditure_total '-5' must not be negative"),
        ("expenditure_total", "", "expenditure_total '' is blank"),
        ("disaster_adjustment", "-1", "disaster_adjustment '-1' must not be negative"),
        ("participant_revenue", "lots", "participant_revenue 'lots' is not an amount of dollars"),
    ],
)
def test_input_money_must_be_plain_non_negative_dollars(tmp_path, column, value, why):
    assert _problems(tmp_path, **{column: value}) == [f"row 2 (aco_id A1): {why}"]


@pytest.mark.parametrize(
    ("column", "value", "why"),
    [
        ("assigned_beneficiaries", "12,000", "is not a whole number"),
        ("assigned_beneficiaries", "0", "must be at least 1"),
        ("performance_year", "2018.5", "is not a whole number"),
        ("agreement_year", "", "is blank"),
        ("quality_standard_met", "maybe", "must be true or false"),
        ("quality_score", "-0.1", "is out of range: it must be 0-1 (or P4R)"),
        ("quality_score", "92", "is out of range: it must be 0-1 (or P4R)"),
        ("quality_score", "good", "is not a number (0-1) or P4R"),
        ("msr_choice", "low", "must be blank, variable or a percentage such as 1.5"),
    ],
)
def test_input_fields_must_have_their_type_and_range(tmp_path, column, value, why):
    assert _problems(tmp_path, **{column: value}) == [
        f"row 2 (aco_id A1): {column} {value!r} {why}"
    ]


def test_input_a_blank_aco_id_is_refused(tmp_path):
    assert _problems(tmp_path, aco_id="") == ["row 2: aco_id is blank"]


def test_input_accepts_p4r_in_any_case_percent_signs_and_yes_no(tmp_path):
    fields = {"quality_score": "p4r", "msr_choice": "1.5%", "quality_standard_met": "Yes"}
    (aco,) = read_acos(_file(tmp_path, {**GOOD, **fields}))
    assert aco.pay_for_reporting and aco.quality_score == 1 and aco.msr_choice == Decimal("1.5")
    assert aco.quality_standard_met


def test_input_columns_may_come_in_any_order_and_case_with_extras_ignored(tmp_path):
    columns = ("NOTE", *reversed(COLUMNS))
    path = tmp_path / "acos.csv"
    path.write_text(
        ",".join(c.upper() for c in columns)
        + "\n"
        + ",".join({**GOOD, "NOTE": "x"}[c] for c in columns)
        + "\n"
    )
    (aco,) = read_acos(path)
    assert aco.aco_id == "A1" and aco.track == "1+"


def test_input_every_problem_of_every_row_is_reported_together(tmp_path):
    rows = [
        {**GOOD, "aco_id": "A1", "track": "X", "benchmark_total": "x"},
        {**GOOD, "aco_id": "A2"},
        {**GOOD, "aco_id": "A2", "performance_year": "2014"},
    ]
    with pytest.raises(MsspInputError) as caught:
        read_acos(_file(tmp_path, *rows))
    assert str(caught.value).splitlines()[0].endswith("acos.csv: 4 problem(s); nothing was written")
    assert caught.value.details == [
        "row 2 (aco_id A1): track 'X' is not a track: use 1, 1+, 2, 3, A, B, C, D, E or ENHANCED",
        "row 2 (aco_id A1): benchmark_total 'x' is not an amount of dollars",
        "row 4 (aco_id A2): Track 1+ is not available in PY2014 (it ran PY2018-2019)",
        "row 4 (aco_id A2): duplicate aco_id, first on row 3",
    ]


def test_input_a_long_list_of_problems_is_cut_short_and_counted(tmp_path):
    rows = [{**GOOD, "aco_id": f"A{i}", "track": "X"} for i in range(MAX_SHOWN + 5)]
    with pytest.raises(MsspInputError) as caught:
        read_acos(_file(tmp_path, *rows))
    assert len(caught.value.details) == MAX_SHOWN + 1
    assert caught.value.details[-1] == "... and 5 more"


def test_input_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "acos.csv"
    path.write_bytes(",".join(COLUMNS).encode() + b"\n\xff\xfe,2018\n")
    with pytest.raises(MsspInputError, match="not UTF-8 text"):
        read_acos(path)


def test_input_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "acos.csv"
    path.write_text("")
    with pytest.raises(MsspInputError, match="the file is empty"):
        read_acos(path)
