"""The audit log in the database: appends in the caller's transaction, and verification.

Source: issue 6, "Audit": the event is written in the same transaction as the access, so a
rolled-back access leaves no event and an access cannot commit without one. ``record`` takes
the caller's session and never commits. The chain's tail (``audit_tail``: last seq and hash) is
read and updated in that transaction too; on PostgreSQL the read takes the tail row's lock
(``SELECT ... FOR UPDATE``), so concurrent appends take turns, each seeing the tail the one
before it committed. SQLite allows one writer at a time and needs no lock.

Triggers from the migration refuse UPDATE and DELETE of audit rows; ``verify_store`` checks the
hash chain against the stored tail, so an event altered, removed or reordered behind the
triggers' back (by someone who can drop them) is still detected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit_chain import AuditEvent, ChainProblem, ChainTail, append, verify
from .db import AuditLogRow, AuditTail

_COLUMNS = tuple(AuditEvent.__dataclass_fields__)


def _event(row: AuditLogRow) -> AuditEvent:
    return AuditEvent(**{name: getattr(row, name) for name in _COLUMNS})


def _locked_tail(session: Session) -> AuditTail:
    statement = (
        select(AuditTail)
        .where(AuditTail.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(statement).scalar_one()


def record(session: Session, fields: Mapping[str, Any]) -> AuditEvent:
    """Append the event ``fields`` (``audit_chain.EVENT_FIELDS``) to the log in ``session``'s
    transaction, and move the tail; flushed, not committed. Refuses to append when the log
    does not hold the event the tail names, as stored (run the verification)."""
    tail = _locked_tail(session)
    previous = None
    if tail.seq:
        stored = session.scalar(select(AuditLogRow.hash).where(AuditLogRow.seq == tail.seq))
        if stored != tail.hash:
            raise RuntimeError(
                f"the audit tail names event {tail.seq}, which the log does not hold as "
                "stored; run the audit verification"
            )
        previous = ChainTail(tail.seq, tail.hash)
    event = append(previous, fields)
    session.add(AuditLogRow(**{name: getattr(event, name) for name in _COLUMNS}))
    tail.seq, tail.hash = event.seq, event.hash
    session.flush()
    return event


def stored_events(session: Session) -> list[AuditEvent]:
    """Every stored event, in sequence order."""
    rows = session.execute(select(AuditLogRow).order_by(AuditLogRow.seq)).scalars()
    return [_event(row) for row in rows]


def stored_tail(session: Session) -> ChainTail:
    tail = session.execute(select(AuditTail).where(AuditTail.id == 1)).scalar_one()
    return ChainTail(tail.seq, tail.hash)


def verify_store(session: Session) -> list[ChainProblem]:
    """``audit_chain.verify`` over the stored events against the stored tail: an empty list
    for an intact log."""
    session.flush()
    return verify(stored_events(session), expected_tail=stored_tail(session))
