"""The registry's tables (SQLAlchemy 2). SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


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
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class EventRecord(Base):
    """Every event exactly once: the source of the timeline and of every rebuild."""

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
    status: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str | None] = mapped_column(String(30))
    role: Mapped[str | None] = mapped_column(String(30), index=True)
    organisation_code: Mapped[str | None] = mapped_column(String(6), index=True)
    province_code: Mapped[str | None] = mapped_column(String(4))
    urgency: Mapped[str | None] = mapped_column(String(10))
    reported_at: Mapped[datetime | None]
    occurred_at: Mapped[datetime | None]
    types: Mapped[Any] = mapped_column(JSON, default=list)
    channels: Mapped[Any] = mapped_column(JSON, default=list)
    needs: Mapped[Any] = mapped_column(JSON, default=list)
    police_status: Mapped[str | None] = mapped_column(String(10))
    reason_not_reported: Mapped[str | None] = mapped_column(String(30))
    perpetrator_kind: Mapped[str | None] = mapped_column(String(30))
    family_targeted: Mapped[bool | None] = mapped_column(Boolean)
    registration_id: Mapped[str | None] = mapped_column(String(36))
    assignment_id: Mapped[str | None] = mapped_column(String(36))
    adviser_id: Mapped[str | None] = mapped_column(String(64), index=True)
    pool: Mapped[str | None] = mapped_column(String(30))
    ack_deadline: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    actions: Mapped[int] = mapped_column(Integer, default=0)
    # Personal data: encrypted per field and erased after retention in later work.
    official_name: Mapped[str | None] = mapped_column(Text)
    official_phone: Mapped[str | None] = mapped_column(Text)
    official_email: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_incidents_reported_at_id", "reported_at", "incident_id"),)


class RegistrationRecord(Base):
    """A registration posted by an organisation's own system; statistics only."""

    __tablename__ = "registrations"

    registration_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64))
    organisation_code: Mapped[str] = mapped_column(String(6), index=True)
    role: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime]
    occurred_at: Mapped[datetime | None]
    types: Mapped[Any] = mapped_column(JSON, default=list)
    channels: Mapped[Any] = mapped_column(JSON, default=list)
    police_status: Mapped[str] = mapped_column(String(10))
    reason_not_reported: Mapped[str | None] = mapped_column(String(30))
    perpetrator_kind: Mapped[str | None] = mapped_column(String(30))
    family_targeted: Mapped[bool | None] = mapped_column(Boolean)
    wants_contact: Mapped[bool] = mapped_column(Boolean)


def make_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets WAL and a busy timeout."""
    engine = create_async_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


__all__ = ["Base", "Engine", "EventRecord", "IncidentRecord", "RegistrationRecord"]
