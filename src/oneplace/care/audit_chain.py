"""The care plane's audit log: append-only and hash-chained, so that altering, deleting,
inserting or reordering an event is detected.

Source: issue 6, "Audit": every read and write of identifiable data writes an event (who,
organisation, role, what, which patient, when, why, outcome, refusals included) in the same
transaction as the access; the log is append-only and hash-chained; ``oneplace audit verify``
detects any altered, deleted or reordered event. The chain is the construction of RFC 6962's
and git's hash chains in its simplest form: each event's hash is SHA-256 (FIPS 180-4) over the
previous event's hash followed by the event's canonical serialisation (JSON with sorted keys
and no insignificant whitespace, RFC 8259, encoded as UTF-8). The first event follows
``GENESIS_HASH``.

A chain alone cannot show that events were cut off its end, nor that a well-formed event was
appended by someone other than the service; ``verify(events, expected_tail=...)`` checks the
chain against a tail (count and last hash) kept apart from the log. To check against an older
checkpoint, verify the prefix: ``verify(events[:checkpoint.count], expected_tail=checkpoint)``.

An event refers to a patient by the care plane's patient id or the keyed pseudonym, never by
NHS number: ``append`` refuses a patient reference that is a valid NHS number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

from .nhs_number import is_valid as is_nhs_number
from .policy import Action, Context, Decision, Resource, User

GENESIS_HASH = "0" * 64
"""The "previous hash" of the first event."""

OUTCOMES = ("allowed", "refused")


@dataclass(frozen=True)
class AuditEvent:
    """One audited decision. ``reason`` names the policy rule that decided ("P8: ...");
    ``stated_reason`` is what the user gave (required for break-glass)."""

    seq: int
    time: str  # UTC, ISO 8601 with microseconds: 2025-03-01T09:30:00.000000Z
    user_id: str
    organisation: str
    role: str
    action: str  # resource kind and action: "patient_record.read"
    patient_ref: str | None  # care-plane patient id or keyed pseudonym; None if no patient
    reason: str
    stated_reason: str
    outcome: str  # "allowed" or "refused"
    break_glass: bool
    prev_hash: str
    hash: str


EVENT_FIELDS = tuple(
    f.name for f in fields(AuditEvent) if f.name not in ("seq", "prev_hash", "hash")
)
"""The fields a caller gives ``append``; the chain supplies seq, prev_hash and hash."""


@dataclass(frozen=True)
class ChainTail:
    """The number of events and the hash of the last, stored apart from the log."""

    count: int
    hash: str


@dataclass(frozen=True)
class ChainProblem:
    """A break in the chain at ``seq``, the sequence number the event at that place should
    have (for a missing tail, the first missing number)."""

    seq: int
    kind: str  # "sequence", "link", "hash" or "tail"
    message: str

    def __str__(self) -> str:
        return f"event {self.seq}: {self.message}"


def utc_timestamp(moment: datetime) -> str:
    """``moment`` (timezone-aware) as UTC ISO 8601 with microseconds and a Z."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an audit time must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every field except ``prev_hash`` (hashed in front of them)
    and ``hash``, as sorted-key compact JSON in UTF-8."""
    body = {k: v for k, v in asdict(event).items() if k not in ("prev_hash", "hash")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: AuditEvent) -> str:
    """SHA-256 (hex) over the previous hash followed by the canonical event."""
    return hashlib.sha256(event.prev_hash.encode("ascii") + canonical(event)).hexdigest()


def event_values(event_fields: Mapping[str, Any]) -> dict[str, Any]:
    """``event_fields`` (exactly ``EVENT_FIELDS``, ``time`` a timezone-aware datetime) checked,
    with the time as stored: the values of an event before the chain numbers and hashes it."""
    given, wanted = set(event_fields), set(EVENT_FIELDS)
    if given != wanted:
        raise ValueError(
            f"audit event fields: missing {sorted(wanted - given)}, unknown {sorted(given - wanted)}"
        )
    values = dict(event_fields)
    values["time"] = utc_timestamp(values["time"])
    if values["outcome"] not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {OUTCOMES}, got {values['outcome']!r}")
    if not isinstance(values["break_glass"], bool):
        raise ValueError("audit break_glass must be True or False")
    ref = values["patient_ref"]
    if ref is not None and is_nhs_number(ref):
        raise ValueError("an audit event refers to a patient by id or pseudonym, not NHS number")
    for name in EVENT_FIELDS:
        if name not in ("patient_ref", "break_glass") and not isinstance(values[name], str):
            raise ValueError(f"audit {name} must be text")
    return values


_SEQ_MARK = b',"seq":0,'


def canonical_around_seq(values: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """The canonical serialisation of an event with ``values`` (``event_values``), cut where
    its sequence number goes: ``canonical(event) == before + str(event.seq) + after`` in
    UTF-8. Lets a database that numbers the event also hash it (``audit_store``). The keys
    sort as "role" < "seq" < "stated_reason", and every quote inside a value is escaped, so
    the mark is found exactly once."""
    body = canonical(AuditEvent(seq=0, prev_hash="", hash="", **values))
    if body.count(_SEQ_MARK) != 1:
        raise AssertionError("the canonical event must hold its seq exactly once")
    before, _, after = body.partition(_SEQ_MARK)
    return before + b',"seq":', b"," + after


def append(
    chain_tail: AuditEvent | ChainTail | None, event_fields: Mapping[str, Any]
) -> AuditEvent:
    """The event that follows ``chain_tail`` (the last event, or the stored tail: its count is
    the last seq; None for the first event) with ``event_fields``: exactly ``EVENT_FIELDS``,
    ``time`` a timezone-aware datetime."""
    values = event_values(event_fields)
    if chain_tail is None:
        seq, prev_hash = 1, GENESIS_HASH
    elif isinstance(chain_tail, ChainTail):
        seq, prev_hash = chain_tail.count + 1, chain_tail.hash
    else:
        seq, prev_hash = chain_tail.seq + 1, chain_tail.hash
    unhashed = AuditEvent(seq=seq, prev_hash=prev_hash, hash="", **values)
    return AuditEvent(**{**asdict(unhashed), "hash": event_hash(unhashed)})


def tail_of(events: Sequence[AuditEvent]) -> ChainTail:
    """The tail to store beside the log after the last append."""
    return ChainTail(len(events), events[-1].hash if events else GENESIS_HASH)


def verify(
    events: Sequence[AuditEvent], expected_tail: ChainTail | None = None
) -> list[ChainProblem]:
    """Every break in ``events`` (in stored order), the first naming the first bad event; an
    empty list for an intact chain. With ``expected_tail``, also a chain shorter or longer
    than the stored tail, or ending in another event."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS_HASH
    for place, event in enumerate(events, start=1):
        if event.seq != place:
            problems.append(
                ChainProblem(
                    place, "sequence", f"sequence number {event.seq} stands where {place} should"
                )
            )
        if event.prev_hash != prev_hash:
            problems.append(
                ChainProblem(
                    place,
                    "link",
                    "its previous hash is not the hash of the event before it "
                    "(an event before it was altered, removed or inserted, or this one was)",
                )
            )
        if event_hash(event) != event.hash:
            problems.append(
                ChainProblem(place, "hash", "its content does not match its hash (altered)")
            )
        prev_hash = event.hash
    if expected_tail is not None:
        if len(events) != expected_tail.count:
            problems.append(
                ChainProblem(
                    min(len(events), expected_tail.count) + 1,
                    "tail",
                    f"the log holds {len(events)} events, the stored tail says {expected_tail.count}",
                )
            )
        elif tail_of(events).hash != expected_tail.hash:
            problems.append(
                ChainProblem(
                    max(len(events), 1), "tail", "the last event's hash is not the stored tail hash"
                )
            )
    return sorted(problems, key=lambda p: p.seq)


def decision_fields(
    user: User,
    action: Action,
    resource: Resource,
    context: Context,
    decision: Decision,
    patient_ref: str | None,
) -> dict[str, Any]:
    """The ``append`` fields recording ``decision`` on a request: what the service writes in
    the transaction of every access, refusals included. ``patient_ref`` is the reference to
    log (the service chooses the care-plane id or the pseudonym)."""
    return {
        "time": context.now,
        "user_id": user.id,
        "organisation": user.organisation,
        "role": str(user.role),
        "action": f"{resource.kind}.{action}",
        "patient_ref": patient_ref,
        "reason": decision.reason,
        "stated_reason": context.stated_reason,
        "outcome": decision.outcome,
        "break_glass": decision.break_glass,
    }


def break_glass_events(events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """The events auditors are shown for review: every decision that rested on break-glass."""
    return [event for event in events if event.break_glass]
