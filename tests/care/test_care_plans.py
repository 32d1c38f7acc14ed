"""FHIR CarePlan create, read, update, versions and search; invalid resources refused with an
OperationOutcome naming the element and nothing written; worklist reviews; user management;
and the audit chain after it all, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from fhir.resources.R4B.patient import Patient as FhirPatient
from sqlalchemy.orm import Session

from oneplace.care import db as models
from oneplace.care.audit_store import verify_store
from oneplace.care.fhir import NHS_NUMBER_SYSTEM, REVIEW_DATE_URL

from .world import ADA_NHS, BOB_NHS, World, care_plan, count, events, headers


def _create(client: TestClient, world: World, username: str = "gp.team", **changes: Any):
    return client.post(
        "/fhir/CarePlan",
        json=care_plan(world.ada.id, **changes),
        headers=headers(world, username, **{"Content-Type": "application/fhir+json"}),
    )


def test_a_care_team_member_creates_reads_updates_and_searches_a_care_plan(
    world: World, client: TestClient, db: Session
):
    gp = headers(world, "gp.team")
    created = _create(client, world)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["meta"]["versionId"] == "1" and created.headers["ETag"] == 'W/"1"'
    assert created.headers["Location"].endswith(f"/fhir/CarePlan/{plan['id']}/_history/1")
    # what went in comes back, elements without a column of their own included
    for key in ("status", "intent", "title", "subject", "period", "goal", "contained", "extension"):
        assert plan[key] == care_plan(world.ada.id)[key]
    assert plan["activity"][0]["detail"]["performer"] == [{"reference": "Organization/TRUST"}]

    read = client.get(f"/fhir/CarePlan/{plan['id']}", headers=gp)
    assert read.status_code == 200 and read.json() == plan
    FhirCarePlan.model_validate(read.json())  # what is served is valid R4
    patient = client.get(f"/fhir/Patient/{world.ada.id}", headers=gp).json()
    FhirPatient.model_validate(patient)

    changed = care_plan(world.ada.id, status="on-hold", title="Paused while in hospital")
    stale = client.put(
        f"/fhir/CarePlan/{plan['id']}", json=changed, headers={**gp, "If-Match": 'W/"7"'}
    )
    assert stale.status_code == 412
    updated = client.put(
        f"/fhir/CarePlan/{plan['id']}", json=changed, headers={**gp, "If-Match": 'W/"1"'}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["meta"]["versionId"] == "2" and updated.json()["status"] == "on-hold"

    first = client.get(f"/fhir/CarePlan/{plan['id']}/_history/1", headers=gp)
    assert first.json()["status"] == "active" and first.json()["title"] == "Keeping well at home"
    assert client.get(f"/fhir/CarePlan/{plan['id']}/_history/3", headers=gp).status_code == 404

    found = client.get(f"/fhir/CarePlan?patient=Patient/{world.ada.id}", headers=gp).json()
    assert found["total"] == 1 and found["entry"][0]["resource"]["meta"]["versionId"] == "2"

    # every version is kept, with its structured columns
    versions = db.query(models.CarePlanVersion).order_by(models.CarePlanVersion.version).all()
    assert [(v.version, v.status, str(v.review_date)) for v in versions] == [
        (1, "active", "2025-06-01"),
        (2, "on-hold", "2025-06-01"),
    ]
    assert versions[0].activities[0]["organisation"] == "TRUST"
    assert [e.action for e in events(db)] == [
        "care_plan.write",  # create
        "care_plan.read",
        "patient_record.read",
        "care_plan.write",  # the stale If-Match: decided and audited, then 412
        "care_plan.write",
        "care_plan.read",
        "care_plan.read",
        "care_plan.read",
    ]


def test_reading_a_care_plan_needs_a_relationship_and_writing_needs_the_care_team(
    world: World, client: TestClient, db: Session
):
    plan = _create(client, world).json()
    nurse = headers(world, "nurse.l1")  # works in L1, where Ada is on the worklist: P9
    assert client.get(f"/fhir/CarePlan/{plan['id']}", headers=nurse).status_code == 200
    before = count(db, models.CarePlanVersion)
    refused = client.put(
        f"/fhir/CarePlan/{plan['id']}", json=care_plan(world.ada.id), headers=nurse
    )
    assert refused.status_code == 403
    assert _create(client, world, "nurse.l1").status_code == 403
    stranger = headers(world, "gp.stranger")
    assert client.get(f"/fhir/CarePlan/{plan['id']}", headers=stranger).status_code == 403
    assert count(db, models.CarePlanVersion) == before
    assert [e.outcome for e in events(db)][-4:] == ["allowed", "refused", "refused", "refused"]


def _without(plan: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in plan.items() if k != key}


INVALID = {
    # name: (change to a valid plan, the element the OperationOutcome names)
    "status not in the value set": ({"status": "finished"}, "CarePlan.status"),
    "intent not in the value set": ({"intent": "wish"}, "CarePlan.intent"),
    "status missing": ("-status", "CarePlan.status"),
    "unknown element": ({"reviewDate": "2025-06-01"}, "CarePlan.reviewDate"),
    "not a CarePlan": ({"resourceType": "Patient"}, "CarePlan.resourceType"),
    "title not text": ({"title": {"text": 3}}, "CarePlan.title"),
    "subject not a patient": (
        {"subject": {"reference": "Group/1"}},
        "CarePlan.subject",
    ),
    "subject unknown": (
        {"subject": {"reference": "Patient/no-such-patient"}},
        "CarePlan.subject",
    ),
    "activity without its organisation": (
        {"activity": [{"detail": {"status": "scheduled"}}]},
        "CarePlan.activity[0].detail.performer",
    ),
    "activity of an organisation outside the place": (
        {
            "activity": [
                {
                    "detail": {
                        "status": "scheduled",
                        "performer": [{"reference": "Organization/ELSEWHERE"}],
                    }
                }
            ]
        },
        "CarePlan.activity[0].detail.performer",
    ),
    "activity status not in the value set": (
        {
            "activity": [
                {
                    "detail": {
                        "status": "pending",
                        "performer": [{"reference": "Organization/TRUST"}],
                    }
                }
            ]
        },
        "CarePlan.activity[0].detail.status",
    ),
    "activity detail status missing": (
        {"activity": [{"detail": {"performer": [{"reference": "Organization/TRUST"}]}}]},
        "CarePlan.activity[0].detail.status",
    ),
    "activity by reference": (
        {"activity": [{"reference": {"reference": "ServiceRequest/1"}}]},
        "CarePlan.activity[0].detail",
    ),
    "goal not contained": ({"goal": [{"reference": "Goal/1"}]}, "CarePlan.goal[0]"),
    "goal status not in the value set": (
        {
            "contained": [
                {
                    "resourceType": "Goal",
                    "id": "g1",
                    "lifecycleStatus": "hoped-for",
                    "description": {"text": "x"},
                    "subject": {"reference": "Patient/x"},
                }
            ]
        },
        "CarePlan.contained[0].lifecycleStatus",
    ),
    "review date not a date": (
        {"extension": [{"url": REVIEW_DATE_URL, "valueDate": "2025-13-01"}]},
        "CarePlan.extension[0].valueDate",
    ),
    "review date only a year": (
        {"extension": [{"url": REVIEW_DATE_URL, "valueDate": "2025"}]},
        "CarePlan.extension[0]",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
@pytest.mark.parametrize("method", ["create", "update"])
def test_an_invalid_care_plan_gets_422_naming_the_element_and_nothing_is_written(
    world: World, client: TestClient, db: Session, case: str, method: str
):
    gp = headers(world, "gp.team")
    plan_id = _create(client, world).json()["id"] if method == "update" else None
    change, expression = INVALID[case]
    body = care_plan(world.ada.id)
    body = _without(body, change[1:]) if isinstance(change, str) else {**body, **change}
    before = (
        count(db, models.CarePlan),
        count(db, models.CarePlanVersion),
        count(db, models.AuditLogRow),
    )
    if method == "create":
        answer = client.post("/fhir/CarePlan", json=body, headers=gp)
    else:
        answer = client.put(f"/fhir/CarePlan/{plan_id}", json=body, headers=gp)
    assert answer.status_code == 422, answer.text
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert expression in [e for issue in outcome["issue"] for e in issue.get("expression", [])]
    after = (
        count(db, models.CarePlan),
        count(db, models.CarePlanVersion),
        count(db, models.AuditLogRow),
    )
    assert after == before


@pytest.mark.parametrize("body", [[], "plan", 3, None])
def test_a_body_that_is_not_a_json_object_gets_422(world: World, client: TestClient, body):
    answer = client.post("/fhir/CarePlan", json=body, headers=headers(world, "gp.team"))
    assert answer.status_code == 422
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_a_valid_plan_passes_the_checks_the_invalid_ones_fail(world: World, client: TestClient):
    """The 422s above are the checks' doing: the unchanged plan is accepted."""
    assert _create(client, world).status_code == 201


