"""Spec tests for person_health: Bridges to Health segments, high-intensity users and the
scores each person gets in the workspace. One rule per spec; run on Spark in tests/parity."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oneplace.engine import high_intensity_users, person_comorbidity, person_health

from .spec import Spec, act, check, diag, person, reg

SEGMENT = ("person_id", "segment")


def _one(*, yob: int = 1980, died: str | None = None, activity=(), diagnoses=()) -> dict:
    """Person 'a', registered with P1 since 2000, with the given activity and diagnoses."""
    return {
        "person": [person("a", yob=yob, died=died)],
        "registration": [reg("a", "P1", "2000-01-01")],
        "activity": list(activity),
        "diagnosis": list(diagnoses),
    }


def ae(n: int, month: str = "2024-05", pid: str = "a") -> list[dict]:
    return [
        act(f"ae{month}{i}", pid, "ACUTE", "emergency_department", f"{month}-{i + 1:02d}", "100")
        for i in range(n)
    ]


NEL = act("nel", "a", "ACUTE", "acute_non_elective", "2024-06-01", "3000.00", end="2024-06-04")

SPECS = [
    Spec(
        "a person with no conditions and no hospital use is healthy (1)",
        person_health,
        _one(),
        [{"person_id": "a", "segment": 1}],
    ),
    Spec(
        "an A&E attendance in the year makes a person acutely ill (3)",
        person_health,
        _one(activity=ae(1)),
        [{"person_id": "a", "segment": 3}],
    ),
    Spec(
        "a long-term condition on the GP record, ever, is a chronic condition (4)",
        person_health,
        _one(diagnoses=[diag("a", "E119", "2012-01-01")]),
        [{"person_id": "a", "segment": 4, "charlson": 1}],
    ),
    Spec(
        "hemiplegia is a stable but serious disability (5)",
        person_health,
        _one(diagnoses=[diag("a", "G819", "2015-01-01")]),
        [{"person_id": "a", "segment": 5}],
    ),
    Spec(
        "dementia is long decline from frailty and dementia (8), at any age",
        person_health,
        _one(diagnoses=[diag("a", "F03X", "2023-01-01")]),
        [{"person_id": "a", "segment": 8}],
    ),
    Spec(
        "heart failure with an emergency admission in the year is limited reserve (7)",
        person_health,
        _one(activity=[NEL], diagnoses=[diag("a", "I500", "2020-01-01")]),
        [{"person_id": "a", "segment": 7, "emergency_admissions": 1, "bed_days": 3}],
    ),
    Spec(
        "heart failure without an emergency admission is a chronic condition (4)",
        person_health,
        _one(diagnoses=[diag("a", "I500", "2020-01-01")]),
        [{"person_id": "a", "segment": 4}],
    ),
    Spec(
        "dying in the year is a short period of decline before dying (6)",
        person_health,
        _one(died="2025-01-15"),
        [{"person_id": "a", "segment": 6}],
    ),
    Spec(
        "the highest-priority segment wins: metastatic cancer (6) over dementia (8)",
        person_health,
        _one(diagnoses=[diag("a", "F03X", "2023-01-01"), diag("a", "C787", "2024-01-01")]),
        [{"person_id": "a", "segment": 6}],
    ),
    Spec(
        "a pregnancy code in the year is maternal and infant health (2)",
        person_health,
        _one(diagnoses=[diag("a", "O800", "2024-07-01")]),
        [{"person_id": "a", "segment": 2}],
    ),
    Spec(
        "a pregnancy code is read as any ICD-10 code is: dot, lower case, filler (o80.0, Z34X)",
        person_health,
        {
            "person": [person("a"), person("b")],
            "registration": [reg("a", "P1", "2000-01-01"), reg("b", "P1", "2000-01-01")],
            "diagnosis": [diag("a", "o80.0", "2024-07-01"), diag("b", "Z34X", "2024-07-01")],
        },
        [{"person_id": "a", "segment": 2}, {"person_id": "b", "segment": 2}],
    ),
    Spec(
        "a child born in the year is maternal and infant health (2)",
        person_health,
        _one(yob=2024),
        [{"person_id": "a", "segment": 2}],
    ),
    Spec(
        "5 A&E attendances in the year make a high-intensity user (default rule)",
        person_health,
        _one(activity=ae(5)),
        [{"person_id": "a", "high_intensity_user": True, "ae_attendances": 5}],
    ),
    Spec(
        "4 A&E attendances do not",
        person_health,
        _one(activity=ae(4)),
        [{"person_id": "a", "high_intensity_user": False}],
    ),
    Spec(
        "NHS England rule: 6 attendances in one month make a high-intensity user",
        person_health,
        _one(activity=ae(6)),
        [{"person_id": "a", "high_intensity_user": True}],
        health={"high_intensity_rule": "nhse"},
    ),
    Spec(
        "NHS England rule: 12 spread over the year (2 a month) do not",
        person_health,
        _one(
            activity=[
                a
                for m in ("2024-05", "2024-06", "2024-07", "2024-08", "2024-09", "2024-10")
                for a in ae(2, m)
            ]
        ),
        [{"person_id": "a", "high_intensity_user": False, "ae_attendances": 12}],
        health={"high_intensity_rule": "nhse"},
    ),
    Spec(
        "HFRS scores hospital admission diagnoses of people aged 75 and over",
        person_comorbidity,
        _one(yob=1940, activity=[NEL], diagnoses=[diag("a", "W19X", "2024-06-01", "nel", 2)]),
        [{"person_id": "a", "hfrs": 3.2, "hfrs_band": "low"}],
    ),
    Spec(
        "HFRS is not scored under the HFRS age (75 by default)",
        person_comorbidity,
        _one(yob=1960, activity=[NEL], diagnoses=[diag("a", "W19X", "2024-06-01", "nel")]),
        [{"person_id": "a", "hfrs": None}],
    ),
    Spec(
        "HFRS ignores codes on the GP record",
        person_comorbidity,
        _one(yob=1940, diagnoses=[diag("a", "F00", "2024-06-01")]),
        [{"person_id": "a", "hfrs": 0.0}],
    ),
    Spec(
        "HFRS looks back two years from the year end",
        person_comorbidity,
        _one(
            yob=1940,
            activity=[act("old", "a", "ACUTE", "acute_elective", "2023-03-31", "1")],
            diagnoses=[diag("a", "F00", "2023-03-31", "old")],
        ),
        [{"person_id": "a", "hfrs": 0.0}],
    ),
    Spec(
        "a comorbidity look-back leaves older diagnoses out",
        person_comorbidity,
        _one(diagnoses=[diag("a", "I500", "2020-01-01"), diag("a", "E112", "2024-06-01")]),
        [{"person_id": "a", "charlson": 2, "charlson_chf": 0, "charlson_diabwc": 1}],
        health={"comorbidity_lookback_years": 1},
    ),
    Spec(
        "diagnoses after the year end do not count",
        person_comorbidity,
        _one(diagnoses=[diag("a", "I500", "2025-04-01")]),
        [{"person_id": "a", "charlson": 0}],
    ),
]

TWO_PEOPLE = {
    "person": [person("a"), person("b")],
    "registration": [reg("a", "P1", "2000-01-01"), reg("b", "P2", "2000-01-01")],
    "activity": ae(5, "2024-05", "a") + ae(1, "2024-05", "b") + [NEL],
}
SPECS += [
    Spec(
        "high-intensity users' share of A&E attendances, admissions and spend, by area",
        high_intensity_users,
        TWO_PEOPLE,
        [
            {
                "level": "place",
                "area_code": "ALL",
                "people": 2,
                "hiu_people": 1,
                "hiu_ae_attendances": 5,
                "ae_attendances": 6,
                "hiu_cost_gbp": Decimal("3500.00"),
                "cost_gbp": Decimal("3600.00"),
            },
            {
                "level": "locality",
                "area_code": "NORTH",
                "people": 1,
                "hiu_people": 1,
                "hiu_ae_attendances": 5,
                "ae_attendances": 5,
                "hiu_cost_gbp": Decimal("3500.00"),
                "cost_gbp": Decimal("3500.00"),
            },
            {
                "level": "locality",
                "area_code": "SOUTH",
                "people": 1,
                "hiu_people": 0,
                "hiu_ae_attendances": 0,
                "ae_attendances": 1,
                "hiu_cost_gbp": Decimal("0.00"),
                "cost_gbp": Decimal("100.00"),
            },
            {
                "level": "practice",
                "area_code": "P1",
                "people": 1,
                "hiu_people": 1,
                "hiu_ae_attendances": 5,
                "ae_attendances": 5,
                "hiu_cost_gbp": Decimal("3500.00"),
                "cost_gbp": Decimal("3500.00"),
            },
            {
                "level": "practice",
                "area_code": "P2",
                "people": 1,
                "hiu_people": 0,
                "hiu_ae_attendances": 0,
                "ae_attendances": 1,
                "hiu_cost_gbp": Decimal("0.00"),
                "cost_gbp": Decimal("100.00"),
            },
        ],
    ),
]


@pytest.mark.parametrize("s", SPECS, ids=[s.rule for s in SPECS])
def test_spec(s: Spec, on_duckdb) -> None:
    check(s, on_duckdb(s))
