"""The place file: validation reports every problem together, each with its path."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from oneplace.errors import PlaceError
from oneplace.place import dump_place, load_place, parse_place

GOOD = {
    "name": "Test place",
    "organisations": [
        {"code": "RF4", "name": "Acute trust", "kind": "acute_trust"},
        {"code": "FED", "name": "GP federation", "kind": "gp_federation"},
        {"code": "LAS", "name": "Ambulance", "kind": "ambulance_trust", "partner": False},
    ],
    "localities": [{"code": "L1", "name": "North", "community_hub": "North hub"}],
    "networks": [{"code": "N1", "name": "Network 1", "locality": "L1"}],
    "practices": [{"code": "F81001", "name": "Surgery", "network": "N1", "organisation": "FED"}],
    "budgets": [
        {
            "year": 2024,
            "total_gbp": "1000000.00",
            "by_setting": {"acute_elective": 400000, "community": 100000},
            "by_organisation": {"RF4": 500000},
        }
    ],
}


def _problems(data: dict) -> list[str]:
    with pytest.raises(PlaceError) as info:
        parse_place(yaml.safe_dump(data), "place.yaml")
    return info.value.details


def _with(**changes) -> dict:
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    data.update(changes)
    return data


def test_a_good_place_parses_with_exact_money():
    place = parse_place(yaml.safe_dump(GOOD))
    assert place.budget(2024).total_gbp == Decimal("1000000.00")
    assert place.practice_locality() == {"F81001": "L1"}
    assert [o.partner for o in place.organisations] == [True, True, False]


def test_round_trip_through_yaml_is_lossless():
    place = parse_place(yaml.safe_dump(GOOD))
    assert parse_place(dump_place(place)) == place


def test_unknown_organisation_kind_is_named_with_its_path():
    orgs = GOOD["organisations"] + [{"code": "X", "name": "X", "kind": "hospital"}]
    (line,) = _problems(_with(organisations=orgs))
    assert line.startswith("organisations[3].kind: 'hospital' is not one of ")
    assert "'acute_trust'" in line


def test_every_problem_is_reported_together():
    data = _with(
        organisations=[{"code": "RF4", "name": "A", "kind": "hospital"}],
        networks=[{"code": "N1", "name": "N", "locality": "NOWHERE"}],
        practices=[{"code": "P1", "name": "P", "network": "N1", "organisation": "NOPE"}],
    )
    lines = _problems(data)
    assert any(x.startswith("organisations[0].kind:") for x in lines)
    assert "networks[0].locality: 'NOWHERE' is not a locality code" in lines
    assert "practices[0].organisation: 'NOPE' is not an organisation code" in lines


def test_duplicate_codes_are_rejected():
    lines = _problems(_with(localities=GOOD["localities"] * 2))
    assert "localities[1].code: 'L1' is used twice" in lines


def test_missing_field_is_reported_as_required():
    lines = _problems(_with(localities=[{"code": "L1", "name": "North"}]))
    assert "localities[0].community_hub: is required" in lines


def test_unknown_field_is_rejected():
    lines = _problems(_with(colour="blue"))
    assert "colour: is not a field of the place file" in lines


def test_budget_split_over_total_is_rejected():
    budget = dict(GOOD["budgets"][0], by_setting={"acute_elective": 2_000_000})
    lines = _problems(_with(budgets=[budget]))
    assert any(x.startswith("budgets[0].by_setting: adds up to £2,000,000") for x in lines)


def test_budget_setting_outside_vocabulary_is_rejected():
    budget = dict(GOOD["budgets"][0], by_setting={"hospital": 1})
    lines = _problems(_with(budgets=[budget]))
    assert "budgets[0].by_setting: 'hospital' not in the setting vocabulary" in lines


def test_budget_for_unknown_organisation_is_rejected():
    budget = dict(GOOD["budgets"][0], by_organisation={"ZZZ": 1})
    lines = _problems(_with(budgets=[budget]))
    assert "budgets[0].by_organisation: 'ZZZ' is not an organisation code" in lines


def test_negative_budget_is_rejected():
    budget = dict(GOOD["budgets"][0], total_gbp=-5)
    lines = _problems(_with(budgets=[budget]))
    assert any(x.startswith("budgets[0].total_gbp:") for x in lines)


def test_not_yaml_is_one_clear_error(tmp_path: Path):
    bad = tmp_path / "place.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(PlaceError, match="not valid YAML"):
        load_place(bad)


def test_missing_file_is_one_clear_error(tmp_path: Path):
    with pytest.raises(PlaceError, match="cannot read the place file"):
        load_place(tmp_path / "absent.yaml")
