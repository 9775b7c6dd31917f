"""The registry's tables (SQLAlchemy 2). SQLite by default, PostgreSQL in production.

The schema is created and changed by the Alembic migrations in `registry.migrations`
(`upgrade head` on start); these models are what the migrations must produce, and a
test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from registry.adapters.engine import make_engine, snapshot_read
from registry.domain.summary import SUMS, WIDTH

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored in UTC on every database; read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class EventRecord(Base):
    """Every event exactly once: the source of the timeline. After an erasure its
    personal fields are scrubbed here too (the stream keeps the original)."""

    __tablename__ = "events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    stream_sequence: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)


class IncidentRecord(Base):
    """The current state of an incident, recomputed from its events."""

    __tablename__ = "incidents"

    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reported: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(30))
    role: Mapped[str | None] = mapped_column(String(30))
    organisation_code: Mapped[str | None] = mapped_column(String(6))
    province_code: Mapped[str | None] = mapped_column(String(4))
    urgency: Mapped[str | None] = mapped_column(String(10))
    reported_at: Mapped[datetime | None]
    occurred_at: Mapped[datetime | None]
    types: Mapped[Any] = mapped_column(JSON, default=list)
    channels: Mapped[Any] = mapped_column(JSON, default=list)
    needs: Mapped[Any] = mapped_column(JSON, default=list)
    types_mask: Mapped[int] = mapped_column(Integer, default=0)
    channels_mask: Mapped[int] = mapped_column(Integer, default=0)
    police_status: Mapped[str | None] = mapped_column(String(10))
    reason_not_reported: Mapped[str | None] = mapped_column(String(30))
    police_vpt_flag: Mapped[bool | None] = mapped_column(Boolean)
    police_organisation_address_used: Mapped[bool | None] = mapped_column(Boolean)
    police_reported_by_organisation: Mapped[bool | None] = mapped_column(Boolean)
    perpetrator_kind: Mapped[str | None] = mapped_column(String(30))
    family_targeted: Mapped[bool | None] = mapped_column(Boolean)
    registration_id: Mapped[str | None] = mapped_column(String(36))
    related_incident_id: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, default=0)
    assignment_id: Mapped[str | None] = mapped_column(String(36))
    adviser_id: Mapped[str | None] = mapped_column(String(64))
    pool: Mapped[str | None] = mapped_column(String(30))
    ack_deadline: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    actions: Mapped[int] = mapped_column(Integer, default=0)
    erased_at: Mapped[datetime | None]
    # Personal data: nulled by an erasure (retention or request).
    official_name: Mapped[str | None] = mapped_column(Text)
    official_phone: Mapped[str | None] = mapped_column(Text)
    official_email: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)

    unroutable: Mapped[bool] = mapped_column(Boolean, default=False)
    page_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_advisers: Mapped[Any] = mapped_column(JSON, default=list)
    last_activity_at: Mapped[datetime | None]  # these four: registry.domain.queue_facts

    # Lists are newest first by (reported_at, incident_id); selective filters get an
    # index in that order, the others filter along the time index. Status and the
    # queue's facts have none: they change with nearly every event.
    __table_args__ = (
        Index("ix_incidents_reported_at_id", "reported_at", "incident_id"),
        Index("ix_incidents_org_reported", "organisation_code", "reported_at", "incident_id"),
        Index("ix_incidents_adviser_reported", "adviser_id", "reported_at", "incident_id"),
        Index("ix_incidents_closed_at", "closed_at"),
        Index("ix_incidents_related_incident_id", "related_incident_id"),
    )


class RegistrationRecord(Base):
    """A registration posted by an organisation's own system."""

    __tablename__ = "registrations"

    registration_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64))
    organisation_code: Mapped[str] = mapped_column(String(6))
    province_code: Mapped[str | None] = mapped_column(String(4))
    role: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime]
    occurred_at: Mapped[datetime | None]
    types: Mapped[Any] = mapped_column(JSON, default=list)
    channels: Mapped[Any] = mapped_column(JSON, default=list)
    types_mask: Mapped[int] = mapped_column(Integer, default=0)
    channels_mask: Mapped[int] = mapped_column(Integer, default=0)
    police_status: Mapped[str] = mapped_column(String(10))
    reason_not_reported: Mapped[str | None] = mapped_column(String(30))
    perpetrator_kind: Mapped[str | None] = mapped_column(String(30))
    family_targeted: Mapped[bool | None] = mapped_column(Boolean)
    wants_contact: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_registrations_received_at_id", "received_at", "registration_id"),
        Index(
            "ix_registrations_org_received", "organisation_code", "received_at", "registration_id"
        ),
    )


