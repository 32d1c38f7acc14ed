"""Spec tests for ``fair_shares``: the pooled budget split into risk-adjusted targets for
practices, networks and localities, and each unit's distance from its target. One rule per
spec, with the numbers worked by hand in the comments; run on Spark in tests/parity.

People: a woman born 1953 is in the 70-74 band in 2023 and 2024 (age = fy - year of birth);
one born 1993 is 30-34; one born 1980 is 40-44 in 2024.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from oneplace.engine import fair_shares

from .spec import Spec, act, cases, check, diag, person, reg, where

OLD, YOUNG = 1953, 1993
PRACTICE_TOTALS = where(fair_shares, level="practice", setting="ALL")
PLACE = where(fair_shares, level="place")

# The tiny place with a third practice, P3, in the south's network.
THREE_PRACTICES = """\
name: Three practices
organisations:
  - {code: ICB, name: Tiny ICB, kind: commissioner}
  - {code: ACUTE, name: Tiny Hospitals Trust, kind: acute_trust}
  - {code: COMM, name: Tiny Community Trust, kind: community_trust}
localities:
  - {code: NORTH, name: North, community_hub: North Hub}
  - {code: SOUTH, name: South, community_hub: South Hub}
networks:
  - {code: PCN_N, name: North PCN, locality: NORTH}
  - {code: PCN_S, name: South PCN, locality: SOUTH}
practices:
  - {code: P1, name: North Surgery, network: PCN_N}
  - {code: P2, name: South Surgery, network: PCN_S}
  - {code: P3, name: South Road Surgery, network: PCN_S}
