"""Indicator values per unit from the counts (``oneplace.outcomes.values``): the rules that
turn ``indicator_cells`` into statistics, worked by hand. The statistics themselves are tested
against their published examples in tests/stats."""

from __future__ import annotations

import pandas as pd
import pytest

from oneplace.outcomes.library import library
from oneplace.outcomes.values import esp_bands, indicator_values
from oneplace.place import parse_place

BY_ID = {i.id: i for i in library()}
COLUMNS = ["indicator_id", "fy", "practice_code", "network_code", "locality_code",
           "imd_quintile", "sex", "age_band", "people", "numerator", "denominator"]  # fmt: skip


@pytest.fixture(scope="module")
def place(tiny_place_yaml: str):
    return parse_place(tiny_place_yaml, "tiny place")


def cells(indicator_id: str, rows: list[tuple]) -> pd.DataFrame:
    """Cells from (fy, practice, imd quintile, sex, age band, people, numerator, denominator)."""
    unit = {"P1": ("PCN_N", "NORTH"), "P2": ("PCN_S", "SOUTH")}
    return pd.DataFrame(
        [
            (indicator_id, fy, p, *unit[p], q, sex, band, n, num, den)
            for fy, p, q, sex, band, n, num, den in rows
        ],
        columns=COLUMNS,
    )


def value(frame: pd.DataFrame, level: str, unit: str, fy: int = 2024) -> pd.Series:
    row = frame[(frame.level == level) & (frame.unit_code == unit) & (frame.fy == fy)]
    assert len(row) == 1
    return row.iloc[0]


def test_esp_bands_of_65_and_over() -> None:
    assert esp_bands(BY_ID["falls_admissions_65"]) == [
        "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
    ]  # fmt: skip
    assert len(esp_bands(BY_ID["non_elective_admissions"])) == 19


def test_units_sum_their_cells(place) -> None:
    # P1: 30 + 20 people, 3 + 1 admissions; P2: 50 people, 5 admissions. NORTH is P1.
    frame = indicator_values(
        cells(
            "non_elective_admissions",
            [
                (2024, "P1", 1, "F", "40-44", 30, 3, 30),
                (2024, "P1", 2, "M", "45-49", 20, 1, 20),
                (2024, "P2", 1, "F", "40-44", 50, 5, 50),
            ],
        ),
        [BY_ID["non_elective_admissions"]],
        place,
        2024,
    )
    p1 = value(frame, "practice", "P1")
    assert (p1.numerator, p1.denominator, p1.value) == (4.0, 50.0, 80.0)
    assert value(frame, "locality", "NORTH").value == 80.0
    assert value(frame, "place", "ALL").value == 90.0  # 9 per 100 people: 90 per 1,000
    assert value(frame, "imd_quintile", "1").value == 100.0  # 8 / 80
    assert value(frame, "imd_quintile", "1").unit_name == "1 (most deprived)"
    assert value(frame, "practice", "P1").unit_name == "North Surgery"


def test_a_dsr_band_without_people_counts_as_a_rate_of_zero(place) -> None:
    # P1 has people aged 65-69 (1,000; 12 falls) and 70-74 (500; 8), nobody older. ESP 2013
    # weights of 65+: 5500, 5000, 4000, 2500, 1500, 1000 (sum 19,500). DSR = (5500 x 12/1000
    # + 5000 x 8/500) / 19500 x 100,000 = 146 / 19500 x 100,000.
    frame = indicator_values(
        cells(
            "falls_admissions_65",
            [
                (2024, "P1", 3, "F", "65-69", 1000, 12, 1000),
                (2024, "P1", 3, "F", "70-74", 500, 8, 500),
            ],
        ),
        [BY_ID["falls_admissions_65"]],
        place,
        2024,
    )
    p1 = value(frame, "practice", "P1")
    assert p1.value == pytest.approx(146 / 19500 * 100_000, rel=1e-12)
    assert p1.method == "Dobson"


