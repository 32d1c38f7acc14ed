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
    assert head == "0002"
    assert MigrationContext.configure(db.connection()).get_current_revision() == head


def test_every_model_table_exists(db: Session) -> None:
    tables = set(inspect(db.connection()).get_table_names())
    assert set(Base.metadata.tables) <= tables
