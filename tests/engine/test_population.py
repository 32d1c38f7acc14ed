"""Spec tests for ``population``: who counts on 1 October, and how they are described."""

from __future__ import annotations

import pytest

from oneplace.engine import population

from .spec import Spec, check, person, reg

FULL = ("fy", "age_band", "sex", "locality_code", "imd_quintile", "people")


def _row(age_band="40-44", sex="F", locality="NORTH", quintile=3, people=1, fy=2024) -> dict:
    return dict(zip(FULL, (fy, age_band, sex, locality, quintile, people), strict=True))


SPECS = [
    Spec(
        "registered on 1 October is counted, with the practice's locality",
        population,
        {"person": [person("a", yob=1980, imd=5)], "registration": [reg("a", "P1", "2020-01-01")]},
        [_row()],
    ),
    Spec(
        "registration starting on 1 October counts; one starting on 2 October does not",
        population,
        {
            "person": [person("a"), person("b")],
            "registration": [reg("a", "P2", "2024-10-01"), reg("b", "P2", "2024-10-02")],
        },
        [_row(locality="SOUTH")],
    ),
    Spec(
        "registration ending on 1 October counts; one ending on 30 September does not",
        population,
        {
            "person": [person("a"), person("b")],
            "registration": [
                reg("a", "P1", "2020-01-01", "2024-10-01"),
                reg("b", "P1", "2020-01-01", "2024-09-30"),
            ],
        },
        [_row()],
    ),
    Spec(
        "registration with a practice outside the place is not counted",
        population,
        {"person": [person("a")], "registration": [reg("a", "ELSEWHERE", "2020-01-01")]},
        [],
        columns=FULL,
    ),
    Spec(
        "moved practice: counted once, in the locality of the practice on 1 October",
        population,
        {
            "person": [person("a")],
            "registration": [
                reg("a", "P1", "2020-01-01", "2024-06-30"),
                reg("a", "P2", "2024-07-01"),
            ],
        },
        [_row(locality="SOUTH")],
    ),
    Spec(
        "overlapping registrations: counted once, under the one that started last",
        population,
        {
            "person": [person("a")],
            "registration": [reg("a", "P2", "2020-01-01"), reg("a", "P1", "2023-01-01")],
        },
        [_row(locality="NORTH")],
    ),
    Spec(
        "died before or on 1 October: not counted; died after: counted",
        population,
        {
            "person": [
                person("a", died="2024-09-30"),
                person("b", died="2024-10-01"),
                person("c", died="2024-10-02"),
            ],
            "registration": [reg(p, "P1", "2020-01-01") for p in "abc"],
        },
        [_row()],
    ),
    Spec(
        "age is fy - year_of_birth, banded by ESP 2013 five-year bands with 90+",
        population,
        {
            "person": [
                person("a", yob=2024),
                person("b", yob=2020),
                person("c", yob=2019),
                person("d", yob=1935),
                person("e", yob=1934),
                person("f", yob=1910),
            ],
            "registration": [reg(p, "P1", "2020-01-01") for p in "abcdef"],
        },
        [
            {"age_band": "0-4", "people": 2},
            {"age_band": "5-9", "people": 1},
            {"age_band": "85-89", "people": 1},
            {"age_band": "90+", "people": 2},
        ],
    ),
    Spec(
        "IMD quintile 1 = deciles 1-2 ... 5 = deciles 9-10; unknown decile is NULL",
        population,
        {
            "person": [person(str(d), imd=d) for d in range(1, 11)] + [person("x", imd=None)],
            "registration": [reg(str(d), "P1", "2020-01-01") for d in range(1, 11)]
            + [reg("x", "P1", "2020-01-01")],
        },
        [{"imd_quintile": q, "people": 2} for q in range(1, 6)]
        + [{"imd_quintile": None, "people": 1}],
    ),
    Spec(
        "counted once per financial year of the run, aged in each year",
        population,
        {"person": [person("a", yob=1980)], "registration": [reg("a", "P1", "2020-01-01")]},
        [
            _row(fy=2023, age_band="40-44"),
            _row(fy=2024, age_band="40-44"),
            _row(fy=2025, age_band="45-49"),
        ],
        fy=(2023, 2024, 2025),
    ),
    Spec(
        "people are grouped by sex and locality",
        population,
        {
            "person": [person("a", sex="F"), person("b", sex="M"), person("c", sex="M")],
            "registration": [
                reg("a", "P1", "2020-01-01"),
                reg("b", "P1", "2020-01-01"),
                reg("c", "P2", "2020-01-01"),
            ],
        },
        [
            {"sex": "F", "locality_code": "NORTH", "people": 1},
            {"sex": "M", "locality_code": "NORTH", "people": 1},
            {"sex": "M", "locality_code": "SOUTH", "people": 1},
        ],
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=[s.rule for s in SPECS])
def test_population(spec: Spec, on_duckdb) -> None:
    check(spec, on_duckdb(spec))
