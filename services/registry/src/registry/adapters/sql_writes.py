"""The projector's SQL: the write statements per dialect, built once, and the two ways
to run them in one transaction (SQLAlchemy Core, or asyncpg itself on PostgreSQL)."""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import JSON, Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from registry.adapters.crypto import INCIDENT_COLUMNS
from registry.adapters.db import (
    STATS_DIRTY,
    CaseAdviser,
    CaseFact,
    CaseKeyRecord,
    EventRecord,
    IncidentRecord,
    RegistrationRecord,
)

_EVENTS: Table = EventRecord.__table__  # type: ignore[assignment]
_INCIDENTS: Table = IncidentRecord.__table__  # type: ignore[assignment]
_REGISTRATIONS: Table = RegistrationRecord.__table__  # type: ignore[assignment]
_FACTS: Table = CaseFact.__table__  # type: ignore[assignment]
_ADVISERS: Table = CaseAdviser.__table__  # type: ignore[assignment]
_KEYS: Table = CaseKeyRecord.__table__  # type: ignore[assignment]


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
        # only change together with compared ones (the masks, `reported`). The
        # personal values (the report's sealed ones) change only with `reported`
        # (the report) or `erased_at` (an erasure).
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
        "keys": dialect.insert(_KEYS).on_conflict_do_nothing(index_elements=["incident_id"]),
        "forget_keys": delete(_KEYS).where(_KEYS.c.incident_id == bindparam("b_incident_id")),
        "dirty": insert(STATS_DIRTY).values(month=bindparam("b_month")),
        "scrub": update(_EVENTS)
        .where(_EVENTS.c.event_id == bindparam("b_event_id"))
        .values(payload=bindparam("b_payload")),
    }


class Writes(Protocol):
    """The projector's statements inside one transaction."""

    async def run(self, name: str, rows: list[dict[str, Any]]) -> None: ...

    async def case_events(self, case_ids: set[str]) -> Sequence[tuple[str, str, str]]:
        """(event_id, incident_id, payload) of every stored event of the cases."""
        ...

    async def case_keys(self, case_ids: set[str]) -> dict[str, str]:
        """The stored (wrapped) data keys of the cases that have one."""
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

    async def case_keys(self, case_ids: set[str]) -> dict[str, str]:
        result = await self._connection.execute(
            select(_KEYS.c.incident_id, _KEYS.c.wrapped).where(_KEYS.c.incident_id.in_(case_ids))
        )
        return {row[0]: row[1] for row in result.all()}


@dataclass(frozen=True, slots=True)
class Prepared:
    """One statement as a driver takes it: SQL with positional parameters, and how to
    turn a row into their values (each through its column type's processing, where
    the driver does not do it itself)."""

    sql: str
    values: Any  # row → tuple of the parameters in order
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    def rows(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        if not self.processors:
            return [self.values(row) for row in rows]
        out: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(self.values(row))
            for i, process in self.processors:
                values[i] = process(values[i])
            out.append(tuple(values))
        return out


def _positional(dialect: Any, *, every_type: bool) -> dict[str, Prepared]:
    """The write statements compiled once for a driver taking positional parameters:
    with `every_type`, each value goes through its type's bind processing (as
    SQLAlchemy would send it); otherwise only JSON columns become JSON text."""
    prepared: dict[str, Prepared] = {}
    for name, statement in _statements(dialect.name).items():
        compiled = statement.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ())
        json_columns = {c.name for c in statement.table.columns if isinstance(c.type, JSON)}
        processors: list[tuple[int, Callable[[Any], Any]]] = []
        for i, key in enumerate(order):
            if every_type:
                process = compiled.binds[key].type._cached_bind_processor(dialect)
            else:
                process = json.dumps if key in json_columns else None
            if process is not None:
                processors.append((i, process))
        getter = operator.itemgetter(*order)
        prepared[name] = Prepared(
            compiled.string,
            getter if len(order) > 1 else (lambda row, get=getter: (get(row),)),
            tuple(processors),
        )
    return prepared


@functools.cache
def _asyncpg_statements() -> dict[str, Prepared]:
    """The write statements compiled once for asyncpg (which encodes the other types
    itself)."""
    return _positional(PGDialect_asyncpg(), every_type=False)  # type: ignore[no-untyped-call]


@functools.cache
def sqlite_statements() -> dict[str, Prepared]:
    """The write statements compiled once for the sqlite3 module (qmark parameters)."""
    return _positional(SQLiteDialect_pysqlite(), every_type=True)


_CASE_EVENTS_PG = (
    "SELECT event_id, incident_id, payload FROM events WHERE incident_id = ANY($1::varchar[])"
)
_CASE_KEYS_PG = "SELECT incident_id, wrapped FROM case_keys WHERE incident_id = ANY($1::varchar[])"


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

    async def case_keys(self, case_ids: set[str]) -> dict[str, str]:
        records = await self._driver.fetch(_CASE_KEYS_PG, list(case_ids))
        return {r[0]: r[1] for r in records}


def uses_asyncpg(engine: AsyncEngine) -> bool:
    return isinstance(engine.dialect, PGDialect_asyncpg)


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[Writes]:
    """One transaction with the projector's statements on it."""
    if not uses_asyncpg(engine):
        async with engine.begin() as connection:
            yield _CoreWrites(connection, _statements(engine.dialect.name))
        return
    # asyncpg's own transaction on a pooled connection: SQLAlchemy starts none on it,
    # so it has none to end when the connection goes back to the pool
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        async with driver.transaction():  # type: ignore[union-attr]
            yield _AsyncpgWrites(driver)
