"""Sign-in and FHIR round trips: users' argon2 password hashes, and each care plan version's
whole FHIR CarePlan resource as submitted (so elements oneplace has no column for, such as
``period`` or ``category``, come back as they went in).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
    # care_plan_versions is append-only, so the column is added without a table rebuild
    # (SQLite's batch mode would copy the rows through an INSERT, which the trigger allows,
    # but dropping the old table would take its triggers with it).
    op.add_column(
        "care_plan_versions",
        sa.Column("resource", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    op.drop_column("care_plan_versions", "resource")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_hash")
