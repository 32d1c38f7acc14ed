"""The outcomes framework scored (rules O1-O8 of :mod:`oneplace.outcomes.framework`): one rule
per test, a worked example, Hypothesis properties of the payout, and the place file's checks."""

from __future__ import annotations

import math
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oneplace.errors import UserError
from oneplace.outcomes.framework import (
    attainment,
    largest_remainder,
    overall_score,
    payout,
    pool_pence,
)
from oneplace.place import parse_place

BUDGET = """\
budgets:
  - {year: 2024, total_gbp: 1000000.00}
"""


@pytest.fixture(scope="session")
def place_with(tiny_place_yaml: str):
    """The tiny place with ``extra`` YAML added."""
    return lambda extra: parse_place(tiny_place_yaml + extra, "test place")


def framework(indicators: str, **top: str) -> str:
    lines = "".join(f"  {k}: {v}\n" for k, v in top.items())
    return f"outcomes:\n{lines}  indicators:\n{indicators}"


# O2: attainment
def test_attainment_is_zero_at_the_baseline_and_one_at_the_target() -> None:
    assert attainment(300.0, 300.0, 200.0) == D(0)
    assert attainment(200.0, 300.0, 200.0) == D(1)


def test_attainment_is_linear_between_baseline_and_target() -> None:
    assert attainment(250.0, 300.0, 200.0) == D("0.5")
    assert attainment(230.0, 300.0, 200.0) == D("0.7")


def test_attainment_is_held_between_zero_and_one() -> None:
    assert attainment(350.0, 300.0, 200.0) == D(0)  # worse than the baseline
    assert attainment(150.0, 300.0, 200.0) == D(1)  # better than the target


def test_attainment_where_higher_is_better() -> None:
    assert attainment(70.0, 60.0, 80.0) == D("0.5")
    assert attainment(50.0, 60.0, 80.0) == D(0)


def test_attainment_is_kept_to_six_places_half_to_even() -> None:
    # 1/3 of the way: 0.333333...; 1/16 of the way 0.0625 exactly.
    assert attainment(1.0, 0.0, 3.0) == D("0.333333")
    assert attainment(0.0625, 0.0, 1.0) == D("0.062500")


# O1: no value
@pytest.mark.parametrize("value", [None, math.nan])
def test_a_year_without_a_value_attains_nothing(value) -> None:
    assert attainment(value, 300.0, 200.0) == D(0)


# O3: overall
def test_the_overall_score_is_the_weighted_mean() -> None:
    assert overall_score([D("0.5"), D("1")], [D(1), D(3)]) == D("0.875")
    assert overall_score([D("1"), D("0"), D("0")], [D(1), D(1), D(1)]) == D("0.333333")


# O5/O7: largest remainder
def test_largest_remainder_adds_up_and_gives_ties_to_the_earlier() -> None:
    assert largest_remainder(125000, [1, 1, 1]) == [41667, 41667, 41666]
    assert largest_remainder(100, [D(1), D(3)]) == [25, 75]
    assert largest_remainder(0, [1, 2]) == [0, 0]


# O4-O8: the worked example
WORKED = BUDGET + framework(
    "    - {id: non_elective_admissions, baseline: 300, target: 200, weight: 1}\n"
    "    - {id: ae_attendances, baseline: 500, target: 400, weight: 3, partners: [ACUTE]}\n",
    incentive_pool_pct="1",
    partners="[ACUTE, COMM, LA]",
)


def test_the_pool_is_a_share_of_the_year_budget(place_with) -> None:
    place = place_with(WORKED)
    assert pool_pence(place, 2024) == 1_000_000  # 1% of £1,000,000.00 = £10,000.00
    assert pool_pence(place, 2023) is None  # no budget that year


def test_worked_example_pays_by_attainment_to_the_penny(place_with) -> None:
    # Pool £10,000.00; slices by weight 1:3: £2,500.00 and £7,500.00. Attainment 0.5 and 1:
    # earned £1,250.00 (split over ACUTE, COMM, LA: 416.67, 416.67, 416.66) and £7,500.00
    # (ACUTE alone). The commissioner (ICB) keeps the unearned £1,250.00 and £0.00.
    place = place_with(WORKED)
    scores = [
        {"fy": 2024, "indicator_id": "non_elective_admissions", "attainment": 0.5},
        {"fy": 2024, "indicator_id": "ae_attendances", "attainment": 1.0},
    ]
    rows = payout(place, scores, [2024])
    got = {(r["indicator_id"], r["organisation"], r["kind"]): r["amount_gbp"] for r in rows}
    assert got == {
        ("non_elective_admissions", "ACUTE", "earned"): D("416.67"),
        ("non_elective_admissions", "COMM", "earned"): D("416.67"),
        ("non_elective_admissions", "LA", "earned"): D("416.66"),
        ("non_elective_admissions", "ICB", "unearned"): D("1250.00"),
        ("ae_attendances", "ACUTE", "earned"): D("7500.00"),
        ("ae_attendances", "ICB", "unearned"): D("0.00"),
    }
    assert sum(got.values()) == D("10000.00")


