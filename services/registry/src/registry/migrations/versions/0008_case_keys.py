"""The cases' data keys: personal values sealed under the case's own key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-22 09:00:00

The registry now stores the events as they arrive, sealed under each case's data key
(`s1:` values), and keeps the wrapped keys here. Values sealed under the former
registry keyring (`v1:`) are not opened any more: rebuild a database that holds them
from the streams (`weerbaar-registry rebuild --drop-existing`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_keys",
        sa.Column("incident_id", sa.String(36), primary_key=True),
        sa.Column("wrapped", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_keys")
