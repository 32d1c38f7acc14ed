"""The care plane's tables: SQLAlchemy 2 typed declarative models, an engine and sessions.

Source: issue 6, "What it holds" and "Service and storage"; docs/care-plane.md. The schema is
created and changed only by the Alembic migrations in ``migrations/`` (``migrate``); the tests
check that the migrated schema matches these models on SQLite and PostgreSQL. Only portable
types are used (text, integers, booleans, dates, timestamps, JSON), and the closed vocabularies
(roles, review decisions, care plan status and intent, consent kinds) are text columns with a
CHECK constraint rather than database enums.

The audit log and care plan versions are append-only: triggers in the migration refuse UPDATE
and DELETE of their rows on both databases (``APPEND_ONLY_TABLES``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
    validates,
)

from .nhs_number import normalise
from .policy import Role

MIGRATIONS = Path(__file__).with_name("migrations")

REVIEW_DECISIONS = ("care_plan_started", "not_appropriate", "declined")
"""A worklist review's outcome (issue 6, "Worklists from the analytics")."""

CARE_PLAN_STATUSES = (
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
)
"""FHIR R4 CarePlan.status (value set request-status)."""

CARE_PLAN_INTENTS = ("proposal", "plan", "order", "option")
"""FHIR R4 CarePlan.intent (value set care-plan-intent)."""

CONSENT_KINDS = ("sharing_objection", "national_data_opt_out")
"""Objection to sharing outside the registered practice (policy P7); the national data
opt-out from secondary use (keeps a patient out of what leaves the care plane)."""

APPEND_ONLY_TABLES = ("audit_log", "care_plan_versions")
"""Tables whose rows the database refuses to update or delete (triggers in the migration)."""

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def as_utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands back naive times, PostgreSQL aware ones)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class Organisation(Base):
    """A partner organisation, or a practice's, as the place file names it."""

    __tablename__ = "organisations"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", tuple(Role)), name="role"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    organisation_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """argon2 hash for the embedded sign-in (``auth``); None for an identity provider's user."""

    localities: Mapped[list[UserLocality]] = relationship(cascade="all, delete-orphan")


class UserLocality(Base):
    """A locality a user works in (policy P9, P10)."""

    __tablename__ = "user_localities"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    locality: Mapped[str] = mapped_column(String(20), primary_key=True)


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    nhs_number: Mapped[str] = mapped_column(String(10), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    address: Mapped[str] = mapped_column(Text)
    registered_practice: Mapped[str] = mapped_column(String(20), index=True)
    practice_organisation: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"))
    person_link: Mapped[str] = mapped_column(String(64), unique=True)
    """``pseudonym.person_link`` of the NHS number: the analytics plane's ``person_id``."""

    @validates("nhs_number")
    def _nhs_number(self, _key: str, value: str) -> str:
        return normalise(value)


class CareTeamMember(Base):
    __tablename__ = "care_team_members"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime]


class Worklist(Base):
    """One locality's worklist from one analytics run."""

    __tablename__ = "worklists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locality: Mapped[str] = mapped_column(String(20), index=True)
    source_run: Mapped[str] = mapped_column(String(100))
    generated_at: Mapped[datetime]


class WorklistEntry(Base):
    __tablename__ = "worklist_entries"
    __table_args__ = (
        UniqueConstraint("worklist_id", "patient_id"),
        UniqueConstraint("worklist_id", "rank"),
        CheckConstraint(_in("decision", REVIEW_DECISIONS), name="decision"),
        CheckConstraint(
            "(decision IS NULL) = (reviewer_id IS NULL) AND (decision IS NULL) = (reviewed_at IS NULL)",
            name="review_complete",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worklist_id: Mapped[int] = mapped_column(ForeignKey("worklists.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)  # 1 = greatest need
    need: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20))
    reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]


class CarePlan(Base):
    """A patient's care plan; its content lives in ``CarePlanVersion`` rows, one per change."""

    __tablename__ = "care_plans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    created_at: Mapped[datetime]


class CarePlanVersion(Base):
    """One immutable version of a care plan, shaped like FHIR R4 CarePlan: ``goals`` a list of
    Goal-like objects, ``activities`` a list of objects each naming the ``organisation``
    responsible for it (a code in ``organisations``)."""

    __tablename__ = "care_plan_versions"
    __table_args__ = (
        UniqueConstraint("care_plan_id", "version"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint(_in("status", CARE_PLAN_STATUSES), name="status"),
        CheckConstraint(_in("intent", CARE_PLAN_INTENTS), name="intent"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    care_plan_id: Mapped[str] = mapped_column(ForeignKey("care_plans.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    intent: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[list[Any]] = mapped_column(JSON)
    activities: Mapped[list[Any]] = mapped_column(JSON)
    review_date: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    resource: Mapped[dict[str, Any]] = mapped_column(JSON, server_default=text("'{}'"))
    """The FHIR CarePlan as submitted, without id and meta (``fhir``)."""

    @validates("activities")
    def _activities(self, _key: str, value: list[Any]) -> list[Any]:
        for place, activity in enumerate(value):
            if not isinstance(activity, dict) or not activity.get("organisation"):
                raise ValueError(
                    f"care plan activity {place} must name its responsible organisation"
                )
        return value


class ConsentRecord(Base):
    """A patient's objection or opt-out, in force from ``recorded_at`` until withdrawn."""

    __tablename__ = "consent_records"
    __table_args__ = (CheckConstraint(_in("kind", CONSENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]


class BreakGlassGrant(Base):
    """``policy.BreakGlassGrant`` as stored: active from ``granted_at`` until ``expires_at``."""

    __tablename__ = "break_glass_grants"
    __table_args__ = (CheckConstraint("expires_at > granted_at", name="period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class AuditLogRow(Base):
    """``audit_chain.AuditEvent`` as stored; append-only (triggers) and hash-chained. No
    foreign keys: the log outlives the users and patients it names."""

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint(_in("outcome", ("allowed", "refused")), name="outcome"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    organisation: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    patient_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    stated_reason: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(10))
    break_glass: Mapped[bool] = mapped_column(Boolean)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditTail(Base):
    """The single row (id 1) holding the last audit event's seq and hash (0 and the genesis
    hash for an empty log), and the hash before it; its row lock serialises appends on
    PostgreSQL."""

    __tablename__ = "audit_tail"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), server_default=text(f"'{'0' * 64}'"))


def engine_for(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``). SQLite gets
    foreign keys enforced and real transactions (pysqlite's own transaction handling is
    switched off and SQLAlchemy emits BEGIN IMMEDIATE, so savepoints and transactional DDL
    work, and concurrent writers wait for each other, up to the 30 s busy timeout)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # IMMEDIATE: take the write lock at the start. Every request of the service writes
            # (its audit event); a deferred transaction that reads first and then writes while
            # another holds the lock fails at once ("database is locked") instead of waiting.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Any:
    """The Alembic configuration of the care plane's migrations, built in code (no ini file)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (``alembic upgrade head``)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
