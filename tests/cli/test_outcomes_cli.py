"""`oneplace outcomes WORKSPACE`: indicator values, the framework's scorecard and the payout."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from oneplace.cli import app
from oneplace.run import run

runner = CliRunner()
FRAMEWORK = """\
outcomes:
  incentive_pool_pct: 1
  indicators:
    - {id: non_elective_admissions, baseline: 300, target: 200, weight: 1}
"""
WIDE = {"COLUMNS": "200"}


@pytest.fixture(scope="module")
def scored(tmp_path_factory, make_tiny_workspace, tiny_agreement_yaml: str):
    ws = make_tiny_workspace(tmp_path_factory.mktemp("cli"), tiny_agreement_yaml + FRAMEWORK)
    run(ws)
    return ws


def test_outcomes_prints_values_scores_and_payout(scored) -> None:
    result = runner.invoke(app, ["outcomes", str(scored.path), "--year", "2024"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Indicators, 2024/25" in result.output
    assert "non_elective_admissions" in result.output and "250.0" in result.output
    assert "OVERALL" in result.output and "0.5" in result.output
    assert "Incentive payout, 2024/25" in result.output and "30.00" in result.output


def test_outcomes_by_locality(scored) -> None:
    result = runner.invoke(app, ["outcomes", str(scored.path), "--level", "locality"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "North" in result.output and "South" in result.output


def test_outcomes_refuses_an_unknown_level_and_year(scored) -> None:
    result = runner.invoke(app, ["outcomes", str(scored.path), "--level", "ward"])
    assert result.exit_code == 2 and "'ward' is not one of" in result.output
    result = runner.invoke(app, ["outcomes", str(scored.path), "--year", "1999"])
    assert result.exit_code == 2 and "no values for 1999" in result.output


def test_outcomes_without_a_framework_says_so(tiny_workspace) -> None:
    run(tiny_workspace)
    result = runner.invoke(app, ["outcomes", str(tiny_workspace.path)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "declares no outcomes framework" in result.output


def test_outcomes_before_a_run_is_refused(tmp_path: Path, make_tiny_workspace) -> None:
    ws = make_tiny_workspace(tmp_path)
    result = runner.invoke(app, ["outcomes", str(ws.path)])
    assert result.exit_code == 2 and "run 'oneplace run' first" in result.output
