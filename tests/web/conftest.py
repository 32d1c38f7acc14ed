"""Fixtures for the report tests: a workspace holding one run's hand-made result tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from oneplace.workspace import Workspace

from .results import BUDGET_YAML, PLACE_YAML, insert_results


@pytest.fixture
def place_file(tmp_path: Path) -> Path:
    path = tmp_path / "place.yaml"
    path.write_text(PLACE_YAML + BUDGET_YAML, encoding="utf-8")
    return path


@pytest.fixture
def empty_ws(tmp_path: Path, place_file: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", place_file)


@pytest.fixture
def ws(empty_ws: Workspace) -> Workspace:
    insert_results(empty_ws, "run-2025-06-01", datetime(2025, 6, 1, 14, 30))
    return empty_ws
