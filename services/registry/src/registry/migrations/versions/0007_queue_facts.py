"""The queue's facts in the incident row: unroutable, last page failed, the advisers
whose page failed, the last activity

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-21 09:00:00

Open cases get their values here, from the plain fields of their stored events (type,
time, assignment, adviser, purpose: none of them sealed); closed ones keep the
defaults until their next event or a rebuild (the queue shows open cases only).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from registry.domain.queue_facts import TYPES, Step, queue_facts

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCIDENTS = sa.table(
    "incidents",
    sa.column("incident_id", sa.String),
    sa.column("status", sa.String),
    sa.column("unroutable", sa.Boolean),
    sa.column("page_failed", sa.Boolean),
    sa.column("failed_advisers", sa.JSON),
    sa.column("last_activity_at", sa.DateTime(timezone=True)),
)
EVENTS = sa.table(
    "events",
    sa.column("event_id", sa.String),
    sa.column("incident_id", sa.String),
    sa.column("type", sa.String),
    sa.column("payload", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("unroutable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("page_failed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("failed_advisers", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    open_cases = sa.select(INCIDENTS.c.incident_id).where(INCIDENTS.c.status != "closed")
    ids = list(connection.execute(open_cases).scalars())
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        steps: dict[str, list[Step]] = {case_id: [] for case_id in chunk}
        rows = connection.execute(
            sa.select(EVENTS.c.incident_id, EVENTS.c.event_id, EVENTS.c.payload).where(
                EVENTS.c.incident_id.in_(chunk), EVENTS.c.type.in_(sorted(TYPES))
            )
        )
        for case_id, event_id, payload in rows:
            steps[case_id].append(_step(event_id, json.loads(payload)))
        for case_id, case_steps in steps.items():
            facts = queue_facts(case_steps)
            connection.execute(
                INCIDENTS.update()
                .where(INCIDENTS.c.incident_id == case_id)
                .values(
                    unroutable=facts.unroutable,
                    page_failed=facts.page_failed,
                    failed_advisers=list(facts.failed_advisers),
                    last_activity_at=facts.last_activity_at,
                )
            )


def _step(event_id: str, data: dict[str, object]) -> Step:
    at = datetime.fromisoformat(str(data["occurred_at"]).replace("Z", "+00:00"))
    assignment, adviser, purpose = (data.get(k) for k in ("assignment_id", "adviser_id", "purpose"))
    return Step(
        type=str(data["type"]),
        at=at if at.tzinfo else at.replace(tzinfo=UTC),
        event_id=event_id,
        assignment_id=str(assignment) if assignment is not None else None,
        adviser_id=str(adviser) if adviser is not None else None,
        purpose=str(purpose) if purpose is not None else None,
    )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for name in ("last_activity_at", "failed_advisers", "page_failed", "unroutable"):
            batch.drop_column(name)
