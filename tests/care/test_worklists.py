"""Worklists from the analytics: who is flagged and in what order, the sync into the care plane
on both databases (idempotent, reviews carried to the next run's list), the rosters, and the
commands ``sync-worklists`` and ``audit verify`` on a workspace."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from oneplace.care import db as models
from oneplace.care.nhs_number import is_synthetic
from oneplace.care.pseudonym import person_link
from oneplace.care.roster import DemoRoster, FileRoster, FlaggedPerson, RosterError
from oneplace.care.worklists import flagged_people, sync
from oneplace.cli import app
from oneplace.run import run

from .conftest import SECRET, T0

EVERY_SEGMENT = """
worklists:
  high_intensity_users: false
  frailty_bands: []
  segments: [1, 2, 3, 4, 5, 6, 7, 8]
"""


@pytest.fixture(scope="module")
def ran_workspace(tmp_path_factory: pytest.TempPathFactory, make_tiny_workspace):
    """The tiny place, run, with every segment on the worklists."""
    ws = make_tiny_workspace(tmp_path_factory.mktemp("care_ws"), EVERY_SEGMENT)
    run(ws)
    return ws


def test_flagged_people_are_the_living_who_meet_a_criterion_in_order_of_need(ran_workspace):
    run_id, fy, flagged = flagged_people(ran_workspace)
    assert fy == 2025
    # D died in January 2025; the rest are flagged, the costliest first, then by id
    assert [(f.person.person_id, f.locality, f.need) for f in flagged] == [
        ("C", "SOUTH", 160.0),
        ("A", "NORTH", 0.0),
        ("B", "NORTH", 0.0),
    ]
    assert all(f.reasons[0].startswith("segment ") for f in flagged)


def test_people_meeting_more_criteria_come_first(tmp_path: Path, make_tiny_workspace):
    extra = EVERY_SEGMENT.replace("frailty_bands: []", "frailty_bands: [low]")
    ws = make_tiny_workspace(tmp_path, extra)
    run(ws)
    _, _, flagged = flagged_people(ws)
    # only A is 75 or over, so only A has an HFRS band: two reasons put A first
    assert [f.person.person_id for f in flagged] == ["A", "C", "B"]
    assert flagged[0].reasons[0].startswith("low frailty risk (HFRS")


def test_a_place_with_no_criteria_has_empty_worklists(tmp_path: Path, make_tiny_workspace):
    extra = "worklists: {high_intensity_users: false, frailty_bands: [], segments: []}\n"
    ws = make_tiny_workspace(tmp_path, extra)
    run(ws)
    assert flagged_people(ws)[2] == []


def test_sync_builds_each_locality_list_once_per_run_and_carries_reviews(
    ran_workspace, db: Session
):
    roster = DemoRoster(town="Tiny", seed=3)
    first = sync(db, ran_workspace, roster, T0)
    assert (first.flagged, first.patients_added, first.unidentified) == (3, 3, 0)
    assert first.worklists == {"NORTH": 2, "SOUTH": 1}
    patients = db.scalars(select(models.Patient).order_by(models.Patient.person_link)).all()
    assert [p.person_link for p in patients] == ["A", "B", "C"]
    assert all(is_synthetic(p.nhs_number) for p in patients)
    assert [p.registered_practice for p in patients] == ["P1", "P1", "P2"]
    assert patients[0].practice_organisation == "FED"
    assert {o.code for o in db.scalars(select(models.Organisation))} >= {"ICB", "FED", "P1", "P2"}

    again = sync(db, ran_workspace, roster, T0 + timedelta(hours=1))
    assert again.worklists == {} and again.unchanged == ["NORTH", "SOUTH"]
    assert again.patients_added == 0

    north = db.scalars(select(models.WorklistEntry).order_by(models.WorklistEntry.rank)).all()
    north = [e for e in north if e.patient_id in (patients[0].id, patients[1].id)]
    reviewer = models.User(
        username="gp", full_name="GP", organisation_code="P1", role="gp", active=True
    )
    db.add(reviewer)
    db.flush()
    north[0].decision, north[0].reviewer_id, north[0].reviewed_at = "declined", reviewer.id, T0
    db.flush()

    run(ran_workspace)  # a new run: new lists, the review kept
    later = sync(db, ran_workspace, roster, T0 + timedelta(days=1))
    assert later.worklists == {"NORTH": 2, "SOUTH": 1} and later.reviews_carried == 1
    newest = db.scalars(
        select(models.WorklistEntry)
        .join(models.Worklist)
        .where(models.Worklist.source_run == later.run_id, models.Worklist.locality == "NORTH")
        .order_by(models.WorklistEntry.rank)
    ).all()
    assert [(e.patient_id, e.decision) for e in newest] == [
        (north[0].patient_id, "declined"),
        (north[1].patient_id, None),
    ]


def test_a_national_data_opt_out_is_recorded_as_consent(
    tmp_path: Path, make_tiny_workspace, db: Session
):
    ws = make_tiny_workspace(tmp_path, EVERY_SEGMENT)
    with ws.connect() as con:
        con.execute("UPDATE person SET opted_out = true WHERE person_id = 'C'")
    run(ws)
    sync(db, ws, DemoRoster(town="Tiny", seed=3, objection_share=0.0), T0)
    consents = db.execute(
        select(models.Patient.person_link, models.ConsentRecord.kind).join(
            models.ConsentRecord, models.ConsentRecord.patient_id == models.Patient.id
        )
    ).all()
    assert consents == [("C", "national_data_opt_out")]


def test_the_demo_roster_is_reproducible_and_never_reuses_a_number():
    people = [FlaggedPerson(f"P{i:08d}", "P1", 1940 + i % 50, "FM"[i % 2]) for i in range(200)]
    roster = DemoRoster(town="Tiny", seed=1)
    first = roster.identities(people, set())
    assert first == roster.identities(people, set())
    numbers = {i.nhs_number for i in first.values()}
    assert len(numbers) == 200 and all(is_synthetic(n) for n in numbers)
    taken = set(list(numbers)[:50])
    more = roster.identities(people[:60], taken)
    assert not {i.nhs_number for i in more.values()} & taken
    assert all(
        i.date_of_birth.year == int(p.year_of_birth)
        for p, i in zip(people, first.values(), strict=True)
    )


def _roster_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "roster.csv"
    header = (
        "nhs_number,given_name,family_name,date_of_birth,address,practice_code,objects_to_sharing"
    )
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_register_links_people_by_the_keyed_hash_of_their_nhs_number(tmp_path: Path):
    path = _roster_file(
        tmp_path,
        [
            "943 476 5919,Ada,Example,1940-05-17,1 High Street,P1,true",
            "9990000018,Bob,Example,1950-01-02,2 High Street,P2,",
        ],
    )
    roster = FileRoster(path, SECRET)
    ada = FlaggedPerson(person_link("9434765919", SECRET), "P1", 1940, "F")
    stranger = FlaggedPerson(person_link("9990000026", SECRET), "P1", 1940, "F")
    found = roster.identities([ada, stranger], set())
    assert list(found) == [ada.person_id]
    assert found[ada.person_id].objects_to_sharing is True
    # under another secret nobody links
    other = FileRoster(path, SECRET + " but different")
    assert other.identities([ada], set()) == {}


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("9434765918,Ada,Example,1940-05-17,1 High Street,P1,", "check digit"),
        ("9434765919,Ada,Example,1940-13-17,1 High Street,P1,", "month"),
        ("9434765919,,Example,1940-05-17,1 High Street,P1,", "given_name is empty"),
        ("9434765919,Ada,Example,1940-05-17,1 High Street,P1,perhaps", "objects_to_sharing"),
        ("9434765919,Ada,Example,1940-05-17", "fields"),
    ],
)
def test_a_bad_register_row_is_named_by_file_and_line(tmp_path: Path, row: str, problem: str):
    path = _roster_file(tmp_path, ["9990000018,Bob,Example,1950-01-02,2 High Street,P2,", row])
    with pytest.raises(RosterError, match=rf"roster\.csv, line 3: .*{problem}"):
        FileRoster(path, SECRET)


def test_sync_worklists_and_audit_verify_commands(
    tmp_path: Path, make_tiny_workspace, monkeypatch: pytest.MonkeyPatch
):
    for name in ("ENVIRONMENT", "DATABASE_URL", "TOKEN_SECRET", "PSEUDONYM_SECRET"):
        monkeypatch.delenv(f"ONEPLACE_{name}", raising=False)
    ws = make_tiny_workspace(tmp_path, EVERY_SEGMENT)
    run(ws)
    runner = CliRunner()
    synced = runner.invoke(app, ["sync-worklists", str(ws.path)])
    assert synced.exit_code == 0, synced.output
    assert "3 people flagged" in synced.output and "gp.north" in synced.output
    assert (ws.path / "care-demo-sign-ins.txt").stat().st_mode & 0o777 == 0o600
    assert (ws.path / "care-secrets.json").stat().st_mode & 0o777 == 0o600
    again = runner.invoke(app, ["sync-worklists", str(ws.path)])
    assert "unchanged" in again.output and "gp.north" not in again.output

    # some audited accesses, then the log verifies
    from fastapi.testclient import TestClient

    from oneplace.care.api import create_app
    from oneplace.care.auth import issue_token
    from oneplace.care.service import open_care_plane

    care = open_care_plane(ws.path)
    client = TestClient(create_app(care.settings, models.session_factory(care.engine)))
    with models.session_factory(care.engine)() as session:
        gp = session.scalar(select(models.User).where(models.User.username == "gp.north"))
        patient = session.scalar(select(models.Patient).where(models.Patient.person_link == "A"))
    from datetime import UTC, datetime

    token = issue_token(gp.id, care.settings, datetime.now(UTC))
    for _ in range(3):
        answer = client.get(
            f"/fhir/Patient/{patient.id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
    care.engine.dispose()
    verified = runner.invoke(app, ["audit", "verify", str(ws.path)])
    assert verified.exit_code == 0 and "intact: 3 events" in verified.output

    # tamper behind the triggers' back: the chain names the event
    with sqlite3.connect(ws.path / "care.db") as con:
        con.execute("DROP TRIGGER audit_log_no_update")
        con.execute("UPDATE audit_log SET outcome = 'refused' WHERE seq = 2")
    broken = runner.invoke(app, ["audit", "verify", str(ws.path)])
    assert broken.exit_code == 1
    assert "event 2: its content does not match its hash" in broken.output


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_migrates_the_workspace_database_and_answers(
    tmp_path: Path,
    tiny_place_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    workers: int,
    serving,
):
    import urllib.request

    from oneplace.workspace import Workspace

    for name in ("ENVIRONMENT", "DATABASE_URL", "TOKEN_SECRET", "PSEUDONYM_SECRET"):
        monkeypatch.delenv(f"ONEPLACE_{name}", raising=False)
    ws = Workspace.create(tmp_path / "ws", tiny_place_file)
    with serving(["serve", str(ws.path), "--workers", str(workers)]) as (base, server):
        with urllib.request.urlopen(f"{base}/openapi.json", timeout=5) as r:
            assert "/fhir/CarePlan" in r.read().decode()
        if workers > 1 and Path("/proc").is_dir():
            # uvicorn's supervisor and its workers (spawned, so a resource tracker may join)
            assert len(_children(server.pid)) >= workers
    with sqlite3.connect(ws.path / "care.db") as con:
        (revision,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
        organisations = {row[0] for row in con.execute("SELECT code FROM organisations")}
    assert revision == "0003"
    assert organisations == {"ICB", "ACUTE", "COMM", "FED", "LA", "P1", "P2"}
