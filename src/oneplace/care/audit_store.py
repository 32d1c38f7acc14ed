"""The audit log in the database: appends in the caller's transaction, and verification.

Source: issue 6, "Audit": the event is written in the same transaction as the access, so a
rolled-back access leaves no event and an access cannot commit without one. ``record`` takes
the caller's session and never commits. The chain's tail (``audit_tail``: last seq and hash,
and the hash before it) is moved in that transaction too, so appends take turns, each
following the tail the one before it committed: on PostgreSQL under the tail row's lock,
taken by the one statement that numbers, hashes and inserts the event (the database computes
audit_chain's SHA-256; the result is checked here), and held to the commit; on SQLite under
the database's single write lock, with the event built here. Before appending, ``record``
checks, in one snapshot, that the log holds the event the tail names, and refuses to extend a
chain whose end was altered or removed.

Triggers from the migration refuse UPDATE and DELETE of audit rows; ``verify_store`` checks the
hash chain against the stored tail, so an event altered, removed or reordered behind the
triggers' back (by someone who can drop them) is still detected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Boolean, Connection, LargeBinary, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from .audit_chain import (
    AuditEvent,
    ChainProblem,
    ChainTail,
    append,
    canonical_around_seq,
    event_hash,
    event_values,
    verify,
)
from .db import AuditLogRow, AuditTail

_COLUMNS = tuple(AuditEvent.__dataclass_fields__)

_LOG, _TAIL = AuditLogRow.__table__, AuditTail.__table__
_VALUES = tuple(name for name in _COLUMNS if name not in ("seq", "prev_hash", "hash"))

# PostgreSQL: one statement takes the tail's lock, numbers and hashes the event and appends
# it; the transaction's commit releases the lock. The tail's lock is the one point every
# request passes through in turn, so it is held for a single round trip and the commit. The
# hash is audit_chain's (SHA-256 over the previous hash and the canonical event), computed
# by the database from the canonical event's bytes around the seq (``canonical_around_seq``),
# and checked again here before the commit.
_APPEND_PG = text(
    f"""
WITH moved AS (
    UPDATE audit_tail
    SET seq = seq + 1,
        prev_hash = hash,
        hash = encode(
            sha256(
                convert_to(hash, 'UTF8') || :before
                || convert_to((seq + 1)::text, 'UTF8') || :after
            ),
            'hex'
        )
    WHERE id = 1
    RETURNING seq, prev_hash, hash
)
INSERT INTO audit_log ({", ".join(_COLUMNS)})
SELECT moved.seq, {", ".join(":" + name for name in _VALUES)}, moved.prev_hash, moved.hash
FROM moved
RETURNING seq, prev_hash, hash
"""
).bindparams(
    bindparam("before", type_=LargeBinary),
    bindparam("after", type_=LargeBinary),
    bindparam("break_glass", type_=Boolean),
)

_CHECK_TAIL = (
    select(_TAIL.c.seq, _TAIL.c.hash, _LOG.c.hash.label("stored"))
    .select_from(_TAIL.outerjoin(_LOG, _LOG.c.seq == _TAIL.c.seq))
    .where(_TAIL.c.id == 1)
)
"""The tail and the hash the log holds for the event it names, read in one snapshot."""

# SQLite: the transaction already holds the database's one write lock (BEGIN IMMEDIATE).
_INSERT_EVENT = insert(_LOG)
_MOVE_TAIL = (
    update(_TAIL)
    .where(_TAIL.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"), prev_hash=bindparam("old"))
)


def _event(row: Any) -> AuditEvent:
    return AuditEvent(**{name: getattr(row, name) for name in _COLUMNS})


def record(session: Session, fields: Mapping[str, Any]) -> AuditEvent:
    """Append the event ``fields`` (``audit_chain.EVENT_FIELDS``) to the log in ``session``'s
    transaction, and move the tail; not committed. Refuses to append when the log does not
    hold the event the tail names, as stored (run the verification)."""
    connection = session.connection()
    tail = connection.execute(_CHECK_TAIL).one()
    if tail.seq and tail.stored != tail.hash:
        raise RuntimeError(
            f"the audit tail names event {tail.seq}, which the log does not hold as stored; "
            "run the audit verification"
        )
    if connection.dialect.name == "postgresql":
        return _append_in_database(connection, fields)
    previous = ChainTail(tail.seq, tail.hash) if tail.seq else None
    event = append(previous, fields)
    connection.execute(_INSERT_EVENT, {name: getattr(event, name) for name in _COLUMNS})
    connection.execute(
        _MOVE_TAIL, {"new_seq": event.seq, "new_hash": event.hash, "old": event.prev_hash}
    )
    return event


def _append_in_database(connection: Connection, fields: Mapping[str, Any]) -> AuditEvent:
    values = event_values(fields)
    before, after = canonical_around_seq(values)
    chained = connection.execute(_APPEND_PG, {**values, "before": before, "after": after}).one()
    event = AuditEvent(seq=chained.seq, prev_hash=chained.prev_hash, hash=chained.hash, **values)
    if event_hash(event) != event.hash:
        raise RuntimeError(f"the database hashed audit event {event.seq} differently")
    return event


def stored_events(session: Session) -> list[AuditEvent]:
    """Every stored event, in sequence order."""
    rows = session.connection().execute(select(_LOG).order_by(_LOG.c.seq))
    return [_event(row) for row in rows]


def stored_tail(session: Session) -> ChainTail:
    tail = session.connection().execute(select(_TAIL).where(_TAIL.c.id == 1)).one()
    return ChainTail(tail.seq, tail.hash)


def verify_store(session: Session) -> list[ChainProblem]:
    """``audit_chain.verify`` over the stored events against the stored tail: an empty list
    for an intact log."""
    session.flush()
    return verify(stored_events(session), expected_tail=stored_tail(session))
