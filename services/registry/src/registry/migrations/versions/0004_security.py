"""Security: the advisers of every case, and the append-only audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 08:05:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_PG = (
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
    END;
    $$""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
)

APPEND_ONLY_SQLITE = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
)


def upgrade() -> None:
    op.create_table(
        "case_advisers",
        sa.Column("adviser_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("adviser_id", "incident_id", name=op.f("pk_case_advisers")),
    )
    bind = op.get_bind()
    assigned = bind.execute(
        sa.text("SELECT incident_id, payload FROM events WHERE type = 'adviser.assigned'")
    ).all()
    pairs = {(json.loads(payload)["adviser_id"], incident_id) for incident_id, payload in assigned}
    if pairs:
        bind.execute(
            sa.text("INSERT INTO case_advisers (adviser_id, incident_id) VALUES (:a, :i)"),
            [{"a": a, "i": i} for a, i in sorted(pairs)],
        )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_action_id", ["action", "id"], unique=False)
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_log_subject_id", ["subject", "id"], unique=False)
    if bind.dialect.name == "postgresql":
        for statement in APPEND_ONLY_PG:
            op.execute(statement)
    elif bind.dialect.name == "sqlite":
        for statement in APPEND_ONLY_SQLITE:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("case_advisers")
