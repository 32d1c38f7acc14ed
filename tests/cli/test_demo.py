"""The README's demo, executed so that it never rots (Splink habit)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from oneplace.care.demo import read_sign_ins
from oneplace.cli import app

runner = CliRunner()


def test_demo_runs_end_to_end_and_writes_a_self_contained_report(tmp_path: Path):
    result = runner.invoke(app, ["demo", "--people", "3000", "--dir", str(tmp_path), "--no-serve"])
    assert result.exit_code == 0, result.output
    report = tmp_path / "report.html"
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']https?://", html), "report must not need a CDN"
    with duckdb.connect(str(tmp_path / "workspace" / "oneplace.duckdb"), read_only=True) as con:
        people = con.execute("SELECT count(*) FROM person").fetchone()[0]
        runs = con.execute("SELECT count(*) FROM runs WHERE finished_at IS NOT NULL").fetchone()[0]
        share = con.execute(
            "SELECT hospital_share FROM hospital_share WHERE locality_code = 'ALL' "
            "ORDER BY fy DESC LIMIT 1"
        ).fetchone()[0]
    assert people == 3000
    assert runs == 1
    assert 0.3 < share < 0.7  # most of the money goes to hospitals (acute about half)
    # the care plane is ready to serve: worklists from the run and demo sign-ins
    assert "care plane: worklists of" in result.output and "coordinator." in result.output
    with sqlite3.connect(tmp_path / "workspace" / "care.db") as con:
        entries = con.execute("SELECT count(*) FROM worklist_entries").fetchone()[0]
        users = con.execute("SELECT count(*) FROM users").fetchone()[0]
    assert entries > 0 and users == 15


def test_demo_twice_in_the_same_folder_starts_afresh(tmp_path: Path):
    for _ in range(2):
        result = runner.invoke(
            app, ["demo", "--people", "1000", "--dir", str(tmp_path), "--no-serve"]
        )
        assert result.exit_code == 0, result.output
    with duckdb.connect(str(tmp_path / "workspace" / "oneplace.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM person").fetchone()[0] == 1000


def test_demo_ends_by_serving_the_dashboard_with_its_demo_sign_ins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serving
):
    import urllib.parse
    import urllib.request

    for name in ("ENVIRONMENT", "DATABASE_URL", "TOKEN_SECRET", "PSEUDONYM_SECRET"):
        monkeypatch.delenv(f"ONEPLACE_{name}", raising=False)
    demo = ["demo", "--people", "1000", "--dir", str(tmp_path)]
    with serving(demo, start_within=180) as (base, _process):
        with urllib.request.urlopen(f"{base}/public/", timeout=30) as page:
            assert "public" in page.read().decode().lower()
        username, _role, password = read_sign_ins(tmp_path / "workspace")[0]
        form = urllib.parse.urlencode({"username": username, "password": password}).encode()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(f"{base}/sign-in", data=form, timeout=30) as signed_in:
            assert signed_in.url == f"{base}/"
            assert 'id="kpi-people"' in signed_in.read().decode()