"""


def budget(year: int, total: str, **splits) -> dict:
    return {"year": year, "total_gbp": D(total), **splits}


def outpatient(aid: str, pid: str, day: str, cost: str) -> dict:
    return act(aid, pid, "ACUTE", "outpatient", day, cost)


# An old woman (o) at P1 and a young one (y) at P2, who swap costs between 2023 and 2024:
# the targets show which year's costs were the weights.
SWAP = {
    "person": [person("o", yob=OLD), person("y", yob=YOUNG)],
    "registration": [reg("o", "P1", "2000-01-01"), reg("y", "P2", "2000-01-01")],
    "activity": [
        outpatient("1", "o", "2023-06-01", "300.00"),
        outpatient("2", "y", "2023-06-01", "100.00"),
        outpatient("3", "o", "2024-06-01", "100.00"),
        outpatient("4", "y", "2024-06-01", "300.00"),
    ],
}

# Three women of the same band, one at each of P1, P2 and P3, each costing £100 in
# outpatients and £50 in community services in 2024.
THREE_EQUAL = {
    "person": [person(p) for p in "abc"],
    "registration": [reg("a", "P1", "2000-01-01"), reg("b", "P2", "2000-01-01")]
    + [reg("c", "P3", "2000-01-01")],
    "activity": [outpatient(f"o{p}", p, "2024-06-01", "100.00") for p in "abc"]
    + [act(f"c{p}", p, "COMM", "community", "2024-06-01", "50.00") for p in "abc"],
}


def _need_people(imd: tuple[int | None, ...]) -> dict:
    """Four women of one band: a at P1; b, c and d at P2; costing 600, 300, 200 and 100."""
    people = [person(p, imd=i) for p, i in zip("abcd", imd, strict=True)]
    costs = {"a": "600.00", "b": "300.00", "c": "200.00", "d": "100.00"}
    return {
        "person": people,
        "registration": [reg("a", "P1", "2000-01-01")]
        + [reg(p, "P2", "2000-01-01") for p in "bcd"],
        "activity": [outpatient(p, p, "2024-06-01", cost) for p, cost in costs.items()],
    }


def _unit(level: str, code: str, people: int, setting: str, weighted: float, target: str):
    return {
        "level": level,
        "unit_code": code,
        "setting": setting,
        "population": people,
        "weighted_population": weighted,
        "target_gbp": D(target),
    }


# THREE_EQUAL's targets (see the largest-remainder spec) rolled up, by the unit's number of
# practices (= people): (setting, weighted population, target).
ROLLED_UP = {
    1: [("outpatient", 100.0, "222.23"), ("community", 50.0, "111.12"), ("ALL", 150.0, "333.35")],
    2: [("outpatient", 200.0, "444.44"), ("community", 100.0, "222.22"), ("ALL", 300.0, "666.66")],
    3: [("outpatient", 300.0, "666.67"), ("community", 150.0, "333.34"), ("ALL", 450.0, "1000.01")],
}

SPECS = [
    # 2023 (the base year): the 70-74 woman at P1 cost £1000, the 30-34 woman at P2 £100, so
    # w[70-74, F] = 1000 and w[30-34, F] = 100. In 2024 a second 70-74 woman has joined P2
    # (registered from April 2024, so not in the 2023 weights). Weighted population:
    # P1 = 1000, P2 = 100 + 1000 = 1100; of a £2,100.00 budget P1 gets 1000/2100, P2 1100/2100.
    Spec(
        "age-sex cost weights: a practice's weighted population is its people's base-year "
        "cost per head by age band and sex",
        PRACTICE_TOTALS,
        {
            "person": [person("o1", yob=OLD), person("y1", yob=YOUNG), person("o2", yob=OLD)],
            "registration": [
                reg("o1", "P1", "2000-01-01"),
                reg("y1", "P2", "2000-01-01"),
                reg("o2", "P2", "2024-04-01"),
            ],
            "activity": [
                outpatient("1", "o1", "2023-06-01", "1000.00"),
                outpatient("2", "y1", "2023-06-01", "100.00"),
            ],
        },
        [
            {
                "fy": 2024,
                "base_fy": 2023,
                "unit_code": "P1",
                "population": 1,
                "weighted_population": 1000.0,
                "target_gbp": D("1000.00"),
            },
            {
                "fy": 2024,
                "base_fy": 2023,
                "unit_code": "P2",
                "population": 2,
                "weighted_population": 1100.0,
                "target_gbp": D("1100.00"),
            },
        ],
        fy=(2023, 2024),
        budgets=(budget(2024, "2100.00"),),
    ),
    # Weights per head: outpatient 100, community 50. Setting pots of £1,000.01 = 100001p by
    # place weighted population 300 : 150: outpatient 66667.33, community 33333.67 -> floors
    # 66667 + 33333 = 100000, the penny left to the larger remainder (community): 66667 and
    # 33334. Outpatient 66667 / 3 = 22222.33 each: floors 66666, the penny left goes to the
    # first of the tied practices (P1): 22223, 22222, 22222. Community 33334 / 3 = 11111.33
    # each: 11112, 11111, 11111. All settings: P1 33335, P2 33333, P3 33333 = 100001.
    Spec(
        "practice targets add up to the budget to the penny in every setting (largest "
        "remainder, ties to the lower practice code)",
        where(fair_shares, level="practice"),
        THREE_EQUAL,
        [
            {"unit_code": "P1", "setting": "outpatient", "target_gbp": D("222.23")},
            {"unit_code": "P2", "setting": "outpatient", "target_gbp": D("222.22")},
            {"unit_code": "P3", "setting": "outpatient", "target_gbp": D("222.22")},
            {"unit_code": "P1", "setting": "community", "target_gbp": D("111.12")},
            {"unit_code": "P2", "setting": "community", "target_gbp": D("111.11")},
            {"unit_code": "P3", "setting": "community", "target_gbp": D("111.11")},
            {"unit_code": "P1", "setting": "ALL", "target_gbp": D("333.35")},
            {"unit_code": "P2", "setting": "ALL", "target_gbp": D("333.33")},
            {"unit_code": "P3", "setting": "ALL", "target_gbp": D("333.33")},
        ],
        budgets=(budget(2024, "1000.01"),),
        place=THREE_PRACTICES,
    ),
    # The practices of the spec above rolled up: PCN_N/NORTH = P1; PCN_S/SOUTH = P2 + P3
    # (outpatient 222.22 x 2 = 444.44, community 222.22, all 666.66; 2 people, weighted
    # 2 x 150 = 300); the place = all three (666.67 + 333.34 = 1000.01; 3 people, 450).
    Spec(
        "network, locality and place rows are the sums of their practices",
        where(fair_shares, level=("network", "locality", "place")),
        THREE_EQUAL,
        [
            _unit(level, code, people, setting, weighted, target)
            for level, code, people in [
                ("network", "PCN_N", 1),
                ("locality", "NORTH", 1),
                ("network", "PCN_S", 2),
                ("locality", "SOUTH", 2),
                ("place", "ALL", 3),
            ]
            for setting, weighted, target in ROLLED_UP[people]
        ],
        budgets=(budget(2024, "1000.01"),),
        place=THREE_PRACTICES,
    ),
    # Two women of one band: a (P1) cost 200 outpatient + 100 social care, b (P2) 50
    # community. Weights per head: outpatient 100, social care 50, community 25; place
    # weighted population 200, 100, 50. Community's pot is the budget's £100; the other
    # £900 is split 200 : 100 over outpatient (£600) and social care (£300). (Without the
    # by_setting amount the split would be 200 : 100 : 50 of £1000.)
    Spec(
        "a by_setting amount is that setting's pot; the rest is split over the other "
        "settings by place-wide weighted population",
        PLACE,
        {
            "person": [person("a"), person("b")],
            "registration": [reg("a", "P1", "2000-01-01"), reg("b", "P2", "2000-01-01")],
            "activity": [
                outpatient("1", "a", "2024-06-01", "200.00"),
                act("2", "a", "LA", "social_care", "2024-06-01", "100.00"),
                act("3", "b", "COMM", "community", "2024-06-01", "50.00"),
            ],
        },
        [
            {"setting": "outpatient", "target_gbp": D("600.00")},
            {"setting": "social_care", "target_gbp": D("300.00")},
            {"setting": "community", "target_gbp": D("100.00")},
            {"setting": "ALL", "target_gbp": D("1000.00")},
        ],
        budgets=(budget(2024, "1000.00", by_setting={"community": D("100.00")}),),
    ),
    # a at P1, b and c at P2, one band; only outpatient cost in the base year (£300, £100 a
    # head). Mental health's £300 pot has no base-year cost: split by population 1 : 2 (£100,
    # £200). The other £600 goes to outpatients, by weighted population 100 : 200.
    Spec(
        "a budgeted setting with no base-year cost is split by population",
        where(fair_shares, level="practice"),
        {
            "person": [person(p) for p in "abc"],
            "registration": [reg("a", "P1", "2000-01-01")]
            + [reg(p, "P2", "2000-01-01") for p in "bc"],
            "activity": [outpatient("1", "a", "2024-06-01", "300.00")],
        },
        [
            {"unit_code": "P1", "setting": "mental_health", "target_gbp": D("100.00")},
            {"unit_code": "P1", "setting": "outpatient", "target_gbp": D("200.00")},
            {"unit_code": "P1", "setting": "ALL", "target_gbp": D("300.00")},
            {"unit_code": "P2", "setting": "mental_health", "target_gbp": D("200.00")},
            {"unit_code": "P2", "setting": "outpatient", "target_gbp": D("400.00")},
            {"unit_code": "P2", "setting": "ALL", "target_gbp": D("600.00")},
        ],
        budgets=(budget(2024, "900.00", by_setting={"mental_health": D("300.00")}),),
    ),
    # One band, weight (600 + 300 + 200 + 100) / 4 = 300 a head. IMD quintile 1 (deciles 1
    # and 2: a, b) cost 900 against 2 x 300 expected: multiplier 1.5; quintile 5 (deciles 9
    # and 10: c, d) cost 300 against 600: 0.5. P1 = 300 x 1.5 = 450; P2 = 450 + 150 + 150
    # = 750 (age-sex only: 300 and 900). Need per head: P1 450 / 1, P2 750 / 3 = 250, against
    # the place's 1200 / 4 = 300.
    Spec(
        "need_index deprivation: each IMD quintile's multiplier is its actual over its "
        "expected base-year cost",
        PRACTICE_TOTALS,
        _need_people((1, 2, 9, 10)),
        [
            {
                "need_index": "deprivation",
                "unit_code": "P1",
                "weighted_population": 450.0,
                "need_per_head": 1.5,
                "target_gbp": D("450.00"),
            },
            {
                "need_index": "deprivation",
                "unit_code": "P2",
                "weighted_population": 750.0,
                "need_per_head": round(250 / 300, 9),  # rounded to 9 places
                "target_gbp": D("750.00"),
            },
        ],
        budgets=(budget(2024, "1200.00"),),
        finance={"fair_shares": {"need_index": "deprivation"}},
    ),
    # a (unknown IMD, P1) cost 300, b (decile 1, P2) 100; one band, weight 200. Unknown:
    # 300 / 200 = 1.5, quintile 1: 100 / 200 = 0.5. P1 300, P2 100 of £400. (Were unknown
    # given no multiplier, 1, P1 would be 200 : 100.)
    Spec(
        "need_index deprivation: an unknown IMD decile is a group of its own",
        PRACTICE_TOTALS,
        {
            "person": [person("a", imd=None), person("b", imd=1)],
            "registration": [reg("a", "P1", "2000-01-01"), reg("b", "P2", "2000-01-01")],
            "activity": [
                outpatient("1", "a", "2024-06-01", "300.00"),
                outpatient("2", "b", "2024-06-01", "100.00"),
            ],
        },
        [
            {"unit_code": "P1", "weighted_population": 300.0, "target_gbp": D("300.00")},
            {"unit_code": "P2", "weighted_population": 100.0, "target_gbp": D("100.00")},
        ],
        budgets=(budget(2024, "400.00"),),
        finance={"fair_shares": {"need_index": "deprivation"}},
    ),
    # The deprivation spec's people with Charlson scores instead: a (E11.9, 1 point) and b
    # (E11.2, 2 points) are in band 1-2, c and d in band 0. Band 1-2: 900 / 600 = 1.5,
    # band 0: 300 / 600 = 0.5; so again P1 450, P2 750.
    Spec(
        "need_index morbidity: each Charlson band's multiplier is its actual over its "
        "expected base-year cost",
        PRACTICE_TOTALS,
        {
            **_need_people((5, 5, 5, 5)),
            "diagnosis": [diag("a", "E119", "2020-01-01"), diag("b", "E112", "2020-01-01")],
        },
        [
            {
                "need_index": "morbidity",
                "unit_code": "P1",
                "weighted_population": 450.0,
                "target_gbp": D("450.00"),
            },
            {
                "need_index": "morbidity",
                "unit_code": "P2",
                "weighted_population": 750.0,
                "target_gbp": D("750.00"),
            },
        ],
        budgets=(budget(2024, "1200.00"),),
        finance={"fair_shares": {"need_index": "morbidity"}},
    ),
    # 2023 costs o (P1) 300 : y (P2) 100, so P1 £750, P2 £250 of £1000.
    Spec(
        "the base year is the year before the budget year when the run has it",
        PRACTICE_TOTALS,
        SWAP,
        [
            {"base_fy": 2023, "unit_code": "P1", "target_gbp": D("750.00")},
            {"base_fy": 2023, "unit_code": "P2", "target_gbp": D("250.00")},
        ],
        fy=(2023, 2024),
        budgets=(budget(2024, "1000.00"),),
    ),
    # 2023 is not in the run: 2024's costs o 100 : y 300 give P1 £250, P2 £750.
    Spec(
        "the base year is the budget year itself when the run lacks the year before",
        PRACTICE_TOTALS,
        SWAP,
        [
            {"base_fy": 2024, "unit_code": "P1", "target_gbp": D("250.00")},
            {"base_fy": 2024, "unit_code": "P2", "target_gbp": D("750.00")},
        ],
        budgets=(budget(2024, "1000.00"),),
    ),
    Spec(
        "an explicit finance.fair_shares.base_year is the base year",
        PRACTICE_TOTALS,
        SWAP,
        [
            {"base_fy": 2024, "unit_code": "P1", "target_gbp": D("250.00")},
            {"base_fy": 2024, "unit_code": "P2", "target_gbp": D("750.00")},
        ],
        fy=(2023, 2024),
        budgets=(budget(2024, "1000.00"),),
        finance={"fair_shares": {"base_year": 2024}},
    ),
    # a moved from P1 to P2 on 1 July: her May activity (£100) is P1's, her August activity
    # (£50) P2's, though on 1 October she counts in P2's population.
    Spec(
        "actual spend counts under the practice of registration on the activity's start date",
        PRACTICE_TOTALS,
        {
            "person": [person("a"), person("b")],
            "registration": [
                reg("a", "P1", "2020-01-01", "2024-06-30"),
                reg("a", "P2", "2024-07-01"),
                reg("b", "P1", "2000-01-01"),
            ],
            "activity": [
                outpatient("1", "a", "2024-05-01", "100.00"),
                outpatient("2", "a", "2024-08-01", "50.00"),
            ],
        },
        [
            {"unit_code": "P1", "actual_gbp": D("100.00")},
            {"unit_code": "P2", "actual_gbp": D("50.00")},
        ],
        budgets=(budget(2024, "300.00"),),
    ),
    # a (P1) spent £100; z, not registered with the place, £70: the place's actual is £170,
    # P1's (and its network's and locality's) £100.
    Spec(
        "the place's actual spend includes activity of people not registered with the place",
        where(fair_shares, setting="ALL"),
        {
            "person": [person("a"), person("z")],
            "registration": [reg("a", "P1", "2000-01-01")],
            "activity": [
                outpatient("1", "a", "2024-06-01", "100.00"),
                outpatient("2", "z", "2024-06-01", "70.00"),
            ],
        },
        [
            {"level": "place", "target_gbp": D("500.00"), "actual_gbp": D("170.00")},
            {"level": "locality", "target_gbp": D("500.00"), "actual_gbp": D("100.00")},
            {"level": "network", "target_gbp": D("500.00"), "actual_gbp": D("100.00")},
            {"level": "practice", "target_gbp": D("500.00"), "actual_gbp": D("100.00")},
        ],
        budgets=(budget(2024, "500.00"),),
    ),
    # Targets from 2023 (o 300 : y 100): P1 £750, P2 £250. Spend in 2024: o £900, y £200.
    # P1: 900 - 750 = 150, 150 / 750 = 0.2; P2: 200 - 250 = -50, -50 / 250 = -0.2;
    # place: 1100 - 1000 = 100, 0.1.
    Spec(
        "distance from target is actual - target, and as a share of the target",
        where(fair_shares, setting="ALL", level=("practice", "place")),
        {
            **SWAP,
            "activity": [
                outpatient("1", "o", "2023-06-01", "300.00"),
                outpatient("2", "y", "2023-06-01", "100.00"),
                outpatient("3", "o", "2024-06-01", "900.00"),
                outpatient("4", "y", "2024-06-01", "200.00"),
            ],
        },
        [
            {
                "unit_code": "P1",
                "target_gbp": D("750.00"),
                "actual_gbp": D("900.00"),
                "distance_gbp": D("150.00"),
                "distance_pct": 0.2,
            },
            {
                "unit_code": "P2",
                "target_gbp": D("250.00"),
                "actual_gbp": D("200.00"),
                "distance_gbp": D("-50.00"),
                "distance_pct": -0.2,
            },
            {
                "unit_code": "ALL",
                "target_gbp": D("1000.00"),
                "actual_gbp": D("1100.00"),
                "distance_gbp": D("100.00"),
                "distance_pct": 0.1,
            },
        ],
        fy=(2023, 2024),
        budgets=(budget(2024, "1000.00"),),
    ),
    Spec("without a pooled budget there are no rows", fair_shares, SWAP, [], fy=(2023, 2024)),
    Spec(
        "only years with a pooled budget get rows",
        where(fair_shares, level="place", setting="ALL"),
        SWAP,
        [{"fy": 2024}],
        fy=(2023, 2024),
        budgets=(budget(2024, "1000.00"),),
    ),
]

# Built on stored spend and person-years, as in a run (see Spec.materialise).
SPECS = [
    dataclasses.replace(s, materialise=("spend_daily", "person_comorbidity", "person_health"))
    for s in SPECS
]


@pytest.mark.parametrize("spec", cases(SPECS))
def test_fair_shares(spec: Spec, on_duckdb) -> None:
    check(spec, on_duckdb(spec))


def test_an_explicit_base_year_outside_the_run_is_an_error(on_duckdb) -> None:
    spec = Spec(
        "base year outside the run",
        fair_shares,
        SWAP,
        [],
        budgets=(budget(2024, "1000.00"),),
        finance={"fair_shares": {"base_year": 2023}},
    )
    with pytest.raises(ValueError, match="base_year 2023 has no activity in this run"):
        on_duckdb(spec)


def test_fair_shares_builds_what_it_reads_when_not_materialised(on_duckdb) -> None:
    """The first spec with person_health (and spend_daily) built inline, as when fair_shares
    is asked for on its own (DuckDB only: the inline plan is too big for Spark's optimiser)."""
    spec = dataclasses.replace(SPECS[0], materialise=())
    check(spec, on_duckdb(spec))
