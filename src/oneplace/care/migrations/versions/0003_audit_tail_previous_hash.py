"""The audit tail also keeps the hash before its last event's (``prev_hash``), so that on
PostgreSQL one statement can take the tail's lock, move it and append the event: the
statement's ``UPDATE`` sets ``prev_hash = hash`` and returns it for the event's row
(``audit_store``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64  # audit_chain.GENESIS_HASH, as of this revision


def upgrade() -> None:
    with op.batch_alter_table("audit_tail") as batch:
        batch.add_column(
            sa.Column(
                "prev_hash",
                sa.String(length=64),
                nullable=False,
                server_default=sa.text(f"'{GENESIS_HASH}'"),
            )
        )
    op.execute(
        "UPDATE audit_tail SET prev_hash = COALESCE("
        "(SELECT audit_log.hash FROM audit_log WHERE audit_log.seq = audit_tail.seq - 1), "
        f"'{GENESIS_HASH}')"
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_tail") as batch:
        batch.drop_column("prev_hash")
