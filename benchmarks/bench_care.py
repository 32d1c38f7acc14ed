"""Load-test the care plane's web service (issue 6's targets: care plans read at 200 requests a
second for 60 seconds with p99 under 50 ms and no errors; a 300,000-person locality's worklist
in under 200 ms).

A dedicated database is built and seeded in bulk: on PostgreSQL a schema of its own
(``--schema``, default ``oneplace_bench``, dropped and recreated at the start and dropped at
the end, so the test suite's schemas are never touched), on SQLite a temporary file. It holds
300,000 patients of one locality (``--people``), a GP on the care team of 2,000 of them
(``--plans``), each with a FHIR CarePlan of two versions, and that locality's worklist of 6,000
flagged people (``--flagged``, about the 2% the synthetic demo flags); 3% of the others object
to sharing outside their practice, as in the demo roster.

The service runs as ``oneplace serve --workers N`` runs it (``create_app`` under uvicorn;
``--workers``, default one per core) in a separate process on 127.0.0.1. This process then

1. reads care plans one at a time (the unloaded latency), then open-loop at ``--rate`` requests
   a second for ``--seconds`` (``--repeat`` times): each request is ``GET /fhir/CarePlan/{id}``
   of a random plan with the GP's bearer token, sent on schedule whatever the answers before it
   (httpx on asyncio, keep-alive connections); latency runs from the scheduled send time, so a
   stalled server or a late generator counts against the result (no coordinated omission).
   Every read is audited: the service appends a hash-chained audit event in the read's
   transaction, under the row lock of the audit tail, so the reads are also writes.
2. reads the locality's worklist (``GET /worklists/{locality}``: the first page of 50, a page
   of 1,000, the last page of 50 by offset and by rank), ``--worklist-requests`` times each in
   turn, for the list of 6,000 and then for the worst case, a newer list of all 300,000.

Prints the latency percentiles, the rate sent and answered, the CPU time the service's
processes and the load generator spent per request, and the machine; errors are non-200
answers and failed requests. The audit chain is verified at the end.

Usage: ``python benchmarks/bench_care.py [--database postgresql|sqlite] [--rate 200]
[--seconds 60] [--repeat 1] [--workers N]`` (PostgreSQL at ``--url``, default
``ONEPLACE_TEST_DATABASE_URL`` or ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from machine import machine
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, create_engine, func, insert, make_url, select, text

from oneplace.care import auth, db, fhir
from oneplace.care.audit_store import verify_store
from oneplace.care.nhs_number import synthetic_nhs_numbers
from oneplace.care.pseudonym import person_link
from oneplace.care.roster import FAMILY, GIVEN, STREETS
from oneplace.care.service import run_uvicorn
from oneplace.care.settings import CareSettings

PG_URL = os.environ.get(
    "ONEPLACE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
LOCALITY = "L1"
PRACTICES = tuple(f"P{n:03d}" for n in range(1, 21))
PARTNERS = {
    "FED": ("Locality GP Federation", "gp_federation"),
    "COMM": ("Community Health Trust", "community_trust"),
    "ACUTE": ("General Hospital Trust", "acute_trust"),
    "COUNCIL": ("Borough Council", "council"),
    "VCS": ("Age Concern Locality", "voluntary_sector"),
}
REASONS = (
    "high-intensity user of A&E ({n} attendances in the year)",
    "severe frailty risk (HFRS {h:.1f})",
    "moderate frailty risk (HFRS {h:.1f})",
    "segment 5: complex needs, multiple long-term conditions",
)
OBJECTION_SHARE = 0.03
"""Patients objecting to sharing outside their practice, as in the demo roster
(``roster.DemoRoster``)."""
CHUNK = 5_000
TABLES = (
    "organisations",
    "users",
    "user_localities",
    "patients",
    "consent_records",
    "care_team_members",
    "care_plans",
    "care_plan_versions",
    "worklists",
    "worklist_entries",
    "audit_log",
    "audit_tail",
)
# Wide enough for the tables when the output is a file or a pipe.
console = Console() if sys.stdout.isatty() else Console(width=200)


# -- the database --------------------------------------------------------------------------


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def schema_url(admin_url: str, schema: str) -> str:
    """``admin_url`` with every connection's search path set to ``schema`` (as the tests do)."""
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def pg_schema(admin_url: str, schema: str, create: bool) -> None:
    """Drop ``schema`` with everything in it; then create it empty if ``create``."""
    admin = create_engine(admin_url, connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            if create:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            connection.commit()
    finally:
        admin.dispose()


def analyse(engine: Engine) -> None:
    """Vacuum and analyse the benchmark's tables, as autovacuum would soon after a bulk load
    (PostgreSQL); ANALYZE on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM (ANALYZE) {', '.join(TABLES)}"))
    else:
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()


# -- seeding -------------------------------------------------------------------------------


@dataclass
class Seeded:
    user_id: str
    patient_ids: list[str]
    plan_ids: list[str]
    seconds: float = 0.0
    worklists: dict[int, float] = field(default_factory=dict)  # entries -> seconds to write


def care_plan_body(patient_id: str, version: int, rng: random.Random) -> dict[str, Any]:
    """A FHIR R4 CarePlan as a care team writes one: goals, activities each naming the
    organisation responsible, and a review date; version 2 adds an activity."""
    subject = {"reference": f"Patient/{patient_id}"}
    goals = [
        ("g1", "Stay well at home and avoid unplanned admissions"),
        ("g2", "Walk to the shops twice a week"),
    ]
    activities = [
        ("COMM", "in-progress", "Community nurse visit weekly: medication review, falls risk"),
        (rng.choice(PRACTICES), "scheduled", "Annual frailty review with the GP"),
        ("VCS", "not-started", "Befriending service referral"),
    ]
    if version >= 2:
        activities.append(("COUNCIL", "scheduled", "Occupational therapy home assessment"))
    review = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
    return {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": "Proactive care plan",
        "description": "Agreed with the patient and their daughter at a home visit.",
        "subject": subject,
        "extension": [{"url": fhir.REVIEW_DATE_URL, "valueDate": review.isoformat()}],
        "contained": [
            {
                "resourceType": "Goal",
                "id": goal_id,
                "lifecycleStatus": "active",
                "description": {"text": goal},
                "subject": subject,
            }
            for goal_id, goal in goals
        ],
        "goal": [{"reference": f"#{goal_id}"} for goal_id, _ in goals],
        "activity": [
            {
                "detail": {
                    "status": status,
                    "description": what,
                    "performer": [{"reference": f"Organization/{org}"}],
                }
            }
            for org, status, what in activities
        ],
    }


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _reason(rng: random.Random) -> str:
    picked = rng.sample(REASONS, rng.choice((1, 1, 2, 3)))
    return "; ".join(
        r.format(n=rng.randrange(4, 30), h=rng.uniform(5.0, 30.0)) for r in sorted(picked)
    )


def _entries(
    worklist_id: int, patient_ids: list[str], rng: random.Random, reviewer: str, now: datetime
) -> list[dict[str, Any]]:
    """Worklist entries for ``patient_ids``, greatest need first; about 5% reviewed."""
    needs = sorted((rng.lognormvariate(8.0, 1.0) for _ in patient_ids), reverse=True)
    out = []
    for rank, (patient_id, need) in enumerate(zip(patient_ids, needs, strict=True), start=1):
        reviewed = rng.random() < 0.05
        out.append(
            {
                "worklist_id": worklist_id,
                "patient_id": patient_id,
                "rank": rank,
                "need": round(need, 2),
                "reason": _reason(rng),
                "decision": rng.choice(db.REVIEW_DECISIONS) if reviewed else None,
                "reviewer_id": reviewer if reviewed else None,
                "reviewed_at": now - timedelta(days=rng.randrange(1, 30)) if reviewed else None,
            }
        )
    return out


def add_worklist(
    engine: Engine,
    progress: Progress,
    patient_ids: list[str],
    reviewer: str,
    run: str,
    rng: random.Random,
) -> float:
    """A new current worklist of ``LOCALITY`` holding ``patient_ids`` in random order, written
    in one transaction as ``worklists.sync`` writes it; the seconds it took."""
    start = time.perf_counter()
    now = datetime.now(UTC)
    people = rng.sample(patient_ids, len(patient_ids))
    task = progress.add_task(f"worklist of {len(people):,}", total=len(people))
    with db.session_factory(engine)() as session:
        worklist = db.Worklist(locality=LOCALITY, source_run=run, generated_at=now)
        session.add(worklist)
        session.flush()
        for chunk in _chunks(_entries(worklist.id, people, rng, reviewer, now)):
            session.execute(insert(db.WorklistEntry), chunk)
            progress.advance(task, len(chunk))
        session.commit()
    return time.perf_counter() - start


def seed(engine: Engine, args: argparse.Namespace, secret: str) -> Seeded:
    """Organisations, the GP, ``args.people`` patients, the GP's care plans and the locality's
    worklist of ``args.flagged`` people, inserted in bulk."""
    start = time.perf_counter()
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    sessions = db.session_factory(engine)
    with _progress() as progress:
        with sessions() as session:
            orgs = [{"code": c, "name": n, "kind": k} for c, (n, k) in PARTNERS.items()]
            orgs += [{"code": p, "name": f"Practice {p}", "kind": "gp_practice"} for p in PRACTICES]
            session.execute(insert(db.Organisation), orgs)
            gp = db.User(
                username="gp.bench",
                full_name="Dr Bench GP",
                organisation_code=PRACTICES[0],
                role="gp",
                active=True,
                password_hash=auth.hash_password(secrets.token_urlsafe(16)),
                localities=[db.UserLocality(locality=LOCALITY)],
            )
            session.add(gp)
            session.flush()
            user_id = gp.id

            task = progress.add_task("patients", total=args.people)
            numbers = synthetic_nhs_numbers(args.people, rng)
            patient_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in numbers]
            for chunk in _chunks(list(zip(patient_ids, numbers, strict=True))):
                rows = []
                for patient_id, nhs in chunk:
                    sex = rng.choice("FM")
                    practice = rng.choice(PRACTICES)
                    rows.append(
                        {
                            "id": patient_id,
                            "nhs_number": nhs,
                            "given_name": rng.choice(GIVEN[sex]),
                            "family_name": rng.choice(FAMILY),
                            "date_of_birth": date(1925, 1, 1)
                            + timedelta(days=rng.randrange(100 * 365)),
                            "address": f"{rng.randrange(1, 200)} {rng.choice(STREETS)}, Benchtown",
                            "registered_practice": practice,
                            "practice_organisation": practice,
                            "person_link": person_link(nhs, secret),
                        }
                    )
                session.execute(insert(db.Patient), rows)
                progress.advance(task, len(rows))
            # Some object to sharing outside their practice (none of the GP's care team): the
            # worklist withholds their identity from readers elsewhere (P7).
            objectors = [p for p in patient_ids[args.plans :] if rng.random() < OBJECTION_SHARE]
            session.execute(
                insert(db.ConsentRecord),
                [
                    {"patient_id": p, "kind": "sharing_objection", "recorded_at": now}
                    for p in objectors
                ],
            )

            task = progress.add_task("care plans (2 versions)", total=args.plans)
            members = patient_ids[: args.plans]
            session.execute(
                insert(db.CareTeamMember),
                [{"patient_id": p, "user_id": user_id, "added_at": now} for p in members],
            )
            organisations = {o["code"] for o in orgs}
            plan_ids = []
            for chunk in _chunks(members):
                plans, versions = [], []
                for patient_id in chunk:
                    plan_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                    created = now - timedelta(days=rng.randrange(30, 400))
                    plans.append({"id": plan_id, "patient_id": patient_id, "created_at": created})
                    for number in (1, 2):
                        body = care_plan_body(patient_id, number, rng)
                        content = fhir.parse_care_plan(body, organisations)
                        versions.append(
                            {
                                "care_plan_id": plan_id,
                                "version": number,
                                "status": content.status,
                                "intent": content.intent,
                                "title": content.title,
                                "description": content.description,
                                "goals": content.goals,
                                "activities": content.activities,
                                "review_date": content.review_date,
                                "author_id": user_id,
                                "created_at": created + timedelta(days=7 * (number - 1)),
                                "resource": content.resource,
                            }
                        )
                    plan_ids.append(plan_id)
                    progress.advance(task)
                session.execute(insert(db.CarePlan), plans)
                session.execute(insert(db.CarePlanVersion), versions)
            session.commit()

        seeded = Seeded(user_id, patient_ids, plan_ids)
        flagged = rng.sample(patient_ids, args.flagged)
        seeded.worklists[args.flagged] = add_worklist(
            engine, progress, flagged, user_id, "bench-run-1", rng
        )
    analyse(engine)
    seeded.seconds = time.perf_counter() - start
    return seeded


# -- the service ---------------------------------------------------------------------------


def service_app() -> Any:
    """The application as ``oneplace serve`` builds it, with the settings and the pool size
    from the environment (a factory, so each uvicorn worker process builds its own)."""
    from oneplace.care.api import create_app

    settings = CareSettings()
    engine = db.engine_for(
        settings.url,
        pool_size=int(os.environ["BENCH_CARE_POOL_SIZE"]),
        max_overflow=int(os.environ["BENCH_CARE_MAX_OVERFLOW"]),
        pool_pre_ping=True,
    )
    return create_app(settings, db.session_factory(engine))


def serve(port: int, workers: int) -> None:
    """uvicorn on 127.0.0.1:``port`` as ``oneplace serve`` runs it."""
    run_uvicorn(f"{Path(__file__).stem}:service_app", "127.0.0.1", port, workers, "warning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    url: str, env: dict[str, str], args: argparse.Namespace, log: Path
) -> tuple[subprocess.Popen, str]:
    """The service in its own process; returns once ``/health`` answers."""
    port = free_port()
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        str(port),
        "--workers",
        str(args.workers),
    ]
    env = {
        **env,
        "BENCH_CARE_POOL_SIZE": str(args.pool_size),
        "BENCH_CARE_MAX_OVERFLOW": str(args.max_overflow),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service stopped at start:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError(f"the service did not answer /health within 60 s:\n{log.read_text()}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- load ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0 < q <= 1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Load:
    label: str
    latencies: list[float]  # seconds, from the scheduled send to the answer
    errors: Counter
    seconds: float  # first scheduled send to the last answer
    lags: list[float] = field(default_factory=list)  # how late each request was sent
    sent_seconds: float = 0.0  # first scheduled send to the last send
    service_cpu: float = 0.0  # CPU seconds of the service's processes during the load
    client_cpu: float = 0.0  # CPU seconds of this process during the load

    @property
    def requests(self) -> int:
        return len(self.latencies)


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by process ``pid`` and its children that are
    alive (the service and its uvicorn workers), from /proc; 0 where there is no /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0.0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields_ = stat[stat.rindex(")") + 2 :].split()
        if int(entry) == pid or int(fields_[1]) == pid:
            total += (int(fields_[11]) + int(fields_[12])) / tick
    return total


def measured(run: Callable[[], Any], service_pid: int) -> Load:
    """``run()``'s Load, with the CPU time of the service and of this process meanwhile."""
    service, client = process_cpu(service_pid), time.process_time()
    load = asyncio.run(run())
    load.service_cpu = process_cpu(service_pid) - service
    load.client_cpu = time.process_time() - client
    return load


async def _read(
    client: httpx.AsyncClient, path: str, errors: Counter, check: Callable[[Any], bool]
) -> None:
    try:
        response = await client.get(path)
        if response.status_code != 200:
            errors[f"HTTP {response.status_code}"] += 1
        elif not check(response):
            errors["unexpected body"] += 1
    except httpx.HTTPError as error:
        errors[type(error).__name__] += 1


def _is_plan(response: httpx.Response) -> bool:
    body = response.json()
    return body.get("resourceType") == "CarePlan" and body["meta"]["versionId"] == "2"


def _client(base: str, token: str, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        timeout=30,
    )


async def sequential_reads(base: str, token: str, plan_ids: list[str], count: int) -> Load:
    """``count`` care-plan reads, each sent when the one before has been answered."""
    rng = random.Random(2)
    errors: Counter = Counter()
    latencies = []
    async with _client(base, token, 1) as client:
        first = time.perf_counter()
        for _ in range(count):
            start = time.perf_counter()
            await _read(client, f"/fhir/CarePlan/{rng.choice(plan_ids)}", errors, _is_plan)
            latencies.append(time.perf_counter() - start)
        seconds = time.perf_counter() - first
    return Load("one at a time", latencies, errors, seconds)


async def open_loop(
    base: str,
    token: str,
    plan_ids: list[str],
    rate: float,
    seconds: float,
    connections: int,
    seed: int,
    label: str,
) -> Load:
    """Care-plan reads due at ``rate`` a second for ``seconds``, each on schedule whatever
    the answers before it; latency from the scheduled send. The due requests queue for the
    first of ``connections`` keep-alive connections that is free (each served by one
    coroutine, so a backlog costs the generator nothing per waiting request, as a backlog in
    httpx's own pool would); the time a request waits there counts in its latency."""
    rng = random.Random(seed)
    count = max(1, round(rate * seconds))
    paths = [f"/fhir/CarePlan/{rng.choice(plan_ids)}" for _ in range(count)]
    errors: Counter = Counter()
    latencies = [0.0] * count
    lags = [0.0] * count
    due: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()

    async def connection() -> None:
        while (item := await due.get()) is not None:
            i, scheduled = item
            await _read(client, paths[i], errors, _is_plan)
            latencies[i] = time.perf_counter() - scheduled

    async with _client(base, token, connections) as client:
        workers = [asyncio.create_task(connection()) for _ in range(connections)]
        start = time.perf_counter() + 0.05
        for i in range(count):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lags[i] = time.perf_counter() - scheduled
            due.put_nowait((i, scheduled))
        sent = time.perf_counter() - start
        for _ in workers:
            due.put_nowait(None)
        await asyncio.gather(*workers)
        elapsed = time.perf_counter() - start
    return Load(label, latencies, errors, elapsed, lags, sent)


@dataclass
class WorklistTiming:
    entries: int
    query: str
    latencies: list[float]
    first: float
    errors: Counter
    kib: float
    withheld: int  # entries of the page whose identity was withheld (P7)


def worklist_reads(
    base: str, token: str, entries: int, repeats: int, warmup: int = 3
) -> list[WorklistTiming]:
    """``GET /worklists/LOCALITY`` (first page, a page of 1,000, the last page by offset and by
    rank), ``repeats`` times each in turn after ``warmup`` unmeasured requests; the first is
    also kept apart."""
    queries = (
        ("first page, limit 50", {}),
        ("first page, limit 1000", {"limit": 1000}),
        ("last page by offset, limit 50", {"offset": max(0, entries - 50)}),
        ("last page by after, limit 50", {"after": max(0, entries - 50)}),  # ranks 1..entries
    )
    out = []
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        for label, params in queries:
            errors: Counter = Counter()
            latencies, size, withheld = [], 0, 0
            for i in range(warmup + repeats):
                start = time.perf_counter()
                response = client.get(f"/worklists/{LOCALITY}", params=params)
                latency = time.perf_counter() - start
                if response.status_code != 200:
                    errors[f"HTTP {response.status_code}"] += 1
                elif (body := response.json())["total"] != entries:
                    errors["unexpected total"] += 1
                else:
                    withheld = sum(e.get("withheld", False) for e in body["entries"])
                size = len(response.content)
                if i == 0:
                    first = latency
                if i >= warmup:
                    latencies.append(latency)
            out.append(
                WorklistTiming(entries, label, latencies, first, errors, size / 1024, withheld)
            )
    return out


# -- the report ----------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _errors(errors: Counter) -> str:
    if not errors:
        return "0"
    return f"{sum(errors.values()):,} (" + ", ".join(f"{k}: {v}" for k, v in errors.items()) + ")"


def report(
    args: argparse.Namespace,
    database: str,
    seeded: Seeded,
    loads: list[Load],
    worklists: list[WorklistTiming],
    audit: tuple[int, int],
    busy: tuple[float, float],
) -> None:
    where = f"{database}, {machine()}"
    table = Table(
        title=f"Care-plan reads: GET /fhir/CarePlan/{{id}}, open loop at {args.rate:g}/s "
        f"for {args.seconds:g} s ({where})"
    )
    columns = (
        "load",
        "requests",
        "sent /s",
        "answered /s",
        "errors",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "send lag p99 ms",
        "service CPU ms/req",
        "client CPU ms/req",
    )
    for col in columns:
        table.add_column(col, justify="left" if col == "load" else "right")

    def row(load: Load) -> list[str]:
        lat = load.latencies
        return [
            f"{load.requests:,}",
            f"{load.requests / load.sent_seconds:.1f}" if load.sent_seconds else "",
            f"{load.requests / load.seconds:.1f}",
            _errors(load.errors),
            _ms(percentile(lat, 0.50)),
            _ms(percentile(lat, 0.95)),
            _ms(percentile(lat, 0.99)),
            _ms(max(lat)),
            _ms(percentile(load.lags, 0.99)) if load.lags else "",
            _ms(load.service_cpu / load.requests),
            _ms(load.client_cpu / load.requests),
        ]

    for load in loads:
        table.add_row(load.label, *row(load))
    timed = [load for load in loads if load.lags]
    if len(timed) > 1:
        rows = [row(load) for load in timed]
        medians = [
            f"{statistics.median(float(r[i].split()[0].replace(',', '')) for r in rows):,.1f}"
            if rows[0][i]
            else ""
            for i in range(len(rows[0]))
        ]
        medians[0] = ""
        medians[3] = f"{sum(sum(x.errors.values()) for x in timed):,} in all"
        medians[6] = f"[bold]{medians[6]}"
        table.add_row(f"[bold]median of {len(timed)} runs", *medians)
    console.print(table)

    table = Table(
        title=f"Worklist of a {args.people:,}-person locality: GET /worklists/{LOCALITY}, "
        f"{args.worklist_requests} requests one at a time ({where})"
    )
    for col in (
        "entries on the list",
        "page",
        "requests",
        "errors",
        "median ms",
        "p99 ms",
        "max ms",
        "first ms",
        "answer KiB",
        "withheld",
    ):
        table.add_column(col, justify="left" if col == "page" else "right")
    for w in worklists:
        table.add_row(
            f"{w.entries:,}",
            w.query,
            f"{len(w.latencies):,}",
            _errors(w.errors),
            _ms(statistics.median(w.latencies)),
            _ms(percentile(w.latencies, 0.99)),
            _ms(max(w.latencies)),
            _ms(w.first),
            f"{w.kib:.0f}",
            f"{w.withheld:,}",
        )
    console.print(table)
    written = ", ".join(f"{n:,} entries {s:.1f} s" for n, s in seeded.worklists.items())
    console.print(
        f"Seeded {args.people:,} patients, {len(seeded.plan_ids):,} care plans "
        f"({2 * len(seeded.plan_ids):,} versions) and a worklist of {args.flagged:,} in "
        f"{seeded.seconds:.0f} s; worklists written (one transaction each): {written}. "
        f"Service: uvicorn, {args.workers} process(es), database pool "
        f"{args.pool_size}+{args.max_overflow} each; "
        f"client: {args.connections} keep-alive connections. Load average (1 min) of the "
        f"machine before and after the reads: {busy[0]:.2f}, {busy[1]:.2f}."
    )
    events, problems = audit
    console.print(
        f"Audit log after the run: {events:,} events, "
        + ("chain intact." if not problems else f"[red]{problems} chain problems.")
    )


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--url", default=PG_URL, help="the PostgreSQL server (admin URL)")
    parser.add_argument("--schema", default="oneplace_bench", help="PostgreSQL schema to use")
    parser.add_argument("--rate", type=float, default=200, help="care-plan reads a second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--repeat", type=int, default=1, help="timed open-loop runs")
    parser.add_argument("--sequential", type=int, default=500, help="reads one at a time")
    parser.add_argument("--connections", type=int, default=32, help="client keep-alive pool")
    parser.add_argument("--pool-size", type=int, default=10, help="the service's DB pool")
    parser.add_argument("--max-overflow", type=int, default=10)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="service processes, as oneplace serve --workers (default: one per core)",
    )
    parser.add_argument("--people", type=int, default=300_000, help="patients of the locality")
    parser.add_argument("--plans", type=int, default=2_000, help="care plans (the GP's team)")
    parser.add_argument("--flagged", type=int, default=6_000, help="the realistic worklist")
    parser.add_argument("--worklist-requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve is not None:
        serve(args.serve, args.workers)
        return
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.schema) or args.schema in (
        "public",
        "pg_catalog",
        "information_schema",
    ):
        parser.error(f"--schema {args.schema!r}: give a dedicated lower-case schema name")
    if args.schema.startswith("oneplace_care_test"):
        parser.error("--schema: that name belongs to the test suite")
    if not args.plans <= args.flagged <= args.people:
        parser.error("need --plans <= --flagged <= --people")
    # Ctrl-C raises KeyboardInterrupt; make SIGTERM unwind through the clean-up too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    settings_env = {
        "ONEPLACE_ENVIRONMENT": "production",
        "ONEPLACE_TOKEN_SECRET": secrets.token_urlsafe(48),
        "ONEPLACE_PSEUDONYM_SECRET": secrets.token_urlsafe(48),
        "ONEPLACE_TOKEN_MINUTES": "60",
    }
    engine: Engine | None = None
    server: subprocess.Popen | None = None
    with tempfile.TemporaryDirectory(prefix="bench_care_") as tmp:
        log = Path(tmp) / "service.log"
        try:
            if args.database == "postgresql":
                pg_schema(args.url, args.schema, create=True)
                url = schema_url(args.url, args.schema)
                database = f"PostgreSQL, schema {args.schema}"
            else:
                url = f"sqlite:///{Path(tmp) / 'care.db'}"
                database = "SQLite file"
            settings_env["ONEPLACE_DATABASE_URL"] = url
            settings = CareSettings(
                environment="production",
                database_url=url,
                token_secret=settings_env["ONEPLACE_TOKEN_SECRET"],
                pseudonym_secret=settings_env["ONEPLACE_PSEUDONYM_SECRET"],
                token_minutes=60,
            )
            console.print(f"Migrating and seeding ({database}) ...")
            db.migrate(url)
            engine = db.engine_for(url)
            seeded = seed(engine, args, settings.secret("pseudonym_secret"))

            server, base = start_server(url, settings_env, args, log)

            def token() -> str:
                return auth.issue_token(seeded.user_id, settings, datetime.now(UTC))

            loads = []
            console.print(f"Reading {args.sequential} care plans one at a time ...")
            busy_before = os.getloadavg()[0]
            loads.append(
                measured(
                    lambda: sequential_reads(base, token(), seeded.plan_ids, args.sequential),
                    server.pid,
                )
            )
            console.print(f"Warming up: {args.rate:g}/s for 2 s ...")
            asyncio.run(
                open_loop(base, token(), seeded.plan_ids, args.rate, 2, args.connections, 0, "")
            )
            for run in range(1, args.repeat + 1):
                console.print(
                    f"Run {run}: {args.rate:g} care-plan reads a second for {args.seconds:g} s ..."
                )
                loads.append(
                    measured(
                        lambda run=run: open_loop(
                            base,
                            token(),
                            seeded.plan_ids,
                            args.rate,
                            args.seconds,
                            args.connections,
                            run,
                            f"open loop, run {run}",
                        ),
                        server.pid,
                    )
                )

            busy_after = os.getloadavg()[0]
            console.print("Reading the worklists ...")
            worklists = worklist_reads(base, token(), args.flagged, args.worklist_requests)
            with _progress() as progress:
                seeded.worklists[args.people] = add_worklist(
                    engine,
                    progress,
                    seeded.patient_ids,
                    seeded.user_id,
                    "bench-run-2",
                    random.Random(args.seed + 1),
                )
            analyse(engine)
            worklists += worklist_reads(base, token(), args.people, args.worklist_requests)

            stop_server(server)
            with db.session_factory(engine)() as session:
                events = session.scalar(select(func.count()).select_from(db.AuditLogRow)) or 0
                problems = len(verify_store(session))
            report(
                args,
                database,
                seeded,
                loads,
                worklists,
                (events, problems),
                (busy_before, busy_after),
            )
            if any(load.errors for load in loads) or any(w.errors for w in worklists):
                lines = log.read_text(errors="replace").splitlines()
                console.print("[red]Errors. The service's log ends:\n" + "\n".join(lines[-40:]))
        finally:
            if server is not None:
                stop_server(server)
            if engine is not None:
                engine.dispose()
            if args.database == "postgresql":
                try:
                    pg_schema(args.url, args.schema, create=False)
                except Exception as error:  # noqa: BLE001 - report, keep the first error
                    console.print(f"[red]Could not drop schema {args.schema}: {error}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        console.print("Interrupted; the service was stopped and the database removed.")
        sys.exit(130)