def test_an_update_cannot_move_a_plan_to_another_patient(world: World, client, db: Session):
    plan = _create(client, world).json()
    moved = care_plan(world.bob.id)
    answer = client.put(
        f"/fhir/CarePlan/{plan['id']}", json=moved, headers=headers(world, "gp.team")
    )
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["expression"] == ["CarePlan.subject"]


# -- Patient search --------------------------------------------------------------------------


@pytest.mark.parametrize("identifier", [ADA_NHS, "943 476 5919", f"{NHS_NUMBER_SYSTEM}|{ADA_NHS}"])
def test_patient_search_by_nhs_number(world: World, client: TestClient, identifier: str):
    answer = client.get(
        "/fhir/Patient", params={"identifier": identifier}, headers=headers(world, "gp.team")
    )
    assert answer.status_code == 200
    bundle = answer.json()
    assert bundle["type"] == "searchset" and bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["id"] == world.ada.id


def test_patient_search_refuses_a_bad_nhs_number_and_finds_nobody_for_an_unknown_one(
    world: World, client: TestClient, db: Session
):
    gp = headers(world, "gp.team")
    bad = client.get("/fhir/Patient", params={"identifier": "9434765918"}, headers=gp)
    assert bad.status_code == 422
    assert bad.json()["issue"][0]["expression"] == ["identifier"]
    assert "check digit" in bad.json()["issue"][0]["diagnostics"]
    unknown = client.get("/fhir/Patient", params={"identifier": "9990000026"}, headers=gp)
    assert unknown.status_code == 200 and unknown.json()["total"] == 0
    refused = client.get("/fhir/Patient", params={"identifier": BOB_NHS}, headers=gp)
    assert refused.status_code == 403  # Bob objects, and gp.team is at another practice
    assert [e.outcome for e in events(db)] == ["refused"]


