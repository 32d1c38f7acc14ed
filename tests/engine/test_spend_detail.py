"""Spec tests for ``spend_by_month`` and ``spend_concentration``: spend per head per month by
locality and segment, and the few people behind most of the spend. One rule per spec,
numbers worked by hand in the comments; run on Spark in tests/parity.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest

from oneplace.engine import spend_by_month, spend_concentration

from .spec import Spec, act, cases, check, person, reg, where

MAY, JUNE, APRIL = date(2024, 5, 1), date(2024, 6, 1), date(2024, 4, 1)


def _month(code: str, name: str, month: date, cost: str, hospital: str, people: int, **ratios):
    return {
        "fy": 2024,
        "month": month,
        "code": code,
        "name": name,
        "cost_gbp": D(cost),
        "hospital_gbp": D(hospital),
        "population": people,
        **ratios,
    }


# a (A&E in May: acutely ill, segment 3) and b (a GP appointment only: healthy, 1) at P1;
# c at P2 with no activity (healthy); z is not registered with the place.
SEGMENTED = {
    "person": [person(p) for p in "abcz"],
    "registration": [reg(p, "P1", "2000-01-01") for p in "ab"] + [reg("c", "P2", "2000-01-01")],
    "activity": [
        act("1", "a", "P1", "primary_care", "2024-04-10", "10.00"),
        act("2", "a", "ACUTE", "emergency_department", "2024-05-10", "100.00"),
        act("3", "b", "P1", "primary_care", "2024-05-15", "20.00"),
        act("4", "z", "ACUTE", "emergency_department", "2024-05-01", "70.00"),
    ],
}

SPECS = [
    # NORTH on 1 October: a, b and d (who registered in September, after the May activity):
    # 3 people. May: £100 + £50 outpatients = £150, 50.00 a head, all hospital; June: £30
    # community, 10.00 a head (together 60.00 = the year's £180 / 3). SOUTH (c alone): May
    # £40 community, 40.00 a head.
    Spec(
        "per head per month by locality divides by the locality's 1 October population",
        where(spend_by_month, dimension="locality"),
        {
            "person": [person(p) for p in "abcd"],
            "registration": [reg(p, "P1", "2000-01-01") for p in "ab"]
            + [reg("d", "P1", "2024-09-01"), reg("c", "P2", "2000-01-01")],
            "activity": [
                act("1", "a", "ACUTE", "outpatient", "2024-05-10", "100.00"),
                act("2", "a", "ACUTE", "outpatient", "2024-05-20", "50.00"),
                act("3", "a", "COMM", "community", "2024-06-01", "30.00"),
                act("4", "c", "COMM", "community", "2024-05-01", "40.00"),
            ],
        },
        [
            _month(
                "NORTH", "North", MAY, "150.00", "150.00", 3, cost_per_head=50.0, hospital_share=1.0
            ),
            _month(
                "NORTH", "North", JUNE, "30.00", "0.00", 3, cost_per_head=10.0, hospital_share=0.0
            ),
            _month(
                "SOUTH", "South", MAY, "40.00", "0.00", 1, cost_per_head=40.0, hospital_share=0.0
            ),
        ],
    ),
    # a's whole year counts under segment 3, her April GP appointment (£10) too, though the
    # A&E attendance that makes her acutely ill came in May (£100). Segment 1: b and c, 2
    # people; May £20, 10.00 a head. z's £70 is in no segment.
    Spec(
        "the segment dimension counts activity under the person's segment of the year",
        where(spend_by_month, dimension="segment"),
        SEGMENTED,
        [
            _month(
                "3",
                "Acutely ill, likely to return to health",
                APRIL,
                "10.00",
                "0.00",
                1,
                cost_per_head=10.0,
            ),
            _month(
                "3",
                "Acutely ill, likely to return to health",
                MAY,
                "100.00",
                "100.00",
                1,
                cost_per_head=100.0,
            ),
            _month("1", "Healthy", MAY, "20.00", "0.00", 2, cost_per_head=10.0),
        ],
    ),
    # The place's May: a £100 + b £20 + z (not registered) £70 = £190, £170 of it hospital;
    # over the place's 3 registered people. April: a's £10.
    Spec(
        "the place's months include activity of people not registered with the place",
        where(spend_by_month, dimension="place"),
        SEGMENTED,
        [
            _month(
                "ALL",
                "Whole place",
                APRIL,
                "10.00",
                "0.00",
                3,
                cost_per_head=10 / 3,
                hospital_share=0.0,
            ),
            _month(
                "ALL",
                "Whole place",
                MAY,
                "190.00",
                "170.00",
                3,
                cost_per_head=190 / 3,
                hospital_share=170 / 190,
            ),
        ],
    ),
]


def _people(n: int, practice: str = "P1", first: int = 1) -> dict:
    ids = [f"p{i:02d}" for i in range(first, first + n)]
    return {
        "person": [person(p) for p in ids],
        "registration": [reg(p, practice, "2000-01-01") for p in ids],
    }


def _spend(**costs: str) -> list[dict]:
    return [act(f"x{p}", p, "ACUTE", "outpatient", "2024-06-01", c) for p, c in costs.items()]


def _top(pct: int, people: int, population: int, cost: str, total: str, threshold: str) -> dict:
    return {
        "top_pct": pct,
        "people": people,
        "population": population,
        "cost_gbp": D(cost),
        "total_gbp": D(total),
        "share_of_spend": float(D(cost)) / float(D(total)),
        "threshold_gbp": D(threshold),
    }


SPECS += [
    # 21 people: the top 1% is ceil(0.21) = 1 person, the top 5% ceil(1.05) = 2 (not
    # round(1.05) = 1). Spend 500, 300, 200, 100 and 17 people with none: total 1100.
    # Top 1%: p01, 500 / 1100. Top 5%: p01 and p02, 800 / 1100; the least of them 300.
    Spec(
        "the top 1% and 5% are the first ceil(p x people) by spend",
        where(spend_concentration, locality_code="ALL"),
        {**_people(21), "activity": _spend(p01="500", p02="300", p03="200", p04="100")},
        [
            _top(1, 1, 21, "500.00", "1100.00", "500.00"),
            _top(5, 2, 21, "800.00", "1100.00", "300.00"),
        ],
    ),
    # p02 and p03 both spent 300, at the edge of the top 5% (2 people): one of them is in
    # (which one changes nothing), so 2 people and 800, not 3 and 1100.
    Spec(
        "ties at the edge: one of the tied is in, so the top is still ceil(p x people)",
        where(spend_concentration, locality_code="ALL", top_pct=5),
        {**_people(21), "activity": _spend(p01="500", p02="300", p03="300")},
        [_top(5, 2, 21, "800.00", "1100.00", "300.00")],
    ),
    # 40 people, 3 with spend (300, 200, 100): the top 5% is ceil(40 x 0.05) = 2 people:
    # 500 / 600. Counting only the 3 spenders it would be ceil(0.15) = 1.
    Spec(
        "people with no spend count in the population",
        where(spend_concentration, locality_code="ALL", top_pct=5),
        {**_people(40), "activity": _spend(p01="300", p02="200", p03="100")},
        [_top(5, 2, 40, "500.00", "600.00", "200.00")],
    ),
    # z (not registered) spent 10000: not ranked, not in the total. As the first spec.
    Spec(
        "only people registered with the place are ranked",
        where(spend_concentration, locality_code="ALL"),
        {
            **_people(21),
            "activity": _spend(p01="500", p02="300", p03="200", p04="100", z="10000"),
        },
        [
            _top(1, 1, 21, "500.00", "1100.00", "500.00"),
            _top(5, 2, 21, "800.00", "1100.00", "300.00"),
        ],
    ),
    # NORTH: p01-p10 (10 people: top 1% and 5% are both 1 person), p01 500 and p02 300 of
    # 800. SOUTH: p11-p21 (11 people: both 1 person), p11 300 and p12 100 of 400. The place:
    # 21 people, top 1% p01 (500 / 1200), top 5% p01 and p02 (p02 before p11 on the tie at
    # 300): 800 / 1200.
    Spec(
        "each locality's people are ranked within the locality, and the place's together",
        spend_concentration,
        {
            "person": _people(10)["person"] + _people(11, "P2", 11)["person"],
            "registration": _people(10)["registration"] + _people(11, "P2", 11)["registration"],
            "activity": _spend(p01="500", p02="300", p11="300", p12="100"),
        },
        [
            {"locality_code": "NORTH", **_top(1, 1, 10, "500.00", "800.00", "500.00")},
            {"locality_code": "NORTH", **_top(5, 1, 10, "500.00", "800.00", "500.00")},
            {"locality_code": "SOUTH", **_top(1, 1, 11, "300.00", "400.00", "300.00")},
            {"locality_code": "SOUTH", **_top(5, 1, 11, "300.00", "400.00", "300.00")},
            {"locality_code": "ALL", **_top(1, 1, 21, "500.00", "1200.00", "500.00")},
            {"locality_code": "ALL", **_top(5, 2, 21, "800.00", "1200.00", "300.00")},
        ],
    ),
]

# Built on stored spend and person-years, as in a run (see Spec.materialise).
SPECS = [
    dataclasses.replace(s, materialise=("spend_daily", "person_comorbidity", "person_health"))
    for s in SPECS
]


@pytest.mark.parametrize("spec", cases(SPECS))
def test_spend_detail(spec: Spec, on_duckdb) -> None:
    check(spec, on_duckdb(spec))
