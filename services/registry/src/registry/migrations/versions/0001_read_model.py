"""The read model: events, incidents, registrations, case facts

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-30 07:16:02.323152
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "case_facts",
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("types_mask", sa.Integer(), nullable=False),
        sa.Column("channels_mask", sa.Integer(), nullable=False),
        sa.Column("role", sa.SmallInteger(), nullable=False),
        sa.Column("organisation", sa.SmallInteger(), nullable=False),
        sa.Column("source", sa.SmallInteger(), nullable=False),
        sa.Column("police_status", sa.SmallInteger(), nullable=False),
        sa.Column("aangifte", sa.SmallInteger(), nullable=False),
        sa.Column("police_report", sa.SmallInteger(), nullable=False),
        sa.Column("assigned", sa.SmallInteger(), nullable=False),
        sa.Column("escalated", sa.SmallInteger(), nullable=False),
        sa.Column("province", sa.SmallInteger(), nullable=True),
        sa.Column("urgency", sa.SmallInteger(), nullable=True),
        sa.Column("reason_not_reported", sa.SmallInteger(), nullable=True),
        sa.Column("perpetrator_kind", sa.SmallInteger(), nullable=True),
        sa.Column("family_targeted", sa.SmallInteger(), nullable=True),
        sa.Column("pool", sa.SmallInteger(), nullable=True),
        sa.Column("ack_seconds", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_facts")),
    )
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.create_index("ix_case_facts_organisation", ["organisation"], unique=False)
        batch_op.create_index("ix_case_facts_reported_at", ["reported_at"], unique=False)

    op.create_table(
        "events",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stream_sequence", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=True),
        sa.Column("role", sa.String(length=30), nullable=True),
        sa.Column("organisation_code", sa.String(length=6), nullable=True),
        sa.Column("province_code", sa.String(length=4), nullable=True),
        sa.Column("urgency", sa.String(length=10), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("types_mask", sa.Integer(), nullable=False),
        sa.Column("channels_mask", sa.Integer(), nullable=False),
        sa.Column("police_status", sa.String(length=10), nullable=True),
        sa.Column("reason_not_reported", sa.String(length=30), nullable=True),
        sa.Column("perpetrator_kind", sa.String(length=30), nullable=True),
        sa.Column("family_targeted", sa.Boolean(), nullable=True),
        sa.Column("registration_id", sa.String(length=36), nullable=True),
        sa.Column("assignment_id", sa.String(length=36), nullable=True),
        sa.Column("adviser_id", sa.String(length=64), nullable=True),
        sa.Column("pool", sa.String(length=30), nullable=True),
        sa.Column("ack_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("actions", sa.Integer(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("official_name", sa.Text(), nullable=True),
        sa.Column("official_phone", sa.Text(), nullable=True),
        sa.Column("official_email", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incidents_adviser_reported",
            ["adviser_id", "reported_at", "incident_id"],
            unique=False,
        )
        batch_op.create_index("ix_incidents_closed_at", ["closed_at"], unique=False)
        batch_op.create_index(
            "ix_incidents_org_reported",
            ["organisation_code", "reported_at", "incident_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_incidents_reported_at_id", ["reported_at", "incident_id"], unique=False
        )
        batch_op.create_index(
            "ix_incidents_status_reported", ["status", "reported_at", "incident_id"], unique=False
        )

    op.create_table(
        "registrations",
        sa.Column("registration_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_code", sa.String(length=6), nullable=False),
        sa.Column("province_code", sa.String(length=4), nullable=True),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("types_mask", sa.Integer(), nullable=False),
        sa.Column("channels_mask", sa.Integer(), nullable=False),
        sa.Column("police_status", sa.String(length=10), nullable=False),
        sa.Column("reason_not_reported", sa.String(length=30), nullable=True),
        sa.Column("perpetrator_kind", sa.String(length=30), nullable=True),
        sa.Column("family_targeted", sa.Boolean(), nullable=True),
        sa.Column("wants_contact", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_registrations")),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registrations_org_received",
            ["organisation_code", "received_at", "registration_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_registrations_received_at_id", ["received_at", "registration_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_received_at_id")
        batch_op.drop_index("ix_registrations_org_received")

    op.drop_table("registrations")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_status_reported")
        batch_op.drop_index("ix_incidents_reported_at_id")
        batch_op.drop_index("ix_incidents_org_reported")
        batch_op.drop_index("ix_incidents_closed_at")
        batch_op.drop_index("ix_incidents_adviser_reported")

    op.drop_table("incidents")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_incident_id"))

    op.drop_table("events")
    with op.batch_alter_table("case_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_case_facts_reported_at")
        batch_op.drop_index("ix_case_facts_organisation")

    op.drop_table("case_facts")
