"""Helpers the loader tests share (imported by name: tests/ingest is on sys.path)."""

from __future__ import annotations

from pathlib import Path

from oneplace.workspace import Workspace

CORPUS = Path(__file__).parents[1] / "corpus"

PERSON_HEADER = "person_id,year_of_birth,sex,lsoa,imd_decile,date_of_death"
ACTIVITY_HEADER = (
    "activity_id,person_id,provider_code,setting,start_date,end_date,admission_method,cost_gbp"
)


def count(ws: Workspace, table: str) -> int:
    with ws.connect(read_only=True) as con:
        return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def quarantined(ws: Workspace) -> list[tuple[int, str, str, str]]:
    """(row, column, rule, severity) of every quarantine row, sorted."""
    with ws.connect(read_only=True) as con:
        rows = con.execute(
            'SELECT "row", "column", rule, severity FROM quarantine ORDER BY ALL'
        ).fetchall()
    return [tuple(r) for r in rows]
