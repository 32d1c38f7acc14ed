"""Every access to identifiable data goes through ``check``: the policy decides, the audit log
records the decision in the same transaction, and a refusal stops the request.

Source: issue 6, "One access policy" and "Audit". The policy (``policy.decide``) judges plain
facts; this module loads those facts from the database (the user, the patient's registered
practice, care team, objection to sharing, the worklists they are on, the user's break-glass
grants) and turns the decision into an audit event in the caller's session. An allowed access then
happens in that same transaction; its event is appended as the transaction commits (a
``before_commit`` hook), so the two commit together, a failure rolls both back, and the audit
tail's row lock (which serialises appends) is held only for the append and the commit. A
refused access appends and commits its event at once (nothing else has been written:
``check`` comes first in every route) and raises ``Refused``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    String,
    bindparam,
    cast,
    event,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from . import audit_store, db, policy
from .audit_chain import decision_fields
from .db import as_utc
from .policy import Action, Context, Decision, Resource, ResourceKind

PENDING = "oneplace_audit_pending"
"""``session.info`` key of the allowed decisions whose events the commit writes."""


@event.listens_for(Session, "before_commit")
def _record_pending(session: Session) -> None:
    """Write the events of the session's allowed accesses as its transaction commits: in the
    same transaction as the access, holding the audit tail's lock only for the append."""
    for fields in session.info.pop(PENDING, []):
        audit_store.record(session, fields)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous: object) -> None:
    """A rolled-back access leaves no event (nor anything else)."""
    session.info.pop(PENDING, None)


class Refused(Exception):
    def __init__(self, decision: Decision):
        self.decision = decision
        super().__init__(decision.reason)


@dataclass(frozen=True)
class Actor:
    """The signed-in user, as the policy sees them."""

    user: policy.User


_USERS, _USER_LOCALITIES = db.User.__table__, db.UserLocality.__table__
_PATIENTS, _CARE_TEAMS = db.Patient.__table__, db.CareTeamMember.__table__
_WORKLISTS, _ENTRIES = db.Worklist.__table__, db.WorklistEntry.__table__
_CONSENTS, _GRANTS = db.ConsentRecord.__table__, db.BreakGlassGrant.__table__

# The look-ups of every request are built once, in SQLAlchemy Core (no ORM objects): the
# policy needs plain facts, and these run on every request.
_ACTOR = (
    select(_USERS.c.role, _USERS.c.organisation_code, _USERS.c.active, _USER_LOCALITIES.c.locality)
    .select_from(_USERS.outerjoin(_USER_LOCALITIES, _USER_LOCALITIES.c.user_id == _USERS.c.id))
    .where(_USERS.c.id == bindparam("user_id"))
)
"""The user, once per locality they work in."""


def load_actor(session: Session, user_id: str) -> Actor | None:
    """The active user ``user_id`` with the localities they work in; None if unknown or
    disabled."""
    rows = session.connection().execute(_ACTOR, {"user_id": user_id}).all()
    if not rows or not rows[0].active:
        return None
    first = rows[0]
    return Actor(
        policy.User(
            id=user_id,
            role=policy.Role(first.role),
            organisation=first.organisation_code,
            localities=frozenset(row.locality for row in rows if row.locality is not None),
        )
    )


def current_worklists():
    """The id of each locality's newest worklist, as a subquery."""
    return select(func.max(db.Worklist.id).label("id")).group_by(db.Worklist.locality).subquery()


def _facts_statement():
    """One statement for every fact the policy weighs about a patient and a user: a row per
    fact, ``kind`` saying which (the patient's practice; each care-team member; each locality
    whose newest worklist holds them; an objection to sharing in force; each of the user's
    break-glass grants for them that has not expired)."""
    patient_id, user_id, now = bindparam("patient_id"), bindparam("user_id"), bindparam("now")
    no_text, no_time = cast(null(), String), cast(null(), DateTime)

    def kind(name: str) -> Any:
        return literal_column(f"'{name}'", String).label("kind")

    newest = select(current_worklists().c.id)
    return union_all(
        select(
            kind("patient"),
            _PATIENTS.c.registered_practice.label("value"),
            _PATIENTS.c.practice_organisation.label("other"),
            no_time.label("granted"),
            no_time.label("expires"),
        ).where(_PATIENTS.c.id == patient_id),
        select(kind("team"), _CARE_TEAMS.c.user_id, no_text, no_time, no_time).where(
            _CARE_TEAMS.c.patient_id == patient_id
        ),
        select(kind("worklist"), _WORKLISTS.c.locality, no_text, no_time, no_time)
        .select_from(_ENTRIES.join(_WORKLISTS, _WORKLISTS.c.id == _ENTRIES.c.worklist_id))
        .where(_ENTRIES.c.patient_id == patient_id, _WORKLISTS.c.id.in_(newest)),
        select(kind("objection"), no_text, no_text, no_time, no_time).where(
            _CONSENTS.c.patient_id == patient_id,
            _CONSENTS.c.kind == "sharing_objection",
            _CONSENTS.c.recorded_at <= now,
            _CONSENTS.c.withdrawn_at.is_(None),
        ),
        select(
            kind("grant"), _GRANTS.c.reason, no_text, _GRANTS.c.granted_at, _GRANTS.c.expires_at
        ).where(
            _GRANTS.c.user_id == user_id,
            _GRANTS.c.patient_id == patient_id,
            _GRANTS.c.expires_at > now,
        ),
    )


