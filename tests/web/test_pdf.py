"""``oneplace report --pdf``: the report page printed by headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oneplace.cli import app
from oneplace.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
runner = CliRunner()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_report_pdf_prints_the_page(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "board.html"
    result = runner.invoke(app, ["report", str(ws.path), "--out", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    # one section a page in print: several pages, not one long one
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 5
    assert not list(tmp_path.glob("*.writing"))


def test_without_chromium_the_pdf_is_refused_before_any_work(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEPLACE_CHROMIUM", str(tmp_path / "no-chromium-here"))
    out = tmp_path / "board.html"
    result = runner.invoke(app, ["report", str(ws.path), "--out", str(out), "--pdf"])
    assert result.exit_code != 0
    assert "needs Chromium" in result.output
    assert not out.exists()
