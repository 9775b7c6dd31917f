"""The projector's own connection to a SQLite file.

Through SQLAlchemy and aiosqlite every statement is a hop to the driver's thread and
back, with a checkout and a reset of the pooled connection around the transaction:
about a dozen hops for one group commit. Here a transaction is at most three steps
(its key read, its event read with the inserts queued before it, the rest of its
writes with the COMMIT), each on the event loop (see `SqliteWriter`). The statements
are the same ones, compiled once for the sqlite3 module with each value processed by
its column type, so what is stored is what SQLAlchemy would store. `BEGIN IMMEDIATE`
takes the write lock before the first read: a transaction that reads and then writes
never finds another writer's commit between the two (which SQLite would answer with
SQLITE_BUSY at once)."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from registry.adapters.engine import SQLITE_BUSY_TIMEOUT_MS, sqlite_pragmas
from registry.adapters.sql_writes import Prepared, Writes, sqlite_statements
from weerbaar_runtime.logging import get_logger

_log = get_logger("registry")


_Queued = list[tuple[str, list[tuple[Any, ...]]]]


class SqliteWriter:
    """Transactions on one sqlite3 connection, opened on first use.

    Its statements run on the event loop, without waiting: a write transaction in WAL
    mode with `synchronous=NORMAL` neither syncs nor waits for anything once it has
    the write lock, and a hop to a thread per step cost more (the GIL passed back and
    forth) than the step itself. Only the lock is waited for, and never on the loop:
    when `BEGIN IMMEDIATE` finds another writer (the summary, the audit log), that
    step runs on the writer's own thread, with the busy timeout. The WAL is
    checkpointed on that thread too, on a connection of its own, so the file's sync
    never holds up the loop."""

    CHECKPOINT_EVERY = 200
    """Commits between two (passive) checkpoints of the WAL."""

    def __init__(self, path: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-writer")
        self._connection: sqlite3.Connection | None = None
        self._checkpointer: sqlite3.Connection | None = None
        self._commits = 0
        self._closed = False
        self.statements = sqlite_statements()

    async def run(
        self, queued: _Queued, query: tuple[str, Sequence[Any]] | None, commit: bool = False
    ) -> list[tuple[Any, ...]]:
        """`step` on the loop, or on the writer's thread when it would wait for the lock."""
        try:
            return self.step(queued, query, commit, wait=False)
        except _Busy:
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, functools.partial(self.step, queued, query, commit, wait=True)
            )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writes]:
        writes = _SqliteWrites(self)
        try:
            yield writes
            await self.run(writes.take(), None, commit=True)
        except BaseException:
            self._rollback()
            raise
        self._commits += 1
        if self._commits % self.CHECKPOINT_EVERY == 0:
            self._executor.submit(self._checkpoint)

    async def close(self) -> None:
        """Close the connections (again: nothing more)."""
        if self._closed:
            return
        self._closed = True
        self._rollback()
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            for pragma in sqlite_pragmas(busy_timeout_ms=0):  # the lock: see `step`
                connection.execute(pragma)
            connection.execute("PRAGMA wal_autocheckpoint=0")  # `_checkpoint` does it
            self._connection = connection
        return self._connection

    def step(
        self,
        queued: _Queued,
        query: tuple[str, Sequence[Any]] | None,
        commit: bool = False,
        *,
        wait: bool,
    ) -> list[tuple[Any, ...]]:
        """The writes queued so far, then the query (its rows), then the COMMIT;
        `_Busy` when the transaction would have to wait for the lock and `wait` is
        false (nothing was done)."""
        connection = self._open()
        if not connection.in_transaction:
            if not wait:
                try:
                    connection.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:
                        raise _Busy from exc
                    raise
            else:  # on the writer's thread
                connection.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
                try:
                    connection.execute("BEGIN IMMEDIATE")
                finally:
                    connection.execute("PRAGMA busy_timeout=0")
        for sql, rows in queued:
            if rows:
                connection.executemany(sql, rows)
        result = connection.execute(*query).fetchall() if query is not None else []
        if commit:
            connection.execute("COMMIT")
        return result

    def _rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            self._connection.execute("ROLLBACK")

    # on the writer's thread

    def _checkpoint(self) -> None:
        try:
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(self._path, isolation_level=None)
                self._checkpointer.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # the next one tries again
            _log.warning("WAL checkpoint failed", error_type=type(exc).__name__)

    def _close(self) -> None:
        for connection in (self._connection, self._checkpointer):
            if connection is not None:
                connection.close()
        self._connection = self._checkpointer = None


class _Busy(Exception):
    """The write lock is held by another connection."""


_CASE_EVENTS = "SELECT event_id, incident_id, payload FROM events WHERE incident_id IN "
_CASE_KEYS = "SELECT incident_id, wrapped FROM case_keys WHERE incident_id IN "


def _in(select: str, values: set[str]) -> tuple[str, list[str]]:
    """The query with one placeholder per value (only placeholders are added)."""
    return select + "(" + ",".join("?" * len(values)) + ")", list(values)


class _SqliteWrites:
    """The projector's statements in one of the writer's transactions: writes are
    queued and go with the next read, or with the COMMIT."""

    def __init__(self, writer: SqliteWriter) -> None:
        self._writer = writer
        self._sql: dict[str, Prepared] = writer.statements
        self._queued: _Queued = []

    def take(self) -> _Queued:
        queued, self._queued = self._queued, []
        return queued

    async def run(self, name: str, rows: list[dict[str, Any]]) -> None:
        prepared = self._sql[name]
        self._queued.append((prepared.sql, prepared.rows(rows)))

    async def _read(self, sql: str, params: list[str]) -> list[tuple[Any, ...]]:
        return await self._writer.run(self.take(), (sql, params))

    async def case_events(self, case_ids: set[str]) -> Sequence[tuple[str, str, str]]:
        rows = await self._read(*_in(_CASE_EVENTS, case_ids))
        return [(row[0], row[1], row[2]) for row in rows]

    async def case_keys(self, case_ids: set[str]) -> dict[str, str]:
        rows = await self._read(*_in(_CASE_KEYS, case_ids))
        return {row[0]: row[1] for row in rows}
