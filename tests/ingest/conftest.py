"""Fixtures for the loader: a tiny place, an empty workspace, and a CSV writer."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_helpers import CORPUS

from oneplace.ingest import load_file
from oneplace.workspace import Workspace

INGEST_PLACE = """\
name: Corpus Place
organisations:
  - {code: RXX, name: Corpus Hospital Trust, kind: acute_trust}
  - {code: LA1, name: Corpus Council, kind: council}
localities:
  - {code: L1, name: Riverside, community_hub: Riverside Hub}
networks:
  - {code: N1, name: Riverside PCN, locality: L1}
practices:
  - {code: Y001, name: Riverside Surgery, network: N1}
budgets:
  - {year: 2024, total_gbp: 1000000}
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """An empty workspace on the corpus place."""
    place = tmp_path / "place.yaml"
    place.write_text(INGEST_PLACE)
    return Workspace.create(tmp_path / "ws", place)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """write_csv(name, header, *rows) -> path of a CSV file in a scratch folder."""
    folder = tmp_path / "files"
    folder.mkdir()

    def write(name: str, header: str, *rows: str) -> Path:
        path = folder / name
        path.write_text("\n".join([header, *rows]) + "\n")
        return path

    return write


@pytest.fixture
def based_ws(ws: Workspace, tmp_path: Path) -> Workspace:
    """The workspace with the corpus's base people (P1, P2, P3 died 2023-06-30) and A0."""
    for table in ("person", "activity"):
        src = tmp_path / f"base_{table}.csv"
        shutil.copyfile(CORPUS / "base" / f"{table}.csv", src)
        result = load_file(ws, table, src)
        assert result.rejected == 0 and result.warned == 0, result.reasons
    return ws
