"""Command line: init and place validation (exit code 2, no traceback, every problem)."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from oneplace.cli import app

runner = CliRunner()

PLACE = {
    "name": "Test place",
    "organisations": [{"code": "RF4", "name": "Acute trust", "kind": "acute_trust"}],
    "localities": [{"code": "L1", "name": "North", "community_hub": "Hub"}],
    "networks": [{"code": "N1", "name": "Network", "locality": "L1"}],
    "practices": [{"code": "F81001", "name": "Surgery", "network": "N1"}],
}


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "place.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_init_creates_a_workspace(tmp_path: Path):
    result = runner.invoke(
        app, ["init", str(tmp_path / "ws"), "--place", str(_write(tmp_path, PLACE))]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ws" / "oneplace.duckdb").exists()
    assert (tmp_path / "ws" / "place.yaml").exists()
    listing = runner.invoke(app, ["tables", str(tmp_path / "ws")])
    assert "activity" in listing.output and "quarantine" in listing.output


def test_init_twice_is_refused(tmp_path: Path):
    place = str(_write(tmp_path, PLACE))
    runner.invoke(app, ["init", str(tmp_path / "ws"), "--place", place])
    again = runner.invoke(app, ["init", str(tmp_path / "ws"), "--place", place])
    assert again.exit_code == 2
    assert "already a workspace" in again.output


def test_invalid_place_exits_2_listing_every_problem_without_traceback(tmp_path: Path):
    bad = dict(PLACE, organisations=[{"code": "RF4", "name": "A", "kind": "hospital"}])
    bad["networks"] = [{"code": "N1", "name": "N", "locality": "L9"}]
    result = runner.invoke(
        app, ["init", str(tmp_path / "ws"), "--place", str(_write(tmp_path, bad))]
    )
    assert result.exit_code == 2
    assert "organisations[0].kind: 'hospital' is not one of" in result.output
    assert "networks[0].locality: 'L9' is not a locality code" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "ws").exists()


def test_open_missing_workspace_exits_2(tmp_path: Path):
    result = runner.invoke(app, ["tables", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert "not a workspace" in result.output


def test_show_unknown_table_names_the_tables(tmp_path: Path):
    runner.invoke(app, ["init", str(tmp_path / "ws"), "--place", str(_write(tmp_path, PLACE))])
    result = runner.invoke(app, ["show", str(tmp_path / "ws"), "nonesuch"])
    assert result.exit_code == 2
    assert "person" in result.output and "quarantine" in result.output
