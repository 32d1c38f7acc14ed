"""Alembic environment for the care plane: runs the migrations on the connection given in
``config.attributes["connection"]`` or else on an engine for ``sqlalchemy.url``
(``oneplace.care.db.migrate``). Online mode only: the schema is always migrated in place."""

from __future__ import annotations

from alembic import context

from oneplace.care.db import Base, engine_for

config = context.config
target_metadata = Base.metadata


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = engine_for(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            run(conn)
            conn.commit()
    finally:
        engine.dispose()
