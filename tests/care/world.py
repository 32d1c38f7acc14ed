"""A small world for the care plane's service tests (the ``world`` fixture): organisations,
a user of every role, two patients (Bob objects to sharing), a care team and a worklist."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oneplace.care import auth
from oneplace.care import db as models
from oneplace.care.fhir import REVIEW_DATE_URL
from oneplace.care.pseudonym import person_link

from .conftest import SECRET, T0, care_settings

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = auth.hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose

ORGS = [
    ("PRAC1", "North Practice", "gp_practice"),
    ("PRAC2", "South Practice", "gp_practice"),
    ("FED", "GP Federation", "gp_federation"),
    ("TRUST", "Community Trust", "community_trust"),
    ("COUNCIL", "Council", "council"),
]
USERS = {
    # username: (organisation, role, localities)
    "gp.team": ("PRAC1", "gp", ["L1"]),
    "nurse.l1": ("TRUST", "nurse", ["L1"]),
    "gp.stranger": ("PRAC2", "gp", ["L2"]),
    "social.l1": ("COUNCIL", "social_worker", ["L1"]),
    "analyst": ("FED", "analyst", []),
    "auditor": ("FED", "auditor", []),
    "admin": ("FED", "admin", []),
}
ADA_NHS, BOB_NHS = "9434765919", "9990000018"


class World:
    def __init__(self, session: Session):
        self.session = session
        session.add_all(models.Organisation(code=c, name=n, kind=k) for c, n, k in ORGS)
        self.users: dict[str, models.User] = {}
        for username, (org, role, localities) in USERS.items():
            user = models.User(
                username=username,
                full_name=username,
                organisation_code=org,
                role=role,
                password_hash=PASSWORD_HASH,
                localities=[models.UserLocality(locality=loc) for loc in localities],
            )
            self.users[username] = user
        session.add_all(self.users.values())
        self.ada = self._patient(ADA_NHS, "Ada", "PRAC1")
        self.bob = self._patient(BOB_NHS, "Bob", "PRAC2")
        session.flush()
        session.add(
            models.CareTeamMember(patient_id=self.ada.id, user_id=self.id("gp.team"), added_at=T0)
        )
        session.add(
            models.ConsentRecord(patient_id=self.bob.id, kind="sharing_objection", recorded_at=T0)
        )
        worklist = models.Worklist(locality="L1", source_run="run1", generated_at=T0)
        session.add(worklist)
        session.flush()
        self.entries = {}
        for rank, patient in enumerate((self.ada, self.bob), start=1):
            entry = models.WorklistEntry(
                worklist_id=worklist.id,
                patient_id=patient.id,
                rank=rank,
                need=1000.0 / rank,
                reason="high-intensity user of A&E",
            )
            session.add(entry)
            self.entries[patient.given_name] = entry
        session.commit()

    def _patient(self, nhs: str, name: str, practice: str) -> models.Patient:
        patient = models.Patient(
            nhs_number=nhs,
            given_name=name,
            family_name="Example",
            date_of_birth=date(1940, 5, 17),
            address="1 High Street, Northtown",
            registered_practice=practice,
            practice_organisation="FED",
            person_link=person_link(nhs, SECRET),
        )
        self.session.add(patient)
        return patient

    def id(self, username: str) -> str:
        return self.users[username].id


def headers(world: World, username: str, at: datetime = T0, **extra: str) -> dict[str, str]:
    """A fresh token's header (tokens last 15 minutes: issue one at the clock's time)."""
    token = auth.issue_token(world.id(username), care_settings(), at)
    return {"Authorization": f"Bearer {token}", **extra}


def events(session: Session) -> list[models.AuditLogRow]:
    session.expire_all()
    return list(session.scalars(select(models.AuditLogRow).order_by(models.AuditLogRow.seq)))


def count(session: Session, model: Any) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def care_plan(patient_id: str, **changes: Any) -> dict[str, Any]:
    plan = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": "Keeping well at home",
        "subject": {"reference": f"Patient/{patient_id}"},
        "period": {"start": "2025-03-01"},
        "contained": [
            {
                "resourceType": "Goal",
                "id": "g1",
                "lifecycleStatus": "active",
                "description": {"text": "No emergency admission this winter"},
                "subject": {"reference": f"Patient/{patient_id}"},
            }
        ],
        "goal": [{"reference": "#g1"}],
        "activity": [
            {
                "detail": {
                    "status": "scheduled",
                    "description": "Weekly visit by the community nursing team",
                    "performer": [{"reference": "Organization/TRUST"}],
                }
            }
        ],
        "extension": [{"url": REVIEW_DATE_URL, "valueDate": "2025-06-01"}],
    }
    plan.update(changes)
    return plan
