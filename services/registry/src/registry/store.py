"""Writing the projection in batches, and reading it back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contracts.events import Event, RegistrationReceived, parse_event
from contracts.runtime.logging import get_logger
from registry.db import EventRecord, IncidentRecord, RegistrationRecord
from registry.projection import IncidentState, fold

_log = get_logger("registry")

BATCHES = Histogram(
    "weerbaar_registry_batch_size",
    "Events per projection transaction",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
)
PROJECTED = Counter("weerbaar_registry_events_total", "Events projected", ["outcome"])


def _insert(engine: AsyncEngine, table: Any) -> Any:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


@dataclass(frozen=True, slots=True)
class Pending:
    event: Event
    done: asyncio.Future[None]


class Projector:
    """Writes events in group commits: every event waiting when a transaction starts
    goes into it, and each caller returns only after its event is committed."""

    def __init__(self, engine: AsyncEngine, *, batch_max: int = 500) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._batch_max = batch_max
        self._pending: list[Pending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="registry-projector")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for item in self._pending:
            if not item.done.done():
                item.done.set_exception(asyncio.CancelledError())

    async def submit(self, event: Event, attempt: int = 1) -> None:
        """Project one event; returns once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(Pending(event, done))
        self._wake.set()
        await done

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(0)  # let the rest of a fetched batch queue up
            self._wake.clear()
            while self._pending:
                batch, self._pending = (
                    self._pending[: self._batch_max],
                    self._pending[self._batch_max :],
                )
                await self._commit(batch)

    async def _commit(self, batch: list[Pending]) -> None:
        try:
            await self.write([p.event for p in batch])
        except Exception:
            if len(batch) == 1:
                _log.warning(
                    "projection failed", exc_info=True, event_id=str(batch[0].event.event_id)
                )
                batch[0].done.set_exception(RuntimeError("projection failed"))
                return
            for item in batch:
                await self._commit([item])
            return
        BATCHES.observe(len(batch))
        PROJECTED.labels("committed").inc(len(batch))
        for item in batch:
            if not item.done.done():
                item.done.set_result(None)

    async def write(self, events: Sequence[Event]) -> None:
        """Store the events (once each) and refresh every incident they touch, in one
        transaction."""
        async with self._sessions.begin() as session:
            rows = [
                {
                    "event_id": str(e.event_id),
                    "incident_id": str(e.incident_id),
                    "type": e.type,
                    "occurred_at": e.occurred_at,
                    "stream_sequence": None,
                    "payload": e.model_dump_json(),
                }
                for e in events
            ]
            await session.execute(
                _insert(self._engine, EventRecord)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["event_id"])
            )
            registrations = [e for e in events if isinstance(e, RegistrationReceived)]
            if registrations:
                await self._write_registrations(session, registrations)
            touched = {
                str(e.incident_id) for e in events if not isinstance(e, RegistrationReceived)
            }
            if touched:
                await self._refresh(session, touched)

    async def _write_registrations(
        self, session: AsyncSession, registrations: list[RegistrationReceived]
    ) -> None:
        rows = [
            {
                "registration_id": str(r.incident_id),
                "external_id": r.external_id,
                "organisation_code": r.organisation_code,
                "role": r.role.value,
                "received_at": r.occurred_at,
                "occurred_at": r.incident.occurred_at,
                "types": [t.value for t in r.incident.types],
                "channels": [c.value for c in r.incident.channels],
                "police_status": r.police.status.value,
                "reason_not_reported": (
                    r.police.reason_not_reported.value if r.police.reason_not_reported else None
                ),
                "perpetrator_kind": r.perpetrator_kind.value if r.perpetrator_kind else None,
                "family_targeted": r.family_targeted,
                "wants_contact": r.wants_contact,
            }
            for r in {r.incident_id: r for r in registrations}.values()
        ]
        await session.execute(
            _insert(self._engine, RegistrationRecord)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["registration_id"])
        )

    async def _refresh(self, session: AsyncSession, incident_ids: set[str]) -> None:
        result = await session.execute(
            select(EventRecord.incident_id, EventRecord.payload).where(
                EventRecord.incident_id.in_(incident_ids)
            )
        )
        by_incident: dict[str, list[Event]] = {i: [] for i in incident_ids}
        for incident_id, payload in result.all():
            event = parse_event(payload)
            if not isinstance(event, RegistrationReceived):
                by_incident[incident_id].append(event)
        existing = {
            r.incident_id: r
            for r in (
                await session.execute(
                    select(IncidentRecord).where(IncidentRecord.incident_id.in_(incident_ids))
                )
            ).scalars()
        }
        for incident_id, events in by_incident.items():
            state = fold(incident_id, events)
            record = existing.get(incident_id)
            if record is None:
                record = IncidentRecord(incident_id=incident_id)
                session.add(record)
            _apply(record, state)


def _apply(record: IncidentRecord, state: IncidentState) -> None:
    record.reported = state.reported
    record.status = state.status.value
    for key, value in state.values.items():
        setattr(record, key, value)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[IncidentRecord]
    next_cursor: str | None


class Queries:
    """Reading the projection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def incident(self, incident_id: uuid.UUID) -> tuple[IncidentRecord, list[Event]] | None:
        async with self._sessions() as session:
            record = await session.get(IncidentRecord, str(incident_id))
            if record is None or not record.reported:
                return None
            payloads = (
                await session.execute(
                    select(EventRecord.payload).where(EventRecord.incident_id == str(incident_id))
                )
            ).scalars()
            return record, [parse_event(p) for p in payloads]

    async def incidents(
        self,
        *,
        status: str | None,
        role: str | None,
        organisation_code: str | None,
        limit: int,
        after: tuple[str, str] | None,
    ) -> Page:
        query = select(IncidentRecord).where(IncidentRecord.reported.is_(True))
        if status:
            query = query.where(IncidentRecord.status == status)
        if role:
            query = query.where(IncidentRecord.role == role)
        if organisation_code:
            query = query.where(IncidentRecord.organisation_code == organisation_code)
        if after:
            from datetime import datetime

            at, last_id = datetime.fromisoformat(after[0]), after[1]
            query = query.where(
                (IncidentRecord.reported_at < at)
                | ((IncidentRecord.reported_at == at) & (IncidentRecord.incident_id < last_id))
            )
        query = query.order_by(
            IncidentRecord.reported_at.desc(), IncidentRecord.incident_id.desc()
        ).limit(limit + 1)
        async with self._sessions() as session:
            rows = list((await session.execute(query)).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = None
        if more and rows and rows[-1].reported_at is not None:
            cursor = f"{rows[-1].reported_at.isoformat()}|{rows[-1].incident_id}"
        return Page(rows, cursor)
