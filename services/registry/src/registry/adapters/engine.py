"""The registry's database engine, and the consistent reads it offers."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5000


def sqlite_pragmas(busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> tuple[str, ...]:
    """What every connection to the SQLite file is set up with: WAL, a busy timeout."""
    return (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        f"PRAGMA busy_timeout={int(busy_timeout_ms)}",
        "PRAGMA cache_size=-65536",  # 64 MiB of pages, not 2 MiB
    )


def make_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL and a busy timeout."""
    engine = create_async_engine(url, pool_pre_ping=True, **options)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in sqlite_pragmas():
                cursor.execute(pragma)
            cursor.close()

    return engine


@asynccontextmanager
async def snapshot_read(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A read-only transaction whose statements all see the database as of one moment,
    so a record read with its events cannot straddle a commit of the projector.

    PostgreSQL's default (read committed) gives each statement its own snapshot:
    repeatable read gives the transaction one. SQLite's driver opens no transaction
    for reads at all; an explicit BEGIN does, and in WAL mode it is a snapshot."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = await connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            async with connection.begin():
                yield connection
            return
        await connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            await connection.rollback()


_ASYNCPG_UNAVAILABLE = (
    asyncpg.exceptions.PostgresConnectionError,  # class 08: connection failures
    asyncpg.exceptions.OperatorInterventionError,  # class 57: shutting down, starting
    asyncpg.exceptions.InterfaceError,  # the connection is gone
    sqlite3.OperationalError,  # the projector's own SQLite connection: locked, no file
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether a failure is the database not answering (down, restarting, locked, the
    connection lost or refused) rather than anything about the statement: the error,
    or any error it was raised from (SQLAlchemy wraps the driver's, which wraps the
    socket's)."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, (OSError, TimeoutError, PoolTimeoutError, *_ASYNCPG_UNAVAILABLE)):
            return True
        if isinstance(link, DBAPIError):
            if link.connection_invalidated or isinstance(link, OperationalError | InterfaceError):
                return True
            orig = link.orig
            link = orig if isinstance(orig, BaseException) else link.__cause__
            continue
        link = link.__cause__ or link.__context__
    return False
