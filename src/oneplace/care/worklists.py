"""Locality worklists from the analytics: who the care teams should review, and why.

Source: issue 6, "Worklists from the analytics": for each locality, the people the population
health engine flags (high-intensity users, high frailty, the segments the partnership
chooses: the place file's ``worklists`` section, ``place.model.Worklists``), ordered by need,
with the reason each is on the list; a review records a decision.

``flagged_people`` reads the latest finished run's ``person_health`` for its latest financial
year: the people who meet any criterion and are alive (no date of death in ``person``). They
are ordered by need: first by how many criteria they meet, then by what their care cost in the
year (``need`` is that cost in pounds), then by person id so the order is reproducible.

``sync`` turns them into worklists in one transaction: it finds each person's patient record
by its link (``patients.person_link`` = ``person_id``), adds the missing ones from a roster
(``roster``), and gives each locality a new current worklist unless its current one already
comes from this run (so syncing twice changes nothing). A person reviewed on the locality's
previous list keeps that review on the new one. People the roster cannot identify are counted
and left off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..place import Place
from ..workspace import Workspace
from . import db
from .access import Actor, current_worklists, would_allow
from .policy import Action, ResourceKind
from .roster import FlaggedPerson, Identity

CHUNK = 5_000


class Roster(Protocol):
    def identities(
        self, people: list[FlaggedPerson], taken_numbers: set[str]
    ) -> dict[str, Identity]: ...


@dataclass(frozen=True)
class Flagged:
    person: FlaggedPerson
    locality: str
    reasons: tuple[str, ...]
    need: float  # the year's cost of care, pounds
    opted_out: bool = False  # national data opt-out recorded in the analytics plane


@dataclass
class SyncResult:
    run_id: str
    fy: int
    flagged: int = 0
    patients_added: int = 0
    unidentified: int = 0
    worklists: dict[str, int] = field(default_factory=dict)  # locality -> entries (new lists)
    unchanged: list[str] = field(default_factory=list)  # localities already synced to the run
    reviews_carried: int = 0


def latest_run(ws: Workspace) -> str:
    with ws.connect(read_only=True) as con:
        row = con.execute(
            "SELECT run_id FROM runs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
    if row is None:
        raise ValueError(f"{ws.path}: no finished run; run 'oneplace run {ws.path}' first")
    return row[0]


def _reasons(row: dict[str, Any], place: Place) -> tuple[str, ...]:
    rules = place.worklists
    out = []
    if rules.high_intensity_users and row["high_intensity_user"]:
        out.append(f"high-intensity user of A&E ({row['ae_attendances']} attendances in the year)")
    if row["hfrs_band"] in rules.frailty_bands:
        out.append(f"{row['hfrs_band']} frailty risk (HFRS {row['hfrs']:.1f})")
    if row["segment"] in rules.segments:
        out.append(f"segment {row['segment']}: {row['segment_name']}")
    return tuple(out)


def flagged_people(ws: Workspace) -> tuple[str, int, list[Flagged]]:
    """The latest run, its latest financial year and the people its worklists hold, in order
    of need within the whole place."""
    place = ws.place
    rules = place.worklists
    run_id = latest_run(ws)
    criteria = []
    if rules.high_intensity_users:
        criteria.append("ph.high_intensity_user")
    if rules.frailty_bands:
        criteria.append("ph.hfrs_band IN (SELECT unnest($bands))")
    if rules.segments:
        criteria.append("ph.segment IN (SELECT unnest($segments))")
    with ws.connect(read_only=True) as con:
        (fy,) = con.execute("SELECT max(fy) FROM person_health").fetchone()
        if fy is None or not criteria:
            return run_id, fy or 0, []
        rows = con.execute(
            f"""
            SELECT ph.person_id, ph.locality_code, ph.practice_code, p.year_of_birth, p.sex,
                   coalesce(p.opted_out, false) AS opted_out,
                   ph.high_intensity_user, ph.ae_attendances, ph.hfrs, ph.hfrs_band,
                   ph.segment, ph.segment_name, ph.cost_gbp
            FROM person_health ph JOIN person p USING (person_id)
            WHERE ph.fy = $fy AND p.date_of_death IS NULL AND ({" OR ".join(criteria)})
            """,
            {
                "fy": fy,
                **({"bands": list(rules.frailty_bands)} if rules.frailty_bands else {}),
                **({"segments": list(rules.segments)} if rules.segments else {}),
            },
        ).fetch_arrow_table()
    out = []
    for row in rows.to_pylist():
        reasons = _reasons(row, place)
        if not reasons:
            continue
        out.append(
            Flagged(
                person=FlaggedPerson(
                    row["person_id"], row["practice_code"], row["year_of_birth"], row["sex"]
                ),
                locality=row["locality_code"],
                reasons=reasons,
                opted_out=row["opted_out"],
                need=float(row["cost_gbp"] or Decimal(0)),
            )
        )
    out.sort(key=lambda f: (-len(f.reasons), -f.need, f.person.person_id))
    return run_id, fy, out


def sync_organisations(session: Session, place: Place) -> None:
    """The place's organisations and practices in ``organisations`` (added or renamed)."""
    wanted = {o.code: (o.name, str(o.kind)) for o in place.organisations}
    wanted.update(
        {p.code: (p.name, "gp_practice") for p in place.practices if p.code not in wanted}
    )
    for row in session.scalars(select(db.Organisation)):
        if row.code in wanted:
            row.name, row.kind = wanted.pop(row.code)
    session.add_all(db.Organisation(code=c, name=n, kind=k) for c, (n, k) in wanted.items())
    session.flush()


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def sync(
    session: Session,
    ws: Workspace,
    roster: Roster,
    now: datetime,
    progress: Callable[[str, float], None] = lambda _stage, _fraction: None,
) -> SyncResult:
    """Refresh every locality's worklist from the latest run (see the module docstring), in
    ``session``'s transaction; the caller commits."""
    place = ws.place
    progress("reading the flagged people", 0.0)
    run_id, fy, flagged = flagged_people(ws)
    result = SyncResult(run_id=run_id, fy=fy, flagged=len(flagged))
    sync_organisations(session, place)
    practice_org = {p.code: p.organisation for p in place.practices}

    progress("finding their records", 0.2)
    links = [f.person.person_id for f in flagged]
    patient_of: dict[str, str] = {}
    for chunk in _chunks(links):
        rows = session.execute(
            select(db.Patient.person_link, db.Patient.id).where(db.Patient.person_link.in_(chunk))
        )
        patient_of.update((link, patient_id) for link, patient_id in rows)
    missing = [f.person for f in flagged if f.person.person_id not in patient_of]
    opted_out = {f.person.person_id for f in flagged if f.opted_out}
    if missing:
        progress("adding patients from the roster", 0.4)
        taken = set(session.scalars(select(db.Patient.nhs_number)))
        identities = roster.identities(missing, taken)
        rows, consents = [], []
        for person in missing:
            identity = identities.get(person.person_id)
            if identity is None:
                result.unidentified += 1
                continue
            patient_id = db._new_id()
            patient_of[person.person_id] = patient_id
            rows.append(
                {
                    "id": patient_id,
                    "nhs_number": identity.nhs_number,
                    "given_name": identity.given_name,
                    "family_name": identity.family_name,
                    "date_of_birth": identity.date_of_birth,
                    "address": identity.address,
                    "registered_practice": identity.practice_code,
                    "practice_organisation": practice_org.get(identity.practice_code),
                    "person_link": identity.person_link,
                }
            )
            if identity.objects_to_sharing:
                consents.append(
                    {"patient_id": patient_id, "kind": "sharing_objection", "recorded_at": now}
                )
            if person.person_id in opted_out:
                consents.append(
                    {"patient_id": patient_id, "kind": "national_data_opt_out", "recorded_at": now}
                )
        for chunk in _chunks(rows):
            session.execute(insert(db.Patient), chunk)
        if consents:
            session.execute(insert(db.ConsentRecord), consents)
        result.patients_added = len(rows)

    progress("writing the worklists", 0.7)
    current = current_worklists()
    lists = {
        wl.locality: wl
        for wl in session.scalars(
            select(db.Worklist).where(db.Worklist.id.in_(select(current.c.id)))
        )
    }
    by_locality: dict[str, list[tuple[Flagged, str]]] = {loc.code: [] for loc in place.localities}
    for f in flagged:  # in order of need, so each locality's list is too
        patient_id = patient_of.get(f.person.person_id)
        if patient_id is not None and f.locality in by_locality:
            by_locality[f.locality].append((f, patient_id))
    for locality, people in sorted(by_locality.items()):
        previous = lists.get(locality)
        if previous is not None and previous.source_run == run_id:
            result.unchanged.append(locality)
            continue
        reviews: dict[str, tuple[str, str, datetime]] = {}
        if previous is not None:
            reviews = {
                e.patient_id: (e.decision, e.reviewer_id, e.reviewed_at)
                for e in session.scalars(
                    select(db.WorklistEntry).where(
                        db.WorklistEntry.worklist_id == previous.id,
                        db.WorklistEntry.decision.is_not(None),
                    )
                )
            }
        worklist = db.Worklist(locality=locality, source_run=run_id, generated_at=now)
        session.add(worklist)
        session.flush()
        entries = []
        for f, patient_id in people:
            decision, reviewer, reviewed_at = reviews.get(patient_id, (None, None, None))
            result.reviews_carried += decision is not None
            entries.append(
                {
                    "worklist_id": worklist.id,
                    "patient_id": patient_id,
                    "rank": len(entries) + 1,
                    "need": f.need,
                    "reason": "; ".join(f.reasons),
                    "decision": decision,
                    "reviewer_id": reviewer,
                    "reviewed_at": reviewed_at,
                }
            )
        for chunk in _chunks(entries):
            session.execute(insert(db.WorklistEntry), chunk)
        result.worklists[locality] = len(entries)
    session.flush()
    progress("done", 1.0)
    return result


