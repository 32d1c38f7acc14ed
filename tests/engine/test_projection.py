"""Spec tests for ``budget_projection``: population, need and budget projected year by year
to ``finance.projection.to_year``, for the place and each locality. One rule per spec,
numbers worked by hand in the comments; run on Spark in tests/parity.

Growth rates are chosen so that the floats are exact (1.5^2 = 2.25, 1.25^2 = 1.5625).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from oneplace.engine import budget_projection

from .spec import Spec, act, cases, check, person, reg, where

PLACE = where(budget_projection, locality_code="ALL")


def budget(year: int, total: str) -> dict:
    return {"year": year, "total_gbp": D(total)}


def projection(**settings) -> dict:
    return {"projection": settings}


def outpatient(aid: str, pid: str, day: str, cost: str) -> dict:
    return act(aid, pid, "ACUTE", "outpatient", day, cost)


# A 70-74 woman (o) at P1 in NORTH, costing £600,000 in 2024, and a 30-34 woman (y) at P2
# in SOUTH costing £200,000. Base year 2024 (the only year): w[70-74, F] = 600,000 and
# w[30-34, F] = 200,000; 2024 fair-share targets of £1,000,000: NORTH 750,000, SOUTH
# 250,000.
TWO = {
    "person": [person("o", yob=1953), person("y", yob=1993)],
    "registration": [reg("o", "P1", "2000-01-01"), reg("y", "P2", "2000-01-01")],
    "activity": [
        outpatient("1", "o", "2024-06-01", "600000.00"),
        outpatient("2", "y", "2024-06-01", "200000.00"),
    ],
}
MILLION = (budget(2024, "1000000.00"),)
GROWTH = {"70-74": 50, "30-34": 25}


def _pop(fy: int, code: str, people: float, growth: float) -> dict:
    return {"fy": fy, "locality_code": code, "population": people, "population_growth_pct": growth}


SPECS = [
    # NORTH (70-74, +50% a year): 1, 1.5, 2.25; SOUTH (30-34, +25%): 1, 1.25, 1.5625. The
    # place: 2, 2.75 (+37.5%), 3.8125 (+90.625%).
    Spec(
        "population grows at its age band's rate, compounding each year",
        budget_projection,
        TWO,
        [
            _pop(2024, "NORTH", 1.0, 0.0),
            _pop(2025, "NORTH", 1.5, 50.0),
            _pop(2026, "NORTH", 2.25, 125.0),
            _pop(2024, "SOUTH", 1.0, 0.0),
            _pop(2025, "SOUTH", 1.25, 25.0),
            _pop(2026, "SOUTH", 1.5625, 56.25),
            _pop(2024, "ALL", 2.0, 0.0),
            _pop(2025, "ALL", 2.75, 37.5),
            _pop(2026, "ALL", 3.8125, 90.625),
        ],
        budgets=MILLION,
        finance=projection(to_year=2026, population_growth_pct=GROWTH),
    ),
    # 30-34 is not named: it shrinks at the default -50% a year: 1, 0.5, 0.25.
    Spec(
        "an age band not named grows at the default rate",
        where(budget_projection, locality_code="SOUTH"),
        TWO,
        [
            _pop(2024, "SOUTH", 1.0, 0.0),
            _pop(2025, "SOUTH", 0.5, -50.0),
            _pop(2026, "SOUTH", 0.25, -75.0),
        ],
        budgets=MILLION,
        finance=projection(to_year=2026, population_growth_pct={"70-74": 50, "default": -50}),
    ),
    # £1,000,000.00 x 1.025 = £1,025,000.00; x 1.025^2 = 1.050625 -> £1,050,625.00.
    Spec(
        "the budget grows at budget_growth_pct a year, in exact decimals",
        PLACE,
        TWO,
        [
            {"fy": 2024, "budget_gbp": D("1000000.00")},
            {"fy": 2025, "budget_gbp": D("1025000.00")},
            {"fy": 2026, "budget_gbp": D("1050625.00")},
        ],
        budgets=MILLION,
        finance=projection(to_year=2026, budget_growth_pct=D("2.5")),
    ),
    # £1,000.01 x 1.025 = 1025.01025 -> £1,025.01; x 1.050625 = 1050.63550625 -> £1,050.64.
    Spec(
        "the grown budget is rounded to the penny",
        PLACE,
        TWO,
        [
            {"fy": 2024, "budget_gbp": D("1000.01")},
            {"fy": 2025, "budget_gbp": D("1025.01")},
            {"fy": 2026, "budget_gbp": D("1050.64")},
        ],
        budgets=(budget(2024, "1000.01"),),
        finance=projection(to_year=2026, budget_growth_pct=D("2.5")),
    ),
    # a at P1 and b, c at P2, one band and the same cost: 2024 targets of 100,000,000p split
    # 1 : 2 -> 33,333,333.33 and 66,666,666.67 -> 33,333,333 and 66,666,667 (the penny to
    # the larger remainder). 2025's £1,025,000.00 by those targets: NORTH 34,166,666.325,
    # SOUTH 68,333,333.675 -> floors 102,499,999, the penny left to SOUTH: £341,666.66 and
    # £683,333.34, which add up to £1,025,000.00.
    Spec(
        "the localities' budgets are split by year-F targets and add up to the place's",
        budget_projection,
        {
            "person": [person(p) for p in "abc"],
            "registration": [reg("a", "P1", "2000-01-01")]
            + [reg(p, "P2", "2000-01-01") for p in "bc"],
            "activity": [outpatient(p, p, "2024-06-01", "100.00") for p in "abc"],
        },
        [
            {"fy": 2024, "locality_code": "NORTH", "budget_gbp": D("333333.33")},
            {"fy": 2024, "locality_code": "SOUTH", "budget_gbp": D("666666.67")},
            {"fy": 2024, "locality_code": "ALL", "budget_gbp": D("1000000.00")},
            {"fy": 2025, "locality_code": "NORTH", "budget_gbp": D("341666.66")},
            {"fy": 2025, "locality_code": "SOUTH", "budget_gbp": D("683333.34")},
            {"fy": 2025, "locality_code": "ALL", "budget_gbp": D("1025000.00")},
        ],
        budgets=MILLION,
        finance=projection(to_year=2025, budget_growth_pct=D("2.5")),
    ),
    # NORTH: 600,000 a head x 1, 1.5, 2.25 people = 600,000; 900,000; 1,350,000. SOUTH:
    # 200,000 x 1, 1.25, 1.5625 = 200,000; 250,000; 312,500. The place: the sums.
    Spec(
        "need is the projected people times their band's base-year cost per head",
        budget_projection,
        TWO,
        [
            {"fy": fy, "locality_code": code, "need_gbp": D(need)}
            for fy, code, need in [
                (2024, "NORTH", "600000.00"),
                (2025, "NORTH", "900000.00"),
                (2026, "NORTH", "1350000.00"),
                (2024, "SOUTH", "200000.00"),
                (2025, "SOUTH", "250000.00"),
                (2026, "SOUTH", "312500.00"),
                (2024, "ALL", "800000.00"),
                (2025, "ALL", "1150000.00"),
                (2026, "ALL", "1662500.00"),
            ]
        ],
        budgets=MILLION,
        finance=projection(to_year=2026, population_growth_pct=GROWTH),
    ),
    # Base year 2023 (o cost £100,000 then), start 2024: need = 100,000 x 1.1^(t - 2023):
    # 2024 110,000; 2025 121,000; 2026 133,100.
    Spec(
        "need grows at cost_growth_pct a year from the base year",
        PLACE,
        {
            "person": [person("o", yob=1953)],
            "registration": [reg("o", "P1", "2000-01-01")],
            "activity": [outpatient("1", "o", "2023-06-01", "100000.00")],
        },
        [
            {"fy": 2024, "need_gbp": D("110000.00")},
            {"fy": 2025, "need_gbp": D("121000.00")},
            {"fy": 2026, "need_gbp": D("133100.00")},
        ],
        fy=(2023, 2024),
        budgets=(budget(2024, "200000.00"),),
        finance=projection(to_year=2026, cost_growth_pct=10),
    ),
    # Four women of one band (weight 300 a head): a (IMD decile 1, NORTH) £600; b (decile
    # 2), c and d (deciles 9, 10) in SOUTH £300, £200, £100. Quintile 1's multiplier 900 /
    # 600 = 1.5, quintile 5's 300 / 600 = 0.5 (see the fair-shares specs): NORTH's
    # multiplier 450 / 300 = 1.5, SOUTH's 750 / 900. Need: NORTH 300 x 1.5 = 450, SOUTH 900 x
    # 750 / 900 = 750 (age-sex alone: 300 and 900).
    Spec(
        "need carries the locality's additional-need multiplier from fair shares",
        budget_projection,
        {
            "person": [person(p, imd=i) for p, i in zip("abcd", (1, 2, 9, 10), strict=True)],
            "registration": [reg("a", "P1", "2000-01-01")]
            + [reg(p, "P2", "2000-01-01") for p in "bcd"],
            "activity": [
                outpatient(p, p, "2024-06-01", c)
                for p, c in zip("abcd", ("600", "300", "200", "100"), strict=True)
            ],
        },
        [
            {"locality_code": "NORTH", "need_gbp": D("450.00")},
            {"locality_code": "SOUTH", "need_gbp": D("750.00")},
            {"locality_code": "ALL", "need_gbp": D("1200.00")},
        ],
        budgets=(budget(2024, "1200.00"),),
        finance={"fair_shares": {"need_index": "deprivation"}, "projection": {"to_year": 2024}},
    ),
    # Budgets (2.5% a year): NORTH 750,000; 768,750; 787,968.75. SOUTH 250,000; 256,250;
    # 262,656.25. Needs as in the need spec. Gaps: NORTH 150,000; -131,250; -562,031.25.
    # SOUTH 50,000; 6,250; -49,843.75. The place 200,000; -125,000; -611,875. Over need.
    Spec(
        "the gap is budget - need, and as a share of need",
        budget_projection,
        TWO,
        [
            {
                "fy": fy,
                "locality_code": code,
                "budget_gbp": D(money),
                "need_gbp": D(need),
                "gap_gbp": D(money) - D(need),
                "gap_pct": float(D(money) - D(need)) / float(D(need)),
            }
            for fy, code, money, need in [
                (2024, "NORTH", "750000.00", "600000.00"),
                (2025, "NORTH", "768750.00", "900000.00"),
                (2026, "NORTH", "787968.75", "1350000.00"),
                (2024, "SOUTH", "250000.00", "200000.00"),
                (2025, "SOUTH", "256250.00", "250000.00"),
                (2026, "SOUTH", "262656.25", "312500.00"),
                (2024, "ALL", "1000000.00", "800000.00"),
                (2025, "ALL", "1025000.00", "1150000.00"),
                (2026, "ALL", "1050625.00", "1662500.00"),
            ]
        ],
        budgets=MILLION,
        finance=projection(to_year=2026, population_growth_pct=GROWTH, budget_growth_pct=D("2.5")),
    ),
    Spec(
        "the projection runs from the budget year to to_year, 2030 by default",
        PLACE,
        TWO,
        [{"fy": fy} for fy in range(2024, 2031)],
        budgets=MILLION,
    ),
    # Budgets for 2023 (£500) and 2024 (£1000): the projection starts from 2024.
    Spec(
        "the projection starts from the latest year of the run with a pooled budget",
        PLACE,
        {**TWO, "activity": [*TWO["activity"], outpatient("3", "o", "2023-06-01", "10.00")]},
        [{"fy": 2024, "budget_gbp": D("1000.00")}, {"fy": 2025, "budget_gbp": D("1000.00")}],
        fy=(2023, 2024),
        budgets=(budget(2023, "500.00"), budget(2024, "1000.00")),
        finance=projection(to_year=2025),
    ),
    Spec("without a pooled budget there are no rows", budget_projection, TWO, []),
]

# Built on stored results, as in a run (see Spec.materialise).
STORED = ("population", "spend_daily", "person_comorbidity", "person_health", "fair_shares")
SPECS = [dataclasses.replace(s, materialise=STORED) for s in SPECS]


@pytest.mark.parametrize("spec", cases(SPECS))
def test_budget_projection(spec: Spec, on_duckdb) -> None:
    check(spec, on_duckdb(spec))


def test_budget_projection_builds_what_it_reads_when_not_materialised(on_duckdb) -> None:
    """A spec with population, person_health and fair_shares built inline (DuckDB only: the
    inline plan is too big for Spark's optimiser)."""
    spec = next(s for s in SPECS if s.rule.startswith("the grown budget"))
    spec = dataclasses.replace(spec, materialise=())
    check(spec, on_duckdb(spec))