class CaseFact(Base):
    """One row per counted case, without any personal data: what the statistics read.

    A case is an incident, or a registration that did not become one (an outreach
    incident shares its registration's id and replaces it here). Dimensions are small
    integers (`registry.domain.facts.encode`), fixed-width columns first: the statistics scan
    the whole table, and a narrow row is what keeps a million cases under 200 ms.
    Incident types and channels are bit masks, so a count by type is one scan grouped
    by mask, never a join."""

    __tablename__ = "case_facts"

    reported_at: Mapped[datetime]
    month: Mapped[int] = mapped_column(Integer)
    types_mask: Mapped[int] = mapped_column(Integer)
    channels_mask: Mapped[int] = mapped_column(Integer)
    role: Mapped[int] = mapped_column(SmallInteger)
    organisation: Mapped[int] = mapped_column(SmallInteger)
    source: Mapped[int] = mapped_column(SmallInteger)
    police_status: Mapped[int] = mapped_column(SmallInteger)
    aangifte: Mapped[int] = mapped_column(SmallInteger)
    police_report: Mapped[int] = mapped_column(SmallInteger)
    assigned: Mapped[int] = mapped_column(SmallInteger)
    escalated: Mapped[int] = mapped_column(SmallInteger)
    repeat: Mapped[int] = mapped_column(SmallInteger, default=0)
    province: Mapped[int | None] = mapped_column(SmallInteger)
    urgency: Mapped[int | None] = mapped_column(SmallInteger)
    reason_not_reported: Mapped[int | None] = mapped_column(SmallInteger)
    perpetrator_kind: Mapped[int | None] = mapped_column(SmallInteger)
    family_targeted: Mapped[int | None] = mapped_column(SmallInteger)
    pool: Mapped[int | None] = mapped_column(SmallInteger)
    ack_seconds: Mapped[int | None] = mapped_column(Integer)
    cell_key: Mapped[int] = mapped_column(Integer, default=0)  # registry.domain.disclosure
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)

    __table_args__ = (
        Index("ix_case_facts_reported_at", "reported_at"),
        Index("ix_case_facts_organisation", "organisation"),
        # acknowledgement times by pool: read in order from the index, no sort
        Index("ix_case_facts_pool_ack", "pool", "ack_seconds", "cell_key"),
    )


class CaseAdviser(Base):
    """Every adviser a case was ever assigned to: an adviser sees those cases only."""

    __tablename__ = "case_advisers"

    adviser_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class CaseKeyRecord(Base):
    """A case's data key, wrapped with a key-encryption key (the key store's form,
    `{"kek": …, "key": …}`): what opens the case's sealed values. An erasure deletes
    the row; rotating a KEK re-wraps it without touching a sealed value."""

    __tablename__ = "case_keys"

    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    wrapped: Mapped[str] = mapped_column(Text)


class AuditRecord(Base):
    """Who read which case, or exported what, when and from where. Append-only: the
    code has no path that changes or deletes a row, and a trigger refuses it. It is
    not part of the read model: a rebuild keeps it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    subject: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(40))
    incident_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[Any] = mapped_column(JSON, nullable=True)
    client: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_subject_id", "subject", "id"),
        Index("ix_audit_log_action_id", "action", "id"),
        Index("ix_audit_log_at", "at"),
    )


# The monthly summary of the statistics (`registry.domain.summary`): per shape and
# month the sums of `case_facts` grouped by the shape's dimensions (`d0`…, as stored
# there), and the months whose facts were written since their summary was computed.
STATS_SUMMARY = Table(
    "stats_summary",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("shape", SmallInteger, nullable=False),
    Column("month", Integer, nullable=False),
    *(Column(f"d{i}", Integer) for i in range(WIDTH)),
    *(Column(name, BigInteger, nullable=False) for name in SUMS),
    Index("ix_stats_summary_shape_month", "shape", "month"),
)
STATS_DIRTY = Table(
    "stats_dirty",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("month", Integer, nullable=False),
)

TABLES = ("events", "incidents", "registrations", "case_facts", "case_advisers", "case_keys")
"""Every table of the read model, in the order a comparison or a reset walks them
(not the audit log, which a rebuild keeps; nor the summary, derived from `case_facts`)."""

__all__ = [
    "STATS_DIRTY",
    "STATS_SUMMARY",
    "TABLES",
    "AuditRecord",
    "Base",
    "CaseAdviser",
    "CaseFact",
    "CaseKeyRecord",
    "Engine",
    "EventRecord",
    "IncidentRecord",
    "RegistrationRecord",
    "make_engine",
    "snapshot_read",
]
