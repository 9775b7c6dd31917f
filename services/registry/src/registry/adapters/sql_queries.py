"""Reading the projection: cases, registrations, pages, exports."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from contracts.events import Event
from registry.adapters.case_keys import CaseKeys
from registry.adapters.crypto import INCIDENT_COLUMNS, open_columns, open_payload
from registry.adapters.db import (
    CaseAdviser,
    CaseKeyRecord,
    EventRecord,
    IncidentRecord,
    RegistrationRecord,
    snapshot_read,
)
from registry.domain.facts import CHANNEL_BITS, TYPE_BITS, encode, to_mask
from registry.domain.filters import DIMENSION_OF_FILTER, CaseFilters
from weerbaar_runtime.sealing import CaseKey

T = TypeVar("T")

FACT_COLUMN = {"incident_type": "types_mask", "channel": "channels_mask"}
"""Filter field or dimension → column name, where the names differ."""
_MASKS = {"incident_type": TYPE_BITS, "channel": CHANNEL_BITS}
_NOT_FILTERS = frozenset({"sort", "limit", "cursor", "group_by", "sets", "labels"})


def conditions(
    filters: CaseFilters, model: Any, *, at: str, coded: bool = False
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter on any table that has the filtered columns;
    `at` names the column the `from`/`to` range applies to; `coded` is for
    `case_facts`, whose dimensions are stored as numbers."""
    found: list[ColumnElement[bool]] = []
    for name, value in filters:
        if value is None or value == [] or name in _NOT_FILTERS:
            continue
        if name == "related_to":
            found.append(related_to(str(value)))
        elif name == "min_escalations":
            found.append(model.escalations >= value)
        elif name == "last_activity_before":
            found.append(model.last_activity_at < value)
        elif name == "from_":
            found.append(getattr(model, at) >= value)
        elif name == "to":
            found.append(getattr(model, at) < value)
        elif name in _MASKS:
            found.append(coded_condition(name, value, getattr(model, FACT_COLUMN[name])))
        elif coded:
            column = getattr(model, DIMENSION_OF_FILTER.get(name, name))
            found.append(coded_condition(name, value, column))
        elif isinstance(value, bool):
            found.append(getattr(model, name).is_(value))
        elif isinstance(value, list):
            found.append(getattr(model, name).in_([str(v) for v in value]))
        else:
            found.append(getattr(model, name) == str(value))
    return found


def coded_condition(name: str, value: Any, column: Any) -> ColumnElement[bool]:
    """One filter on a column of encoded numbers (of `case_facts` or of its summary):
    a mask with any of the given bits, or one of the given codes."""
    if name in _MASKS:
        return column.bitwise_and(to_mask(value, _MASKS[name])) != 0  # type: ignore[no-any-return]
    dimension = DIMENSION_OF_FILTER.get(name, name)
    values = value if isinstance(value, list) else [value]
    return column.in_([encode(dimension, v) for v in values])  # type: ignore[no-any-return]


def related_to(incident_id: str) -> ColumnElement[bool]:
    """Incidents linked to this one either way: its follow-ups, and the one it follows."""
    linked = aliased(IncidentRecord)
    follows = (
        select(linked.related_incident_id)
        .where(linked.incident_id == incident_id)
        .scalar_subquery()
    )
    return or_(
        IncidentRecord.related_incident_id == incident_id,
        IncidentRecord.incident_id == follows,
    )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_after: tuple[datetime, str] | None


