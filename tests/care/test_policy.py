"""The access policy as a matrix: every role x action x relationship in MATRIX, with the rule
expected to decide; then proof that removing any rule changes at least one allow/deny in the
matrix, and the boundaries (break-glass expiry, reason length, objection vs same practice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from oneplace.care.policy import (
    ABOUT_A_PATIENT,
    BREAK_GLASS_REASON_MIN_CHARS,
    DEFAULT,
    DEFAULT_BREAK_GLASS_DURATION,
    RULES,
    Action,
    BreakGlassGrant,
    Context,
    Patient,
    Resource,
    ResourceKind,
    Role,
    User,
    break_glass_grant,
    decide,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
GOOD_REASON = "Unconscious in ED, care team not reachable"
SHORT_REASON = "urgent"
ROLES = list(Role)  # the matrix's columns, in this order
HOME, AWAY = "NORTH", "SOUTH"  # the user works in NORTH


@dataclass(frozen=True)
class Situation:
    """The user's relationship to the patient (pat-1, registered at practice P1, which belongs
    to the GP federation FED)."""

    care_team: bool = False
    worklist: str | None = None  # locality whose worklist holds the patient
    user_org: str = "COMM"  # a community trust: outside the registered practice
    objects: bool = False
    grant: str | None = None  # active, expired, other_patient, other_user


SITUATIONS = {
    "none": Situation(),
    "care_team": Situation(care_team=True),
    "worklist_home": Situation(worklist=HOME),
    "worklist_away": Situation(worklist=AWAY),
    "same_practice_only": Situation(user_org="P1"),
    "objects_care_team_outside": Situation(care_team=True, objects=True),
    "objects_care_team_practice": Situation(care_team=True, objects=True, user_org="P1"),
    "objects_care_team_practice_org": Situation(care_team=True, objects=True, user_org="FED"),
    "objects_worklist_practice_org": Situation(worklist=HOME, objects=True, user_org="FED"),
    "objects_worklist_outside": Situation(worklist=HOME, objects=True),
    "objects_no_relationship_practice": Situation(objects=True, user_org="P1"),
    "grant_active": Situation(grant="active"),
    "grant_active_objects_outside": Situation(grant="active", objects=True),
    "grant_expired": Situation(grant="expired"),
    "grant_other_patient": Situation(grant="other_patient"),
    "grant_other_user": Situation(grant="other_user"),
}

# action key -> (resource kind, action, worklist locality, stated reason)
ACTIONS = {
    "record.read": (ResourceKind.PATIENT_RECORD, Action.READ, None, ""),
    "record.write": (ResourceKind.PATIENT_RECORD, Action.WRITE, None, ""),
    "care_plan.read": (ResourceKind.CARE_PLAN, Action.READ, None, ""),
    "care_plan.write": (ResourceKind.CARE_PLAN, Action.WRITE, None, ""),
    "break_glass": (ResourceKind.PATIENT_RECORD, Action.BREAK_GLASS, None, GOOD_REASON),
    "break_glass.short_reason": (
        ResourceKind.PATIENT_RECORD,
        Action.BREAK_GLASS,
        None,
        SHORT_REASON,
    ),
    "break_glass.care_plan": (ResourceKind.CARE_PLAN, Action.BREAK_GLASS, None, GOOD_REASON),
    "worklist.read.home": (ResourceKind.WORKLIST, Action.READ, HOME, ""),
    "worklist.read.away": (ResourceKind.WORKLIST, Action.READ, AWAY, ""),
    "worklist.review.home": (ResourceKind.WORKLIST, Action.REVIEW, HOME, ""),
    "worklist.review.away": (ResourceKind.WORKLIST, Action.REVIEW, AWAY, ""),
    "worklist.write.home": (ResourceKind.WORKLIST, Action.WRITE, HOME, ""),
    "audit_log.read": (ResourceKind.AUDIT_LOG, Action.READ, None, ""),
    "audit_log.write": (ResourceKind.AUDIT_LOG, Action.WRITE, None, ""),
    "consent.read": (ResourceKind.CONSENT, Action.READ, None, ""),
    "consent.write": (ResourceKind.CONSENT, Action.WRITE, None, ""),
    "care_team.read": (ResourceKind.CARE_TEAM, Action.READ, None, ""),
    "care_team.write": (ResourceKind.CARE_TEAM, Action.WRITE, None, ""),
    "users.manage": (ResourceKind.USERS, Action.MANAGE, None, ""),
    "users.read": (ResourceKind.USERS, Action.READ, None, ""),
}

# Each cell: + allowed / - refused, and the rule that decides. Columns, in Role order:
#  gp     nurse  social_worker  care_coordinator  analyst  auditor  admin
CLIN_P8 = "+P8 +P8 +P8 +P8"
NONCLIN = "-P1 -P1 -P1"  # analysts, auditors and admins never see identifiable data
CLIN_P0 = "-P0 -P0 -P0 -P0"

MATRIX = [
    # no relationship at all
    ("none", "record.read", f"{CLIN_P0} {NONCLIN}"),
    ("none", "care_plan.read", f"{CLIN_P0} {NONCLIN}"),
    ("none", "care_plan.write", f"{CLIN_P0} {NONCLIN}"),
    # care team: read the record, read and write care plans; the record itself is not written
    ("care_team", "record.read", f"{CLIN_P8} {NONCLIN}"),
    ("care_team", "care_plan.read", f"{CLIN_P8} {NONCLIN}"),
    ("care_team", "care_plan.write", f"{CLIN_P8} {NONCLIN}"),
    ("care_team", "record.write", f"{CLIN_P0} {NONCLIN}"),
    # on a worklist of a locality the user works in: read only
    ("worklist_home", "record.read", f"+P9 +P9 +P9 +P9 {NONCLIN}"),
    ("worklist_home", "care_plan.read", f"+P9 +P9 +P9 +P9 {NONCLIN}"),
    ("worklist_home", "care_plan.write", f"{CLIN_P0} {NONCLIN}"),
    ("worklist_away", "record.read", f"{CLIN_P0} {NONCLIN}"),
    ("worklist_away", "care_plan.read", f"{CLIN_P0} {NONCLIN}"),
    # working at the registered practice is no relationship by itself (issue 6)
    ("same_practice_only", "record.read", f"{CLIN_P0} {NONCLIN}"),
    # objection to sharing: hidden outside the practice (or its organisation)
    ("objects_care_team_outside", "record.read", f"-P7 -P7 -P7 -P7 {NONCLIN}"),
    ("objects_care_team_outside", "care_plan.read", f"-P7 -P7 -P7 -P7 {NONCLIN}"),
    ("objects_care_team_outside", "care_plan.write", f"-P7 -P7 -P7 -P7 {NONCLIN}"),
    ("objects_care_team_practice", "record.read", f"{CLIN_P8} {NONCLIN}"),
    ("objects_care_team_practice", "care_plan.write", f"{CLIN_P8} {NONCLIN}"),
    ("objects_care_team_practice_org", "record.read", f"{CLIN_P8} {NONCLIN}"),
    ("objects_care_team_practice_org", "care_plan.read", f"{CLIN_P8} {NONCLIN}"),
    ("objects_worklist_practice_org", "record.read", f"+P9 +P9 +P9 +P9 {NONCLIN}"),
    ("objects_worklist_practice_org", "care_plan.write", f"{CLIN_P0} {NONCLIN}"),
    ("objects_worklist_outside", "record.read", f"-P7 -P7 -P7 -P7 {NONCLIN}"),
    ("objects_worklist_outside", "care_plan.read", f"-P7 -P7 -P7 -P7 {NONCLIN}"),
    ("objects_no_relationship_practice", "record.read", f"{CLIN_P0} {NONCLIN}"),
    # break-glass: any clinician, with a reason, whatever the relationship or objection
    ("none", "break_glass", f"+P5 +P5 +P5 +P5 {NONCLIN}"),
    ("none", "break_glass.short_reason", f"-P4 -P4 -P4 -P4 {NONCLIN}"),
    ("none", "break_glass.care_plan", f"{CLIN_P0} {NONCLIN}"),
    ("objects_care_team_outside", "break_glass", f"+P5 +P5 +P5 +P5 {NONCLIN}"),
    ("objects_care_team_outside", "break_glass.short_reason", f"-P4 -P4 -P4 -P4 {NONCLIN}"),
    ("care_team", "break_glass", f"+P5 +P5 +P5 +P5 {NONCLIN}"),
    # a grant lets its holder read that patient's record and care plans until it expires
    ("grant_active", "record.read", f"+P6 +P6 +P6 +P6 {NONCLIN}"),
    ("grant_active", "care_plan.read", f"+P6 +P6 +P6 +P6 {NONCLIN}"),
    ("grant_active", "care_plan.write", f"{CLIN_P0} {NONCLIN}"),
    ("grant_active_objects_outside", "record.read", f"+P6 +P6 +P6 +P6 {NONCLIN}"),
    ("grant_active_objects_outside", "care_plan.read", f"+P6 +P6 +P6 +P6 {NONCLIN}"),
    ("grant_active_objects_outside", "care_plan.write", f"-P7 -P7 -P7 -P7 {NONCLIN}"),
    ("grant_expired", "record.read", f"{CLIN_P0} {NONCLIN}"),
    ("grant_expired", "care_plan.read", f"{CLIN_P0} {NONCLIN}"),
    ("grant_other_patient", "record.read", f"{CLIN_P0} {NONCLIN}"),
    ("grant_other_user", "record.read", f"{CLIN_P0} {NONCLIN}"),
    # worklists of the localities the user works in
    ("none", "worklist.read.home", f"+P10 +P10 +P10 +P10 {NONCLIN}"),
    ("none", "worklist.review.home", f"+P10 +P10 +P10 +P10 {NONCLIN}"),
    ("none", "worklist.read.away", f"{CLIN_P0} {NONCLIN}"),
    ("none", "worklist.review.away", f"{CLIN_P0} {NONCLIN}"),
    ("none", "worklist.write.home", f"{CLIN_P0} {NONCLIN}"),
    # consent choices: the registered practice records them, relationship or not
    ("none", "consent.read", f"{CLIN_P0} {NONCLIN}"),
    ("care_team", "consent.write", f"{CLIN_P0} {NONCLIN}"),
    ("worklist_home", "consent.read", f"{CLIN_P0} {NONCLIN}"),
    ("grant_active", "consent.write", f"{CLIN_P0} {NONCLIN}"),
    ("same_practice_only", "consent.read", f"+P11 +P11 +P11 +P11 {NONCLIN}"),
    ("same_practice_only", "consent.write", f"+P11 +P11 +P11 +P11 {NONCLIN}"),
    ("objects_no_relationship_practice", "consent.write", f"+P11 +P11 +P11 +P11 {NONCLIN}"),
    ("objects_worklist_practice_org", "consent.write", f"+P11 +P11 +P11 +P11 {NONCLIN}"),
    # the care team: its members see it and change it; an objection keeps outsiders away
    ("care_team", "care_team.read", f"+P12 +P12 +P12 +P12 {NONCLIN}"),
    ("care_team", "care_team.write", f"+P12 +P12 +P12 +P12 {NONCLIN}"),
    ("none", "care_team.read", f"{CLIN_P0} {NONCLIN}"),
    ("worklist_home", "care_team.write", f"{CLIN_P0} {NONCLIN}"),
    ("same_practice_only", "care_team.write", f"{CLIN_P0} {NONCLIN}"),
    ("grant_active", "care_team.write", f"{CLIN_P0} {NONCLIN}"),
    ("objects_care_team_outside", "care_team.read", f"-P7 -P7 -P7 -P7 {NONCLIN}"),
    ("objects_care_team_outside", "care_team.write", f"-P7 -P7 -P7 -P7 {NONCLIN}"),
    ("objects_care_team_practice", "care_team.write", f"+P12 +P12 +P12 +P12 {NONCLIN}"),
    # the audit log and the users: auditors read the one, admins manage the other
    ("none", "audit_log.read", f"{CLIN_P0} -P0 +P2 -P0"),
    ("none", "audit_log.write", f"{CLIN_P0} -P0 -P0 -P0"),
    ("none", "users.manage", f"{CLIN_P0} -P0 -P0 +P3"),
    ("none", "users.read", f"{CLIN_P0} -P0 -P0 -P0"),
]


def build(situation: Situation, role: Role, action_key: str):
    """The (user, action, resource, context) of one matrix case."""
    user = User(f"u-{role}", role, situation.user_org, frozenset({HOME}))
    patient = Patient(
        id="pat-1",
        registered_practice="P1",
        practice_organisation="FED",
        objects_to_sharing=situation.objects,
        care_team=frozenset({user.id, "u-other"} if situation.care_team else {"u-other"}),
        worklist_localities=frozenset({situation.worklist} if situation.worklist else ()),
    )
    grants = {
        None: (),
        "active": (_grant(user.id, "pat-1", NOW - timedelta(hours=1), NOW + timedelta(hours=3)),),
        "expired": (_grant(user.id, "pat-1", NOW - timedelta(hours=5), NOW - timedelta(hours=1)),),
        "other_patient": (_grant(user.id, "pat-2", NOW, NOW + timedelta(hours=4)),),
        "other_user": (_grant("u-other", "pat-1", NOW, NOW + timedelta(hours=4)),),
    }[situation.grant]
    kind, action, locality, reason = ACTIONS[action_key]
    patient_or_none = patient if kind in ABOUT_A_PATIENT else None
    resource = Resource(kind, patient_or_none, locality)
    return user, action, resource, Context(NOW, stated_reason=reason, grants=grants)


def _grant(user_id, patient_id, granted_at, expires_at):
    return BreakGlassGrant(user_id, patient_id, GOOD_REASON, granted_at, expires_at)


def cases():
    """Every cell of MATRIX as (situation, action, role, expected allowed, expected rule)."""
    for situation, action_key, cells in MATRIX:
        expected = cells.split()
        assert len(expected) == len(ROLES), (situation, action_key)
        for role, cell in zip(ROLES, expected, strict=True):
            yield situation, action_key, role, cell[0] == "+", cell[1:]


CASES = list(cases())


@pytest.mark.parametrize(("situation", "action_key", "role", "allowed", "rule"), CASES)
def test_matrix(situation, action_key, role, allowed, rule):
    decision = decide(*build(SITUATIONS[situation], role, action_key))
    assert (decision.allowed, decision.rule) == (allowed, rule)
    assert decision.reason.startswith(f"{rule}: ")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_removing_any_rule_changes_an_allow_or_deny_in_the_matrix(rule):
    weakened = tuple(r for r in RULES if r is not rule)
    changed = [
        (situation, action_key, role)
        for situation, action_key, role, allowed, _ in CASES
        if decide(*build(SITUATIONS[situation], role, action_key), rules=weakened).allowed
        != allowed
    ]
    assert changed, f"the matrix does not notice {rule.id} missing"


def test_every_rule_decides_some_case_and_every_situation_and_action_is_used():
    assert {rule for *_, rule in CASES} == {r.id for r in RULES} | {DEFAULT.id}
    assert {s for s, _, _ in MATRIX} == set(SITUATIONS)
    assert {a for _, a, _ in MATRIX} == set(ACTIONS)


def test_rule_table_is_numbered_in_order_and_says_something():
    assert [r.id for r in RULES] == [f"P{i}" for i in range(1, len(RULES) + 1)]
    assert DEFAULT.id == "P0" and not DEFAULT.allows
    for rule in RULES:
        assert rule.sentence.endswith(".") and len(rule.sentence) > 15


# --- break-glass ------------------------------------------------------------------------------

GP = User("u-gp", Role.GP, "COMM", frozenset({HOME}))
OBJECTOR = Patient("pat-1", "P1", "FED", objects_to_sharing=True)


def _read(user, patient, now, grants):
    return decide(
        user,
        Action.READ,
        Resource(ResourceKind.PATIENT_RECORD, patient),
        Context(now, grants=grants),
    )


def test_break_glass_grant_is_flagged_and_lasts_the_default_duration():
    decision, grant = break_glass_grant(GP, OBJECTOR, Context(NOW, stated_reason=GOOD_REASON))
    assert decision.allowed and decision.rule == "P5" and decision.break_glass
    assert grant == BreakGlassGrant("u-gp", "pat-1", GOOD_REASON, NOW, NOW + timedelta(hours=4))
    assert decision.expires_at == grant.expires_at
    assert timedelta(hours=4) == DEFAULT_BREAK_GLASS_DURATION


def test_break_glass_expires_exactly_at_the_end_of_the_configured_duration():
    hour = timedelta(hours=1)
    context = Context(NOW, stated_reason=GOOD_REASON, break_glass_duration=hour)
    _, grant = break_glass_grant(GP, OBJECTOR, context)
    assert grant is not None and grant.expires_at == NOW + hour
    at_start = _read(GP, OBJECTOR, NOW, (grant,))
    last_moment = _read(GP, OBJECTOR, NOW + hour - timedelta(microseconds=1), (grant,))
    at_expiry = _read(GP, OBJECTOR, NOW + hour, (grant,))
    assert (at_start.allowed, at_start.rule, at_start.break_glass) == (True, "P6", True)
    assert (last_moment.allowed, last_moment.rule) == (True, "P6")
    assert last_moment.expires_at == NOW + hour
    assert (at_expiry.allowed, at_expiry.rule, at_expiry.break_glass) == (False, "P7", False)


def test_a_grant_is_not_active_before_it_was_granted():
    grant = _grant("u-gp", "pat-1", NOW, NOW + timedelta(hours=4))
    assert not _read(GP, OBJECTOR, NOW - timedelta(microseconds=1), (grant,)).allowed


@pytest.mark.parametrize(
    ("reason", "allowed"),
    [
        ("", False),
        (" " * 20, False),
        ("x" * 9, False),
        ("   " + "x" * 9 + "   ", False),
        ("x" * 10, True),
        ("  " + "x" * 10 + "  ", True),
    ],
)
def test_break_glass_reason_must_have_ten_characters(reason, allowed):
    assert BREAK_GLASS_REASON_MIN_CHARS == 10
    decision, grant = break_glass_grant(GP, OBJECTOR, Context(NOW, stated_reason=reason))
    assert decision.allowed is allowed
    assert decision.rule == ("P5" if allowed else "P4")
    assert (grant is not None) is allowed
    if grant is not None:
        assert grant.reason == reason.strip()


def test_refused_break_glass_grants_nothing_and_is_not_flagged():
    decision, grant = break_glass_grant(GP, OBJECTOR, Context(NOW, stated_reason="help"))
    assert grant is None and not decision.break_glass and decision.expires_at is None
    analyst = User("u-an", Role.ANALYST, "ICB")
    decision, grant = break_glass_grant(analyst, OBJECTOR, Context(NOW, stated_reason=GOOD_REASON))
    assert (decision.allowed, decision.rule, grant) == (False, "P1", None)


def test_ordinary_access_is_not_flagged_break_glass():
    patient = Patient("pat-1", "P1", "FED", care_team=frozenset({"u-gp"}))
    decision = _read(GP, patient, NOW, ())
    assert decision.allowed and not decision.break_glass and decision.expires_at is None


# --- objection to sharing vs the registered practice ----------------------------------------


@pytest.mark.parametrize(
    ("organisation", "practice_organisation", "allowed"),
    [
        ("P1", "FED", True),  # the registered practice itself
        ("FED", "FED", True),  # the organisation the practice belongs to
        ("COMM", "FED", False),  # another organisation of the place
        ("P2", "FED", False),  # another practice, even of the same federation
        ("FED", None, False),  # a practice with no parent organisation
    ],
)
def test_objection_hides_the_record_outside_the_registered_practice(
    organisation, practice_organisation, allowed
):
    user = User("u-n", Role.NURSE, organisation)
    patient = Patient(
        "pat-1", "P1", practice_organisation, objects_to_sharing=True, care_team=frozenset({"u-n"})
    )
    for kind in (ResourceKind.PATIENT_RECORD, ResourceKind.CARE_PLAN):
        for action in (Action.READ, Action.WRITE):
            if kind is ResourceKind.PATIENT_RECORD and action is Action.WRITE:
                continue
            decision = decide(user, action, Resource(kind, patient), Context(NOW))
            assert (decision.allowed, decision.rule) == ((True, "P8") if allowed else (False, "P7"))


# --- the inputs are checked -----------------------------------------------------------------


def test_context_refuses_a_naive_clock_and_a_non_positive_duration():
    with pytest.raises(ValueError, match="timezone-aware"):
        Context(datetime(2025, 3, 1, 9, 0))
    with pytest.raises(ValueError, match="positive"):
        Context(NOW, break_glass_duration=timedelta(0))


def test_resources_need_their_patient_or_locality():
    with pytest.raises(ValueError, match="patient"):
        Resource(ResourceKind.CARE_PLAN)
    with pytest.raises(ValueError, match="locality"):
        Resource(ResourceKind.WORKLIST)


def test_the_clock_may_be_in_any_timezone():
    grant = _grant("u-gp", "pat-1", NOW, NOW + timedelta(hours=4))  # ends 13:00 UTC
    paris = timezone(timedelta(hours=1))  # CET: 13:59 in Paris is 12:59 UTC
    assert _read(GP, OBJECTOR, datetime(2025, 3, 1, 13, 59, tzinfo=paris), (grant,)).allowed
    assert not _read(GP, OBJECTOR, datetime(2025, 3, 1, 14, 0, tzinfo=paris), (grant,)).allowed
