"""The migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from oneplace.care.db import Base, alembic_config


def test_migrated_schema_matches_the_models(db: Session) -> None:
    context = MigrationContext.configure(db.connection())
    assert compare_metadata(context, Base.metadata) == []


def test_database_is_at_the_newest_revision(db: Session) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head == "0003"
    assert MigrationContext.configure(db.connection()).get_current_revision() == head


def test_every_model_table_exists(db: Session) -> None:
    tables = set(inspect(db.connection()).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_0003_gives_an_existing_tail_the_hash_before_its_last_event(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import create_engine, insert, text

    from oneplace.care.audit_chain import append
    from oneplace.care.db import AuditLogRow

    from .test_audit_store import _fields

    url = f"sqlite:///{tmp_path / 'care.db'}"
    command.upgrade(alembic_config(url), "0002")
    first = append(None, _fields(1))
    second = append(first, _fields(2))
    engine = create_engine(url)
    with engine.begin() as connection:
        for event in (first, second):
            values = {c.name: getattr(event, c.name) for c in AuditLogRow.__table__.c}
            connection.execute(insert(AuditLogRow.__table__), values)
        connection.execute(
            text("UPDATE audit_tail SET seq = 2, hash = :hash"), {"hash": second.hash}
        )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        tail = connection.execute(text("SELECT seq, hash, prev_hash FROM audit_tail")).one()
    engine.dispose()
    assert tuple(tail) == (2, second.hash, first.hash)
