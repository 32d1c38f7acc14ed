"""The care plane's tables hold what issue 6 lists and refuse what they must, on both
databases: NHS numbers validated on the way in, unique identities, closed vocabularies,
foreign keys, and care plan versions that are never changed in place."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from oneplace.care.db import (
    BreakGlassGrant,
    CarePlan,
    CarePlanVersion,
    CareTeamMember,
    ConsentRecord,
    Patient,
    User,
    UserLocality,
    Worklist,
    WorklistEntry,
)

from .conftest import T0, add_people


def _version(plan: CarePlan, author: User, version: int, **changes: object) -> CarePlanVersion:
    values: dict[str, object] = {
        "care_plan_id": plan.id,
        "version": version,
        "status": "active",
        "intent": "plan",
        "title": "Falls prevention",
        "goals": [{"description": "No falls in the next six months"}],
        "activities": [{"description": "Strength and balance classes", "organisation": "FED"}],
        "review_date": date(2025, 9, 1),
        "author_id": author.id,
        "created_at": T0,
    }
    values.update(changes)
    return CarePlanVersion(**values)


def test_patient_nhs_number_is_normalised_and_validated(db: Session) -> None:
    _, patient = add_people(db)
    db.expire_all()
    assert db.get(Patient, patient.id).nhs_number == "9434765919"
    with pytest.raises(ValueError, match="check digit"):
        Patient(nhs_number="943 476 5918")


def test_nhs_number_and_person_link_are_unique(db: Session) -> None:
    _, patient = add_people(db)
    twin = {
        c: getattr(patient, c)
        for c in ("given_name", "family_name", "date_of_birth", "address", "registered_practice")
    }
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(Patient(nhs_number="9434765919", person_link="b" * 64, **twin))
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(Patient(nhs_number="9990000018", person_link=patient.person_link, **twin))


def test_a_user_has_a_policy_role_an_organisation_and_localities(db: Session) -> None:
    user, _ = add_people(db)
    user.localities.append(UserLocality(locality="NORTH"))
    db.flush()
    db.expire_all()
    assert [loc.locality for loc in db.get(User, user.id).localities] == ["NORTH"]
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(User(username="x", full_name="X", organisation_code="FED", role="surgeon"))
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(User(username="y", full_name="Y", organisation_code="NOWHERE", role="gp"))


def test_worklist_entries_are_ranked_and_reviewed(db: Session) -> None:
    user, patient = add_people(db)
    worklist = Worklist(locality="NORTH", source_run="run-1", generated_at=T0)
    db.add(worklist)
    db.flush()
    entry = WorklistEntry(
        worklist_id=worklist.id, patient_id=patient.id, rank=1, need=0.93, reason="HFRS 17.2"
    )
    db.add(entry)
    db.flush()
    entry.decision, entry.reviewer_id, entry.reviewed_at = "care_plan_started", user.id, T0
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(
            WorklistEntry(
                worklist_id=worklist.id, patient_id=patient.id, rank=2, need=0.5, reason="again"
            )
        )
    with pytest.raises(IntegrityError), db.begin_nested():
        entry.decision = "maybe"
        db.flush()
    db.refresh(entry)
    with pytest.raises(IntegrityError), db.begin_nested():
        entry.reviewer_id = None  # a decision without its reviewer
        db.flush()


def test_care_plan_versions_are_unique_and_immutable(db: Session, dialect: str) -> None:
    user, patient = add_people(db)
    plan = CarePlan(patient_id=patient.id, created_at=T0)
    db.add(plan)
    db.flush()
    db.add_all([_version(plan, user, 1), _version(plan, user, 2, status="completed")])
    db.add(CareTeamMember(patient_id=patient.id, user_id=user.id, added_at=T0))
    db.flush()
    db.expire_all()
    versions = db.scalars(
        select(CarePlanVersion)
        .where(CarePlanVersion.care_plan_id == plan.id)
        .order_by(CarePlanVersion.version)
    ).all()
    assert [(v.version, v.status) for v in versions] == [(1, "active"), (2, "completed")]
    assert versions[0].activities[0]["organisation"] == "FED"
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(_version(plan, user, 2))
    for statement in (
        "UPDATE care_plan_versions SET title = 'changed'",
        "DELETE FROM care_plan_versions",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(text(statement))
    with pytest.raises(ValueError, match="responsible organisation"):
        _version(plan, user, 3, activities=[{"description": "Home visit"}])
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(_version(plan, user, 3, status="finished"))


def test_consent_and_break_glass_records(db: Session) -> None:
    user, patient = add_people(db)
    db.add_all(
        [
            ConsentRecord(patient_id=patient.id, kind="sharing_objection", recorded_at=T0),
            ConsentRecord(
                patient_id=patient.id,
                kind="national_data_opt_out",
                recorded_at=T0,
                recorded_by=user.id,
            ),
            BreakGlassGrant(
                user_id=user.id,
                patient_id=patient.id,
                reason="unconscious in A&E",
                granted_at=T0,
                expires_at=T0 + timedelta(hours=4),
            ),
        ]
    )
    db.flush()
    kinds = db.scalars(select(ConsentRecord.kind).order_by(ConsentRecord.kind)).all()
    assert kinds == ["national_data_opt_out", "sharing_objection"]
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(ConsentRecord(patient_id=patient.id, kind="maybe", recorded_at=T0))
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(
            BreakGlassGrant(
                user_id=user.id, patient_id=patient.id, reason="r", granted_at=T0, expires_at=T0
            )
        )


def test_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path) -> None:
    """Every request of the service writes (its audit event): on SQLite a second transaction
    must wait for the first to commit, not fail with "database is locked"."""
    import threading
    import time

    from sqlalchemy import text as sql

    from oneplace.care.db import engine_for

    engine = engine_for(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as connection:
        connection.execute(sql("CREATE TABLE t (n INTEGER)"))
    started, failures = threading.Event(), []

    def first() -> None:
        with engine.begin() as connection:
            connection.execute(sql("SELECT count(*) FROM t"))
            started.set()
            time.sleep(0.5)
            connection.execute(sql("INSERT INTO t VALUES (1)"))

    def second() -> None:
        started.wait()
        try:
            with engine.begin() as connection:
                connection.execute(sql("SELECT count(*) FROM t"))
                connection.execute(sql("INSERT INTO t VALUES (2)"))
        except Exception as error:  # noqa: BLE001 - the failure is the finding
            failures.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with engine.connect() as connection:
        assert connection.execute(sql("SELECT count(*) FROM t")).scalar() == 2
    engine.dispose()