# -- reading a worklist ------------------------------------------------------------------------


def current_worklist(session: Session, locality: str) -> db.Worklist | None:
    """``locality``'s newest worklist, if it has one."""
    current = current_worklists()
    return session.scalar(
        select(db.Worklist).where(
            db.Worklist.locality == locality, db.Worklist.id.in_(select(current.c.id))
        )
    )


def withheld(
    session: Session,
    actor: Actor,
    patient_ids: list[str],
    now: datetime,
    break_glass_duration: timedelta,
) -> set[str]:
    """The patients among ``patient_ids`` whose identity a worklist must not show ``actor``:
    those objecting to sharing whose record the policy would not open for them (P7), decided
    without an audit event (no record is read)."""
    objecting = set(
        session.scalars(
            select(db.ConsentRecord.patient_id).where(
                db.ConsentRecord.patient_id.in_(patient_ids),
                db.ConsentRecord.kind == "sharing_objection",
                db.ConsentRecord.withdrawn_at.is_(None),
            )
        )
    )
    return {
        patient_id
        for patient_id in patient_ids
        if patient_id in objecting
        and not would_allow(
            session,
            actor,
            Action.READ,
            ResourceKind.PATIENT_RECORD,
            patient_id,
            now,
            break_glass_duration,
        ).allowed
    }


