"""Acknowledgement times by pool, read in order from an index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 07:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.create_index("ix_case_facts_pool_ack", ["pool", "ack_seconds"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_case_facts_pool_ack")
