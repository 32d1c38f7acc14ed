"""The dashboard's worklist and care-plan pages obey the care plane's one access policy: a
locality's clinician sees its worklist (objecting patients withheld) and opens a patient's
record and care plans; a clinician without a relationship is refused, naming the rule, and
may break the glass with a reason; every view and refusal is audited."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from oneplace.care import auth, db
from oneplace.care.api import create_app
from oneplace.care.service import open_care_plane
from oneplace.workspace import Workspace

PASSWORD = "a long enough password"
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
ADA_NHS, BOB_NHS = "9434765919", "9990000018"
USERS = {
    # username: (organisation, role, localities)
    "nurse.north": ("RCT", "nurse", ["NORTH"]),
    "gp.south": ("RCT", "gp", ["SOUTH"]),
    "analyst": ("FED", "analyst", []),
}


class CareWorld:
    """Ada (Hill Surgery, P1) and Bob (Quay Practice, P2, objects to sharing), both on
    Northgate & Hill's worklist; Ada has a care plan."""

    def __init__(self, session, ws: Workspace):
        password_hash = auth.hash_password(PASSWORD)
        self.users = {}
        for username, (org, role, localities) in USERS.items():
            self.users[username] = db.User(
                username=username,
                full_name=username,
                organisation_code=org,
                role=role,
                password_hash=password_hash,
                localities=[db.UserLocality(locality=loc) for loc in localities],
            )
        session.add_all(self.users.values())
        self.ada = self._patient(session, ADA_NHS, "Ada", "P1")
        self.bob = self._patient(session, BOB_NHS, "Bob", "P2")
        session.flush()
        session.add(
            db.ConsentRecord(patient_id=self.bob.id, kind="sharing_objection", recorded_at=T0)
        )
        worklist = db.Worklist(locality="NORTH", source_run="run-1", generated_at=T0)
        session.add(worklist)
        session.flush()
        for rank, patient in enumerate((self.ada, self.bob), start=1):
            session.add(
                db.WorklistEntry(
                    worklist_id=worklist.id,
                    patient_id=patient.id,
                    rank=rank,
                    need=1000.0 / rank,
                    reason="high-intensity user of A&E",
                )
            )
        plan = db.CarePlan(patient_id=self.ada.id, created_at=T0)
        session.add(plan)
        session.flush()
        activity = {
            "detail": {
                "status": "scheduled",
                "description": "Weekly call from the community nurse",
                "performer": [{"reference": "Organization/RCT"}],
            },
            "organisation": "RCT",
        }
        session.add(
            db.CarePlanVersion(
                care_plan_id=plan.id,
                version=1,
                status="active",
                intent="plan",
                title="Keeping well at home",
                description="",
                goals=[{"resourceType": "Goal", "description": {"text": "No admission"}}],
                activities=[activity],
                review_date=date(2025, 9, 1),
                author_id=self.users["nurse.north"].id,
                created_at=T0,
                resource={},
            )
        )
        session.commit()

    @staticmethod
    def _patient(session, nhs: str, name: str, practice: str) -> db.Patient:
        patient = db.Patient(
            nhs_number=nhs,
            given_name=name,
            family_name="Example",
            date_of_birth=date(1940, 5, 17),
            address="1 High Street, Northtown",
            registered_practice=practice,
            practice_organisation="FED",
            person_link=f"link-{name}",
        )
        session.add(patient)
        return patient


@pytest.fixture
def care(ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    for name in ("ENVIRONMENT", "DATABASE_URL", "TOKEN_SECRET", "PSEUDONYM_SECRET"):
        monkeypatch.delenv(f"ONEPLACE_{name}", raising=False)
    plane = open_care_plane(ws.path)
    sessions = db.session_factory(plane.engine)
    with sessions() as session:
        world = CareWorld(session, ws)
    app = create_app(plane.settings, sessions, workspace=ws)
    yield app, sessions, world
    plane.engine.dispose()


def _client(app, username: str) -> TestClient:
    client = TestClient(app)
    signed = client.post(
        "/sign-in", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text
    return client


def _events(sessions) -> list[tuple[str, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(db.AuditLogRow).order_by(db.AuditLogRow.seq))
        return [(r.action, r.outcome, r.reason.split(":")[0]) for r in rows]


def test_the_pages_need_sign_in(care) -> None:
    app, _sessions, world = care
    client = TestClient(app)
    for path in ("/care/worklists", f"/care/patients/{world.ada.id}"):
        answer = client.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")


def test_a_localitys_clinician_sees_its_worklist_with_objectors_withheld(care) -> None:
    app, sessions, world = care
    page = _client(app, "nurse.north").get("/care/worklists")
    assert page.status_code == 200
    assert f'href="/care/patients/{world.ada.id}">Ada Example' in page.text
    assert ADA_NHS in page.text
    assert "Bob" not in page.text and BOB_NHS not in page.text
    assert "Withheld (objects to sharing)" in page.text
    assert _events(sessions) == [("worklist.read", "allowed", "P10")]


def test_a_clinician_with_a_relationship_opens_the_record_and_care_plans(care) -> None:
    app, sessions, world = care
    page = _client(app, "nurse.north").get(f"/care/patients/{world.ada.id}")
    assert page.status_code == 200
    assert ADA_NHS in page.text and "1 High Street, Northtown" in page.text
    assert "Keeping well at home" in page.text
    assert re.search(
        r"Weekly call from the community nurse</th><td>Riverside Community Health \(RCT\)",
        page.text,
    )
    assert "Hill Surgery (P1)" in page.text
    assert "Review by 1 September 2025" in page.text
    assert _events(sessions) == [
        ("patient_record.read", "allowed", "P9"),
        ("care_plan.read", "allowed", "P9"),
    ]


def test_a_clinician_without_a_relationship_is_refused_then_may_break_the_glass(care) -> None:
    app, sessions, world = care
    client = _client(app, "gp.south")
    refused = client.get(f"/care/patients/{world.ada.id}")
    assert refused.status_code == 403
    assert "P0: Anything no rule allows is refused" in refused.text
    assert ADA_NHS not in refused.text and "High Street" not in refused.text
    assert 'action="/care/patients/' in refused.text  # the break-glass form
    short = client.post(f"/care/patients/{world.ada.id}/break-glass", data={"reason": "now"})
    assert short.status_code == 403 and "P4" in short.text
    opened = client.post(
        f"/care/patients/{world.ada.id}/break-glass",
        data={"reason": "Collapsed at the surgery, no record reachable"},
    )
    assert opened.status_code == 200
    assert ADA_NHS in opened.text and "Opened by break-glass" in opened.text
    assert _events(sessions) == [
        ("patient_record.read", "refused", "P0"),
        ("patient_record.break_glass", "refused", "P4"),
        ("patient_record.break_glass", "allowed", "P5"),
        ("patient_record.read", "allowed", "P6"),
        ("care_plan.read", "allowed", "P6"),
    ]


def test_an_analyst_never_sees_a_worklist_or_a_record(care) -> None:
    app, sessions, world = care
    client = _client(app, "analyst")
    worklist = client.get("/care/worklists?locality=NORTH")
    assert worklist.status_code == 403 and "P1" in worklist.text
    record = client.get(f"/care/patients/{world.ada.id}")
    assert record.status_code == 403 and ADA_NHS not in record.text
    assert "/break-glass" not in record.text  # no form: only clinicians may break the glass
    assert [e[1:] for e in _events(sessions)] == [("refused", "P1"), ("refused", "P1")]