def _page(
    query: Select[Any],
    at: Any,
    key: Any,
    *,
    newest_first: bool,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Select[Any]:
    if after is not None:
        bound = tuple_(at, key)
        query = query.where(bound < after if newest_first else bound > after)
    order = (at.desc(), key.desc()) if newest_first else (at.asc(), key.asc())
    return query.order_by(*order).limit(limit + 1)


class Queries:
    """Reading the projection."""

    def __init__(self, engine: AsyncEngine, keys: CaseKeys) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._keys = keys

    async def _key(self, session: AsyncSession, incident_id: str) -> CaseKey | None:
        """The case's data key (None once an erasure deleted it)."""
        wrapped = await session.scalar(
            select(CaseKeyRecord.wrapped).where(CaseKeyRecord.incident_id == incident_id)
        )
        return None if wrapped is None else self._keys.unwrap(incident_id, wrapped)

    async def incident(
        self, incident_id: uuid.UUID
    ) -> tuple[IncidentRecord, list[Event], dict[str, str | None]] | None:
        """The record, its events and its personal values, opened (for an authorised
        caller only)."""
        # the record, its events and its key from one snapshot: never an erasure in the
        # timeline beside personal data the record no longer holds, or the reverse
        async with (
            snapshot_read(self._engine) as connection,
            AsyncSession(bind=connection, expire_on_commit=False) as session,
        ):
            record = await session.get(IncidentRecord, str(incident_id))
            if record is None or not record.reported:
                return None
            rows = (
                await session.execute(
                    select(EventRecord.event_id, EventRecord.type, EventRecord.payload).where(
                        EventRecord.incident_id == str(incident_id)
                    )
                )
            ).all()
            key = await self._key(session, str(incident_id))
        events = [open_payload(payload, key) for _, _, payload in rows]
        reports = [event_id for event_id, kind, _ in rows if kind == "incident.reported"]
        values = {column: getattr(record, column) for column in INCIDENT_COLUMNS}
        return record, events, open_columns(record.incident_id, values, reports, key)

    async def incidents(
        self,
        filters: CaseFilters,
        *,
        newest_first: bool,
        limit: int,
        after: tuple[datetime, str] | None,
        adviser: str | None = None,
    ) -> Page[IncidentRecord]:
        """A page of incidents; with `adviser`, only those ever assigned to them."""
        query = select(IncidentRecord).where(
            IncidentRecord.reported.is_(True),
            *conditions(filters, IncidentRecord, at="reported_at"),
        )
        if adviser is not None:
            query = query.where(
                IncidentRecord.incident_id.in_(
                    select(CaseAdviser.incident_id).where(CaseAdviser.adviser_id == adviser)
                )
            )
        query = _page(
            query,
            IncidentRecord.reported_at,
            IncidentRecord.incident_id,
            newest_first=newest_first,
            after=after,
            limit=limit,
        )
        async with self._sessions() as session:
            rows = list((await session.execute(query)).scalars())
        return _paged(rows, limit, lambda r: (r.reported_at, r.incident_id))

    async def related(
        self, record: IncidentRecord, *, adviser: str | None = None
    ) -> list[tuple[str, IncidentRecord]]:
        """The cases linked to this one, as (relation, record): `follows` the one it
        follows up, `followed_by` its follow-ups; with `adviser`, only theirs."""
        query = select(IncidentRecord).where(
            IncidentRecord.reported.is_(True), related_to(record.incident_id)
        )
        if adviser is not None:
            query = query.where(
                IncidentRecord.incident_id.in_(
                    select(CaseAdviser.incident_id).where(CaseAdviser.adviser_id == adviser)
                )
            )
        query = query.order_by(IncidentRecord.reported_at, IncidentRecord.incident_id).limit(200)
        async with self._sessions() as session:
            rows = list((await session.execute(query)).scalars())
        return [
            ("follows" if r.incident_id == record.related_incident_id else "followed_by", r)
            for r in rows
        ]

    async def event(self, event_id: uuid.UUID) -> Event | None:
        """One stored event."""
        async with self._sessions() as session:
            record = await session.get(EventRecord, str(event_id))
            if record is None:
                return None
            return open_payload(record.payload, await self._key(session, record.incident_id))

    async def registration(self, registration_id: uuid.UUID) -> RegistrationRecord | None:
        async with self._sessions() as session:
            return await session.get(RegistrationRecord, str(registration_id))

    async def registrations(
        self,
        filters: CaseFilters,
        *,
        newest_first: bool,
        limit: int,
        after: tuple[datetime, str] | None,
        organisation: str | None = None,
    ) -> Page[RegistrationRecord]:
        """A page of registrations; with `organisation`, only that organisation's."""
        query = select(RegistrationRecord).where(
            *conditions(filters, RegistrationRecord, at="received_at")
        )
        if organisation is not None:
            query = query.where(RegistrationRecord.organisation_code == organisation)
        query = _page(
            query,
            RegistrationRecord.received_at,
            RegistrationRecord.registration_id,
            newest_first=newest_first,
            after=after,
            limit=limit,
        )
        async with self._sessions() as session:
            rows = list((await session.execute(query)).scalars())
        return _paged(rows, limit, lambda r: (r.received_at, r.registration_id))

    async def stream_incidents(
        self, filters: CaseFilters, *, newest_first: bool, chunk: int = 1000
    ) -> AsyncIterator[IncidentRecord]:
        """Every matching incident, read in chunks (keyset pages), so an export of a
        million cases holds one chunk in memory."""
        after: tuple[datetime, str] | None = None
        while True:
            page = await self.incidents(
                filters, newest_first=newest_first, limit=chunk, after=after
            )
            for record in page.items:
                yield record
            if page.next_after is None:
                return
            after = page.next_after

    async def erasable(self, *, closed_before: datetime, limit: int) -> list[str]:
        """Closed cases past retention whose personal data is still there."""
        query = (
            select(IncidentRecord.incident_id)
            .where(
                IncidentRecord.status == "closed",
                IncidentRecord.closed_at < closed_before,
                IncidentRecord.erased_at.is_(None),
            )
            .order_by(IncidentRecord.closed_at)
            .limit(limit)
        )
        async with self._sessions() as session:
            return list((await session.execute(query)).scalars())


def _paged(rows: list[T], limit: int, key: Any) -> Page[T]:
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, key(rows[-1]) if more and rows else None)
