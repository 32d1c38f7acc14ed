"""The care plane's service end to end on both databases: sign-in, the access policy at every
route, break-glass, worklist reviews, FHIR CarePlan versions, and the audit event each access
writes in its own transaction, refusals included."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from oneplace.care import auth
from oneplace.care import db as models
from oneplace.care.api import create_app
from oneplace.care.fhir import FHIR_JSON

from .conftest import T0, TOKEN_SECRET, Clock, care_settings
from .world import ADA_NHS, PASSWORD, PASSWORD_HASH, World, events, headers

# -- sign-in -------------------------------------------------------------------------------


def test_password_sign_in_issues_a_token_the_service_accepts(world: World, client: TestClient):
    answer = client.post("/auth/token", data={"username": "gp.team", "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "gp.team" and me.json()["localities"] == ["L1"]


@pytest.mark.parametrize("password", ["wrong password entirely", ""])
def test_a_wrong_password_gets_no_token(world: World, client: TestClient, password: str):
    answer = client.post("/auth/token", data={"username": "gp.team", "password": password})
    assert answer.status_code in (400, 422)
    assert "access_token" not in answer.text


def test_a_disabled_user_gets_no_token_and_their_token_stops_working(
    world: World, client: TestClient, db: Session
):
    token_headers = headers(world, "gp.team")
    world.users["gp.team"].active = False
    db.commit()
    answer = client.post("/auth/token", data={"username": "gp.team", "password": PASSWORD})
    assert answer.status_code == 400
    assert client.get("/auth/me", headers=token_headers).status_code == 401


def _forged(claims: dict[str, Any], key: str = TOKEN_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


@pytest.mark.parametrize(
    "case",
    ["expired", "other key", "unsigned", "no subject", "other issuer", "garbage"],
)
def test_the_verifier_refuses_tokens_it_did_not_issue_or_that_expired(
    world: World, client: TestClient, case: str
):
    now = int(T0.timestamp())
    good = {"sub": world.id("gp.team"), "iss": auth.ISSUER, "iat": now, "exp": now + 600}
    token = {
        "expired": _forged({**good, "iat": now - 3600, "exp": now - 1800}),
        "other key": _forged(good, key="another key that is also 32 bytes long"),
        "unsigned": jwt.encode(good, None, algorithm="none"),
        "no subject": _forged({k: v for k, v in good.items() if k != "sub"}),
        "other issuer": _forged({**good, "iss": "someone-else"}),
        "garbage": "not.a.token",
    }[case]
    answer = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json()["resourceType"] == "OperationOutcome"
    # the genuine token works, so the refusals above are the verifier's doing
    good_answer = client.get("/auth/me", headers={"Authorization": f"Bearer {_forged(good)}"})
    assert good_answer.status_code == 200


def test_the_token_verifier_is_one_replaceable_function(world: World, sessions, clock: Clock):
    def identity_provider(token: str, _settings, _now) -> auth.Principal:
        if not token.startswith("nhs-idp:"):
            raise auth.InvalidToken("not one of the identity provider's tokens")
        return auth.Principal(user_id=token.removeprefix("nhs-idp:"))

    client = TestClient(
        create_app(care_settings(), sessions, verify_token=identity_provider, clock=clock)
    )
    ours = headers(world, "gp.team")
    theirs = {"Authorization": f"Bearer nhs-idp:{world.id('gp.team')}"}
    assert client.get("/auth/me", headers=theirs).status_code == 200
    assert client.get("/auth/me", headers=ours).status_code == 401


# -- the policy at the routes ---------------------------------------------------------------


def test_a_care_team_member_reads_the_record_and_the_read_is_audited(
    world: World, client: TestClient, db: Session
):
    answer = client.get(f"/fhir/Patient/{world.ada.id}", headers=headers(world, "gp.team"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(FHIR_JSON)
    patient = answer.json()
    assert patient["resourceType"] == "Patient" and patient["id"] == world.ada.id
    assert patient["identifier"][0]["value"] == ADA_NHS
    [event] = events(db)
    assert (event.user_id, event.action, event.patient_ref, event.outcome) == (
        world.id("gp.team"),
        "patient_record.read",
        world.ada.id,
        "allowed",
    )
    assert event.reason.startswith("P8:") and event.organisation == "PRAC1" and event.role == "gp"


def test_a_stranger_is_refused_and_the_refusal_is_audited(
    world: World, client: TestClient, db: Session
):
    answer = client.get(f"/fhir/Patient/{world.ada.id}", headers=headers(world, "gp.stranger"))
    assert answer.status_code == 403
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "forbidden"
    assert outcome["issue"][0]["diagnostics"].startswith("P0:")
    assert "Ada" not in answer.text and ADA_NHS not in answer.text
    [event] = events(db)
    assert (event.outcome, event.patient_ref, event.user_id) == (
        "refused",
        world.ada.id,
        world.id("gp.stranger"),
    )


def test_a_worklist_locality_member_reads_the_record(world: World, client: TestClient, db):
    answer = client.get(f"/fhir/Patient/{world.ada.id}", headers=headers(world, "nurse.l1"))
    assert answer.status_code == 200
    assert events(db)[-1].reason.startswith("P9:")


@pytest.mark.parametrize("username", ["analyst", "auditor", "admin"])
def test_non_clinical_roles_never_see_a_record(world: World, client: TestClient, username, db):
    for url in (f"/fhir/Patient/{world.ada.id}", f"/fhir/CarePlan?patient={world.ada.id}"):
        answer = client.get(url, headers=headers(world, username))
        assert answer.status_code == 403
        assert answer.json()["issue"][0]["diagnostics"].startswith("P1:")
    assert client.get("/worklists/L1", headers=headers(world, username)).status_code == 403
    assert [e.outcome for e in events(db)] == ["refused"] * 3


def test_an_objection_hides_the_record_outside_the_practice_until_break_glass(
    world: World, client: TestClient, clock: Clock, db: Session
):
    nurse = headers(world, "nurse.l1")  # Bob is on L1's worklist, registered at PRAC2
    refused = client.get(f"/fhir/Patient/{world.bob.id}", headers=nurse)
    assert refused.status_code == 403
    assert refused.json()["issue"][0]["diagnostics"].startswith("P7:")

    short = client.post(
        f"/patients/{world.bob.id}/break-glass", json={"reason": "urgent"}, headers=nurse
    )
    assert short.status_code == 403 and short.json()["issue"][0]["diagnostics"].startswith("P4:")

    reason = "Unconscious in A&E; medication history needed now"
    granted = client.post(
        f"/patients/{world.bob.id}/break-glass", json={"reason": reason}, headers=nurse
    )
    assert granted.status_code == 200
    assert granted.json()["rule"] == "P5"
    assert granted.json()["expires_at"].startswith("2025-03-01T13:00:00")  # 4 hours

    clock.now = T0 + timedelta(hours=3, minutes=59)
    nurse = headers(world, "nurse.l1", at=clock.now)
    opened = client.get(f"/fhir/Patient/{world.bob.id}", headers=nurse)
    assert opened.status_code == 200 and opened.json()["name"][0]["given"] == ["Bob"]
    clock.now = T0 + timedelta(hours=4)
    nurse = headers(world, "nurse.l1", at=clock.now)
    assert client.get(f"/fhir/Patient/{world.bob.id}", headers=nurse).status_code == 403

    log = events(db)
    assert [(e.outcome, e.break_glass, e.reason[:3]) for e in log] == [
        ("refused", False, "P7:"),
        ("refused", False, "P4:"),
        ("allowed", True, "P5:"),
        ("allowed", True, "P6:"),
        ("refused", False, "P7:"),
    ]
    assert log[2].stated_reason == reason

    # ... and auditors are shown the break-glass accesses
    auditor = headers(world, "auditor", at=clock.now)
    report = client.get("/fhir/AuditEvent?break-glass=true", headers=auditor)
    assert report.status_code == 200
    bundle = report.json()
    assert bundle["resourceType"] == "Bundle" and bundle["total"] == 2
    purposes = [e["resource"]["agent"][0]["purposeOfUse"] for e in bundle["entry"]]
    assert all(
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                    "code": "BTG",
                    "display": "break the glass",
                }
            ]
        }
        in p
        for p in purposes
    )


def test_the_registered_practice_sees_an_objecting_patient(world: World, client, db: Session):
    world.users["gp.south"] = models.User(
        username="gp.south",
        full_name="gp.south",
        organisation_code="PRAC2",
        role="gp",
        password_hash=PASSWORD_HASH,
        localities=[models.UserLocality(locality="L1")],
    )
    db.add(world.users["gp.south"])
    db.commit()
    answer = client.get(f"/fhir/Patient/{world.bob.id}", headers=headers(world, "gp.south"))
    assert answer.status_code == 200
    assert events(db)[-1].reason.startswith("P9:")
