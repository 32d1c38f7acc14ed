"""`oneplace demo --engine spark` works and gives the DuckDB answer."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from oneplace.cli import app

pytestmark = pytest.mark.spark
runner = CliRunner()
RESULTS = (
    "population",
    "spend",
    "hospital_share",
    # The money results: the synthetic place has budgets and a risk-share agreement.
    "fair_shares",
    "spend_against_budget",
    "hospital_share_to_date",
    "spend_by_month",
    "spend_concentration",
    "budget_projection",
    "settlement",
    # The outcomes results: counts on each engine, then the same Python statistics.
    "indicator_cells",
    "indicator_monthly",
    "indicator_values",
    "outcome_scores",
    "incentive_payout",
)


def _results(folder: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(folder / "workspace" / "oneplace.duckdb"), read_only=True) as con:
        return {
            name: sorted(
                con.execute(f'SELECT * EXCLUDE (run_id) FROM "{name}"').fetchall(),
                key=repr,
            )
            for name in RESULTS
        }


def test_demo_on_spark_matches_duckdb(tmp_path: Path):
    on = {}
    for engine in ("duckdb", "spark"):
        folder = tmp_path / engine
        result = runner.invoke(
            app,
            ["demo", "--people", "1500", "--dir", str(folder), "--engine", engine, "--no-serve"],
        )
        assert result.exit_code == 0, result.output
        assert (folder / "report.html").exists()
        on[engine] = _results(folder)
    for name in RESULTS:
        assert on["spark"][name] == on["duckdb"][name], name
