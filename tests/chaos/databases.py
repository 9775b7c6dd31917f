"""The registry's database unavailable for a minute: SQLite held under a lock, or
PostgreSQL stopped; the registry should catch up afterwards with nothing lost."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from typing import TYPE_CHECKING

from tests.support.postgres import PostgresUnavailable, ThrowawayCluster

if TYPE_CHECKING:
    from tests.chaos.faults import Chaos


async def sqlite_locked(chaos: Chaos) -> float:
    """The registry's SQLite file held under an exclusive lock: no write gets through."""
    path = chaos.system.workdir / "registry.db"
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        locked.set()
        release.wait()
        connection.execute("ROLLBACK")
        connection.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    await asyncio.to_thread(locked.wait, 30)
    await asyncio.sleep(chaos.seconds(60))
    release.set()
    await asyncio.to_thread(holder.join, 10)
    return time.monotonic()


async def registry_on_postgres(chaos: Chaos) -> str | None:
    """A throwaway PostgreSQL cluster, and the registry restarted on a database in it
    (it stays there for the rest of the run)."""
    if chaos.postgres is None:
        # durable as in production (the tests' fsync and synchronous_commit off would
        # lose the last commits to an immediate stop: a test artefact, not the registry's)
        postgres = ThrowawayCluster(settings={"max_connections": "200"})
        try:
            admin = await asyncio.to_thread(postgres.start)
        except PostgresUnavailable as exc:
            return str(exc)
        chaos.postgres = postgres
        import asyncpg

        conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
        try:
            await conn.execute('CREATE DATABASE "weerbaar_chaos"')
        finally:
            await conn.close()
        url = admin.set(drivername="postgresql+asyncpg", database="weerbaar_chaos")
        registry = chaos.system.services["registry"]
        registry.env = {**registry.env, "DATABASE_URL": url.render_as_string(hide_password=False)}
        registry.stop()
        registry.start()
        await chaos.system.wait_ready(timeout=120)
    return None


async def postgres_down(chaos: Chaos) -> float:
    """The registry's PostgreSQL stopped (`pg_ctl stop -m immediate`: every connection
    dropped, new ones refused) and started again."""
    postgres = chaos.postgres
    assert postgres is not None
    await asyncio.to_thread(postgres.pg_ctl, "stop", "-m", "immediate")
    await asyncio.sleep(chaos.seconds(60))
    await asyncio.to_thread(postgres.pg_ctl, "start")
    return time.monotonic()
