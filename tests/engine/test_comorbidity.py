"""Spec tests for the comorbidity and frailty indices: people and their codes, the expected
score per person, one rule per case. The same CASES run on Spark in tests/parity.

Worked examples are built from the sources' own tables: each code is one the paper lists
for the condition (Quan 2005 tables 1 and 2; Gilbert 2018 appendix), each weight the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from oneplace.backends import to_arrow
from oneplace.engine import comorbidity as cm
from oneplace.engine.codes import normalised_icd10
from oneplace.reference.icd10 import normalise


@dataclass(frozen=True)
class Case:
    rule: str
    index: str
    rows: list[tuple[str, str]]  # (person_id, code)
    scores: dict[str, float]  # person -> expected score
    weighting: str | None = None
    flags: dict[str, dict[str, int]] = field(default_factory=dict)  # person -> flags
    bands: dict[str, str] = field(default_factory=dict)  # person -> HFRS risk band


# One code per Charlson condition, from Quan 2005 table 1, and its Charlson 1987 weight.
CHARLSON_1987 = {
    "mi": ("I252", 1),
    "chf": ("I500", 1),
    "pvd": ("I739", 1),
    "cevd": ("I639", 1),
    "dementia": ("F03X", 1),
    "cpd": ("J449", 1),
    "rheumd": ("M069", 1),
    "pud": ("K259", 1),
    "mld": ("K703", 1),
    "diab": ("E119", 1),
    "diabwc": ("E112", 2),
    "hp": ("G819", 2),
    "rend": ("N184", 2),
    "canc": ("C349", 2),
    "msld": ("I850", 3),
    "metacanc": ("C787", 6),
    "aids": ("B24X", 6),
}

CASES = [
    *[
        Case(f"charlson 1987: {cond} ({code}) weighs {w}", "charlson", [("a", code)], {"a": w})
        for cond, (code, w) in CHARLSON_1987.items()
    ],
    Case(
        "charlson hierarchy: diabetes with complication supersedes diabetes without",
        "charlson",
        [("a", "E119"), ("a", "E112")],
        {"a": 2},
        flags={"a": {"diab": 1, "diabwc": 1}},
    ),
    Case(
        "charlson hierarchy: metastatic solid tumour supersedes any malignancy",
        "charlson",
        [("a", "C349"), ("a", "C787")],
        {"a": 6},
        flags={"a": {"canc": 1, "metacanc": 1}},
    ),
    Case(
        "charlson hierarchy: moderate or severe liver disease supersedes mild",
        "charlson",
        [("a", "K703"), ("a", "I850")],
        {"a": 3},
        flags={"a": {"mld": 1, "msld": 1}},
    ),
    Case(
        "charlson quan2011: CHF 2 + dementia 2 + metastatic 6 + MI 0",
        "charlson",
        [("a", "I500"), ("a", "F03X"), ("a", "C787"), ("a", "I219")],
        {"a": 10},
        weighting="quan2011",
    ),
    Case(
        "charlson quan2011: every condition scores the maximum, 24",
        "charlson",
        [("a", code) for code, _ in CHARLSON_1987.values()],
        {"a": 24},
        weighting="quan2011",
    ),
    Case(
        "a condition counts once however many of its codes a person has",
        "charlson",
        [("a", "I500"), ("a", "I509"), ("a", "I110")],
        {"a": 1},
    ),
    Case(
        "a person with no matching code scores 0; one with only invalid codes too",
        "charlson",
        [("a", "Z000"), ("b", "22298006")],
        {"a": 0, "b": 0},
    ),
    Case(
        "codes are read with or without dot, any case, spaces, X filler, dagger/asterisk",
        "charlson",
        [("a", "I500"), ("b", "I50.0"), ("c", "i50.0 "), ("d", "I50X"), ("e", "I50XA")]
        + [("f", "B20.0D"), ("g", "b24")],
        {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 6, "g": 6},
    ),
    Case(
        "a prefix matches its subdivisions only: I25.2 is MI, I25.9 is not",
        "charlson",
        [("a", "I252"), ("b", "I259")],
        {"a": 1, "b": 0},
    ),
    Case(
        "elixhauser van Walraven: CHF 7 + arrhythmia 5 + valvular -1",
        "elixhauser",
        [("a", "I500"), ("a", "I489"), ("a", "I350")],
        {"a": 11},
    ),
    Case(
        "elixhauser scores are not floored: obesity alone is -4, drug abuse -7",
        "elixhauser",
        [("a", "E669"), ("b", "F112")],
        {"a": -4, "b": -7},
    ),
    Case(
        "elixhauser: a code in two conditions flags both (I42.6: CHF and alcohol)",
        "elixhauser",
        [("a", "I426")],
        {"a": 7},
        flags={"a": {"chf": 1, "alcohol": 1}},
    ),
    Case(
        "elixhauser: K70.0 flags liver disease and alcohol abuse",
        "elixhauser",
        [("a", "K700")],
        {"a": 11},
        flags={"a": {"ld": 1, "alcohol": 1}},
    ),
    Case(
        "elixhauser hierarchy: metastatic cancer supersedes solid tumour",
        "elixhauser",
        [("a", "C349"), ("a", "C787"), ("b", "C349")],
        {"a": 12, "b": 4},
        flags={"a": {"solidtum": 1, "metacanc": 1}},
    ),
    Case(
        "hfrs: a three-character code counts once (F00.0 and F00.1: 7.1)",
        "hfrs",
        [("a", "F000"), ("a", "F00.1"), ("a", "f001")],
        {"a": 7.1},
    ),
    Case(
        "hfrs: points add across codes (W19 fall 3.2 + F05 delirium 3.2)",
        "hfrs",
        [("a", "W19X"), ("a", "F059"), ("b", "I10X")],
        {"a": 6.4, "b": 0.0},
    ),
    Case(
        "hfrs risk bands: 4.9 low, 5.0 and 15.0 intermediate, 15.1 high",
        "hfrs",
        [("low", "W19X"), ("low", "L89"), ("five", "R31"), ("five", "F01")]
        + [("fifteen", c) for c in ("F00", "G81", "S42", "R32")]
        + [("high", c) for c in ("F00", "G81", "R29")],
        {"low": 4.9, "five": 5.0, "fifteen": 15.0, "high": 15.1},
        bands={"low": "low", "five": "intermediate", "fifteen": "intermediate", "high": "high"},
    ),
]


def write_case(case: Case, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "diagnoses.parquet"
    people, codes = zip(*case.rows, strict=True)
    pq.write_table(pa.table({"person_id": list(people), "code": list(codes)}), path)
    return path


def read_case(con: ibis.BaseBackend, path: Path) -> ibis.Table:
    if con.name == "pyspark":
        from oneplace.backends import _read_parquet_spark

        return _read_parquet_spark(con, path, "diagnoses")
    return con.read_parquet(str(path), table_name="diagnoses")


def evaluate(case: Case, con: ibis.BaseBackend, folder: Path) -> pa.Table:
    table = read_case(con, write_case(case, folder))
    return to_arrow(con, cm.scores(table, case.index, case.weighting))


def check(case: Case, result: pa.Table) -> None:
    rows = {r["person_id"]: r for r in result.to_pylist()}
    assert {p: rows[p]["score"] for p in rows} == pytest.approx(case.scores)
    for person, flags in case.flags.items():
        assert {c: rows[person][c] for c in flags} == flags
    for person, band in case.bands.items():
        assert rows[person]["risk_band"] == band


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_index_case(case: Case, tmp_path: Path) -> None:
    con = ibis.duckdb.connect()
    try:
        check(case, evaluate(case, con, tmp_path))
    finally:
        con.disconnect()


def test_elixhauser_hierarchy_applies_to_diabetes_and_hypertension():
    """van Walraven weighs both forms of diabetes and of hypertension 0, so the score cannot
    show these two rules; with every weight 1 it must count 1 for each pair, not 2."""
    idx = cm.index("elixhauser")
    ones = cm.Index(
        "test",
        idx.conditions,
        idx.prefixes,
        {"ones": dict.fromkeys(idx.conditions, 1)},
        "ones",
        idx.hierarchy,
    )
    flags = ibis.memtable(
        pa.Table.from_pylist(
            [
                {c: int(c in pair) for c in idx.conditions}
                for pair in (("diabunc", "diabc"), ("hypunc", "hypc"), ("diabunc",))
            ]
        )
    )
    result = ibis.duckdb.connect().to_pyarrow(flags.select(s=cm.weighted_score(flags, ones, None)))
    assert result["s"].to_pylist() == [1, 1, 1]


def test_unknown_weighting_is_refused():
    with pytest.raises(ValueError, match="no weighting 'vw'"):
        cm.index("charlson").weights("vw")


BAD_CODES = ["22298006", "428.0", "I5", "", "ABC", "I50Q", "I50.0.1", "I5000000", ".I50"]
GOOD_CODES = {
    "I500": "I500",
    "I50.0": "I500",
    "i50.0 ": "I500",
    "I10X": "I10",
    "G01XA": "G01",
    "A17.0D": "A170",
    "A17.0†": "A170",
    "X59": "X59",
    " e11.9": "E119",
    "S7200": "S7200",
}


@pytest.mark.parametrize("code", BAD_CODES)
def test_a_code_that_is_not_icd10_is_rejected(code: str):
    assert normalise(code) is None


@pytest.mark.parametrize("code,expected", GOOD_CODES.items())
def test_a_recorded_icd10_code_is_normalised(code: str, expected: str):
    assert normalise(code) == expected


def test_the_engine_normalises_exactly_as_the_reference_rule():
    codes = [*BAD_CODES, *GOOD_CODES, None]
    t = ibis.memtable(pa.table({"code": pa.array(codes, pa.string())}))
    got = ibis.duckdb.connect().to_pyarrow(t.select("code", n=normalised_icd10(t.code)))
    assert dict(zip(got["code"].to_pylist(), got["n"].to_pylist(), strict=True)) == {
        c: normalise(c) for c in codes
    }


def test_invalid_codes_are_counted_not_dropped():
    t = ibis.memtable(
        pa.table({"person_id": ["a", "a", "b", "c"], "code": ["I500", "xx", "xx", "428.0"]})
    )
    per_code = t.group_by("code").agg(rows=t.count())
    con = ibis.duckdb.connect()
    assert con.to_pyarrow(cm.code_check(per_code)).to_pylist() == [
        {"rows": 4, "codes": 3, "invalid_rows": 3, "invalid_codes": 2}
    ]


def test_the_window_keeps_the_lookback_up_to_the_as_of_date_and_the_positions():
    rows = [
        ("2022-03-31", 1),  # more than two years before
        ("2022-04-01", 1),  # inside
        ("2024-03-31", 2),  # the as-of date itself
        ("2024-04-01", 1),  # after
        ("2023-01-01", 5),  # outside the positions
    ]
    t = ibis.memtable(
        pa.table(
            {
                "person_id": ["a"] * len(rows),
                "code": ["I500"] * len(rows),
                "date": [date.fromisoformat(d) for d, _ in rows],
                "position": [p for _, p in rows],
            }
        )
    )
    kept = cm.in_window(t, ibis.date(2024, 3, 31), lookback_years=2, positions=(1, 2))
    got = ibis.duckdb.connect().to_pyarrow(kept.order_by("date"))["date"].to_pylist()
    assert got == [date(2022, 4, 1), date(2024, 3, 31)]
