"""A run with an outcomes framework: indicator values, scores, the incentive payout and the
risk-share quality gate fed by the overall score, worked by hand on the tiny place."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from oneplace.run import run
from oneplace.workspace import Workspace

# The tiny place's 2024/25 (tests/conftest.py): 4 people registered on 1 October 2024 (A, D
# at P1; B, C at P2) and one emergency admission (A, 2 May 2024): 250 per 1,000. Baseline
# 300, target 200: attainment (250 - 300) / (200 - 300) = 0.5, the overall score 0.5.
GATE = """\
  quality_gate: {threshold: 0.8, floor: 0.4}
"""
OUTCOMES = """\
outcomes:
  incentive_pool_pct: 1
  indicators:
    - {id: non_elective_admissions, baseline: 300, target: 200, weight: 1}
"""


@pytest.fixture(scope="module")
def scored(tmp_path_factory, make_tiny_workspace, tiny_agreement_yaml: str) -> Workspace:
    # The tiny agreement (tests/conftest.py) with a quality gate, and the framework.
    ws = make_tiny_workspace(
        tmp_path_factory.mktemp("outcomes"), tiny_agreement_yaml + GATE + OUTCOMES
    )
    run(ws)
    return ws


def _rows(ws: Workspace, sql: str) -> list[tuple]:
    with ws.connect() as con:
        return con.execute(sql).fetchall()


def test_the_place_value_is_the_rate_per_1000(scored: Workspace) -> None:
    (row,) = _rows(
        scored,
        "SELECT numerator, denominator, value, method FROM indicator_values "
        "WHERE indicator_id = 'non_elective_admissions' AND level = 'place' AND fy = 2024",
    )
    assert row[:3] == (1.0, 4.0, 250.0)
    assert row[3] == "exact Poisson"


def test_scores_follow_attainment_and_the_weighted_mean(scored: Workspace) -> None:
    got = dict(_rows(scored, "SELECT indicator_id, attainment FROM outcome_scores WHERE fy = 2024"))
    assert got == {"non_elective_admissions": 0.5, "OVERALL": 0.5}


def test_the_incentive_pool_is_paid_by_attainment(scored: Workspace) -> None:
    # 1% of £6,000.00 = £60.00; half earned, split over the parties other than the
    # commissioner (ACUTE, COMM, LA); the commissioner keeps the other half.
    got = dict(
        _rows(scored, "SELECT organisation, amount_gbp FROM incentive_payout WHERE fy = 2024")
    )
    assert got == {
        "ACUTE": Decimal("10.00"),
        "COMM": Decimal("10.00"),
        "LA": Decimal("10.00"),
        "ICB": Decimal("30.00"),
    }


def test_the_overall_score_drives_the_quality_gate(scored: Workspace) -> None:
    # Without the gate (tests/cli/test_settle.py): ACUTE -13.58, COMM 5.67, LA 35.17, ICB
    # 2.09. The score 0.5 lies between the floor 0.4 and the threshold 0.8: gains are paid at
    # (0.5 - 0.4) / (0.8 - 0.4) = 0.25: COMM 1.4175 -> 1.42, LA 8.7925 -> 8.79; the loss is
    # not scaled, and the commissioner's own share is not gated. The withheld 4.25 + 26.38
    # goes to ICB: 2.09 + 30.63 = 32.72. The total is still the variance, 29.35.
    statements = scored.settlement()
    got = {p["party"]: p["amount_gbp"] for p in statements["parties"]}
    assert got["ACUTE"] == Decimal("-13.58")
    assert got["COMM"] == Decimal("1.42")
    assert got["LA"] == Decimal("8.79")
    assert got["ICB"] == Decimal("32.72")
    assert sum(got.values()) == Decimal("29.35")
    gate = _rows(
        scored,
        "SELECT description FROM settlement WHERE rule = 'R6' AND party = 'COMM'",
    )
    assert any("0.5" in d for (d,) in gate)


def test_every_unit_level_has_values(scored: Workspace, tmp_path: Path) -> None:
    levels = {
        level
        for (level,) in _rows(
            scored,
            "SELECT DISTINCT level FROM indicator_values WHERE indicator_id = 'ae_attendances'",
        )
    }
    assert levels == {"place", "locality", "network", "practice", "imd_quintile", "sex", "age_band"}


OWN = """\
outcomes:
  definitions:
    - id: community_contacts
      name: Community contacts per 1,000
      statistic: rate
      multiplier: 1000
      better: higher
      numerator: {kind: activity, activity: {settings: [community]}}
      denominator: population
      source: the partnership's own
  indicators:
    - {id: community_contacts, baseline: 100, target: 300, weight: 1}
"""


def test_a_place_own_indicator_is_counted_and_scored(tmp_path: Path, make_tiny_workspace) -> None:
    # B's community contact on 15 March 2025, among 4 people: 250 per 1,000; attainment
    # (250 - 100) / (300 - 100) = 0.75.
    ws = make_tiny_workspace(tmp_path, OWN)
    run(ws)
    (row,) = _rows(
        ws,
        "SELECT value FROM indicator_values WHERE indicator_id = 'community_contacts' "
        "AND level = 'place' AND fy = 2024",
    )
    assert row == (250.0,)
    got = dict(_rows(ws, "SELECT indicator_id, attainment FROM outcome_scores WHERE fy = 2024"))
    assert got == {"community_contacts": 0.75, "OVERALL": 0.75}
