"""The monthly summary of the statistics

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:00:00

Per shape (a fixed set of dimensions, `registry.domain.summary.SHAPES`) and month,
the sums of `case_facts` grouped by the shape's dimensions, and the months written
since their summary was computed. Every month that has cases starts dirty: it is read
from `case_facts` until the registry has summarised it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDTH = 5
SUMS = (
    "n",
    "sum_aangifte",
    "sum_police_report",
    "sum_assigned",
    "sum_escalated",
    "sum_repeat",
    "keys",
    "keys_aangifte",
    "keys_police_report",
    "keys_assigned",
    "keys_escalated",
    "keys_repeat",
)


def upgrade() -> None:
    op.create_table(
        "stats_summary",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shape", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        *(sa.Column(f"d{i}", sa.Integer(), nullable=True) for i in range(WIDTH)),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in SUMS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_summary")),
    )
    op.create_index(
        "ix_stats_summary_shape_month", "stats_summary", ["shape", "month"], unique=False
    )
    op.create_table(
        "stats_dirty",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_dirty")),
    )
    op.execute("INSERT INTO stats_dirty (month) SELECT DISTINCT month FROM case_facts")


def downgrade() -> None:
    op.drop_table("stats_dirty")
    op.drop_index("ix_stats_summary_shape_month", table_name="stats_summary")
    op.drop_table("stats_summary")
