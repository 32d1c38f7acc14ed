"""FHIR R4 at the care plane's edge: Patient, CarePlan, AuditEvent and OperationOutcome.

Sources: HL7 FHIR R4 (4.0.1), https://hl7.org/fhir/R4/: the resources
``patient.html``, ``careplan.html``, ``auditevent.html`` and ``operationoutcome.html``, and
the required value sets they bind (request-status, care-plan-intent,
care-plan-activity-status, goal-status, audit-event-action, audit-event-outcome); the NHS
number identifier system of UK Core (https://fhir.nhs.uk/Id/nhs-number). Structure is
validated with ``fhir.resources``' R4B models, which read and write R4 JSON for these
resources; they do not check codes against value sets, so the required bindings the care
plane relies on are checked here.

What oneplace adds to CarePlan, each refused with a 422 naming the element when broken:
``subject`` must be a ``Patient/{id}`` the care plane holds; every ``activity`` must be an
inline ``detail`` naming its responsible organisation in ``detail.performer`` as
``Organization/{code}`` of an organisation of the place; goals are ``contained`` Goal
resources that ``goal`` refers to (``#id``); the review date is the extension
``REVIEW_DATE_URL`` (``valueDate``), since R4 CarePlan has no element for it.

An invalid resource raises ``FhirInvalid`` with its issues; the service answers 422 with the
``OperationOutcome`` and writes nothing. Issue ``expression`` is FHIRPath as in R4
(``CarePlan.activity[0].detail.status``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle as FhirBundle
from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from pydantic import ValidationError

from . import db
from .db import CARE_PLAN_INTENTS, CARE_PLAN_STATUSES

FHIR_JSON = "application/fhir+json"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
REVIEW_DATE_URL = "https://oneplace.dev/fhir/StructureDefinition/care-plan-review-date"
ACTIVITY_STATUSES = (
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
)
GOAL_STATUSES = (
    "proposed",
    "planned",
    "accepted",
    "active",
    "on-hold",
    "completed",
    "cancelled",
    "entered-in-error",
    "rejected",
)
AUDIT_TYPE = {
    "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
    "code": "rest",
    "display": "RESTful Operation",
}
BREAK_GLASS_PURPOSE = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
    "code": "BTG",
    "display": "break the glass",
}


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome issue: ``code`` from the issue-type value set (``invalid``,
    ``required``, ``value``, ``not-found``, ``forbidden``, ``conflict``, ...)."""

    code: str
    diagnostics: str
    expression: str | None = None
    severity: str = "error"


class FhirInvalid(Exception):
    def __init__(self, issues: Iterable[Issue]):
        self.issues = list(issues)
        super().__init__("; ".join(f"{i.expression}: {i.diagnostics}" for i in self.issues))


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    out = []
    for issue in issues:
        item: dict[str, Any] = {
            "severity": issue.severity,
            "code": issue.code,
            "diagnostics": issue.diagnostics,
        }
        if issue.expression:
            item["expression"] = [issue.expression]
        out.append(item)
    return {"resourceType": "OperationOutcome", "issue": out}


def fhir_path(resource_type: str, loc: Iterable[Any]) -> str:
    """A pydantic error location as FHIRPath: ('activity', 0, 'detail') ->
    ``CarePlan.activity[0].detail``."""
    path = resource_type
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = "resourceType" if part == "resource_type" else str(part)
            path += f".{name.removesuffix('__ext')}"
    return path


def _validated(model: type, resource_type: str, body: Any) -> Any:
    if not isinstance(body, dict):
        raise FhirInvalid([Issue("structure", f"a {resource_type} must be a JSON object")])
    if body.get("resourceType") != resource_type:
        raise FhirInvalid(
            [
                Issue(
                    "invalid",
                    f"resourceType must be {resource_type!r}",
                    f"{resource_type}.resourceType",
                )
            ]
        )
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise FhirInvalid(
            Issue(
                "required" if err["type"].endswith("missing") else "structure",
                err["msg"],
                fhir_path(resource_type, err["loc"]),
            )
            for err in error.errors()
        ) from None


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


