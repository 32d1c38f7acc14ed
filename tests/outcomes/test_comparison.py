"""SPC charts and inequality gaps (``oneplace.outcomes.comparison``), worked by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from oneplace.outcomes.comparison import gap_rows, spc_rows, variation
from oneplace.outcomes.library import library

BY_ID = {i.id: i for i in library()}


@pytest.mark.parametrize(
    ("special", "better", "expected"),
    [
        ("", "lower", "common cause"),
        ("high", "lower", "concern"),
        ("low", "lower", "improvement"),
        ("high", "higher", "improvement"),
        ("low", "higher", "concern"),
        ("high", "neither", "special cause"),
    ],
)
def test_special_causes_are_read_with_the_better_direction(special, better, expected) -> None:
    assert variation(special, better) == expected


def _months(values: list[int], locality: str = "N") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "fy": 2024,
            "month": [date(2024 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(len(values))],
            "locality_code": locality,
            "numerator": [float(v) for v in values],
            "denominator": 0.0,
        }
    )


def test_monthly_values_over_a_population_divide_by_the_year_population() -> None:
    # 1,000 people in N; 5 admissions a month: 5 per 1,000 a month (x 1,000 multiplier).
    population = pd.DataFrame(
        {"fy": [2024, 2024], "locality_code": ["N", "ALL"], "denominator": [1000.0, 1000.0]}
    )
    rows = spc_rows(_months([5] * 6), population, BY_ID["non_elective_admissions"])
    n = rows[rows.locality_code == "N"]
    assert list(n.value) == [5.0] * 6
    assert n["mean"].iloc[0] == 5.0 and n.lower_limit.iloc[0] == 5.0
    assert set(rows.locality_code) == {"N", "ALL"}


def test_a_month_beyond_the_limits_is_a_special_cause() -> None:
    # Eleven months of 10 and one of 40 per 1,000: mean 12.5; moving ranges 0 except 30 and
    # 30, mean moving range 60 / 11; upper limit 12.5 + 2.66 x 60 / 11 = 27.01: 40 is beyond.
    population = pd.DataFrame({"fy": [2024], "locality_code": ["N"], "denominator": [1000.0]})
    values = [10] * 6 + [40] + [10] * 5
    rows = spc_rows(_months(values), population, BY_ID["ae_attendances"])
    n = rows[rows.locality_code == "N"].reset_index(drop=True)
    assert n.upper_limit.iloc[0] == pytest.approx(12.5 + 2.66 * 60 / 11)
    assert n.special_cause.iloc[6] == "high" and n.variation.iloc[6] == "concern"


def test_monthly_readmissions_divide_by_the_month_discharges() -> None:
    monthly = _months([1, 2]).assign(denominator=[10.0, 10.0])
    rows = spc_rows(monthly, pd.DataFrame(), BY_ID["emergency_readmissions_30d"])
    assert list(rows[rows.locality_code == "N"].value) == [10.0, 20.0]


def _quintile(indicator: str, unit: str, value: float, low: float, high: float) -> dict:
    return {
        "indicator_id": indicator,
        "indicator_name": indicator,
        "fy": 2024,
        "level": "imd_quintile",
        "unit_code": unit,
        "value": value,
        "lower95": low,
        "upper95": high,
        "better": "lower",
    }


def test_the_gap_is_most_minus_least_deprived_and_significant_when_apart() -> None:
    values = pd.DataFrame(
        [
            _quintile("a", "1", 120.0, 110.0, 130.0),
            _quintile("a", "5", 60.0, 55.0, 65.0),
            _quintile("b", "1", 100.0, 90.0, 110.0),
            _quintile("b", "5", 95.0, 85.0, 105.0),
        ]
    )
    gaps = gap_rows(values).set_index("indicator_id")
    assert (gaps.loc["a", "absolute_gap"], gaps.loc["a", "relative_gap"]) == (60.0, 2.0)
    assert bool(gaps.loc["a", "significant"]) is True
    assert bool(gaps.loc["b", "significant"]) is False  # the intervals overlap
