"""The record key of every counted case, for the statistics' cell-key method

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14 09:00:00

Existing rows get the key derived from the case id under the registry's statistics
secret, which the service hands to the migration (`registry.adapters.migrate.upgrade`);
run from the Alembic command line without it, they get random keys, replaced by the
derived ones at the case's next event or at a rebuild.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from registry.domain.disclosure import KEY_RANGE, record_key

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FACTS = sa.table("case_facts", sa.column("case_id", sa.String), sa.column("cell_key", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("case_facts") as batch:
        batch.add_column(
            sa.Column("cell_key", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    config = op.get_context().config
    secret: bytes | None = config.attributes.get("stats_key") if config else None
    connection = op.get_bind()
    ids = list(connection.execute(sa.select(FACTS.c.case_id)).scalars())
    for start in range(0, len(ids), 1000):
        rows = [
            {
                "b_case_id": case_id,
                "b_cell_key": record_key(secret, case_id)
                if secret
                else secrets.randbelow(KEY_RANGE),
            }
            for case_id in ids[start : start + 1000]
        ]
        connection.execute(
            FACTS.update()
            .where(FACTS.c.case_id == sa.bindparam("b_case_id"))
            .values(cell_key=sa.bindparam("b_cell_key")),
            rows,
        )


def downgrade() -> None:
    with op.batch_alter_table("case_facts") as batch:
        batch.drop_column("cell_key")
