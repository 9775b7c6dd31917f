"""Writing the projection in group commits: one transaction per batch of events."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import operator
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import Counter, Histogram
from sqlalchemy import JSON, Table, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.events import AdviserAssigned, Event, RegistrationReceived
from contracts.feed import RecordChanged
from registry.crypto import INCIDENT_COLUMNS, Keyring, incident_context, open_event, seal_event
from registry.db import CaseAdviser, CaseFact, EventRecord, IncidentRecord, RegistrationRecord
from registry.projection import (
    fold,
    incident_fact,
    is_erased,
    registration_fact,
    registration_values,
    scrub,
)
from weerbaar_runtime.logging import get_logger

_log = get_logger("registry")

BATCHES = Histogram(
    "weerbaar_registry_batch_size",
    "Events per projection transaction",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000),
)
PROJECTED = Counter("weerbaar_registry_events_total", "Events projected", ["outcome"])

_EVENTS: Table = EventRecord.__table__  # type: ignore[assignment]
_INCIDENTS: Table = IncidentRecord.__table__  # type: ignore[assignment]
_REGISTRATIONS: Table = RegistrationRecord.__table__  # type: ignore[assignment]
_FACTS: Table = CaseFact.__table__  # type: ignore[assignment]
_ADVISERS: Table = CaseAdviser.__table__  # type: ignore[assignment]
_INCIDENT_DEFAULTS: dict[str, Any] = {
    column.name: None for column in _INCIDENTS.columns if column.name != "incident_id"
} | {"types": [], "channels": [], "needs": [], "types_mask": 0, "channels_mask": 0}


@functools.cache
def _statements(dialect_name: str) -> dict[str, Any]:
    """The write statements for one dialect, built once (building an upsert copies
    the table's columns, which costs more than executing it)."""
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite

    def upsert(table: Table, key: str) -> Any:
        stmt = dialect.insert(table)
        columns = [c for c in table.columns if c.name != key]
        # A refresh that changes nothing (most notifications) writes nothing: no new
        # row version, no WAL. JSON has no equality on PostgreSQL; those columns
        # only change together with compared ones (the masks, `reported`). Sealed
        # personal values differ each time they are sealed (a fresh nonce); they
        # change only with `reported` (the report) or `erased_at` (an erasure).
        changed = [
            c.is_distinct_from(stmt.excluded[c.name])
            for c in columns
            if not isinstance(c.type, JSON) and c.name not in INCIDENT_COLUMNS
        ]
        return stmt.on_conflict_do_update(
            index_elements=[key],
            set_={c.name: stmt.excluded[c.name] for c in columns},
            where=or_(*changed),
        )

    return {
        "events": dialect.insert(_EVENTS).on_conflict_do_nothing(index_elements=["event_id"]),
        "incidents": upsert(_INCIDENTS, "incident_id"),
        "registrations": dialect.insert(_REGISTRATIONS).on_conflict_do_nothing(
            index_elements=["registration_id"]
        ),
        "facts": upsert(_FACTS, "case_id"),
        "advisers": dialect.insert(_ADVISERS).on_conflict_do_nothing(
            index_elements=["adviser_id", "incident_id"]
        ),
        "scrub": update(_EVENTS)
        .where(_EVENTS.c.event_id == bindparam("b_event_id"))
        .values(payload=bindparam("b_payload")),
    }


class _Writes(Protocol):
    """The projector's statements inside one transaction."""

    async def run(self, name: str, rows: list[dict[str, Any]]) -> None: ...

    async def case_events(self, case_ids: set[str]) -> Sequence[tuple[str, str, str]]:
        """(event_id, incident_id, payload) of every stored event of the cases."""
        ...


class _CoreWrites:
    """SQLAlchemy Core on one connection: SQLite, and any other database."""

    def __init__(self, connection: AsyncConnection, statements: dict[str, Any]) -> None:
        self._connection = connection
        self._sql = statements

    async def run(self, name: str, rows: list[dict[str, Any]]) -> None:
        await self._connection.execute(self._sql[name], rows)

    async def case_events(self, case_ids: set[str]) -> Sequence[tuple[str, str, str]]:
        result = await self._connection.execute(
            select(_EVENTS.c.event_id, _EVENTS.c.incident_id, _EVENTS.c.payload).where(
                _EVENTS.c.incident_id.in_(case_ids)
            )
        )
        return [tuple(row) for row in result.all()]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One statement as asyncpg takes it: SQL with $n parameters, and how to turn a
    row into their values (JSON columns as JSON text, as SQLAlchemy would send them)."""

    sql: str
    values: Any  # row → tuple of the parameters in order
    json_positions: tuple[int, ...]

    def rows(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        if not self.json_positions:
            return [self.values(row) for row in rows]
        out: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(self.values(row))
            for i in self.json_positions:
                values[i] = json.dumps(values[i])
            out.append(tuple(values))
        return out


@functools.cache
def _asyncpg_statements() -> dict[str, _Prepared]:
    """The write statements compiled once for asyncpg."""
    dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    prepared: dict[str, _Prepared] = {}
    for name, statement in _statements("postgresql").items():
        compiled = statement.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ())
        columns = statement.table.columns
        json_columns = {c.name for c in columns if isinstance(c.type, JSON)}
        getter = operator.itemgetter(*order)
        prepared[name] = _Prepared(
            compiled.string,
            getter if len(order) > 1 else (lambda row, get=getter: (get(row),)),
            tuple(i for i, key in enumerate(order) if key in json_columns),
        )
    return prepared


_CASE_EVENTS_PG = (
    "SELECT event_id, incident_id, payload FROM events WHERE incident_id = ANY($1::varchar[])"
)


class _AsyncpgWrites:
    """The same statements on asyncpg itself (PostgreSQL): rows go to the driver as
    tuples, without SQLAlchemy's per-row parameter processing, which cost more than
    the driver's own work."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self._sql = _asyncpg_statements()

    async def run(self, name: str, rows: list[dict[str, Any]]) -> None:
        prepared = self._sql[name]
        await self._driver.executemany(prepared.sql, prepared.rows(rows))

    async def case_events(self, case_ids: set[str]) -> Sequence[tuple[str, str, str]]:
        records = await self._driver.fetch(_CASE_EVENTS_PG, list(case_ids))
        return [(r[0], r[1], r[2]) for r in records]


FULL_COLLECTION_THRESHOLD = 100
"""Collections of the middle generation between two full ones (CPython's default: 10)."""


def _relax_full_collections() -> None:
    """Full garbage collections ten times less often. The projector keeps hundreds of
    thousands of long-lived objects (parsed events, values remembered per report and
    per case), and a full collection walks every one of them: at the interpreter's
    default they took a quarter of the projection's time. Nothing the projector makes
    depends on the cycle collector to be freed soon."""
    young, middle, old = gc.get_threshold()
    if old < FULL_COLLECTION_THRESHOLD:
        gc.set_threshold(young, middle, FULL_COLLECTION_THRESHOLD)


OnCommit = Callable[[list[RecordChanged]], Awaitable[None]]
"""Told of the records a transaction changed, once it is committed (the change feed)."""


@dataclass(frozen=True, slots=True)
class Pending:
    event: Event
    done: asyncio.Future[None]


class _Lane:
    """Events of the incidents hashed to one lane, committed one batch at a time."""

    def __init__(self) -> None:
        self.pending: list[Pending] = []
        self.wake = asyncio.Event()


class Projector:
    """Writes events in group commits: every event waiting when a transaction starts
    goes into it, and each caller returns only after its event is committed.

    With several `lanes` (PostgreSQL), incidents are spread over lanes by their id,
    each lane committing on its own connection: one lane's SQL runs while another's
    events are folded, and no two transactions ever touch the same incident, so the
    order of an incident's batches stays as it was. SQLite has one writer: one lane."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        batch_max: int = 500,
        parsed_cache: int = 20000,
        lanes: int | None = None,
        keyring: Keyring | None = None,
        on_commit: OnCommit | None = None,
    ) -> None:
        _relax_full_collections()
        self.engine = engine
        self._on_commit = on_commit
        self._keyring = keyring or Keyring.development()
        self._sql = _statements(engine.dialect.name)
        self._asyncpg = isinstance(engine.dialect, PGDialect_asyncpg)
        self._batch_max = batch_max
        if lanes is None:
            lanes = 2 if engine.dialect.name == "postgresql" else 1
        self._lanes = [_Lane() for _ in range(max(1, lanes))]
        self._tasks: list[asyncio.Task[None]] = []
        # Parsed events by id, with the payload they were parsed from: refreshing a case
        # re-reads all its events, and parsing them again would cost more than the SQL.
        self._parsed: OrderedDict[str, tuple[str, Event]] = OrderedDict()
        self._parsed_max = parsed_cache
        # The sealed personal values last written for a case, by their plain text:
        # sealing costs more than the rest of the row, and they seldom change.
        self._sealed: OrderedDict[str, tuple[tuple[Any, ...], tuple[str | None, ...]]] = (
            OrderedDict()
        )

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(lane), name=f"registry-projector-{n}")
            for n, lane in enumerate(self._lanes)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for lane in self._lanes:
            for item in lane.pending:
                if not item.done.done():
                    item.done.set_exception(asyncio.CancelledError())

    async def submit(self, event: Event, attempt: int = 1) -> None:
        """Project one event; returns once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane = self._lanes[event.incident_id.int % len(self._lanes)]
        lane.pending.append(Pending(event, done))
        lane.wake.set()
        await done

    async def _run(self, lane: _Lane) -> None:
        while True:
            await lane.wake.wait()
            await asyncio.sleep(0)  # let the rest of a fetched batch queue up
            lane.wake.clear()
            while lane.pending:
                batch, lane.pending = (
                    lane.pending[: self._batch_max],
                    lane.pending[self._batch_max :],
                )
                await self._commit(batch)

    async def _commit(self, batch: list[Pending]) -> None:
        try:
            changes = await self.write([p.event for p in batch])
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
        if self._on_commit is not None and changes:
            try:
                await self._on_commit(changes)
            except Exception as exc:  # a hint for live views: never worth a redelivery
                _log.warning("change feed not published", error_type=type(exc).__name__)
        for item in batch:
            if not item.done.done():
                item.done.set_result(None)

    def _parse(self, event_id: str, payload: str) -> Event:
        cached = self._parsed.get(event_id)
        if cached is not None and cached[0] == payload:
            self._parsed.move_to_end(event_id)
            return cached[1]
        event = open_event(payload, self._keyring)
        self._remember(event_id, payload, event)
        return event

    def _remember(self, event_id: str, payload: str, event: Event) -> None:
        self._parsed[event_id] = (payload, event)
        self._parsed.move_to_end(event_id)
        while len(self._parsed) > self._parsed_max:
            self._parsed.popitem(last=False)

    def _seal_row(self, case_id: str, values: dict[str, Any]) -> tuple[str | None, ...]:
        """The case's personal values sealed (the last sealing again when they are the
        same: the upsert never compares them, so they are written only with a change
        elsewhere in the row)."""
        plain = tuple(values[column] for column in INCIDENT_COLUMNS)
        cached = self._sealed.get(case_id)
        if cached is not None and cached[0] == plain:
            self._sealed.move_to_end(case_id)
            return cached[1]
        sealed = tuple(
            self._keyring.seal(value, incident_context(case_id, column))
            for column, value in zip(INCIDENT_COLUMNS, plain, strict=True)
        )
        self._sealed[case_id] = (plain, sealed)
        while len(self._sealed) > self._parsed_max:
            self._sealed.popitem(last=False)
        return sealed

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[_Writes]:
        if not self._asyncpg:
            async with self.engine.begin() as connection:
                yield _CoreWrites(connection, self._sql)
            return
        # asyncpg's own transaction on a pooled connection: SQLAlchemy starts none on it,
        # so it has none to end when the connection goes back to the pool
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            async with driver.transaction():  # type: ignore[union-attr]
                yield _AsyncpgWrites(driver)

    async def write(self, events: Sequence[Event]) -> list[RecordChanged]:
        """Store the events (once each) and refresh every incident, registration and
        statistics row they touch, in one transaction; what changed, for the feed."""
        unique = {str(e.event_id): e for e in events}
        payloads = {event_id: seal_event(e, self._keyring) for event_id, e in unique.items()}
        async with self._transaction() as writes:
            await writes.run(
                "events",
                [
                    {
                        "event_id": event_id,
                        "incident_id": str(e.incident_id),
                        "type": e.type,
                        "occurred_at": e.occurred_at,
                        "stream_sequence": None,
                        "payload": payloads[event_id],
                    }
                    for event_id, e in unique.items()
                ],
            )
            return await self._refresh(
                writes, {str(e.incident_id) for e in unique.values()}, unique, payloads
            )

    async def _refresh(
        self,
        writes: _Writes,
        case_ids: set[str],
        batch: dict[str, Event],
        payloads: dict[str, str],
    ) -> list[RecordChanged]:
        by_case: dict[str, list[Event]] = {case_id: [] for case_id in case_ids}
        projected: dict[str, list[str]] = {case_id: [] for case_id in case_ids}
        for event in batch.values():
            projected[str(event.incident_id)].append(event.type)
        changes: list[RecordChanged] = []
        stored: dict[str, str] = {}
        for event_id, case_id, payload in await writes.case_events(case_ids):
            # An event of this batch is used as it came: if its stored copy was scrubbed
            # since, the erasure event is among the case's events and scrubs it again.
            by_case[case_id].append(batch.get(event_id) or self._parse(event_id, payload))
            stored[event_id] = payload
        incidents: list[dict[str, Any]] = []
        registrations: list[dict[str, Any]] = []
        facts: list[dict[str, Any]] = []
        scrubbed: list[dict[str, Any]] = []
        advisers: list[dict[str, str]] = []
        for case_id, case_events in by_case.items():
            if is_erased(case_events):
                for e in case_events:
                    event_id = str(e.event_id)
                    as_stored = (
                        e
                        if stored[event_id] == payloads.get(event_id)
                        else self._parse(event_id, stored[event_id])
                    )
                    clean = scrub(as_stored)
                    if clean != as_stored:  # the stored copy still holds personal data
                        scrubbed.append(
                            {"b_event_id": event_id, "b_payload": seal_event(clean, self._keyring)}
                        )
                case_events = [scrub(e) for e in case_events]
            advisers.extend(
                {"adviser_id": e.adviser_id, "incident_id": case_id}
                for e in case_events
                if isinstance(e, AdviserAssigned) and str(e.event_id) in batch
            )
            registration = next(
                (e for e in case_events if isinstance(e, RegistrationReceived)), None
            )
            incident_events = [e for e in case_events if not isinstance(e, RegistrationReceived)]
            reported = False
            if incident_events:
                state = fold(case_id, incident_events)
                reported = state.reported
                values = {
                    **_INCIDENT_DEFAULTS,
                    **state.values,
                    "incident_id": case_id,
                    "reported": state.reported,
                    "status": state.status.value,
                    "version": len({e.event_id for e in incident_events}),
                }
                values.update(zip(INCIDENT_COLUMNS, self._seal_row(case_id, values), strict=True))
                incidents.append(values)
                if reported:
                    facts.append(incident_fact(state))
                    types = [t for t in projected[case_id] if t != RegistrationReceived.TYPE]
                    if types:
                        changes.append(_changed("incident", case_id, types, values["version"]))
            if registration is not None:
                registrations.append(registration_values(registration))
                if not reported:
                    facts.append(registration_fact(registration))
                if RegistrationReceived.TYPE in projected[case_id]:
                    changes.append(
                        _changed("registration", case_id, [RegistrationReceived.TYPE], 1)
                    )
        for event_id, event in batch.items():
            # Only an event stored as it came (not a copy scrubbed before) stands for
            # its payload in the cache.
            if stored.get(event_id) == payloads[event_id]:
                self._remember(event_id, payloads[event_id], event)
        if scrubbed:
            await writes.run("scrub", scrubbed)
        if incidents:
            await writes.run("incidents", incidents)
        if registrations:
            await writes.run("registrations", registrations)
        if facts:
            await writes.run("facts", facts)
        if advisers:
            await writes.run("advisers", advisers)
        return changes


def _changed(kind: str, case_id: str, types: list[str], version: int) -> RecordChanged:
    return RecordChanged.model_validate(
        {"kind": kind, "id": case_id, "event_types": sorted(set(types)), "version": version}
    )
