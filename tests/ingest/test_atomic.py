"""A batch lands whole or not at all, and lands once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from ingest_helpers import ACTIVITY_HEADER

from oneplace.ingest import batch_id, load, load_file
from oneplace.workspace import Workspace

CHILD = """
import sys, time
from pathlib import Path
from oneplace.ingest import load_file
from oneplace.workspace import Workspace

def progress(stage, fraction):
    if sys.argv[4] == "block" and (stage, fraction) == ("write", 0.5):
        print("in transaction", flush=True)
        time.sleep(120)

load_file(Workspace.open(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), progress)
print("committed", flush=True)
"""


def _snapshot(ws: Workspace) -> dict[str, list[tuple]]:
    with ws.connect(read_only=True) as con:
        return {
            t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall()
            for t in ("person", "activity", "quarantine", "batches")
        }


def _child(ws: Workspace, path: Path, mode: str = "run", **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ws.path), "activity", str(path), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def _mixed_batch(write_csv) -> Path:
    return write_csv(
        "activity.csv",
        ACTIVITY_HEADER,
        "A1,P1,RXX,outpatient,2024-02-01,2024-02-01,,10.00",
        "A2,P1,RXX,outpatient,2024-02-01,2024-02-01,,-10.00",
        "A3,P2,ZZZ,outpatient,2024-02-01,2024-02-01,,10.00",
    )


@pytest.mark.parametrize("point", ["insert", "quarantine", "batch"])
def test_process_dying_inside_the_transaction_leaves_workspace_unchanged(
    based_ws: Workspace, write_csv, point: str
):
    path = _mixed_batch(write_csv)
    before = _snapshot(based_ws)
    child = _child(based_ws, path, ONEPLACE_TEST_DIE_AFTER=point)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 1, err
    assert "committed" not in out
    assert _snapshot(based_ws) == before
    result = load_file(based_ws, "activity", path)
    assert (result.already_loaded, result.loaded, result.rejected, result.warned) == (
        False,
        2,
        1,
        1,
    )


def test_sigkill_inside_the_transaction_leaves_workspace_unchanged(
    based_ws: Workspace, tmp_path: Path
):
    # A big batch, so that the killed transaction has written real data blocks.
    path = tmp_path / "activity.parquet"
    with duckdb.connect() as con:
        con.execute(
            "COPY (SELECT 'B' || i AS activity_id, 'P' || (1 + i % 3) AS person_id, "
            "'RXX' AS provider_code, 'outpatient' AS setting, DATE '2024-02-01' AS start_date, "
            "DATE '2024-02-01' AS end_date, NULL::VARCHAR AS admission_method, "
            "CAST(CASE WHEN i % 1000 = 0 THEN -1 ELSE 100 END AS DECIMAL(14,2)) AS cost_gbp "
            f"FROM range(300000) t(i)) TO '{path}' (FORMAT parquet)"
        )
    before = _snapshot(based_ws)
    child = _child(based_ws, path, "block")
    try:
        assert child.stdout.readline().strip() == "in transaction"
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert _snapshot(based_ws) == before
    result = load_file(based_ws, "activity", path)
    assert (result.loaded, result.rejected) == (299_700, 300)


def test_error_inside_the_transaction_rolls_back(
    based_ws: Workspace, write_csv, monkeypatch: pytest.MonkeyPatch
):
    path = _mixed_batch(write_csv)
    before = _snapshot(based_ws)

    def fail(point: str) -> None:
        if point == "batch":
            raise RuntimeError("disk full")

    monkeypatch.setattr(load, "_die_after", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        load_file(based_ws, "activity", path)
    assert _snapshot(based_ws) == before
    monkeypatch.undo()
    assert load_file(based_ws, "activity", path).loaded == 2


def test_same_content_loads_once(based_ws: Workspace, write_csv):
    path = _mixed_batch(write_csv)
    first = load_file(based_ws, "activity", path)
    after_first = _snapshot(based_ws)
    again = load_file(based_ws, "activity", path)
    assert again.already_loaded and not first.already_loaded
    assert again.batch_id == first.batch_id
    assert (again.rows_read, again.loaded, again.rejected, again.warned) == (3, 2, 1, 1)
    assert again.reasons == first.reasons
    assert _snapshot(based_ws) == after_first


def test_same_content_under_another_name_is_already_loaded(based_ws: Workspace, write_csv):
    path = _mixed_batch(write_csv)
    load_file(based_ws, "activity", path)
    after_first = _snapshot(based_ws)
    copy = path.with_name("activity_resent.csv")
    shutil.copyfile(path, copy)
    assert load_file(based_ws, "activity", copy).already_loaded
    assert _snapshot(based_ws) == after_first


def test_changed_content_is_a_new_batch(based_ws: Workspace, write_csv):
    first = load_file(based_ws, "activity", _mixed_batch(write_csv))
    path = write_csv(
        "activity2.csv", ACTIVITY_HEADER, "A9,P1,RXX,outpatient,2024-02-01,2024-02-01,,1.00"
    )
    second = load_file(based_ws, "activity", path)
    assert not second.already_loaded and second.batch_id != first.batch_id
    with based_ws.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM batches").fetchone() == (4,)  # 2 base + 2


def test_batch_identity_includes_the_table():
    assert batch_id("person", "ab" * 32) != batch_id("activity", "ab" * 32)
    assert batch_id("person", "ab" * 32) == batch_id("person", "ab" * 32)


def test_batch_is_recorded(based_ws: Workspace, write_csv):
    path = _mixed_batch(write_csv)
    result = load_file(based_ws, "activity", path)
    with based_ws.connect(read_only=True) as con:
        row = con.execute(
            'SELECT "table", file, rows_read, rows_loaded, rows_rejected, rows_warned '
            "FROM batches WHERE batch_id = ?",
            [result.batch_id],
        ).fetchone()
    assert row == ("activity", str(path), 3, 2, 1, 1)