# -- worklists -------------------------------------------------------------------------------


def test_a_locality_member_reads_the_worklist_in_order_of_need(
    world: World, client: TestClient, db: Session
):
    answer = client.get("/worklists/L1", headers=headers(world, "social.l1"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 2
    # Bob objects to sharing outside his practice (PRAC2): the council's social worker sees
    # that he is on the list and where he is registered, not who he is or why
    assert [(e["rank"], e["nhs_number"], e["withheld"]) for e in body["entries"]] == [
        (1, ADA_NHS, False),
        (2, None, True),
    ]
    bob = body["entries"][1]
    assert (bob["name"], bob["reason"], bob["need"], bob["registered_practice"]) == (
        None,
        None,
        None,
        "PRAC2",
    )
    assert "Bob" not in answer.text
    page = client.get("/worklists/L1?limit=1&offset=1", headers=headers(world, "social.l1"))
    assert [e["rank"] for e in page.json()["entries"]] == [2]
    [summary] = client.get("/worklists", headers=headers(world, "social.l1")).json()
    assert (summary["locality"], summary["entries"], summary["reviewed"]) == ("L1", 2, 0)
    refused = client.get("/worklists/L1", headers=headers(world, "gp.stranger"))
    assert refused.status_code == 403
    assert [(e.action, e.outcome) for e in events(db)] == [
        ("worklist.read", "allowed"),
        ("worklist.read", "allowed"),
        ("worklist.read", "refused"),
    ]


def test_worklist_pages_by_rank_follow_each_other_to_the_end(world: World, client: TestClient):
    h = headers(world, "social.l1")
    first = client.get("/worklists/L1?limit=1", headers=h).json()
    assert ([e["rank"] for e in first["entries"]], first["next_after"]) == ([1], 1)
    second = client.get(f"/worklists/L1?limit=1&after={first['next_after']}", headers=h).json()
    assert ([e["rank"] for e in second["entries"]], second["next_after"]) == ([2], None)
    assert second["total"] == 2
    assert client.get("/worklists/L1", headers=h).json()["next_after"] is None
    assert client.get("/worklists/L1?after=2", headers=h).json()["entries"] == []
    both = client.get("/worklists/L1?after=1&offset=1", headers=h)
    assert both.status_code == 422
    assert "after or offset" in both.text


def test_starting_a_care_plan_from_the_worklist_joins_the_care_team(
    world: World, client: TestClient, db: Session
):
    social = headers(world, "social.l1")
    entry = world.entries["Ada"].id
    assert _create(client, world, "social.l1").status_code == 403  # not on the care team yet
    answer = client.post(
        f"/worklists/L1/entries/{entry}/review",
        json={"decision": "care_plan_started"},
        headers=social,
    )
    assert answer.status_code == 200
    assert answer.json()["decision"] == "care_plan_started"
    assert _create(client, world, "social.l1").status_code == 201  # P8 now
    summary = client.get("/worklists", headers=social).json()[0]
    assert summary["reviewed"] == 1
    elsewhere = client.post(
        f"/worklists/L1/entries/{entry}/review",
        json={"decision": "declined"},
        headers=headers(world, "gp.stranger"),
    )
    assert elsewhere.status_code == 403
    bad = client.post(
        f"/worklists/L1/entries/{entry}/review", json={"decision": "maybe"}, headers=social
    )
    assert bad.status_code == 422
    assert (
        client.post(
            "/worklists/L2/entries/999999/review", json={"decision": "declined"}, headers=social
        ).status_code
        == 404
    )


# -- users -----------------------------------------------------------------------------------


def test_admins_manage_users_and_nobody_else_does(world: World, client: TestClient, db):
    admin = headers(world, "admin")
    new = {
        "username": "nurse.new",
        "full_name": "New Nurse",
        "organisation": "TRUST",
        "role": "nurse",
        "localities": ["L1"],
        "password": "a long enough password",
    }
    assert (
        client.post("/admin/users", json=new, headers=headers(world, "gp.team")).status_code == 403
    )
    created = client.post("/admin/users", json=new, headers=admin)
    assert created.status_code == 201 and created.json()["localities"] == ["L1"]
    assert client.post("/admin/users", json=new, headers=admin).status_code == 409
    token = client.post(
        "/auth/token", data={"username": "nurse.new", "password": "a long enough password"}
    )
    assert token.status_code == 200
    changed = client.patch(
        f"/admin/users/{created.json()['id']}", json={"active": False}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["active"] is False
    usernames = [u["username"] for u in client.get("/admin/users", headers=admin).json()]
    assert "nurse.new" in usernames and "gp.team" in usernames
    short = {**new, "username": "x", "password": "short"}
    assert client.post("/admin/users", json=short, headers=admin).status_code == 422


# -- the audit chain after all of it ---------------------------------------------------------


def test_the_audit_chain_is_intact_and_auditors_read_it_as_fhir(
    world: World, client: TestClient, db: Session
):
    _create(client, world)
    client.get(f"/fhir/Patient/{world.bob.id}", headers=headers(world, "gp.stranger"))
    client.get("/worklists/L1", headers=headers(world, "nurse.l1"))
    db.expire_all()
    assert verify_store(db) == []
    auditor = headers(world, "auditor")
    bundle = client.get(f"/fhir/AuditEvent?patient={world.bob.id}", headers=auditor).json()
    assert bundle["total"] == 1
    event = bundle["entry"][0]["resource"]
    assert event["outcome"] == "4" and event["action"] == "R"
    assert event["outcomeDesc"].startswith("P0:")
    assert {"reference": f"Patient/{world.bob.id}"} in [e["what"] for e in event["entity"]]
    one = client.get("/fhir/AuditEvent/1", headers=auditor)
    assert one.status_code == 200 and one.json()["subtype"] == [{"code": "care_plan.write"}]
    assert client.get("/fhir/AuditEvent/1", headers=headers(world, "gp.team")).status_code == 403
    assert client.get("/fhir/AuditEvent/9999", headers=auditor).status_code == 404
    db.expire_all()
    assert verify_store(db) == []


def test_the_registered_practice_sees_who_an_objecting_patient_is_on_the_worklist(
    world: World, client: TestClient, db: Session
):
    gp = models.User(
        username="gp.south",
        full_name="gp.south",
        organisation_code="PRAC2",
        role="gp",
        localities=[models.UserLocality(locality="L1")],
    )
    db.add(gp)
    db.commit()
    world.users["gp.south"] = gp
    body = client.get("/worklists/L1", headers=headers(world, "gp.south")).json()
    assert [(e["nhs_number"], e["withheld"]) for e in body["entries"]] == [
        (ADA_NHS, False),
        (BOB_NHS, False),
    ]
    # a withdrawn objection no longer hides him from others
    objection = db.query(models.ConsentRecord).one()
    objection.withdrawn_at = objection.recorded_at
    db.commit()
    body = client.get("/worklists/L1", headers=headers(world, "social.l1")).json()
    assert body["entries"][1]["nhs_number"] == BOB_NHS
