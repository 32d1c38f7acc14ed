"""The risk-share agreement in the place file: one test per validation rule, each problem
reported with its path, and cross-references checked against the rest of the place."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from oneplace.errors import PlaceError
from oneplace.place import dump_place, parse_place
from oneplace.place.riskshare import QualityGate, RiskShare

RISK_SHARE = """\
risk_share:
  name: Tiny system risk share
  year: 2024
  settings: [acute_non_elective, acute_elective, outpatient, community]
  commissioner: ICB
  budget_gbp: 10000000.00
  risk_reserve_pct: 0.5
  shares: fixed
  parties:
    - {organisation: ACUTE, contract_gbp: 6000000, gain_share_pct: 40, loss_share_pct: 45}
    - {organisation: COMM, contract_gbp: 2000000, gain_share_pct: 25, loss_share_pct: 20}
    - {organisation: FED, gain_share_pct: 15, loss_share_pct: 15, loss_collar_gbp: 50000}
    - {organisation: ICB, gain_share_pct: 20, loss_share_pct: 20}
  incurring_band_pct: 1.0
  shared_band_pct: 3.0
  gain_cap_pct: 2.0
  loss_collar_pct: 2.5
  quality_gate: {threshold: 0.8, floor: 0.5}
  quality_score: 0.74
