"""Which tracks each performance year has, and the year-keyed rules around them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oneplace.mssp import problems, settle
from oneplace.mssp.rules import RULE_BOOKS, TRACK_CODES, normalise_track, rules_for


@pytest.mark.parametrize(
    ("year", "track", "book"),
    [
        (2012, "1", "PY2014"),
        (2014, "2", "PY2014"),
        (2016, "3", "PY2018"),
        (2018, "1+", "PY2018"),
        (2019, "1+", "PY2018"),
        (2021, "1", "PY2018"),
        (2019, "A", "PY2019"),
        (2026, "ENHANCED", "PY2019"),
    ],
)
def test_each_track_is_settled_by_its_years_rule_book(year, track, book):
    assert rules_for(year, track)[0].key == book


@pytest.mark.parametrize(
    ("year", "track", "why"),
    [
        (2014, "1+", "Track 1+ is not available in PY2014 (it ran PY2018-2019)"),
        (2020, "1+", "Track 1+ is not available in PY2020 (it ran PY2018-2019)"),
        (2018, "C", "BASIC Level C is not available in PY2018 (it ran PY2019-2026)"),
        (2015, "3", "Track 3 is not available in PY2015 (it ran PY2016-2021)"),
        (2022, "1", "Track 1 is not available in PY2022 (it ran PY2012-2021)"),
        (2011, "1", "no rule book for PY2011: the rule books cover PY2012-2026"),
        (2027, "A", "no rule book for PY2027: the rule books cover PY2012-2026"),
    ],
)
def test_a_track_outside_its_years_is_refused(aco, year, track, why):
    assert problems(aco(performance_year=year, track=track)) == [why]


def test_every_track_code_is_in_some_rule_book():
    assert {code for book in RULE_BOOKS for code in book.tracks} == set(TRACK_CODES)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1", "1"),
        (" track 1+ ", "1+"),
        ("basic c", "C"),
        ("Level E", "E"),
        ("enhanced", "ENHANCED"),
    ],
)
def test_track_names_are_read_in_their_usual_spellings(text, code):
    assert normalise_track(text) == code


def test_an_unknown_track_is_not_read():
    assert normalise_track("4") is None and normalise_track("BASIC") is None


def test_disaster_adjustment_reduces_owed_losses_from_py2017(aco):
    s = settle(
        aco(
            performance_year=2017,
            track="3",
            msr_choice="2",
            expenditure_total="110000000",
            quality_standard_met=False,
            disaster_adjustment="500000",
        )
    )
    assert s.shared_amount == Decimal("-7000000.00")  # 75% x $10m - $0.5m
    assert s.rule.endswith("; less disaster adjustment $500,000.00")


def test_disaster_adjustment_never_turns_owed_losses_into_a_payment(aco):
    s = settle(
        aco(
            performance_year=2024,
            track="E",
            msr_choice="2",
            expenditure_total="110000000",
            participant_revenue="40000000",
            disaster_adjustment="5000000",
        )
    )
    assert s.shared_amount == 0


def test_disaster_adjustment_applies_after_the_loss_limit(aco):
    s = settle(
        aco(
            performance_year=2024,
            track="ENHANCED",
            msr_choice="2",
            expenditure_total="150000000",
            quality_standard_met=False,
            disaster_adjustment="1000000",
        )
    )
    assert s.shared_amount == Decimal("-14000000.00")  # min($37.5m, $15m) - $1m


def test_disaster_adjustment_is_refused_before_py2017(aco):
    assert problems(
        aco(performance_year=2016, track="3", msr_choice="2", disaster_adjustment="1")
    ) == [
        "disaster_adjustment is not allowed before PY2017 "
        "(extreme and uncontrollable circumstances)"
    ]


def test_savings_are_sequestered_but_losses_are_not(aco):
    common = {"performance_year": 2018, "track": "3", "msr_choice": "0", "quality_score": "1"}
    saving = settle(aco(expenditure_total="90000000", **common))
    assert saving.shared_amount == saving.earned_before_sequestration * Decimal("0.98")
    losing = settle(aco(expenditure_total="110000000", **common))
    assert losing.shared_amount == Decimal("-4000000.00")  # 40% x $10m, no 0.98
