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

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, joinedload

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
    """The signed-in user: the row and the policy's view of it."""

    row: db.User
    user: policy.User


def load_actor(session: Session, user_id: str) -> Actor | None:
    """The active user ``user_id`` with the localities they work in; None if unknown or
    disabled."""
    row = session.get(db.User, user_id, options=[joinedload(db.User.localities)])
    if row is None or not row.active:
        return None
    user = policy.User(
        id=row.id,
        role=policy.Role(row.role),
        organisation=row.organisation_code,
        localities=frozenset(loc.locality for loc in row.localities),
    )
    return Actor(row, user)


def current_worklists():
    """The id of each locality's newest worklist, as a subquery."""
    return select(func.max(db.Worklist.id).label("id")).group_by(db.Worklist.locality).subquery()


def policy_patient(session: Session, patient: db.Patient, now: datetime) -> policy.Patient:
    """What the policy needs to know about ``patient`` at ``now``."""
    care_team = session.scalars(
        select(db.CareTeamMember.user_id).where(db.CareTeamMember.patient_id == patient.id)
    )
    current = current_worklists()
    localities = session.scalars(
        select(db.Worklist.locality)
        .join(db.WorklistEntry, db.WorklistEntry.worklist_id == db.Worklist.id)
        .where(db.WorklistEntry.patient_id == patient.id, db.Worklist.id.in_(select(current.c.id)))
    )
    objection = session.scalar(
        select(func.count())
        .select_from(db.ConsentRecord)
        .where(
            db.ConsentRecord.patient_id == patient.id,
            db.ConsentRecord.kind == "sharing_objection",
            db.ConsentRecord.recorded_at <= now,
            db.ConsentRecord.withdrawn_at.is_(None),
        )
    )
    return policy.Patient(
        id=patient.id,
        registered_practice=patient.registered_practice,
        practice_organisation=patient.practice_organisation,
        objects_to_sharing=bool(objection),
        care_team=frozenset(care_team),
        worklist_localities=frozenset(localities),
    )


def grants(
    session: Session, user_id: str, patient_id: str, now: datetime
) -> tuple[policy.BreakGlassGrant, ...]:
    """``user_id``'s break-glass grants for ``patient_id`` that have not expired at ``now``."""
    rows = session.scalars(
        select(db.BreakGlassGrant).where(
            db.BreakGlassGrant.user_id == user_id,
            db.BreakGlassGrant.patient_id == patient_id,
        )
    )
    out = []
    for row in rows:
        grant = policy.BreakGlassGrant(
            user_id=row.user_id,
            patient_id=row.patient_id,
            reason=row.reason,
            granted_at=as_utc(row.granted_at),
            expires_at=as_utc(row.expires_at),
        )
        if grant.active_at(now):
            out.append(grant)
    return tuple(out)


def _request(
    session: Session,
    actor: Actor,
    kind: ResourceKind,
    now: datetime,
    break_glass_duration: timedelta,
    patient: db.Patient | None,
    locality: str | None,
    stated_reason: str,
) -> tuple[Resource, Context]:
    facts = policy_patient(session, patient, now) if patient is not None else None
    resource = Resource(kind, patient=facts, locality=locality)
    context = Context(
        now=now,
        stated_reason=stated_reason,
        grants=grants(session, actor.user.id, patient.id, now) if patient is not None else (),
        break_glass_duration=break_glass_duration,
    )
    return resource, context


def would_allow(
    session: Session,
    actor: Actor,
    action: Action,
    kind: ResourceKind,
    patient: db.Patient,
    now: datetime,
    break_glass_duration: timedelta,
) -> Decision:
    """The policy's decision, not audited: for deciding what a page may show about a patient
    whose record is not being read (an audited access always goes through ``check``)."""
    resource, context = _request(session, actor, kind, now, break_glass_duration, patient, None, "")
    return policy.decide(actor.user, action, resource, context)


def check(
    session: Session,
    actor: Actor,
    action: Action,
    kind: ResourceKind,
    *,
    now: datetime,
    break_glass_duration: timedelta,
    patient: db.Patient | None = None,
    locality: str | None = None,
    stated_reason: str = "",
) -> Decision:
    """Decide ``actor`` doing ``action`` to the resource, and audit the decision in
    ``session``. Allowed: the decision (the caller does the access and commits). Refused:
    the event is committed and ``Refused`` raised."""
    resource, context = _request(
        session, actor, kind, now, break_glass_duration, patient, locality, stated_reason
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
        patient_ref=patient.id if patient is not None else None,
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
