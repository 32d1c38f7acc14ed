"""The hash-chained audit log: a clean chain verifies; every alteration, deletion, insertion,
reordering and truncation is found, and the first problem names the first bad event."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oneplace.care.audit_chain import (
    EVENT_FIELDS,
    GENESIS_HASH,
    AuditEvent,
    ChainTail,
    append,
    break_glass_events,
    canonical,
    canonical_around_seq,
    decision_fields,
    event_hash,
    event_values,
    tail_of,
    verify,
)
from oneplace.care.policy import (
    Action,
    Context,
    Patient,
    Resource,
    ResourceKind,
    Role,
    User,
    decide,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def fields(**overrides):
    base = {
        "time": T0,
        "user_id": "u-gp",
        "organisation": "COMM",
        "role": "gp",
        "action": "patient_record.read",
        "patient_ref": "pat-1",
        "reason": "P8: A member of a patient's care team may ...",
        "stated_reason": "",
        "outcome": "allowed",
        "break_glass": False,
    }
    return {**base, **overrides}


def chain_of(all_fields):
    events: list[AuditEvent] = []
    for f in all_fields:
        events.append(append(events[-1] if events else None, f))
    return events


# --- the construction, computed independently -----------------------------------------------


def test_first_event_hash_is_sha256_of_genesis_and_sorted_compact_json():
    event = append(None, fields())
    body = {
        "action": "patient_record.read",
        "break_glass": False,
        "organisation": "COMM",
        "outcome": "allowed",
        "patient_ref": "pat-1",
        "reason": "P8: A member of a patient's care team may ...",
        "role": "gp",
        "seq": 1,
        "stated_reason": "",
        "time": "2025-03-01T09:00:00.000000Z",
        "user_id": "u-gp",
    }
    expected_bytes = json.dumps(body, separators=(",", ":")).encode("utf-8")
    assert canonical(event) == expected_bytes
    assert event.prev_hash == GENESIS_HASH == "0" * 64
    assert event.hash == hashlib.sha256(GENESIS_HASH.encode() + expected_bytes).hexdigest()
    assert event.seq == 1


def test_each_event_links_to_the_hash_before_it():
    events = chain_of([fields(), fields(outcome="refused"), fields(user_id="u-nurse")])
    assert [e.seq for e in events] == [1, 2, 3]
    assert [e.prev_hash for e in events] == [GENESIS_HASH, events[0].hash, events[1].hash]
    assert all(event_hash(e) == e.hash for e in events)


def test_canonical_form_is_utf8_not_escaped():
    event = append(None, fields(stated_reason="Fall at home — Zoë’s carer rang"))
    assert "Zoë’s".encode() in canonical(event)


def test_time_is_stored_in_utc():
    paris = timezone(timedelta(hours=1))
    event = append(None, fields(time=datetime(2025, 3, 1, 10, 0, 0, 123, tzinfo=paris)))
    assert event.time == "2025-03-01T09:00:00.000123Z"


def test_clean_chain_verifies_with_and_without_its_tail():
    events = chain_of([fields(), fields(), fields(break_glass=True)])
    assert verify(events) == []
    assert verify(events, expected_tail=tail_of(events)) == []
    assert verify([], expected_tail=ChainTail(0, GENESIS_HASH)) == []
    assert tail_of([]) == ChainTail(0, GENESIS_HASH)


def test_an_older_checkpoint_is_verified_against_the_prefix():
    events = chain_of([fields()] * 5)
    checkpoint = tail_of(events[:3])
    assert verify(events[:3], expected_tail=checkpoint) == []
    forged = chain_of([fields()] * 2 + [fields(user_id="mallory")])
    assert verify(forged, expected_tail=checkpoint)


# --- append refuses what must not be logged -------------------------------------------------


def test_append_refuses_an_nhs_number_in_clear():
    for ref in ("9434765919", "943 476 5919", "999 000 0018"):
        with pytest.raises(ValueError, match="not NHS number"):
            append(None, fields(patient_ref=ref))
    assert append(None, fields(patient_ref=None)).patient_ref is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"break_glass": "yes"}, "break_glass"),
        ({"time": datetime(2025, 3, 1, 9, 0)}, "timezone-aware"),
        ({"reason": None}, "reason must be text"),
        ({"seq": 7}, "unknown"),
    ],
)
def test_append_refuses_bad_fields(change, message):
    with pytest.raises(ValueError, match=message):
        append(None, fields(**change))


def test_append_refuses_missing_fields():
    incomplete = fields()
    del incomplete["reason"]
    with pytest.raises(ValueError, match="missing \\['reason'\\]"):
        append(None, incomplete)
    assert set(EVENT_FIELDS) == set(fields())


# --- a policy decision becomes an event, refusals included ----------------------------------


def test_a_refusal_is_logged_with_the_rule_that_decided():
    analyst = User("u-an", Role.ANALYST, "ICB")
    patient = Patient("pat-1", "P1", "FED", care_team=frozenset({"u-an"}))
    resource = Resource(ResourceKind.CARE_PLAN, patient)
    context = Context(T0)
    decision = decide(analyst, Action.READ, resource, context)
    event = append(
        None, decision_fields(analyst, Action.READ, resource, context, decision, "pat-1")
    )
    assert (event.outcome, event.role, event.action) == ("refused", "analyst", "care_plan.read")
    assert event.reason.startswith("P1: ")
    assert verify([event]) == []


def test_break_glass_events_are_reported_to_auditors():
    gp = User("u-gp", Role.GP, "COMM")
    patient = Patient("pat-1", "P1", "FED", objects_to_sharing=True)
    resource = Resource(ResourceKind.PATIENT_RECORD, patient)
    reasoned = Context(T0, stated_reason="Collapsed in clinic, no GP record reachable")
    events = []
    for action, context in [(Action.READ, Context(T0)), (Action.BREAK_GLASS, reasoned)]:
        decision = decide(gp, action, resource, context)
        f = decision_fields(gp, action, resource, context, decision, "pat-1")
        events.append(append(events[-1] if events else None, f))
    assert [e.outcome for e in events] == ["refused", "allowed"]
    assert break_glass_events(events) == [events[1]]
    assert events[1].stated_reason == "Collapsed in clinic, no GP record reachable"


# --- Hypothesis: random chains, random tampering --------------------------------------------

texts = st.text(max_size=12)
event_fields = st.fixed_dictionaries(
    {
        "time": st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
        ),
        "user_id": texts,
        "organisation": texts,
        "role": st.sampled_from([str(r) for r in Role]),
        "action": texts,
        "patient_ref": st.none() | st.text(alphabet="abcdef-", max_size=12),
        "reason": texts,
        "stated_reason": texts,
        "outcome": st.sampled_from(["allowed", "refused"]),
        "break_glass": st.booleans(),
    }
)
chains = st.lists(event_fields, min_size=1, max_size=10).map(chain_of)
FIELD_NAMES = [name for name in AuditEvent.__dataclass_fields__]


def altered(event: AuditEvent, name: str) -> AuditEvent:
    """``event`` with field ``name`` given another value of its type."""
    value = getattr(event, name)
    if isinstance(value, bool):
        new = not value
    elif isinstance(value, int):
        new = value + 1
    elif value is None:
        new = "pat-x"
    elif name == "time":
        new = value.replace("Z", "1Z") if value.endswith("0Z") else value[:-2] + "0Z"
    else:
        new = value + "x"
    assert new != value
    return replace(event, **{name: new})


def first_seq(problems):
    assert problems, "tampering went unnoticed"
    return problems[0].seq


@given(event_fields, st.integers(min_value=1, max_value=2**62))
def test_the_canonical_event_is_cut_exactly_where_its_seq_goes(values, seq):
    # What a database that numbers the event hashes (audit_store on PostgreSQL) is the
    # canonical form, for any text in the fields, quotes and '"seq":0,' included.
    values = event_values(values)
    before, after = canonical_around_seq(values)
    event = AuditEvent(seq=seq, prev_hash=GENESIS_HASH, hash="", **values)
    assert before + str(seq).encode() + after == canonical(event)


def test_a_field_that_spells_the_seq_mark_does_not_move_the_cut():
    values = event_values(fields(reason='x","seq":0,"y', stated_reason=',"seq":0,'))
    before, after = canonical_around_seq(values)
    event = AuditEvent(seq=7, prev_hash=GENESIS_HASH, hash="", **values)
    assert before + b"7" + after == canonical(event)


@given(chains)
def test_random_clean_chains_verify(events):
    assert verify(events) == []
    assert verify(events, expected_tail=tail_of(events)) == []


@given(chains, st.data())
def test_altering_any_field_of_any_event_is_found_at_that_event(events, data):
    i = data.draw(st.integers(0, len(events) - 1))
    name = data.draw(st.sampled_from(FIELD_NAMES))
    tampered = [*events[:i], altered(events[i], name), *events[i + 1 :]]
    assert first_seq(verify(tampered)) == i + 1


@given(chains, st.data())
def test_altering_and_rehashing_an_event_is_found(events, data):
    # The forger recomputes the altered event's own hash: the next event's link breaks, or, at
    # the end of the log, the stored tail no longer matches.
    i = data.draw(st.integers(0, len(events) - 1))
    name = data.draw(st.sampled_from(EVENT_FIELDS))
    forged = altered(events[i], name)
    forged = replace(forged, hash=event_hash(forged))
    tampered = [*events[:i], forged, *events[i + 1 :]]
    tail = tail_of(events)
    if i < len(events) - 1:
        assert first_seq(verify(tampered)) == i + 2
    else:
        assert verify(tampered) == []  # undetectable without the tail: hence the tail
    assert first_seq(verify(tampered, expected_tail=tail)) == i + 1 + (i < len(events) - 1)


@given(chains, st.data())
def test_deleting_an_event_is_found(events, data):
    i = data.draw(st.integers(0, len(events) - 1))
    tampered = events[:i] + events[i + 1 :]
    assert first_seq(verify(tampered, expected_tail=tail_of(events))) == i + 1
    if i < len(events) - 1:
        assert first_seq(verify(tampered)) == i + 1


@given(chains.filter(lambda e: len(e) >= 2), st.data())
def test_swapping_two_events_is_found_at_the_first(events, data):
    i = data.draw(st.integers(0, len(events) - 2))
    j = data.draw(st.integers(i + 1, len(events) - 1))
    tampered = list(events)
    tampered[i], tampered[j] = tampered[j], tampered[i]
    assert first_seq(verify(tampered)) == i + 1


@given(chains, st.data(), event_fields)
def test_inserting_a_forged_event_is_found(events, data, forged_fields):
    # The forger chains the event properly onto its predecessor; it breaks the event after
    # it, or, at the end of the log, disagrees with the stored tail.
    i = data.draw(st.integers(0, len(events)))
    forged = append(events[i - 1] if i else None, forged_fields)
    tampered = [*events[:i], forged, *events[i:]]
    problems = verify(tampered, expected_tail=tail_of(events))
    if i < len(events):
        assert first_seq(verify(tampered)) == i + 2
        assert first_seq(problems) == i + 2
    else:
        assert verify(tampered) == []  # a well-formed append: only the tail can tell
        assert first_seq(problems) == i + 1


@given(chains, st.data())
def test_truncating_the_tail_is_found_against_the_stored_tail(events, data):
    keep = data.draw(st.integers(0, len(events) - 1))
    tampered = events[:keep]
    assert verify(tampered) == []  # a shorter chain is still a chain
    problems = verify(tampered, expected_tail=tail_of(events))
    assert first_seq(problems) == keep + 1
    assert problems[0].kind == "tail"
    assert f"holds {keep} events, the stored tail says {len(events)}" in str(problems[0])


@given(chains)
def test_a_tail_from_another_chain_is_refused(events):
    other = ChainTail(len(events), hashlib.sha256(b"another log").hexdigest())
    problems = verify(events, expected_tail=other)
    assert [p.kind for p in problems] == ["tail"]
    assert problems[0].seq == len(events)
