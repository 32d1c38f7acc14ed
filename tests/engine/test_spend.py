"""Spec tests for ``spend``: organisation and locality attribution, exact money, per head."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oneplace.engine import spend

from .spec import Spec, act, check, person, reg

ORG = ("organisation_code", "organisation_name", "cost_gbp")
REGISTERED = {"person": [person("a")], "registration": [reg("a", "P1", "2020-01-01")]}


def _with(activity: list[dict], **tables) -> dict:
    return {**REGISTERED, **tables, "activity": activity}


SPECS = [
    Spec(
        "a provider that is a place organisation is the organisation",
        spend,
        _with([act("1", "a", "ACUTE", "outpatient", "2024-05-01", "100.00")]),
        [
            {
                "organisation_code": "ACUTE",
                "organisation_name": "Tiny Hospitals Trust",
                "cost_gbp": Decimal("100.00"),
            }
        ],
    ),
    Spec(
        "a place practice counts under its organisation (its GP federation)",
        spend,
        _with([act("1", "a", "P1", "primary_care", "2024-05-01", "40.00")]),
        [
            {
                "organisation_code": "FED",
                "organisation_name": "Tiny GP Federation",
                "cost_gbp": Decimal("40.00"),
            }
        ],
    ),
    Spec(
        "a place practice without an organisation counts as itself, named 'General practice'",
        spend,
        _with([act("1", "a", "P2", "primary_care", "2024-05-01", "40.00")]),
        [
            {
                "organisation_code": "P2",
                "organisation_name": "General practice",
                "cost_gbp": Decimal("40.00"),
            }
        ],
    ),
    Spec(
        "any other provider counts as itself, named 'Other providers'",
        spend,
        _with([act("1", "a", "RXX01", "acute_elective", "2024-05-01", "900.00")]),
        [
            {
                "organisation_code": "RXX01",
                "organisation_name": "Other providers",
                "cost_gbp": Decimal("900.00"),
            }
        ],
    ),
    Spec(
        "locality is that of the registration on the activity's start date",
        spend,
        _with(
            [
                act("1", "a", "ACUTE", "outpatient", "2024-05-01", "100.00"),
                act("2", "a", "ACUTE", "outpatient", "2024-08-01", "50.00"),
            ],
            registration=[
                reg("a", "P1", "2020-01-01", "2024-06-30"),
                reg("a", "P2", "2024-07-01"),
            ],
        ),
        [
            {"locality_code": "NORTH", "cost_gbp": Decimal("100.00")},
            {"locality_code": "SOUTH", "cost_gbp": Decimal("50.00")},
        ],
    ),
    Spec(
        "activity of a person not registered on the start date is UNREGISTERED, no per head",
        spend,
        _with(
            [
                act("1", "a", "ACUTE", "outpatient", "2019-12-31", "100.00"),
                act("2", "z", "ACUTE", "outpatient", "2024-05-01", "70.00"),
            ],
        ),
        [
            {
                "fy": 2019,
                "locality_code": "UNREGISTERED",
                "cost_gbp": Decimal("100.00"),
                "population": None,
                "cost_per_head": None,
            },
            {
                "fy": 2024,
                "locality_code": "UNREGISTERED",
                "cost_gbp": Decimal("70.00"),
                "population": None,
                "cost_per_head": None,
            },
        ],
        fy=(2019, 2024),
    ),
    Spec(
        "money is summed exactly (0.10 + 0.20 = 0.30), with the number of activities",
        spend,
        _with(
            [
                act("1", "a", "COMM", "community", "2024-05-01", "0.10"),
                act("2", "a", "COMM", "community", "2024-06-01", "0.20"),
                act("3", "a", "COMM", "community", "2025-03-31", "123456789012.01"),
            ],
        ),
        [{"cost_gbp": Decimal("123456789012.31"), "activities": 3}],
    ),
    Spec(
        "fy from the start date: 31 March belongs to the year before, 1 April to the year",
        spend,
        _with(
            [
                act("1", "a", "COMM", "community", "2025-03-31", "1.00"),
                act("2", "a", "COMM", "community", "2025-04-01", "2.00"),
            ],
        ),
        [{"fy": 2024, "cost_gbp": Decimal("1.00")}, {"fy": 2025, "cost_gbp": Decimal("2.00")}],
        fy=(2024, 2025),
    ),
    Spec(
        "cost per head divides by the locality's registered population on 1 October",
        spend,
        {
            "person": [person("a"), person("b"), person("c"), person("d", died="2024-06-01")],
            "registration": [reg(p, "P1", "2020-01-01") for p in "abcd"]
            + [reg("x", "P2", "2020-01-01")],
            "activity": [act("1", "a", "LA", "social_care", "2024-05-01", "100.00")],
        },
        [
            {
                "locality_code": "NORTH",
                "cost_gbp": Decimal("100.00"),
                "population": 3,
                "cost_per_head": 100 / 3,
            }
        ],
    ),
    Spec(
        "rows are split by setting",
        spend,
        _with(
            [
                act("1", "a", "ACUTE", "outpatient", "2024-05-01", "10.00"),
                act("2", "a", "ACUTE", "day_case", "2024-05-01", "20.00"),
            ],
        ),
        [
            {"setting": "day_case", "cost_gbp": Decimal("20.00"), "activities": 1},
            {"setting": "outpatient", "cost_gbp": Decimal("10.00"), "activities": 1},
        ],
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=[s.rule for s in SPECS])
def test_spend(spec: Spec, on_duckdb) -> None:
    check(spec, on_duckdb(spec))
