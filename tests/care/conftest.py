"""Every care-plane storage test runs on SQLite (a temp file) and on the PostgreSQL server at
``ONEPLACE_TEST_DATABASE_URL`` (default: database ``test`` on 127.0.0.1:5432, user postgres).

Each database is migrated once per test session (``migrate``, i.e. ``alembic upgrade head``);
on PostgreSQL into a schema of its own per pytest-xdist worker, dropped and recreated, so
reruns and parallel workers start clean. Each test runs inside a transaction that is rolled
back afterwards (SQLAlchemy 2's "joining a session into an external transaction" recipe: the
session's own commits and rollbacks work on a savepoint). The PostgreSQL half is skipped, with
the reason, only when no server answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from oneplace.care.db import Organisation, Patient, User, engine_for, migrate
from oneplace.care.pseudonym import person_link

PG_URL = os.environ.get(
    "ONEPLACE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "a test pseudonym secret, 32 bytes or more"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _postgres_engine(schema: str) -> Engine:
    admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
            connection.commit()
    except OperationalError as error:
        pytest.skip(f"no PostgreSQL server answers at {PG_URL}: {error.orig}")
    finally:
        admin.dispose()
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    migrate(url_text)
    return engine_for(url_text)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def care_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[Engine]:
    """A migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('care') / 'care.db'}"
        migrate(url)
        engine = engine_for(url)
        yield engine
        engine.dispose()
        return
    schema = f"oneplace_care_test_{worker_id}"
    engine = _postgres_engine(schema)
    yield engine
    engine.dispose()
    admin = create_engine(PG_URL)
    with admin.connect() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.commit()
    admin.dispose()


@pytest.fixture
def db(care_engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, whatever it commits."""
    with care_engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def dialect(db: Session) -> str:
    return db.get_bind().dialect.name


def add_people(session: Session) -> tuple[User, Patient]:
    """An organisation, a GP in it and a patient registered with its practice."""
    session.add(Organisation(code="FED", name="Tiny GP Federation", kind="gp_federation"))
    user = User(username="dr.north", full_name="Dr North", organisation_code="FED", role="gp")
    patient = Patient(
        nhs_number="943 476 5919",
        given_name="Ada",
        family_name="Example",
        date_of_birth=date(1940, 5, 17),
        address="1 High Street, Northtown",
        registered_practice="P1",
        practice_organisation="FED",
        person_link=person_link("9434765919", SECRET),
    )
    session.add_all([user, patient])
    session.flush()
    return user, patient


TOKEN_SECRET = "a test token-signing secret, 32 bytes or more"


def care_settings(**overrides: object):
    """Production settings (so the secrets are checked) over the test database."""
    from oneplace.care.settings import CareSettings

    values = {
        "environment": "production",
        "database_url": "sqlite://",  # unused: the tests pass their own sessions
        "token_secret": TOKEN_SECRET,
        "pseudonym_secret": SECRET,
        **overrides,
    }
    return CareSettings(**values)


class Clock:
    """A settable clock for the service (break-glass expiry, token times)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def sessions(db: Session):
    """Sessions for the app that join the test's transaction (rolled back afterwards)."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def world(db: Session):
    """``world.World``: the service tests' users, patients, care team and worklist."""
    from .world import World

    return World(db)


@pytest.fixture
def client(sessions, clock: Clock):
    """A test client of the service over ``sessions``, with the settable ``clock``."""
    from fastapi.testclient import TestClient

    from oneplace.care.api import create_app

    return TestClient(create_app(care_settings(), sessions, clock=clock))
