"""Consent choices and care-team membership through the service: the registered practice records
and withdraws a patient's objection to sharing (P11), which takes effect on the next access;
care-team members add and remove colleagues (P12), which opens and closes their access to
write care plans (P8). Every decision is audited, refusals included."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from oneplace.care import db as models

from .world import World, care_plan, count, events, headers


def _consent(client: TestClient, world: World, username: str, kind: str = "sharing_objection"):
    return client.post(
        f"/patients/{world.ada.id}/consent", json={"kind": kind}, headers=headers(world, username)
    )


def test_the_practice_records_an_objection_that_hides_the_record_until_withdrawn(
    world: World, client: TestClient, db: Session
):
    nurse = headers(world, "nurse.l1")  # community trust, Ada is on L1's worklist (P9)
    assert client.get(f"/fhir/Patient/{world.ada.id}", headers=nurse).status_code == 200

    recorded = _consent(client, world, "gp.team")  # Ada's own practice, PRAC1
    assert recorded.status_code == 201, recorded.text
    objection = recorded.json()
    assert (objection["kind"], objection["in_force"]) == ("sharing_objection", True)
    assert objection["recorded_by"] == world.id("gp.team")

    hidden = client.get(f"/fhir/Patient/{world.ada.id}", headers=nurse)
    assert hidden.status_code == 403
    assert "P7" in hidden.text
    assert _consent(client, world, "gp.team").status_code == 409  # already in force

    listed = client.get(f"/patients/{world.ada.id}/consent", headers=headers(world, "gp.team"))
    assert [c["consent_id"] for c in listed.json()] == [objection["consent_id"]]

    withdraw = f"/patients/{world.ada.id}/consent/{objection['consent_id']}/withdraw"
    withdrawn = client.post(withdraw, headers=headers(world, "gp.team"))
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["in_force"] is False
    assert withdrawn.json()["withdrawn_at"] is not None
    assert client.get(f"/fhir/Patient/{world.ada.id}", headers=nurse).status_code == 200
    assert client.post(withdraw, headers=headers(world, "gp.team")).status_code == 409

    assert [(e.action, e.outcome) for e in events(db)] == [
        ("patient_record.read", "allowed"),
        ("consent.write", "allowed"),
        ("patient_record.read", "refused"),
        ("consent.write", "allowed"),  # the duplicate: allowed, then answered 409
        ("consent.read", "allowed"),
        ("consent.write", "allowed"),
        ("patient_record.read", "allowed"),
        ("consent.write", "allowed"),
    ]


def test_only_the_registered_practice_records_consent(
    world: World, client: TestClient, db: Session
):
    for username, rule in [("nurse.l1", "P0"), ("gp.stranger", "P0"), ("analyst", "P1")]:
        refused = _consent(client, world, username, "national_data_opt_out")
        assert refused.status_code == 403, username
        assert rule in refused.text
    assert count(db, models.ConsentRecord) == 1  # Bob's, from the world
    assert [e.outcome for e in events(db)] == ["refused"] * 3
    # Bob's objection is his practice's (PRAC2) to read, not Ada's practice's
    bob = f"/patients/{world.bob.id}/consent"
    assert client.get(bob, headers=headers(world, "gp.stranger")).status_code == 200
    assert client.get(bob, headers=headers(world, "gp.team")).status_code == 403


def test_consent_input_is_checked(world: World, client: TestClient):
    gp = headers(world, "gp.team")
    wrong_kind = client.post(f"/patients/{world.ada.id}/consent", json={"kind": "x"}, headers=gp)
    assert wrong_kind.status_code == 422
    nobody = client.post("/patients/nobody/consent", json={"kind": "sharing_objection"}, headers=gp)
    assert nobody.status_code == 404
    missing = client.post(f"/patients/{world.ada.id}/consent/99999/withdraw", headers=gp)
    assert missing.status_code == 404


def test_a_care_team_member_adds_a_colleague_who_may_then_write_the_care_plan(
    world: World, client: TestClient, db: Session
):
    nurse = headers(world, "nurse.l1")
    team = f"/patients/{world.ada.id}/care-team"
    # on the worklist the nurse may read Ada's care plans (P9) but not write them
    assert (
        client.post("/fhir/CarePlan", json=care_plan(world.ada.id), headers=nurse).status_code
        == 403
    )
    assert client.get(team, headers=nurse).status_code == 403

    added = client.post(
        team, json={"user_id": world.id("nurse.l1")}, headers=headers(world, "gp.team")
    )
    assert added.status_code == 201, added.text
    assert (added.json()["organisation"], added.json()["role"]) == ("TRUST", "nurse")
    again = client.post(
        team, json={"user_id": world.id("nurse.l1")}, headers=headers(world, "gp.team")
    )
    assert again.status_code == 200
    assert count(db, models.CareTeamMember) == 2

    members = client.get(team, headers=nurse).json()
    assert [m["user_id"] for m in members] == [world.id("gp.team"), world.id("nurse.l1")]
    written = client.post("/fhir/CarePlan", json=care_plan(world.ada.id), headers=nurse)
    assert written.status_code == 201, written.text

    removed = client.delete(f"{team}/{world.id('nurse.l1')}", headers=headers(world, "gp.team"))
    assert removed.status_code == 204
    assert (
        client.post("/fhir/CarePlan", json=care_plan(world.ada.id), headers=nurse).status_code
        == 403
    )
    assert (
        client.delete(
            f"{team}/{world.id('nurse.l1')}", headers=headers(world, "gp.team")
        ).status_code
        == 404
    )


def test_only_the_care_team_changes_it_and_only_clinicians_join(
    world: World, client: TestClient, db: Session
):
    team = f"/patients/{world.ada.id}/care-team"
    for username, rule in [("gp.stranger", "P0"), ("nurse.l1", "P0"), ("admin", "P1")]:
        refused = client.post(
            team, json={"user_id": world.id(username)}, headers=headers(world, username)
        )
        assert refused.status_code == 403, username
        assert rule in refused.text
    for username in ("analyst", "auditor"):
        wrong = client.post(
            team, json={"user_id": world.id(username)}, headers=headers(world, "gp.team")
        )
        assert wrong.status_code == 422, username
    unknown = client.post(team, json={"user_id": "no-such-user"}, headers=headers(world, "gp.team"))
    assert unknown.status_code == 422
    assert count(db, models.CareTeamMember) == 1
    refusals = [e for e in events(db) if e.outcome == "refused"]
    assert [e.action for e in refusals] == ["care_team.write"] * 3
