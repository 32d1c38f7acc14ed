"""`oneplace settle WORKSPACE`: the run settles the place's risk share from its spend, and the
command prints one statement per partner and one for the system."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oneplace.cli import app
from oneplace.run import run
from oneplace.workspace import Workspace

runner = CliRunner()

# 2024/25 spend in the tiny place (tests/conftest.py): ACUTE 2,500.10 (acute_non_elective),
# COMM 120.55 (community), LA 3,000.00 (social_care), FED 42.00 and P2 42.00 (primary care),
# against the budgets of TINY_AGREEMENT (tests/conftest.py).

# By hand (docs/risk-share.md, rules R1-R8):
#   ACUTE v = 2400 - 2500.10 = -100.10; keeps -24.00 (1% of 2400), pools -76.10
#   COMM  v = 150 - 120.55 = +29.45;    keeps +1.50,                pools +27.95
#   LA    v = 3100 - 3000 = +100.00;    keeps +31.00,               pools +69.00
#   pooled gain 20.85, within the shared band (5% of 6000): ACUTE 50% 10.425 -> 10.42,
#   COMM 20% 4.17, LA 4.17, ICB 10% 2.085 -> 2.08; the 1p left over goes to ICB (R8).
EXPECTED = {
    "ACUTE": Decimal("-13.58"),
    "COMM": Decimal("5.67"),
    "LA": Decimal("35.17"),
    "ICB": Decimal("2.09"),
}


@pytest.fixture
def settled(tmp_path: Path, make_tiny_workspace, tiny_agreement_yaml: str) -> Workspace:
    ws = make_tiny_workspace(tmp_path, tiny_agreement_yaml)
    run(ws)
    return ws


def test_the_run_settles_each_partner_to_the_penny(settled: Workspace) -> None:
    statements = settled.settlement()
    assert statements["fy"] == 2024
    got = {p["party"]: p["amount_gbp"] for p in statements["parties"]}
    assert {k: v for k, v in got.items() if k in EXPECTED} == EXPECTED
    assert sum(got.values()) == Decimal("29.35")  # the total variance: 29.35


def test_settle_prints_a_statement_per_partner_and_the_system(settled: Workspace) -> None:
    result = runner.invoke(app, ["settle", str(settled.path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("Tiny Hospitals Trust", "Tiny Community Trust", "Tiny Council", "Tiny ICB"):
        assert name in result.output
    assert "Tiny risk share: the system, 2024/25" in result.output
    assert "-13.58" in result.output and "35.17" in result.output
    assert "R4" in result.output and "R8" in result.output


def test_settle_refuses_a_year_that_was_not_settled(settled: Workspace) -> None:
    result = runner.invoke(app, ["settle", str(settled.path), "--year", "2019"])
    assert result.exit_code == 2
    assert "no settlement for 2019" in result.output


def test_settle_refuses_a_place_without_an_agreement(tiny_workspace: Workspace) -> None:
    run(tiny_workspace)
    result = runner.invoke(app, ["settle", str(tiny_workspace.path)])
    assert result.exit_code == 2
    assert "no risk_share agreement" in result.output