def test_earned_amounts_are_rounded_down_to_the_penny(place_with) -> None:
    # A £0.03 pool, one indicator, attainment 0.5: earned 1.5p -> 1p; the commissioner 2p.
    place = place_with(
        framework(
            "    - {id: non_elective_admissions, baseline: 300, target: 200, weight: 1}\n",
            incentive_pool_gbp="0.03",
            partners="[ACUTE]",
        )
    )
    rows = payout(
        place, [{"fy": 2024, "indicator_id": "non_elective_admissions", "attainment": 0.5}], [2024]
    )
    assert [(r["organisation"], r["amount_gbp"]) for r in rows] == [
        ("ACUTE", D("0.01")),
        ("ICB", D("0.02")),
    ]


def test_without_a_framework_nothing_is_paid(place_with) -> None:
    assert payout(place_with(BUDGET), [], [2024]) == []


@settings(max_examples=200, deadline=None)
@given(
    pool=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=6),
    attainments=st.lists(st.integers(min_value=0, max_value=10**6), min_size=6, max_size=6),
    partners=st.integers(min_value=1, max_value=4),
)
def test_payout_pays_the_whole_pool_and_never_more_than_earned(
    place_with, pool, weights, attainments, partners
) -> None:
    orgs = ["ACUTE", "COMM", "LA", "FED"][:partners]
    ids = ["non_elective_admissions", "ae_attendances", "acsc_chronic_admissions",
           "falls_admissions_65", "deaths_in_hospital", "high_intensity_users"][: len(weights)]  # fmt: skip
    chosen = "".join(
        f"    - {{id: {i}, baseline: 1, target: 0, weight: {w}}}\n"
        for i, w in zip(ids, weights, strict=True)
    )
    place = place_with(
        framework(chosen, incentive_pool_gbp=f"{D(pool) / 100}", partners=f"[{', '.join(orgs)}]")
    )
    scores = [
        {"fy": 2024, "indicator_id": i, "attainment": float(D(a) / 10**6)}
        for i, a in zip(ids, attainments, strict=False)
    ]
    rows = payout(place, scores, [2024])
    assert sum(r["amount_gbp"] for r in rows) * 100 == pool
    assert all(r["amount_gbp"] >= 0 for r in rows)
    for i, a in zip(ids, attainments, strict=False):
        own = [r for r in rows if r["indicator_id"] == i]
        earned = Fraction(sum(r["amount_gbp"] for r in own if r["kind"] == "earned") * 100)
        due = Fraction(own[0]["slice_gbp"] * 100) * Fraction(a, 10**6)
        assert earned <= due
        assert due - earned < 1


# The place file's checks
@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (
            "    - {id: no_such_thing, baseline: 1, target: 0, weight: 1}\n",
            "outcomes.indicators[0].id: 'no_such_thing' is not an indicator of the library",
        ),
        (
            "    - {id: non_elective_admissions, baseline: 100, target: 120, weight: 1}\n",
            "outcomes.indicators[0].target: 120 is worse than the baseline 100",
        ),
        (
            "    - {id: spend_per_head, baseline: 2000, target: 1900, weight: 1}\n",
            "outcomes.indicators[0].direction: spend_per_head has no better direction",
        ),
        (
            "    - {id: ae_attendances, baseline: 1, target: 0, weight: 1, partners: [NOPE]}\n",
            "outcomes.indicators[0].partners: 'NOPE' is not an organisation",
        ),
        (
            "    - {id: ae_attendances, baseline: 1, target: 1, weight: 1}\n",
            "equals the baseline",
        ),
        (
            "    - {id: ae_attendances, baseline: 1, target: 0, weight: 0}\n",
            "weight",
        ),
    ],
)
def test_a_bad_framework_is_refused_with_its_path(place_with, chosen: str, message: str) -> None:
    with pytest.raises(UserError, match="outcomes") as err:
        place_with(framework(chosen))
    assert message in str(err.value)


def test_direction_can_be_given_for_an_indicator_without_one(place_with) -> None:
    place = place_with(
        framework(
            "    - {id: spend_per_head, baseline: 2000, target: 1900, weight: 1, "
            "direction: lower}\n"
        )
    )
    assert place.outcomes.indicators[0].direction == "lower"


def test_a_quality_score_beside_a_framework_is_refused(place_with) -> None:
    agreement = """\
risk_share:
  name: R
  settings: [acute_non_elective]
  commissioner: ICB
  parties: [{organisation: ACUTE, gain_share_pct: 100, loss_share_pct: 100}]
  incurring_band_pct: 1
  quality_gate: {threshold: 0.8}
  quality_score: 0.9
"""
    chosen = "    - {id: ae_attendances, baseline: 1, target: 0, weight: 1}\n"
    with pytest.raises(UserError, match="risk_share.quality_score: the outcomes framework"):
        place_with(agreement + framework(chosen))


def test_own_definitions_are_checked_like_the_library(place_with) -> None:
    own = """\
  definitions:
    - id: my_rate
      name: Mine
      statistic: rate
      multiplier: 1000
      better: lower
      numerator: {kind: activity, activity: {settings: [not_a_setting]}}
      denominator: population
      source: local
"""
    chosen = "    - {id: my_rate, baseline: 1, target: 0, weight: 1}\n"
    with pytest.raises(UserError, match="indicator my_rate: numerator.activity: settings"):
        place_with("outcomes:\n" + own + "  indicators:\n" + chosen)
