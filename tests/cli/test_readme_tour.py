"""The README's tour, executed command by command, so that it never rots (Splink habit).

Each ``oneplace ...`` line of the tour's shell block runs through the CLI in a scratch
folder, in order, as a newcomer would type it; only the population is made smaller.
"""

from __future__ import annotations

import csv
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oneplace.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"
SMALL = "1500"


def tour_commands() -> list[list[str]]:
    """The ``oneplace`` commands of the README's "A short tour" shell block, comments dropped."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## A short tour", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's tour has no ```sh block"
    commands = []
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("oneplace "):
            commands.append(shlex.split(line)[1:])
    return commands


def test_the_tour_covers_every_step_of_the_issue():
    verbs = {c[0] for c in tour_commands()}
    assert {"synth", "init", "load", "quarantine", "run", "tables", "show", "export"} <= verbs
    assert {"sync-worklists", "audit"} <= verbs


def test_the_readme_tour_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    for name in ("ENVIRONMENT", "DATABASE_URL", "TOKEN_SECRET", "PSEUDONYM_SECRET"):
        monkeypatch.delenv(f"ONEPLACE_{name}", raising=False)
    runner = CliRunner()
    outputs = []
    for args in tour_commands():
        args = [SMALL if a == "50000" else a for a in args]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"oneplace {' '.join(args)}\n{result.output}"
        outputs.append((args, result.output))

    loads = [(a, out) for a, out in outputs if a[0] == "load"]
    first_activity, again = [out for a, out in loads if a[2] == "activity"]
    assert "loaded" in first_activity
    assert "already loaded" in again and "nothing changed" in again
    shown = dict((a[0], out) for a, out in outputs)
    assert "hospital_share" in shown["tables"]
    assert "people flagged" in shown["sync-worklists"] and "gp." in shown["sync-worklists"]
    assert "the audit log is intact" in shown["audit"]
    with (tmp_path / "spend.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and {"fy", "setting", "organisation_code", "locality_code", "cost_gbp"} <= set(
        rows[0]
    )