@dataclass(frozen=True)
class WorklistPage:
    worklist: db.Worklist
    total: int  # entries on the list (unreviewed ones only, if asked)
    rows: list[tuple[db.WorklistEntry, db.Patient]]  # this page, greatest need first
    hidden: set[str]  # patient ids whose identity the reader may not see (P7)
    next_after: int | None  # the rank to start the next page after; None on the last page


def read_page(
    session: Session,
    actor: Actor,
    locality: str,
    *,
    limit: int,
    offset: int = 0,
    after: int | None = None,
    unreviewed: bool = False,
    now: datetime,
    break_glass_duration: timedelta,
) -> WorklistPage | None:
    """One page of ``locality``'s current worklist (None if it has none): ``limit`` entries
    after the entry ranked ``after`` (keyset, through the (worklist, rank) index) or from
    ``offset``. The caller has checked the policy and audits the read."""
    worklist = current_worklist(session, locality)
    if worklist is None:
        return None
    where = [db.WorklistEntry.worklist_id == worklist.id]
    if unreviewed:
        where.append(db.WorklistEntry.decision.is_(None))
    total = session.scalar(select(func.count()).select_from(db.WorklistEntry).where(*where))
    if after is not None:
        where.append(db.WorklistEntry.rank > after)
    found = session.execute(
        select(db.WorklistEntry, db.Patient)
        .join(db.Patient, db.Patient.id == db.WorklistEntry.patient_id)
        .where(*where)
        .order_by(db.WorklistEntry.rank)
        .offset(offset)
        .limit(limit + 1)
    ).all()
    rows = [(entry, patient) for entry, patient in found[:limit]]
    hidden = withheld(session, actor, [p.id for _, p in rows], now, break_glass_duration)
    more = len(found) > limit
    return WorklistPage(worklist, total or 0, rows, hidden, rows[-1][0].rank if more else None)
