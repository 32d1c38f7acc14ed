"""The care plane's one access policy: who may do what to which resource, and why.

Source: issue 6, "One access policy, in one module" (the rules below restate its four
bullets), and STYLE.md's note on fastapi/full-stack-fastapi-template, whose access rules live
inline in each route: here every route asks ``decide`` and logs the ``Decision``, refusals
included, in the audit event of the same transaction.

The rules form one ordered table, ``RULES``; the first rule that applies decides, and a request
no rule applies to is refused (``DEFAULT``, deny by default). Each rule states its sentence, so a
decision names the rule that made it. The rules are pure functions of plain dataclasses: the
service loads the facts (the user, the patient's care team, the worklists they are on, their
objection to sharing, the break-glass grants) and the policy judges them.

Each check is written once. The role rule P1 comes first and keeps every non-clinical role away
from identifiable data, so the relationship rules after it need not repeat a role test, and a
role added to ``Role`` later sees nothing identifiable until a rule says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    GP = "gp"
    NURSE = "nurse"
    SOCIAL_WORKER = "social_worker"
    CARE_COORDINATOR = "care_coordinator"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"


CLINICAL_ROLES = frozenset({Role.GP, Role.NURSE, Role.SOCIAL_WORKER, Role.CARE_COORDINATOR})
"""The roles that care for patients: the only ones that see identifiable data (P1)."""


class ResourceKind(StrEnum):
    PATIENT_RECORD = "patient_record"
    CARE_PLAN = "care_plan"
    WORKLIST = "worklist"
    CONSENT = "consent"  # a patient's objection to sharing and national data opt-out
    CARE_TEAM = "care_team"  # who is on a patient's care team
    AUDIT_LOG = "audit_log"
    USERS = "users"


IDENTIFIABLE = frozenset(
    {
        ResourceKind.PATIENT_RECORD,
        ResourceKind.CARE_PLAN,
        ResourceKind.WORKLIST,
        ResourceKind.CONSENT,
        ResourceKind.CARE_TEAM,
    }
)
"""Resources that show who a patient is (a worklist names the people on it)."""

PATIENT_SCOPED = frozenset({ResourceKind.PATIENT_RECORD, ResourceKind.CARE_PLAN})
"""The patient's record and care plans: what the relationship rules (P6-P9) open."""

ABOUT_A_PATIENT = PATIENT_SCOPED | {ResourceKind.CONSENT, ResourceKind.CARE_TEAM}
"""Resources that belong to one patient (the request names them)."""


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    REVIEW = "review"  # record a worklist review decision
    MANAGE = "manage"  # create, change and disable users
    BREAK_GLASS = "break_glass"  # ask for emergency access to a patient's record


DEFAULT_BREAK_GLASS_DURATION = timedelta(hours=4)
"""How long a break-glass grant lasts unless the settings say otherwise."""

BREAK_GLASS_REASON_MIN_CHARS = 10
"""The shortest stated reason (without surrounding spaces) that opens a record by break-glass."""


@dataclass(frozen=True)
class User:
    id: str
    role: Role
    organisation: str
    localities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Patient:
    """What the policy needs to know about a patient (never their NHS number)."""

    id: str  # the care plane's patient id
    registered_practice: str  # practice code
    practice_organisation: str | None = None  # the organisation the practice belongs to
    objects_to_sharing: bool = False  # objection to sharing outside the registered practice
    care_team: frozenset[str] = frozenset()  # user ids
    worklist_localities: frozenset[str] = frozenset()  # localities whose worklist holds them


@dataclass(frozen=True)
class Resource:
    """What a request touches: a patient's record or care plans (``patient`` given), a
    locality's worklist (``locality`` given), the audit log or the users."""

    kind: ResourceKind
    patient: Patient | None = None
    locality: str | None = None

    def __post_init__(self) -> None:
        if self.kind in ABOUT_A_PATIENT and self.patient is None:
            raise ValueError(f"a {self.kind} resource needs its patient")
        if self.kind is ResourceKind.WORKLIST and self.locality is None:
            raise ValueError("a worklist resource needs its locality")


