"""Case work: facts that change, follow-up calls, the record's version

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICE_FLAGS = (
    "police_vpt_flag",
    "police_organisation_address_used",
    "police_reported_by_organisation",
)


def upgrade() -> None:
    # Existing rows get their values at the next event of the case, or from a rebuild.
    with op.batch_alter_table("incidents") as batch:
        for name in POLICE_FLAGS:
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("related_incident_id", sa.String(length=36), nullable=True))
        batch.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.create_index("ix_incidents_related_incident_id", ["related_incident_id"])
    with op.batch_alter_table("case_facts") as batch:
        batch.add_column(
            sa.Column("repeat", sa.SmallInteger(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("case_facts") as batch:
        batch.drop_column("repeat")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index("ix_incidents_related_incident_id")
        batch.drop_column("version")
        batch.drop_column("related_incident_id")
        for name in POLICE_FLAGS:
            batch.drop_column(name)