def test_a_dsr_under_10_events_is_blank(place) -> None:
    frame = indicator_values(
        cells("falls_admissions_65", [(2024, "P1", 3, "F", "65-69", 1000, 9, 1000)]),
        [BY_ID["falls_admissions_65"]],
        place,
        2024,
    )
    p1 = value(frame, "practice", "P1")
    assert pd.isna(p1.value) and pd.isna(p1.lower95)


def test_a_dsr_within_one_age_band_is_its_crude_rate(place) -> None:
    frame = indicator_values(
        cells("falls_admissions_65", [(2024, "P1", 3, "F", "65-69", 1000, 12, 1000)]),
        [BY_ID["falls_admissions_65"]],
        place,
        2024,
    )
    band = value(frame, "age_band", "65-69")
    assert band.value == pytest.approx(1200.0)
    assert band.method.startswith("crude rate within one age band")


def test_indirect_standardisation_uses_the_reference_year_rates(place) -> None:
    # Reference 2023: women 40-44 had 10 admissions per 1,000, men 2 per 1,000; the place's
    # crude rate 12 / 2000. In 2024 P1 has 500 women (8 admissions) and 500 men (1):
    # E = 500 x 0.010 + 500 x 0.002 = 6; ISR rate = 9 / 6 x 12 / 2000 x 100,000 = 900.
    frame = indicator_values(
        cells(
            "acsc_chronic_admissions",
            [
                (2023, "P1", 1, "F", "40-44", 1000, 10, 1000),
                (2023, "P1", 1, "M", "40-44", 1000, 2, 1000),
                (2024, "P1", 1, "F", "40-44", 500, 8, 500),
                (2024, "P1", 1, "M", "40-44", 500, 1, 500),
            ],
        ),
        [BY_ID["acsc_chronic_admissions"]],
        place,
        2023,
    )
    p1 = value(frame, "practice", "P1")
    assert p1.expected == pytest.approx(6.0)
    assert p1.value == pytest.approx(900.0)
    assert value(frame, "place", "ALL", fy=2023).value == pytest.approx(600.0)


def test_a_unit_above_the_place_where_lower_is_better_is_rated_worse(place) -> None:
    # P1: 60 A&E attendances per 100 people; P2: 5 per 100; the place 32.5 per 100.
    frame = indicator_values(
        cells(
            "ae_attendances",
            [
                (2024, "P1", 1, "F", "40-44", 100, 60, 100),
                (2024, "P2", 5, "F", "40-44", 100, 5, 100),
            ],
        ),
        [BY_ID["ae_attendances"]],
        place,
        2024,
    )
    p1, p2 = value(frame, "practice", "P1"), value(frame, "practice", "P2")
    assert p1.comparison == "High (0.001)" and p1.rating == "worse"
    assert p2.comparison == "Low (0.001)" and p2.rating == "better"
    assert value(frame, "place", "ALL").comparison == ""


def test_money_has_no_limits_and_no_comparison(place) -> None:
    frame = indicator_values(
        cells("spend_per_head", [(2024, "P1", 1, "F", "40-44", 2, 300.5, 2)]),
        [BY_ID["spend_per_head"]],
        place,
        2024,
    )
    p1 = value(frame, "practice", "P1")
    assert p1.value == 150.25
    assert pd.isna(p1.lower95) and p1.comparison == "" and p1.rating == ""


def test_a_quintile_column_with_an_unknown_reads_as_whole_numbers(place) -> None:
    frame = cells(
        "ae_attendances",
        [(2024, "P1", 1, "F", "40-44", 10, 2, 10), (2024, "P1", 5, "F", "40-44", 10, 1, 10)],
    )
    frame.loc[len(frame)] = ["ae_attendances", 2024, "P2", "PCN_S", "SOUTH", None, "F",
                             "40-44", 10, 3, 10]  # fmt: skip
    got = indicator_values(frame, [BY_ID["ae_attendances"]], place, 2024)
    assert set(got[got.level == "imd_quintile"].unit_code) == {"1", "5"}