# -- Patient -------------------------------------------------------------------------------


def patient_resource(patient: db.Patient) -> dict[str, Any]:
    resource = {
        "resourceType": "Patient",
        "id": patient.id,
        "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": patient.nhs_number}],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "birthDate": patient.date_of_birth.isoformat(),
        "address": [{"use": "home", "text": patient.address}],
        "generalPractitioner": [
            {
                "type": "Organization",
                "identifier": {"system": ODS_SYSTEM, "value": patient.registered_practice},
            }
        ],
    }
    return resource  # built from validated columns; the tests validate it with FhirPatient


# -- CarePlan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarePlanContent:
    """A validated CarePlan as the care plane stores it."""

    patient_id: str
    status: str
    intent: str
    title: str
    description: str
    goals: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    review_date: date | None
    resource: dict[str, Any]  # without id and meta


def _code_issue(value: Any, allowed: tuple[str, ...], expression: str) -> list[Issue]:
    if value in allowed:
        return []
    return [Issue("value", f"{value!r} is not one of {', '.join(allowed)}", expression)]


def parse_care_plan(body: Any, organisations: set[str]) -> CarePlanContent:
    """``body`` as stored content; ``FhirInvalid`` naming every broken element."""
    plan = _validated(FhirCarePlan, "CarePlan", body)
    resource = _dump(plan)
    resource.pop("id", None)
    resource.pop("meta", None)
    issues = _code_issue(resource.get("status"), CARE_PLAN_STATUSES, "CarePlan.status")
    issues += _code_issue(resource.get("intent"), CARE_PLAN_INTENTS, "CarePlan.intent")

    subject = (resource.get("subject") or {}).get("reference", "")
    patient_id = subject.removeprefix("Patient/")
    if not subject.startswith("Patient/") or not patient_id or "/" in patient_id:
        issues.append(
            Issue("required", "must refer to a patient as Patient/{id}", "CarePlan.subject")
        )

    goals = [g for g in resource.get("contained", []) if g.get("resourceType") == "Goal"]
    for place, item in enumerate(resource.get("contained", [])):
        if item.get("resourceType") != "Goal":
            issues.append(
                Issue(
                    "not-supported",
                    "only Goal resources may be contained",
                    f"CarePlan.contained[{place}]",
                )
            )
    goal_ids = {g.get("id") for g in goals}
    for place, goal in enumerate(goals):
        issues += _code_issue(
            goal.get("lifecycleStatus"),
            GOAL_STATUSES,
            f"CarePlan.contained[{place}].lifecycleStatus",
        )
    for place, ref in enumerate(resource.get("goal", [])):
        target = ref.get("reference", "")
        if not target.startswith("#") or target[1:] not in goal_ids:
            issues.append(
                Issue("invalid", "must refer to a contained Goal as #id", f"CarePlan.goal[{place}]")
            )

    activities = resource.get("activity", [])
    for place, activity in enumerate(activities):
        where = f"CarePlan.activity[{place}]"
        detail = activity.get("detail")
        if detail is None:
            issues.append(
                Issue("required", "each activity must be an inline detail", f"{where}.detail")
            )
            continue
        issues += _code_issue(detail.get("status"), ACTIVITY_STATUSES, f"{where}.detail.status")
        performers = [
            p.get("reference", "").removeprefix("Organization/")
            for p in detail.get("performer", [])
            if p.get("reference", "").startswith("Organization/")
        ]
        if not performers:
            issues.append(
                Issue(
                    "required",
                    "each activity names its responsible organisation as Organization/{code}",
                    f"{where}.detail.performer",
                )
            )
        unknown = [code for code in performers if code not in organisations]
        if unknown:
            issues.append(
                Issue(
                    "value",
                    f"organisation {', '.join(unknown)} is not an organisation of the place",
                    f"{where}.detail.performer",
                )
            )

    review_date = None
    for place, extension in enumerate(resource.get("extension", [])):
        if extension.get("url") == REVIEW_DATE_URL:
            value = extension.get("valueDate")
            try:
                review_date = date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                review_date = None
            if review_date is None:
                issues.append(
                    Issue(
                        "value",
                        "the review date needs a full valueDate (YYYY-MM-DD)",
                        f"CarePlan.extension[{place}]",
                    )
                )
    if issues:
        raise FhirInvalid(issues)
    return CarePlanContent(
        patient_id=patient_id,
        status=resource["status"],
        intent=resource["intent"],
        title=resource.get("title", ""),
        description=resource.get("description", ""),
        goals=goals,
        activities=[
            {
                **a,
                "organisation": a["detail"]["performer"][0]["reference"].removeprefix(
                    "Organization/"
                ),
            }
            for a in activities
        ],
        review_date=review_date,
        resource=resource,
    )