@dataclass(frozen=True)
class BreakGlassGrant:
    """Emergency access granted to one user for one patient, active from ``granted_at`` up to
    but not including ``expires_at``."""

    user_id: str
    patient_id: str
    reason: str
    granted_at: datetime
    expires_at: datetime

    def active_at(self, now: datetime) -> bool:
        return self.granted_at <= now < self.expires_at


@dataclass(frozen=True)
class Context:
    """When the request is made, what the user stated as its reason, the break-glass grants
    in force for them, and the break-glass duration setting."""

    now: datetime
    stated_reason: str = ""
    grants: tuple[BreakGlassGrant, ...] = ()
    break_glass_duration: timedelta = DEFAULT_BREAK_GLASS_DURATION

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("the policy's clock must be timezone-aware (UTC)")
        if self.break_glass_duration <= timedelta(0):
            raise ValueError("the break-glass duration must be positive")


@dataclass(frozen=True)
class Request:
    user: User
    action: Action
    resource: Resource
    context: Context

    @property
    def patient(self) -> Patient:
        assert self.resource.patient is not None, "only asked of patient-scoped requests"
        return self.resource.patient

    def asks(self, kind: ResourceKind, *actions: Action) -> bool:
        return self.resource.kind is kind and self.action in actions

    def is_patient_read(self) -> bool:
        return self.resource.kind in PATIENT_SCOPED and self.action is Action.READ

    def is_patient_access(self) -> bool:
        return self.resource.kind in PATIENT_SCOPED and self.action in (Action.READ, Action.WRITE)

    def is_care_team_access(self) -> bool:
        return self.is_patient_read() or self.asks(ResourceKind.CARE_PLAN, Action.WRITE)

    def active_grant(self) -> BreakGlassGrant | None:
        for grant in self.context.grants:
            if (
                grant.user_id == self.user.id
                and grant.patient_id == self.patient.id
                and grant.active_at(self.context.now)
            ):
                return grant
        return None


@dataclass(frozen=True)
class Decision:
    """The outcome of ``decide``: whether the request is allowed, the rule that decided
    (``rule``, e.g. "P7") with its sentence (``reason``), whether it rests on break-glass, and
    when the break-glass access it opens or uses ends."""

    allowed: bool
    rule: str
    reason: str
    break_glass: bool = False
    expires_at: datetime | None = None

    @property
    def outcome(self) -> str:
        return "allowed" if self.allowed else "refused"


@dataclass(frozen=True)
class Rule:
    id: str
    allows: bool
    sentence: str
    applies: Callable[[Request], bool] = field(repr=False)
    break_glass: bool = False
    expires: Callable[[Request], datetime] | None = field(default=None, repr=False)


def _same_practice(user: User, patient: Patient) -> bool:
    return user.organisation in {patient.registered_practice, patient.practice_organisation}


def _break_glass_request(r: Request) -> bool:
    return r.asks(ResourceKind.PATIENT_RECORD, Action.BREAK_GLASS)


