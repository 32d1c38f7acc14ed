"""Spec tests for the indicator counts (``indicator_cells``, ``indicator_monthly``): one spec
per indicator of the library and one per counting rule, numbers worked by hand in the
comments; run on Spark in tests/parity.

Financial year 2024 is 1 April 2024 to 31 March 2025. The tiny place has practices P1
(locality NORTH) and P2 (SOUTH). Everyone is registered from 2000 unless a spec says otherwise.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from oneplace.engine import indicator_cells, indicator_monthly
from oneplace.outcomes.library import library

from .spec import Spec, act, cases, check, diag, person, reg

BY_ID = {i.id: i for i in library()}
EMERGENCY = "21"


def counted(indicator_id: str, *by: str):
    """``indicator_cells`` of one indicator, summed by fy and ``by``."""

    def result(inputs):
        one = dataclasses.replace(inputs, indicators=(BY_ID[indicator_id],))
        cells = indicator_cells(one)
        return cells.group_by(["fy", *by]).agg(
            people=cells.people.sum(),
            numerator=cells.numerator.sum(),
            denominator=cells.denominator.sum(),
        )

    result.__name__ = "indicator_cells"
    result.indicator_id = indicator_id
    return result


def monthly(indicator_id: str):
    def result(inputs):
        one = dataclasses.replace(inputs, indicators=(BY_ID[indicator_id],))
        return indicator_monthly(one)

    result.__name__ = "indicator_monthly"
    return result


def spell(aid, pid, setting, start, end=None, method=EMERGENCY, cost="100.00", atype=None):
    """An admission (or any activity) with its admission method and type."""
    row = act(aid, pid, "ACUTE", setting, start, cost, end)
    return row | {"admission_method": method, "activity_type": atype}


def care(aid: str, pid: str, start: str, atype: str) -> dict:
    """A week of social care (a care-home placement or home care)."""
    return act(aid, pid, "LA", "social_care", start, "900.00") | {"activity_type": atype}


def registered(*people: str, practice: str = "P1") -> list[dict]:
    return [reg(p, practice, "2000-01-01") for p in people]


def total(people: int, numerator: float, denominator: float, fy: int = 2024, **by) -> dict:
    return {"fy": fy, **by, "people": people, "numerator": numerator, "denominator": denominator}


MATERIALISE = ("person_comorbidity", "person_health")
SPECS: list[Spec] = []

SPECS += [
    # a: two emergency spells in 2024 (and one in 2023, another year); b: an elective spell;
    # z: not registered. 2024: 3 people (a, b, c), 2 admissions.
    Spec(
        "non-elective admissions: spells of registered people over the registered population",
        counted("non_elective_admissions"),
        {
            "person": [person(p) for p in "abcz"],
            "registration": registered("a", "b", "c"),
            "activity": [
                spell("1", "a", "acute_non_elective", "2024-05-01", "2024-05-03"),
                spell("2", "a", "acute_non_elective", "2024-11-01", "2024-11-02"),
                spell("3", "a", "acute_non_elective", "2024-01-05", "2024-01-06"),
                spell("4", "b", "acute_elective", "2024-06-01", "2024-06-02", method="11"),
                spell("5", "z", "acute_non_elective", "2024-06-01", "2024-06-02"),
            ],
        },
        [total(3, 2.0, 3.0)],
        materialise=MATERIALISE,
    ),
    # a: 3 A&E attendances at P1 (NORTH); b: 1 at P2 (SOUTH).
    Spec(
        "A&E attendances are counted by the locality of the person's practice",
        counted("ae_attendances", "locality_code"),
        {
            "person": [person(p) for p in "ab"],
            "registration": registered("a") + registered("b", practice="P2"),
            "activity": [
                act(str(i), "a", "ACUTE", "emergency_department", f"2024-0{i + 4}-01", "50.00")
                for i in range(3)
            ]
            + [act("9", "b", "ACUTE", "emergency_department", "2024-07-01", "50.00")],
        },
        [
            total(1, 3.0, 1.0, locality_code="NORTH"),
            total(1, 1.0, 1.0, locality_code="SOUTH"),
        ],
        materialise=MATERIALISE,
    ),
]

SPECS += [
    # a: heart failure (I50.0) as primary diagnosis: counts. b: acute bronchitis (J20.9)
    # with COPD (J44.9) in position 2: counts. c: J20.9 alone: not a chronic ACSC. d: I50.0
    # on an elective admission: not an emergency. 4 people, 2 admissions.
    Spec(
        "chronic ACSC: a primary code of the NHSOF 2.3.i list; J20 only with COPD as well",
        counted("acsc_chronic_admissions"),
        {
            "person": [person(p) for p in "abcd"],
            "registration": registered(*"abcd"),
            "activity": [
                spell("1", "a", "acute_non_elective", "2024-05-01", "2024-05-03"),
                spell("2", "b", "acute_non_elective", "2024-05-01", "2024-05-03"),
                spell("3", "c", "acute_non_elective", "2024-05-01", "2024-05-03"),
                spell("4", "d", "acute_elective", "2024-05-01", "2024-05-03", method="11"),
            ],
            "diagnosis": [
                diag("a", "I500", "2024-05-01", "1"),
                diag("b", "J209", "2024-05-01", "2"),
                diag("b", "J449", "2024-05-01", "2", position=2),
                diag("c", "J209", "2024-05-01", "3"),
                diag("d", "I500", "2024-05-01", "4"),
            ],
        },
        [total(4, 2.0, 4.0)],
        materialise=MATERIALISE,
    ),
    # Primary E11.9 on an emergency spell counts; on an elective spell it does not; E11.9 in
    # position 2 (primary I10) does not.
    Spec(
        "diabetes admissions: an emergency spell with a primary diagnosis E10-E14",
        counted("diabetes_emergency_admissions"),
        {
            "person": [person(p) for p in "abc"],
            "registration": registered(*"abc"),
            "activity": [
                spell("1", "a", "acute_non_elective", "2024-05-01", "2024-05-03"),
                spell("2", "b", "acute_elective", "2024-05-01", "2024-05-03", method="12"),
                spell("3", "c", "acute_non_elective", "2024-05-01", "2024-05-03"),
            ],
            "diagnosis": [
                diag("a", "E11.9", "2024-05-01", "1"),
                diag("b", "E119", "2024-05-01", "2"),
                diag("c", "I10X", "2024-05-01", "3"),
                diag("c", "E119", "2024-05-01", "3", position=2),
            ],
        },
        [total(3, 1.0, 3.0)],
        materialise=MATERIALISE,
    ),
]

SPECS += [
    # In 2024 a and b are 80 (born 1944), c is 60. a: hip fracture (S72.0) with a fall
    # (W19X): counts. b: S72.0 without a fall code: no. c: both, but under 65: not in the
    # population. Population 65+: a and b.
    Spec(
        "falls 65+: a primary injury and a fall code, among people aged 65 and over",
        counted("falls_admissions_65", "age_band"),
        {
            "person": [person("a", 1944), person("b", 1944), person("c", 1964)],
            "registration": registered(*"abc"),
            "activity": [
                spell(str(i), p, "acute_non_elective", "2024-05-01", "2024-05-09")
                for i, p in enumerate("abc")
            ],
            "diagnosis": [
                diag("a", "S720", "2024-05-01", "0"),
                diag("a", "W19X", "2024-05-01", "0", position=2),
                diag("b", "S720", "2024-05-01", "1"),
                diag("c", "S720", "2024-05-01", "2"),
                diag("c", "W19X", "2024-05-01", "2", position=2),
            ],
        },
        [total(2, 1.0, 2.0, age_band="80-84")],
        materialise=MATERIALISE,
    ),
    # Everyone 70. a: a placement from May (monthly rows): 1 admission. b: a row 6 months
    # before June 2024: not new. c: a row 517 days before: new. d: two rows on one day: 1.
    # e: home care only. 5 people, 3 admissions.
    Spec(
        "care-home admissions: a placement with none in the 365 days before",
        counted("care_home_admissions_65"),
        {
            "person": [person(p, 1954) for p in "abcde"],
            "registration": registered(*"abcde"),
            "activity": [
                care("1", "a", "2024-05-01", "care_home_residential"),
                care("2", "a", "2024-06-01", "care_home_residential"),
                care("3", "b", "2023-12-01", "care_home_nursing"),
                care("4", "b", "2024-06-01", "care_home_nursing"),
                care("5", "c", "2023-01-01", "care_home_nursing"),
                care("6", "c", "2024-06-01", "care_home_nursing"),
                care("7", "d", "2024-07-01", "care_home_nursing"),
                care("8", "d", "2024-07-01", "care_home_residential"),
                care("9", "e", "2024-07-01", "home_care"),
            ],
        },
        [total(5, 3.0, 5.0)],
        materialise=MATERIALISE,
    ),
]

SPECS += [
    # a: discharged 10 May, readmitted in an emergency 8 June (29 days later): readmitted;
    # that spell is itself a discharge, not followed. b: discharged 10 May, back 9 June (30
    # days): not within 30 days. c: back 20 May for cancer (C18.9): excluded. d: a day case
    # is not a discharge of the denominator; her emergency spell is. Discharges: a 2, b 2,
    # c 2, d 1 = 7; readmitted: 1.
    Spec(
        "readmissions: an emergency spell 0-29 days after a discharge, cancer excluded",
        counted("emergency_readmissions_30d"),
        {
            "person": [person(p) for p in "abcd"],
            "registration": registered(*"abcd"),
            "activity": [
                spell("a1", "a", "acute_non_elective", "2024-05-01", "2024-05-10"),
                spell("a2", "a", "acute_non_elective", "2024-06-08", "2024-06-12"),
                spell("b1", "b", "acute_elective", "2024-05-01", "2024-05-10", method="11"),
                spell("b2", "b", "acute_non_elective", "2024-06-09", "2024-06-12"),
                spell("c1", "c", "acute_non_elective", "2024-05-01", "2024-05-10"),
                spell("c2", "c", "acute_non_elective", "2024-05-20", "2024-05-22"),
                spell("d1", "d", "day_case", "2024-05-01", method="11"),
                spell("d2", "d", "acute_non_elective", "2024-05-05", "2024-05-06"),
            ],
            "diagnosis": [diag("c", "C189", "2024-05-20", "c2")],
        },
        [total(4, 1.0, 7.0)],
        materialise=MATERIALISE,
    ),
    # a died on 10 July 2024, the last day of an emergency spell: in hospital. b died on 1
    # August, the day after a spell ended: not. c died registered nowhere (her registration
    # ended in June): not a death of the place. d died in 2023/24: another year.
    Spec(
        "deaths in hospital: the date of death within an admitted spell, of deaths in the place",
        counted("deaths_in_hospital"),
        {
            "person": [
                person("a", died="2024-07-10"),
                person("b", died="2024-08-01"),
                person("c", died="2024-09-01"),
                person("d", died="2024-02-01"),
            ],
            "registration": registered("a", "b", "d")
            + [reg("c", "P1", "2000-01-01", "2024-06-30")],
            "activity": [
                spell("1", "a", "acute_non_elective", "2024-07-01", "2024-07-10"),
                spell("2", "b", "acute_non_elective", "2024-07-20", "2024-07-31"),
                spell("3", "c", "acute_non_elective", "2024-08-25", "2024-09-01"),
            ],
        },
        [total(2, 1.0, 2.0)],
        materialise=MATERIALISE,
    ),
]

SPECS += [
    # a: 5 A&E attendances (the default rule: 5 or more in the year); b: 4.
    Spec(
        "high-intensity users: people meeting the place's rule, over the population",
        counted("high_intensity_users"),
        {
            "person": [person(p) for p in "ab"],
            "registration": registered("a", "b"),
            "activity": [
                act(f"a{i}", "a", "ACUTE", "emergency_department", f"2024-0{i + 4}-01", "9.00")
                for i in range(5)
            ]
            + [
                act(f"b{i}", "b", "ACUTE", "emergency_department", f"2024-0{i + 4}-01", "9.00")
                for i in range(4)
            ],
        },
        [total(2, 1.0, 2.0)],
        materialise=MATERIALISE,
    ),
    # a: £100 outpatients + £50 community; b: nothing; z (unregistered): £1,000.
    Spec(
        "spend per head: the registered people's cost over their number",
        counted("spend_per_head"),
        {
            "person": [person(p) for p in "abz"],
            "registration": registered("a", "b"),
            "activity": [
                act("1", "a", "ACUTE", "outpatient", "2024-05-01", "100.00"),
                act("2", "a", "COMM", "community", "2024-05-01", "50.00"),
                act("3", "z", "ACUTE", "outpatient", "2024-05-01", "1000.00"),
            ],
        },
        [total(2, 150.0, 2.0)],
        materialise=MATERIALISE,
    ),
    Spec(
        "hospital share of spend: hospital settings' cost over all cost",
        counted("hospital_share_of_spend"),
        {
            "person": [person(p) for p in "ab"],
            "registration": registered("a", "b"),
            "activity": [
                act("1", "a", "ACUTE", "outpatient", "2024-05-01", "100.00"),
                act("2", "a", "COMM", "community", "2024-05-01", "50.00"),
                act("3", "b", "ACUTE", "emergency_department", "2024-06-01", "30.00"),
            ],
        },
        [total(2, 130.0, 180.0)],
        materialise=MATERIALISE,
    ),
]

SPECS += [
    # Emergency spells: a (NORTH) in May and June, b (SOUTH) in May. Over a population, the
    # monthly denominator is 0 (the year's population is in indicator_cells).
    Spec(
        "monthly counts by the month of the event and the person's locality",
        monthly("non_elective_admissions"),
        {
            "person": [person(p) for p in "ab"],
            "registration": registered("a") + registered("b", practice="P2"),
            "activity": [
                spell("1", "a", "acute_non_elective", "2024-05-03", "2024-05-04"),
                spell("2", "a", "acute_non_elective", "2024-06-03", "2024-06-04"),
                spell("3", "b", "acute_non_elective", "2024-05-30", "2024-06-02"),
            ],
        },
        [
            {"fy": 2024, "month": date(2024, 5, 1), "locality_code": "NORTH", "numerator": 1.0},
            {"fy": 2024, "month": date(2024, 6, 1), "locality_code": "NORTH", "numerator": 1.0},
            {"fy": 2024, "month": date(2024, 5, 1), "locality_code": "SOUTH", "numerator": 1.0},
        ],
        materialise=MATERIALISE,
    ),
    # Readmissions are dated by the discharge; the denominator is the month's discharges.
    Spec(
        "monthly readmissions: dated by the discharge, over the month's discharges",
        monthly("emergency_readmissions_30d"),
        {
            "person": [person("a")],
            "registration": registered("a"),
            "activity": [
                spell("1", "a", "acute_non_elective", "2024-05-01", "2024-05-31"),
                spell("2", "a", "acute_non_elective", "2024-06-05", "2024-06-06"),
            ],
        },
        [
            {"month": date(2024, 5, 1), "numerator": 1.0, "denominator": 1.0},
            {"month": date(2024, 6, 1), "numerator": 0.0, "denominator": 1.0},
        ],
        materialise=MATERIALISE,
    ),
]


def test_every_library_indicator_has_a_spec() -> None:
    """Adding an indicator means adding a definition and a spec test."""
    counted_ids = {getattr(spec.result, "indicator_id", None) for spec in SPECS}
    assert set(BY_ID) <= counted_ids


@pytest.mark.parametrize("spec", cases(SPECS))
def test_indicator_spec(spec: Spec, on_duckdb) -> None:
    check(spec, on_duckdb(spec))


def test_the_cells_carry_every_unit_column(on_duckdb) -> None:
    spec = SPECS[0]
    whole = dataclasses.replace(spec, result=indicator_cells, expect=[], columns=())
    table = on_duckdb(whole)
    assert table.column_names[:9] == [
        "indicator_id",
        "fy",
        "practice_code",
        "network_code",
        "locality_code",
        "imd_quintile",
        "sex",
        "age_band",
        "people",
    ]
    # Nobody is 65 or over and nobody died: those indicators have no people, so no cells.
    empty = {"falls_admissions_65", "care_home_admissions_65", "deaths_in_hospital"}
    assert set(table.column("indicator_id").to_pylist()) == set(BY_ID) - empty