"""


@pytest.fixture
def place_text(tiny_place_file: Path) -> str:
    return tiny_place_file.read_text(encoding="utf-8")


def _data(place_text: str) -> dict:
    return yaml.safe_load(place_text + RISK_SHARE)


def _problems(data: dict) -> list[str]:
    with pytest.raises(PlaceError) as info:
        parse_place(yaml.safe_dump(data), "place.yaml")
    return info.value.details


def _with(place_text: str, **changes) -> dict:
    data = _data(place_text)
    data["risk_share"].update(changes)
    return data


def _party(place_text: str, i: int, **changes) -> dict:
    data = _data(place_text)
    data["risk_share"]["parties"][i].update(changes)
    return data


def test_a_whole_place_with_a_risk_share_parses_with_exact_numbers(place_text: str):
    place = parse_place(place_text + RISK_SHARE, "place.yaml")
    rs = place.risk_share
    assert rs is not None
    assert rs.budget_gbp == Decimal("10000000.00")
    assert rs.risk_reserve_pct == Decimal("0.5")
    assert rs.quality_score == Decimal("0.74")
    assert [p.organisation for p in rs.parties] == ["ACUTE", "COMM", "FED", "ICB"]
    assert rs.weights("loss") == {
        "ACUTE": Fraction(9, 20),
        "COMM": Fraction(1, 5),
        "FED": Fraction(3, 20),
        "ICB": Fraction(1, 5),
    }
    assert rs.covers(2024) and not rs.covers(2025)


def test_a_place_without_a_risk_share_has_none(place_text: str):
    assert parse_place(place_text).risk_share is None


def test_round_trip_through_yaml_is_lossless(place_text: str):
    place = parse_place(place_text + RISK_SHARE)
    assert parse_place(dump_place(place)) == place


def test_fixed_gain_shares_must_add_up_to_100(place_text: str):
    lines = _problems(_party(place_text, 0, gain_share_pct=30))
    assert lines == ["risk_share.parties: gain_share_pct adds up to 90, not 100"]


def test_fixed_loss_shares_must_add_up_to_exactly_100(place_text: str):
    lines = _problems(_party(place_text, 0, loss_share_pct="45.01"))
    assert lines == ["risk_share.parties: loss_share_pct adds up to 100.01, not 100"]


def test_fixed_shares_need_both_percentages_for_every_party(place_text: str):
    data = _data(place_text)
    del data["risk_share"]["parties"][1]["loss_share_pct"]
    assert _problems(data) == [
        "risk_share.parties[1].loss_share_pct: is required with shares: fixed"
    ]


def test_contract_value_shares_need_a_contract_for_every_party(place_text: str):
    data = _with(place_text, shares="contract_value")
    for party in data["risk_share"]["parties"]:
        del party["gain_share_pct"], party["loss_share_pct"]
    lines = _problems(data)
    assert lines == [
        "risk_share.parties[2].contract_gbp: is required with shares: contract_value",
        "risk_share.parties[3].contract_gbp: is required with shares: contract_value",
    ]


def test_contract_value_shares_take_no_percentages(place_text: str):
    data = _with(place_text, shares="contract_value")
    for party in data["risk_share"]["parties"]:
        party["contract_gbp"] = party.get("contract_gbp", 0)
        del party["loss_share_pct"]
    assert _problems(data) == [
        f"risk_share.parties[{i}].gain_share_pct: is not used with shares: contract_value "
        "(shares are pro rata to contract_gbp)"
        for i in range(4)
    ]


def test_contract_value_shares_need_some_contract_value(place_text: str):
    data = _with(place_text, shares="contract_value")
    for party in data["risk_share"]["parties"]:
        party["contract_gbp"] = 0
        del party["gain_share_pct"], party["loss_share_pct"]
    assert _problems(data) == [
        "risk_share.parties: contract_gbp adds up to 0, so there is nothing to share by"
    ]


def test_contract_value_weights_are_pro_rata_to_contracts():
    rs = RiskShare.model_validate(
        {
            "name": "x",
            "settings": ["community"],
            "commissioner": "ICB",
            "shares": "contract_value",
            "parties": [
                {"organisation": "A", "contract_gbp": "1.00"},
                {"organisation": "B", "contract_gbp": "2.00"},
            ],
            "incurring_band_pct": 0,
        }
    )
    assert rs.weights("gain") == rs.weights("loss") == {"A": Fraction(1, 3), "B": Fraction(2, 3)}


def test_unknown_share_basis_is_rejected(place_text: str):
    (line,) = _problems(_with(place_text, shares="equal"))
    assert line.startswith("risk_share.shares: ")
    assert "'fixed'" in line and "'contract_value'" in line


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("risk_reserve_pct", 101),
        ("incurring_band_pct", -1),
        ("shared_band_pct", 150),
        ("gain_cap_pct", -0.5),
        ("loss_collar_pct", 100.5),
    ],
)
def test_percentages_must_be_between_0_and_100(place_text: str, field: str, value):
    (line,) = _problems(_with(place_text, **{field: value}))
    assert line.startswith(f"risk_share.{field}: Input should be")


def test_a_partys_share_must_be_between_0_and_100(place_text: str):
    lines = _problems(_party(place_text, 0, gain_share_pct=140))
    assert lines == [
        "risk_share.parties[0].gain_share_pct: Input should be less than or equal to 100"
    ]


def test_percentages_have_at_most_six_places(place_text: str):
    (line,) = _problems(_with(place_text, incurring_band_pct="1.0000001"))
    assert line.startswith("risk_share.incurring_band_pct: Decimal input should have no more")


def test_money_has_at_most_two_places_and_is_not_negative(place_text: str):
    lines = _problems(_with(place_text, budget_gbp="10.001", gain_cap_gbp=-1, gain_cap_pct=None))
    assert any(
        x.startswith("risk_share.budget_gbp: Decimal input should have no more") for x in lines
    )
    assert any(x.startswith("risk_share.gain_cap_gbp: Input should be greater") for x in lines)


def test_a_cap_is_a_percentage_or_an_amount_not_both(place_text: str):
    lines = _problems(_with(place_text, gain_cap_gbp=100000))
    assert lines == ["risk_share.gain_cap_pct: give gain_cap_pct or gain_cap_gbp, not both"]


def test_a_partys_collar_is_a_percentage_or_an_amount_not_both(place_text: str):
    lines = _problems(_party(place_text, 2, loss_collar_pct=1))
    assert lines == [
        "risk_share.parties[2].loss_collar_pct: give loss_collar_pct or loss_collar_gbp, not both"
    ]


def test_a_partys_own_limits_override_the_agreements(place_text: str):
    rs = parse_place(place_text + RISK_SHARE).risk_share
    assert rs.limits("FED") == ((Decimal("2.0"), None), (None, Decimal("50000")))
    assert rs.limits("ACUTE") == ((Decimal("2.0"), None), (Decimal("2.5"), None))


def test_quality_gate_floor_must_be_below_the_threshold(place_text: str):
    lines = _problems(_with(place_text, quality_gate={"threshold": 0.6, "floor": 0.6}))
    assert lines == ["risk_share.quality_gate.floor: 0.6 must be below the threshold 0.6"]


def test_quality_gate_threshold_is_a_score_between_0_and_1(place_text: str):
    (line,) = _problems(_with(place_text, quality_gate={"threshold": 80}))
    assert line.startswith("risk_share.quality_gate.threshold: Input should be less than")


def test_quality_score_is_between_0_and_1(place_text: str):
    (line,) = _problems(_with(place_text, quality_score=74))
    assert line.startswith("risk_share.quality_score: Input should be less than or equal to 1")


def test_quality_score_without_a_gate_is_rejected(place_text: str):
    data = _data(place_text)
    del data["risk_share"]["quality_gate"]
    assert _problems(data) == [
        "risk_share.quality_score: is given but there is no quality_gate to apply it"
    ]


def test_quality_gate_factor_is_linear_between_floor_and_threshold():
    gate = QualityGate(threshold=Decimal("0.8"), floor=Decimal("0.5"))
    assert [gate.factor(Decimal(s)) for s in ("0.4", "0.5", "0.74", "0.8", "1")] == [
        0,
        0,
        Fraction(4, 5),
        1,
        1,
    ]
    cliff = QualityGate(threshold=Decimal("0.8"))
    assert [cliff.factor(Decimal(s)) for s in ("0.79", "0.8")] == [0, 1]


def test_a_party_is_listed_once(place_text: str):
    data = _data(place_text)
    parties = data["risk_share"]["parties"]
    parties[1]["organisation"] = "ACUTE"
    lines = _problems(data)
    assert "risk_share.parties[1].organisation: 'ACUTE' is listed twice" in lines


def test_a_setting_is_listed_once(place_text: str):
    lines = _problems(_with(place_text, settings=["community", "community"]))
    assert lines == ["risk_share.settings[1]: 'community' is listed twice"]


def test_the_agreement_needs_settings_and_parties(place_text: str):
    lines = _problems(_with(place_text, settings=[], parties=[]))
    assert any(x.startswith("risk_share.settings: List should have at least 1") for x in lines)
    assert any(x.startswith("risk_share.parties: List should have at least 1") for x in lines)


def test_missing_and_unknown_fields_are_reported_with_their_path(place_text: str):
    data = _with(place_text, colour="blue")
    del data["risk_share"]["incurring_band_pct"]
    lines = _problems(data)
    assert "risk_share.colour: is not a field of the place file" in lines
    assert "risk_share.incurring_band_pct: is required" in lines


def test_year_is_a_budget_year(place_text: str):
    (line,) = _problems(_with(place_text, year=1999))
    assert line.startswith("risk_share.year: Input should be greater than or equal to 2000")


def test_a_party_must_be_an_organisation(place_text: str):
    lines = _problems(_party(place_text, 1, organisation="NOPE"))
    assert lines == ["risk_share.parties[1].organisation: 'NOPE' is not an organisation code"]


def test_the_commissioner_must_be_an_organisation(place_text: str):
    lines = _problems(_with(place_text, commissioner="NHSE"))
    assert lines == ["risk_share.commissioner: 'NHSE' is not an organisation code"]


def test_the_commissioner_must_be_of_kind_commissioner(place_text: str):
    lines = _problems(_with(place_text, commissioner="ACUTE"))
    assert lines == ["risk_share.commissioner: 'ACUTE' is of kind acute_trust, not commissioner"]


def test_settings_must_be_in_the_setting_vocabulary(place_text: str):
    lines = _problems(_with(place_text, settings=["community", "hospital"]))
    assert lines == ["risk_share.settings[1]: 'hospital' is not in the setting vocabulary"]


def test_cross_reference_problems_are_reported_with_field_problems(place_text: str):
    data = _with(place_text, commissioner="LA", settings=["hospital"], risk_reserve_pct=200)
    data["risk_share"]["parties"][0]["organisation"] = "NOPE"
    data["practices"][0]["network"] = "NOWHERE"
    lines = _problems(data)
    assert lines[0].startswith("risk_share.risk_reserve_pct: Input should be less than")
    assert lines[1:] == [
        "practices[0].network: 'NOWHERE' is not a network code",
        "risk_share.parties[0].organisation: 'NOPE' is not an organisation code",
        "risk_share.commissioner: 'LA' is of kind council, not commissioner",
        "risk_share.settings[0]: 'hospital' is not in the setting vocabulary",
    ]


def test_agreement_problems_are_reported_together(place_text: str):
    data = _with(place_text, gain_cap_gbp=1, settings=["community", "community"])
    data["risk_share"]["parties"][0]["gain_share_pct"] = 10
    data["risk_share"]["parties"][3]["organisation"] = "ACUTE"
    assert _problems(data) == [
        "risk_share.gain_cap_pct: give gain_cap_pct or gain_cap_gbp, not both",
        "risk_share.settings[1]: 'community' is listed twice",
        "risk_share.parties[3].organisation: 'ACUTE' is listed twice",
        "risk_share.parties: gain_share_pct adds up to 70, not 100",
    ]
