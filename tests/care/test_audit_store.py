"""The stored audit log: appended in the caller's transaction (a rolled-back access leaves no
event), append-only by trigger on both databases, serialised by the tail's row lock on
PostgreSQL, and verified against the stored tail, so tampering behind the triggers' back is
found."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from oneplace.care.audit_chain import GENESIS_HASH, ChainTail
from oneplace.care.audit_store import record, stored_events, stored_tail, verify_store
from oneplace.care.db import AuditTail

from .conftest import T0


def _fields(n: int, **changes: Any) -> dict[str, Any]:
    values = {
        "time": T0 + timedelta(minutes=n),
        "user_id": "u-1",
        "organisation": "FED",
        "role": "gp",
        "action": "patient_record.read",
        "patient_ref": f"patient-{n}",
        "reason": "P8: a member of the care team",
        "stated_reason": "",
        "outcome": "allowed",
        "break_glass": False,
    }
    values.update(changes)
    return values


def _record(db: Session, count: int) -> None:
    for n in range(1, count + 1):
        record(db, _fields(n))


def test_record_chains_events_and_moves_the_tail(db: Session) -> None:
    assert stored_tail(db) == ChainTail(0, GENESIS_HASH)
    first = record(db, _fields(1))
    second = record(db, _fields(2, outcome="refused", break_glass=True))
    assert (first.seq, second.seq, second.prev_hash) == (1, 2, first.hash)
    assert stored_tail(db) == ChainTail(2, second.hash)
    assert db.scalar(select(AuditTail.prev_hash)) == first.hash
    db.expire_all()
    assert stored_events(db) == [first, second]
    assert verify_store(db) == []


def test_a_rolled_back_access_leaves_no_event(db: Session) -> None:
    _record(db, 1)
    db.commit()  # the test's savepoint: the committed access stays
    record(db, _fields(2))
    db.rollback()  # the access fails: its event goes with it
    assert [e.seq for e in stored_events(db)] == [1]
    assert stored_tail(db).count == 1
    assert record(db, _fields(3)).seq == 2
    assert verify_store(db) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 1",
        "UPDATE audit_log SET seq = 9 WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 2",
        "DELETE FROM audit_log",
    ],
)
def test_audit_rows_cannot_be_updated_or_deleted(db: Session, statement: str) -> None:
    _record(db, 2)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(statement))
    assert len(stored_events(db)) == 2


def test_truncate_is_refused_on_postgresql(db: Session, dialect: str) -> None:
    if dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _record(db, 1)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("TRUNCATE audit_log"))


def _drop_triggers(db: Session, dialect: str) -> None:
    if dialect == "postgresql":
        db.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
    else:
        db.execute(text("DROP TRIGGER audit_log_no_update"))
        db.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_verify_finds_an_event_altered_behind_the_triggers(db: Session, dialect: str) -> None:
    _record(db, 3)
    _drop_triggers(db, dialect)  # rolled back with the test
    db.execute(text("UPDATE audit_log SET outcome = 'refused' WHERE seq = 2"))
    db.expire_all()
    problems = verify_store(db)
    assert [(p.seq, p.kind) for p in problems] == [(2, "hash")]


def test_verify_finds_a_removed_last_event(db: Session, dialect: str) -> None:
    _record(db, 3)
    _drop_triggers(db, dialect)
    db.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    problems = verify_store(db)
    assert [(p.seq, p.kind) for p in problems] == [(3, "tail")]
    with pytest.raises(RuntimeError, match="audit tail"):
        record(db, _fields(4))


def test_an_append_holds_the_tail_lock_until_its_transaction_ends(
    db: Session, dialect: str, care_engine: Engine
) -> None:
    if dialect != "postgresql":
        pytest.skip("SQLite serialises writers itself; FOR UPDATE is PostgreSQL's")
    _record(db, 1)  # holds the tail row's lock in the test's transaction
    with care_engine.connect() as other:
        with pytest.raises(OperationalError, match="lock"):
            other.execute(select(AuditTail).with_for_update(nowait=True))
        other.rollback()
