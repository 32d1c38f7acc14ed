"""Spec tests for ``hospital_share``: hospital spend over all spend, by locality and 'ALL'."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oneplace.engine import hospital_share

from .spec import Spec, act, check, person, reg

PEOPLE = {
    "person": [person("n"), person("s")],
    "registration": [reg("n", "P1", "2020-01-01"), reg("s", "P2", "2020-01-01")],
}

SPECS = [
    Spec(
        "hospital settings over all spend, per locality and for the whole place",
        hospital_share,
        {
            **PEOPLE,
            "activity": [
                act("1", "n", "ACUTE", "acute_non_elective", "2024-05-01", "300.00"),
                act("2", "n", "ACUTE", "emergency_department", "2024-05-01", "100.00"),
                act("3", "n", "P1", "primary_care", "2024-05-01", "100.00"),
                act("4", "s", "ACUTE", "outpatient", "2024-05-01", "50.00"),
                act("5", "s", "LA", "social_care", "2024-05-01", "150.00"),
            ],
        },
        [
            {
                "locality_code": "NORTH",
                "hospital_gbp": Decimal("400.00"),
                "total_gbp": Decimal("500.00"),
                "hospital_share": 0.8,
            },
            {
                "locality_code": "SOUTH",
                "hospital_gbp": Decimal("50.00"),
                "total_gbp": Decimal("200.00"),
                "hospital_share": 0.25,
            },
            {
                "locality_code": "ALL",
                "hospital_gbp": Decimal("450.00"),
                "total_gbp": Decimal("700.00"),
                "hospital_share": 450 / 700,
            },
        ],
    ),
    Spec(
        "no hospital spend is a share of 0, with exact zero money",
        hospital_share,
        {**PEOPLE, "activity": [act("1", "s", "COMM", "community", "2024-05-01", "10.00")]},
        [
            {
                "fy": 2024,
                "locality_code": "SOUTH",
                "hospital_gbp": Decimal("0.00"),
                "hospital_share": 0.0,
            },
            {
                "fy": 2024,
                "locality_code": "ALL",
                "hospital_gbp": Decimal("0.00"),
                "hospital_share": 0.0,
            },
        ],
    ),
    Spec(
        "unregistered activity has its own row and counts in ALL",
        hospital_share,
        {
            **PEOPLE,
            "activity": [
                act("1", "n", "ACUTE", "day_case", "2024-05-01", "10.00"),
                act("2", "z", "ACUTE", "day_case", "2024-05-01", "30.00"),
            ],
        },
        [
            {"locality_code": "NORTH", "total_gbp": Decimal("10.00")},
            {"locality_code": "UNREGISTERED", "total_gbp": Decimal("30.00")},
            {"locality_code": "ALL", "total_gbp": Decimal("40.00")},
        ],
    ),
    Spec(
        "zero spend has no share (NULL), not a division by zero",
        hospital_share,
        {**PEOPLE, "activity": [act("1", "n", "COMM", "community", "2024-05-01", "0.00")]},
        [
            {"locality_code": "NORTH", "hospital_share": None},
            {"locality_code": "ALL", "hospital_share": None},
        ],
    ),
    Spec(
        "one row per financial year",
        hospital_share,
        {
            **PEOPLE,
            "activity": [
                act("1", "n", "ACUTE", "day_case", "2024-05-01", "10.00"),
                act("2", "n", "COMM", "community", "2025-05-01", "30.00"),
            ],
        },
        [
            {"fy": 2024, "locality_code": "NORTH", "hospital_share": 1.0},
            {"fy": 2024, "locality_code": "ALL", "hospital_share": 1.0},
            {"fy": 2025, "locality_code": "NORTH", "hospital_share": 0.0},
            {"fy": 2025, "locality_code": "ALL", "hospital_share": 0.0},
        ],
        fy=(2024, 2025),
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=[s.rule for s in SPECS])
def test_hospital_share(spec: Spec, on_duckdb) -> None:
    check(spec, on_duckdb(spec))