_FACTS = _facts_statement()


def patient_facts(
    session: Session, patient_id: str, user_id: str, now: datetime
) -> tuple[policy.Patient, tuple[policy.BreakGlassGrant, ...]]:
    """What the policy needs to know about ``patient_id`` at ``now``, and ``user_id``'s
    break-glass grants for them in force at ``now``; one round trip. Raises LookupError for
    an unknown patient (the routes answer 404 before asking)."""
    rows = session.connection().execute(
        _FACTS, {"patient_id": patient_id, "user_id": user_id, "now": now}
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row.kind, []).append(row)
    if "patient" not in found:
        raise LookupError(f"no patient {patient_id}")
    practice = found["patient"][0]
    patient = policy.Patient(
        id=patient_id,
        registered_practice=practice.value,
        practice_organisation=practice.other,
        objects_to_sharing="objection" in found,
        care_team=frozenset(row.value for row in found.get("team", ())),
        worklist_localities=frozenset(row.value for row in found.get("worklist", ())),
    )
    grants = (
        policy.BreakGlassGrant(
            user_id=user_id,
            patient_id=patient_id,
            reason=row.value,
            granted_at=as_utc(row.granted),
            expires_at=as_utc(row.expires),
        )
        for row in found.get("grant", ())
    )
    return patient, tuple(grant for grant in grants if grant.active_at(now))


def _request(
    session: Session,
    actor: Actor,
    kind: ResourceKind,
    now: datetime,
    break_glass_duration: timedelta,
    patient_id: str | None,
    locality: str | None,
    stated_reason: str,
) -> tuple[Resource, Context]:
    facts, grants = (
        patient_facts(session, patient_id, actor.user.id, now) if patient_id else (None, ())
    )
    resource = Resource(kind, patient=facts, locality=locality)
    context = Context(
        now=now,
        stated_reason=stated_reason,
        grants=grants,
        break_glass_duration=break_glass_duration,
    )
    return resource, context


def would_allow(
    session: Session,
    actor: Actor,
    action: Action,
    kind: ResourceKind,
    patient_id: str,
    now: datetime,
    break_glass_duration: timedelta,
) -> Decision:
    """The policy's decision, not audited: for deciding what a page may show about a patient
    whose record is not being read (an audited access always goes through ``check``)."""
    resource, context = _request(
        session, actor, kind, now, break_glass_duration, patient_id, None, ""
    )
    return policy.decide(actor.user, action, resource, context)


def check(
    session: Session,
    actor: Actor,
    action: Action,
    kind: ResourceKind,
    *,
    now: datetime,
    break_glass_duration: timedelta,
    patient_id: str | None = None,
    locality: str | None = None,
    stated_reason: str = "",
) -> Decision:
    """Decide ``actor`` doing ``action`` to the resource, and audit the decision in
    ``session``. Allowed: the decision (the caller does the access and commits). Refused:
    the event is committed and ``Refused`` raised."""
    resource, context = _request(
        session, actor, kind, now, break_glass_duration, patient_id, locality, stated_reason
    )
    grant = None
    if action is Action.BREAK_GLASS:
        assert resource.patient is not None, "break-glass opens a patient's record"
        decision, grant = policy.break_glass_grant(actor.user, resource.patient, context)
    else:
        decision = policy.decide(actor.user, action, resource, context)
    fields = decision_fields(
        actor.user,
        action,
        resource,
        context,
        decision,
        patient_ref=patient_id,
    )
    if not decision.allowed:
        audit_store.record(session, fields)
        session.commit()
        raise Refused(decision)
    session.info.setdefault(PENDING, []).append(fields)
    if grant is not None:
        session.add(
            db.BreakGlassGrant(
                user_id=grant.user_id,
                patient_id=grant.patient_id,
                reason=grant.reason,
                granted_at=grant.granted_at,
                expires_at=grant.expires_at,
            )
        )
    return decision