class StoredVersion(Protocol):
    """What a CarePlan is answered from: a ``db.CarePlanVersion`` or a row of its columns."""

    version: int
    created_at: datetime
    resource: dict[str, Any]


def care_plan_resource(plan_id: str, version: StoredVersion) -> dict[str, Any]:
    resource = {
        **version.resource,
        "resourceType": "CarePlan",
        "id": plan_id,
        "meta": {"versionId": str(version.version), "lastUpdated": _instant(version.created_at)},
    }
    return resource  # validated when it was written; the tests validate it with FhirCarePlan


def version_tag(version: int) -> str:
    """The ETag of a resource version (FHIR's weak ETag, ``W/"3"``)."""
    return f'W/"{version}"'


# -- AuditEvent ----------------------------------------------------------------------------

_ACTION_CODES = {"read": "R", "write": "U", "review": "U", "manage": "U", "break_glass": "E"}


def audit_event_resource(row: db.AuditLogRow) -> dict[str, Any]:
    """An audit log row as FHIR AuditEvent: action R/U/E, outcome 0 (allowed) or 4 (refused),
    the deciding rule as ``outcomeDesc``, break-glass as purpose of use BTG, and the
    hash chain in ``entity`` details."""
    verb = row.action.rsplit(".", 1)[-1]
    agent: dict[str, Any] = {
        "type": {"text": row.role},
        "who": {"reference": f"Practitioner/{row.user_id}"},
        "requestor": True,
        "role": [{"text": row.role}],
    }
    if row.stated_reason:
        agent["purposeOfUse"] = [{"text": row.stated_reason}]
    if row.break_glass:
        agent.setdefault("purposeOfUse", []).append({"coding": [BREAK_GLASS_PURPOSE]})
    entities: list[dict[str, Any]] = [
        {
            "what": {"display": row.action},
            "detail": [
                {"type": "seq", "valueString": str(row.seq)},
                {"type": "prev_hash", "valueString": row.prev_hash},
                {"type": "hash", "valueString": row.hash},
                {"type": "organisation", "valueString": row.organisation},
            ],
        }
    ]
    if row.patient_ref:
        entities.append({"what": {"reference": f"Patient/{row.patient_ref}"}})
    resource = {
        "resourceType": "AuditEvent",
        "id": str(row.seq),
        "type": AUDIT_TYPE,
        "subtype": [{"code": row.action}],
        "action": _ACTION_CODES.get(verb, "E"),
        "recorded": row.time,
        "outcome": "0" if row.outcome == "allowed" else "4",
        "outcomeDesc": row.reason,
        "agent": [agent],
        "source": {"observer": {"display": "oneplace care plane"}},
        "entity": entities,
    }
    dumped = _dump(FhirAuditEvent.model_validate(resource))
    dumped["recorded"] = row.time  # keep the microseconds the chain hashed
    return dumped


# -- Bundle --------------------------------------------------------------------------------


def search_bundle(resources: list[dict[str, Any]], total: int, base: str) -> dict[str, Any]:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }
    FhirBundle.model_validate({**bundle, "entry": []})  # the envelope; entries were validated
    return bundle


def _instant(moment: datetime) -> str:
    return db.as_utc(moment).isoformat().replace("+00:00", "Z")
