"""Disclosure control: one rule per test (counts under 5 suppressed, others rounded to the
nearest 5, values derived from a suppressed count withheld, the rest kept as computed)."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oneplace import disclosure
from oneplace.disclosure import (
    disclose,
    is_suppressed,
    published_count,
    published_value,
    round_count,
)


# -- rule 1: a count under 5 is suppressed -----------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_a_count_under_5_is_suppressed(n: int) -> None:
    assert is_suppressed(n)
    assert published_count(n) is None


def test_zero_is_suppressed_too() -> None:
    assert published_count(0) is None


@pytest.mark.parametrize("n", [5, 6, 7, 8, 12, 13, 1_000_003])
def test_a_count_of_5_or_more_is_not_suppressed(n: int) -> None:
    assert not is_suppressed(n)
    assert published_count(n) is not None


# -- rule 2: every other count is rounded to the nearest 5 ---------------------------------------
@pytest.mark.parametrize(
    ("n", "shown"), [(5, 5), (6, 5), (7, 5), (8, 10), (10, 10), (12, 10), (13, 15), (628, 630)]
)
def test_a_count_of_5_or_more_is_rounded_to_the_nearest_5(n: int, shown: int) -> None:
    assert round_count(n) == shown
    assert published_count(n) == shown


@given(st.integers(min_value=0, max_value=10**12))
def test_a_published_count_is_a_multiple_of_5_at_least_5_and_within_2(n: int) -> None:
    shown = published_count(n)
    if n < 5:
        assert shown is None
    else:
        assert shown is not None
        assert shown % 5 == 0 and shown >= 5 and abs(shown - n) <= 2


@pytest.mark.parametrize("n", [5.0, Decimal(13), pd.array([8], dtype="Int64")[0]])
def test_a_whole_number_of_any_numeric_type_is_a_count(n: object) -> None:
    assert published_count(n) in (5, 15, 10)


@pytest.mark.parametrize("bad", [-1, 2.5, Decimal("7.5")])
def test_a_negative_or_fractional_count_is_an_error(bad: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        published_count(bad)


# -- missing values --------------------------------------------------------------------------
@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_a_missing_count_is_not_suppressed_and_stays_missing(missing: object) -> None:
    assert not is_suppressed(missing)
    assert published_count(missing) is None
    assert published_value(0.5, missing, 20) == 0.5


# -- rule 3 and 4: derived values --------------------------------------------------------------
def test_a_value_derived_from_a_suppressed_count_is_withheld() -> None:
    assert published_value(0.75, 3) is None


def test_a_value_derived_from_several_counts_is_withheld_if_any_is_suppressed() -> None:
    assert published_value(0.2, 20, 4) is None
    assert published_value(0.2, 4, 20) is None


def test_a_value_derived_from_unsuppressed_counts_is_kept_from_the_true_counts() -> None:
    # 7/13 from the true counts, not 5/15 from the rounded ones
    assert published_value(7 / 13, 7, 13) == 7 / 13


# -- tables --------------------------------------------------------------------------------------
def hiu() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["North", "South", "East", "West"],
            "people": [215, 413, 4, None],
            "users": [4, 13, 0, 7],
            "per_1000": [18.6, 31.5, 0.0, None],
            "users_share": [0.0186, 0.0315, 0.0, None],
            "spend_gbp": [Decimal("1000.50"), Decimal("2.25"), Decimal("3"), Decimal("12")],
            "per_head_gbp": [Decimal("4.65"), Decimal("0.01"), Decimal("0.75"), None],
        }
    )


DERIVED = {
    "per_1000": ["users", "people"],
    "users_share": ["users", "people"],
    "per_head_gbp": ["people"],
}


def test_a_table_suppresses_and_rounds_its_count_columns() -> None:
    out = disclose(hiu(), ["people", "users"], DERIVED)
    assert out["people"].tolist() == [215, 415, pd.NA, pd.NA]
    assert out["users"].tolist() == [pd.NA, 15, pd.NA, 5]
    assert str(out["people"].dtype) == "Int64"


def test_a_table_withholds_a_derived_column_where_any_of_its_counts_is_suppressed() -> None:
    out = disclose(hiu(), ["people", "users"], DERIVED)
    # North: users 4; East: people 4 and users 0 -> withheld. South: both counts published.
    assert out["per_1000"].isna().tolist() == [True, False, True, True]
    assert out.loc[1, "per_1000"] == 31.5  # as computed from the true counts


def test_a_table_keeps_a_derived_value_of_a_missing_count() -> None:
    # West: no population (missing), users 7: per head stays what it was (missing), nothing
    # is withheld because of a missing count.
    out = disclose(hiu(), ["people", "users"], {"per_head_gbp": ["people"]})
    assert out["per_head_gbp"].tolist()[:2] == [Decimal("4.65"), Decimal("0.01")]
    assert pd.isna(out.loc[2, "per_head_gbp"]) and out.loc[3, "per_head_gbp"] is None


def test_money_is_not_a_count_and_passes_unrounded() -> None:
    out = disclose(hiu(), ["people", "users"], DERIVED)
    assert out["spend_gbp"].tolist() == hiu()["spend_gbp"].tolist()
    assert out["area"].tolist() == hiu()["area"].tolist()


def test_money_per_head_of_a_suppressed_population_is_withheld() -> None:
    out = disclose(hiu(), ["people", "users"], DERIVED)
    assert pd.isna(out.loc[2, "per_head_gbp"])  # East: 4 people


def test_the_input_table_is_not_modified() -> None:
    table = hiu()
    before = table.copy()
    disclose(table, ["people", "users"], DERIVED)
    pd.testing.assert_frame_equal(table, before)


def test_an_arrow_table_gives_an_arrow_table_with_the_same_rules() -> None:
    table = pa.table({"area": ["A", "B", "C"], "people": [3, 12, None], "rate": [0.5, 0.25, None]})
    out = disclose(table, ["people"], {"rate": ["people"]})
    assert isinstance(out, pa.Table)
    assert out.to_pydict() == {
        "area": ["A", "B", "C"],
        "people": [None, 10, None],
        "rate": [None, 0.25, None],
    }
    assert out.schema.field("people").type == pa.int64()
    assert out.schema.field("rate").type == pa.float64()
    assert table.column("people").to_pylist() == [3, 12, None]  # input unchanged


def test_counts_given_as_floats_with_nulls_are_counts() -> None:
    out = disclose(pd.DataFrame({"n": [2.0, 8.0, float("nan")]}), ["n"])
    assert out["n"].tolist() == [pd.NA, 10, pd.NA]


def test_a_fractional_count_in_a_table_is_an_error() -> None:
    with pytest.raises(ValueError, match="people is a count"):
        disclose(pd.DataFrame({"people": [700.5]}), ["people"])


@pytest.mark.parametrize(
    ("counts", "derived", "message"),
    [
        (["nobody"], {}, "no column"),
        (["people"], {"rate": ["people"]}, "no column"),
        (["people"], {"people": ["people"]}, "declared a count and derived"),
        (["people"], {"users": ["area"]}, "not declared a count"),
        (["people"], {"users": []}, "depends on no count"),
    ],
)
def test_a_wrong_declaration_is_an_error(counts, derived, message) -> None:
    table = pd.DataFrame({"area": ["A"], "people": [10], "users": [5]})
    with pytest.raises(ValueError, match=message):
        disclose(table, counts, derived)


def test_no_secondary_suppression_a_lone_suppressed_cell_stays_alone() -> None:
    # A known limitation (module docstring): the other cells are rounded, not suppressed.
    out = disclose(pd.DataFrame({"people": [3, 40, 57]}), ["people"])
    assert out["people"].tolist() == [pd.NA, 40, 55]


def test_the_docstring_examples_hold() -> None:
    result = doctest.testmod(disclosure)
    assert result.attempted and not result.failed
