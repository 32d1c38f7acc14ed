"""The care plane's initial schema: the tables of ``oneplace.care.db``, the audit tail's one
row, and the triggers that make the audit log and care plan versions append-only.

Revision ID: 0001
Revises: none
Create Date: 2026-11-24

The table definitions were drafted once with ``alembic revision --autogenerate`` against the
models and are kept here as written; the tests check that the migrated schema still matches
the models on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


GENESIS_HASH = "0" * 64  # audit_chain.GENESIS_HASH, fixed here as this revision wrote it

APPEND_ONLY = ("audit_log", "care_plan_versions")

PG_REFUSE = """
CREATE FUNCTION oneplace_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _append_only() -> None:
    """Triggers refusing UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of every row."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_REFUSE)
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION oneplace_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION oneplace_refuse_change()"
            )
    else:
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
                )


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("organisation", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("patient_ref", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("stated_reason", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("break_glass", sa.Boolean(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("outcome IN ('allowed', 'refused')", name=op.f("ck_audit_log_outcome")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    op.create_index(op.f("ix_audit_log_patient_ref"), "audit_log", ["patient_ref"], unique=False)
    op.create_index(op.f("ix_audit_log_time"), "audit_log", ["time"], unique=False)
    op.create_index(op.f("ix_audit_log_user_id"), "audit_log", ["user_id"], unique=False)
    op.create_table(
        "audit_tail",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_tail_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_tail")),
    )
    op.create_table(
        "organisations",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_organisations")),
    )
    op.create_table(
        "worklists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality", sa.String(length=20), nullable=False),
        sa.Column("source_run", sa.String(length=100), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worklists")),
    )
    op.create_index(op.f("ix_worklists_locality"), "worklists", ["locality"], unique=False)
    op.create_table(
        "patients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("nhs_number", sa.String(length=10), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("registered_practice", sa.String(length=20), nullable=False),
        sa.Column("practice_organisation", sa.String(length=20), nullable=True),
        sa.Column("person_link", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_organisation"],
            ["organisations.code"],
            name=op.f("fk_patients_practice_organisation_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("nhs_number", name=op.f("uq_patients_nhs_number")),
        sa.UniqueConstraint("person_link", name=op.f("uq_patients_person_link")),
    )
    op.create_index(
        op.f("ix_patients_registered_practice"), "patients", ["registered_practice"], unique=False
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("organisation_code", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "role IN ('gp', 'nurse', 'social_worker', 'care_coordinator', 'analyst', 'auditor', 'admin')",
            name=op.f("ck_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_code"],
            ["organisations.code"],
            name=op.f("fk_users_organisation_code_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(
        op.f("ix_users_organisation_code"), "users", ["organisation_code"], unique=False
    )
    op.create_table(
        "break_glass_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("expires_at > granted_at", name=op.f("ck_break_glass_grants_period")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_break_glass_grants_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_break_glass_grants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_grants")),
    )
    op.create_index(
        op.f("ix_break_glass_grants_patient_id"), "break_glass_grants", ["patient_id"], unique=False
    )
    op.create_index(
        op.f("ix_break_glass_grants_user_id"), "break_glass_grants", ["user_id"], unique=False
    )
    op.create_table(
        "care_plans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_care_plans_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plans")),
    )
    op.create_index(op.f("ix_care_plans_patient_id"), "care_plans", ["patient_id"], unique=False)
    op.create_table(
        "care_team_members",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_care_team_members_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_care_team_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("patient_id", "user_id", name=op.f("pk_care_team_members")),
    )
    op.create_index(
        op.f("ix_care_team_members_user_id"), "care_team_members", ["user_id"], unique=False
    )
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('sharing_objection', 'national_data_opt_out')",
            name=op.f("ck_consent_records_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_consent_records_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_consent_records_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    op.create_index(
        op.f("ix_consent_records_patient_id"), "consent_records", ["patient_id"], unique=False
    )
    op.create_table(
        "user_localities",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("locality", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_localities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "locality", name=op.f("pk_user_localities")),
    )
    op.create_table(
        "worklist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worklist_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("need", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("reviewer_id", sa.String(length=36), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "decision IN ('care_plan_started', 'not_appropriate', 'declined')",
            name=op.f("ck_worklist_entries_decision"),
        ),
        sa.CheckConstraint(
            "(decision IS NULL) = (reviewer_id IS NULL) AND (decision IS NULL) = (reviewed_at IS NULL)",
            name=op.f("ck_worklist_entries_review_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_worklist_entries_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_worklist_entries_reviewer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["worklist_id"],
            ["worklists.id"],
            name=op.f("fk_worklist_entries_worklist_id_worklists"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worklist_entries")),
        sa.UniqueConstraint(
            "worklist_id", "patient_id", name=op.f("uq_worklist_entries_worklist_id_patient_id")
        ),
        sa.UniqueConstraint(
            "worklist_id", "rank", name=op.f("uq_worklist_entries_worklist_id_rank")
        ),
    )
    op.create_index(
        op.f("ix_worklist_entries_patient_id"), "worklist_entries", ["patient_id"], unique=False
    )
    op.create_table(
        "care_plan_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("care_plan_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("intent", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("activities", sa.JSON(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "intent IN ('proposal', 'plan', 'order', 'option')",
            name=op.f("ck_care_plan_versions_intent"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown')",
            name=op.f("ck_care_plan_versions_status"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_care_plan_versions_version")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_care_plan_versions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plans.id"],
            name=op.f("fk_care_plan_versions_care_plan_id_care_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_versions")),
        sa.UniqueConstraint(
            "care_plan_id", "version", name=op.f("uq_care_plan_versions_care_plan_id_version")
        ),
    )
    audit_tail = sa.table(
        "audit_tail",
        sa.column("id", sa.Integer),
        sa.column("seq", sa.Integer),
        sa.column("hash", sa.String),
    )
    op.bulk_insert(audit_tail, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    _append_only()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION oneplace_refuse_change() CASCADE")
    op.drop_table("care_plan_versions")
    op.drop_index(op.f("ix_worklist_entries_patient_id"), table_name="worklist_entries")
    op.drop_table("worklist_entries")
    op.drop_table("user_localities")
    op.drop_index(op.f("ix_consent_records_patient_id"), table_name="consent_records")
    op.drop_table("consent_records")
    op.drop_index(op.f("ix_care_team_members_user_id"), table_name="care_team_members")
    op.drop_table("care_team_members")
    op.drop_index(op.f("ix_care_plans_patient_id"), table_name="care_plans")
    op.drop_table("care_plans")
    op.drop_index(op.f("ix_break_glass_grants_user_id"), table_name="break_glass_grants")
    op.drop_index(op.f("ix_break_glass_grants_patient_id"), table_name="break_glass_grants")
    op.drop_table("break_glass_grants")
    op.drop_index(op.f("ix_users_organisation_code"), table_name="users")
    op.drop_table("users")
    op.drop_index(op.f("ix_patients_registered_practice"), table_name="patients")
    op.drop_table("patients")
    op.drop_index(op.f("ix_worklists_locality"), table_name="worklists")
    op.drop_table("worklists")
    op.drop_table("organisations")
    op.drop_table("audit_tail")
    op.drop_index(op.f("ix_audit_log_user_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_time"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_patient_ref"), table_name="audit_log")
    op.drop_table("audit_log")
