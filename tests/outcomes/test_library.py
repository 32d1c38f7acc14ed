"""The indicator library: every shipped definition is valid, and a bad definition is refused
with the indicator and the field it concerns."""

from __future__ import annotations

import pytest

from oneplace.errors import UserError
from oneplace.outcomes.library import indicators_of, library, parse_indicators

GOOD = {
    "id": "mine",
    "name": "Mine",
    "statistic": "rate",
    "multiplier": 1000,
    "better": "lower",
    "numerator": {"kind": "activity", "activity": {"settings": ["acute_non_elective"]}},
    "denominator": "population",
    "source": "local",
}


def test_the_library_holds_the_issue_indicators() -> None:
    assert {i.id for i in library()} == {
        "non_elective_admissions",
        "acsc_chronic_admissions",
        "emergency_readmissions_30d",
        "ae_attendances",
        "falls_admissions_65",
        "care_home_admissions_65",
        "deaths_in_hospital",
        "high_intensity_users",
        "diabetes_emergency_admissions",
        "spend_per_head",
        "hospital_share_of_spend",
    }
    assert all(i.source for i in library())


def test_a_good_definition_parses() -> None:
    (ind,) = parse_indicators([GOOD], "test")
    assert ind.id == "mine" and ind.has_monthly_series


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"numerator": {"kind": "activity", "activity": {"settings": ["ward"]}}},
         "numerator.activity: settings: 'ward' is not a setting"),
        ({"denominator": "discharges"},
         "denominator: a numerator of kind 'activity' is counted over 'population'"),
        ({"statistic": "per_head"}, "statistic: 'per_head' is for money"),
        ({"numerator": {"kind": "spend"}, "statistic": "rate"}, "'spend' is money"),
        ({"numerator": {"kind": "activity", "activity": {
            "settings": ["acute_non_elective"], "primary_icd10": "I50.x-J10.x"}}},
         "primary_icd10"),
        ({"numerator": {"kind": "activity", "activity": {
            "settings": ["acute_non_elective"], "primary_list": "no_such_list"}}},
         "primary_list: 'no_such_list' is not a reference table"),
        ({"numerator": {"kind": "activity"}}, "needs an activity filter"),
        ({"id": "Bad Id"}, "id"),
        ({"statistic": "median"}, "statistic"),
    ],
)  # fmt: skip
def test_a_bad_definition_names_the_indicator_and_field(change: dict, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse_indicators([GOOD | change], "defs.yaml")
    assert "defs.yaml: indicator" in str(err.value)
    assert message in str(err.value)


def test_an_id_defined_twice_is_refused() -> None:
    with pytest.raises(UserError, match="indicator mine: id is defined twice"):
        parse_indicators([GOOD, GOOD], "defs.yaml")


def test_a_place_definition_may_not_reuse_a_library_id() -> None:
    (own,) = parse_indicators([GOOD | {"id": "ae_attendances"}], "outcomes.definitions")
    with pytest.raises(UserError, match="ae_attendances already in the library"):
        indicators_of((own,))