RULES: tuple[Rule, ...] = (
    Rule(
        "P1",
        False,
        "Only the clinical roles (GP, nurse, social worker, care coordinator) see identifiable "
        "data: analysts, auditors and admins never read or change a patient's record, care "
        "plans or a worklist, whatever their relationship to the patient.",
        lambda r: r.resource.kind in IDENTIFIABLE and r.user.role not in CLINICAL_ROLES,
    ),
    Rule(
        "P2",
        True,
        "Auditors read the audit log.",
        lambda r: r.asks(ResourceKind.AUDIT_LOG, Action.READ) and r.user.role is Role.AUDITOR,
    ),
    Rule(
        "P3",
        True,
        "Admins manage users.",
        lambda r: r.asks(ResourceKind.USERS, Action.MANAGE) and r.user.role is Role.ADMIN,
    ),
    Rule(
        "P4",
        False,
        f"Break-glass needs a stated reason of at least {BREAK_GLASS_REASON_MIN_CHARS} characters.",
        lambda r: (
            _break_glass_request(r)
            and len(r.context.stated_reason.strip()) < BREAK_GLASS_REASON_MIN_CHARS
        ),
    ),
    # P1 has refused every non-clinical role already, so "a clinician" needs no test here.
    Rule(
        "P5",
        True,
        "A clinician may open any patient's record by break-glass, stating the reason; access "
        "lasts a limited time (a setting), is flagged and is reported to auditors.",
        _break_glass_request,
        break_glass=True,
        expires=lambda r: r.context.now + r.context.break_glass_duration,
    ),
    Rule(
        "P6",
        True,
        "A clinician holding an active break-glass grant for a patient may read that patient's "
        "record and care plans until the grant expires, whatever the patient's objection to "
        "sharing.",
        lambda r: r.is_patient_read() and r.active_grant() is not None,
        break_glass=True,
        expires=lambda r: r.active_grant().expires_at,  # type: ignore[union-attr]
    ),
    Rule(
        "P7",
        False,
        "A patient's objection to sharing hides their record, care plans and care team from "
        "users outside their registered practice (the practice or the organisation it belongs "
        "to).",
        lambda r: (
            (r.is_patient_access() or r.asks(ResourceKind.CARE_TEAM, Action.READ, Action.WRITE))
            and r.patient.objects_to_sharing
            and not _same_practice(r.user, r.patient)
        ),
    ),
    Rule(
        "P8",
        True,
        "A member of a patient's care team may read the patient's record and read and write "
        "their care plans.",
        lambda r: r.is_care_team_access() and r.user.id in r.patient.care_team,
    ),
    Rule(
        "P9",
        True,
        "A user who works in a locality may read the record and care plans of a patient on "
        "that locality's worklist.",
        lambda r: r.is_patient_read() and bool(r.user.localities & r.patient.worklist_localities),
    ),
    Rule(
        "P10",
        True,
        "A user reads, and records review decisions on, the worklists of the localities they "
        "work in.",
        lambda r: (
            r.asks(ResourceKind.WORKLIST, Action.READ, Action.REVIEW)
            and r.resource.locality in r.user.localities
        ),
    ),
    Rule(
        "P11",
        True,
        "A clinician at a patient's registered practice (the practice or the organisation it "
        "belongs to) reads and records the patient's consent choices: their objection to "
        "sharing and their national data opt-out.",
        lambda r: (
            r.asks(ResourceKind.CONSENT, Action.READ, Action.WRITE)
            and _same_practice(r.user, r.patient)
        ),
    ),
    Rule(
        "P12",
        True,
        "A member of a patient's care team sees who else is on it, adds colleagues and "
        "removes members.",
        lambda r: (
            r.asks(ResourceKind.CARE_TEAM, Action.READ, Action.WRITE)
            and r.user.id in r.patient.care_team
        ),
    ),
)

DEFAULT = Rule("P0", False, "Anything no rule allows is refused (deny by default).", lambda r: True)


def decide(
    user: User,
    action: Action,
    resource: Resource,
    context: Context,
    *,
    rules: tuple[Rule, ...] = RULES,
) -> Decision:
    """The decision on ``user`` doing ``action`` to ``resource``: the first of ``rules`` that
    applies decides, else ``DEFAULT`` refuses. ``rules`` is a parameter only so the tests can
    show that every rule matters; the service always uses ``RULES``."""
    request = Request(user, action, resource, context)
    rule = next((rule for rule in rules if rule.applies(request)), DEFAULT)
    return Decision(
        allowed=rule.allows,
        rule=rule.id,
        reason=f"{rule.id}: {rule.sentence}",
        break_glass=rule.break_glass,
        expires_at=rule.expires(request) if rule.expires else None,
    )


def break_glass_grant(
    user: User, patient: Patient, context: Context
) -> tuple[Decision, BreakGlassGrant | None]:
    """Ask for break-glass access to ``patient``'s record with ``context.stated_reason``: the
    decision (to be audited either way) and, when allowed, the grant for the service to keep."""
    decision = decide(
        user, Action.BREAK_GLASS, Resource(ResourceKind.PATIENT_RECORD, patient), context
    )
    if not decision.allowed:
        return decision, None
    assert decision.expires_at is not None
    grant = BreakGlassGrant(
        user_id=user.id,
        patient_id=patient.id,
        reason=context.stated_reason.strip(),
        granted_at=context.now,
        expires_at=decision.expires_at,
    )
    return decision, grant
