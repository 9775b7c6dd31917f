"""The projector's own SQLite connection (`SqliteWriter`) stores what SQLAlchemy
through the engine stores, value for value: the same rows, the same text of every
date, flag and JSON column, so the readers' SQL compares them as before."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from registry.adapters.crypto import INCIDENT_COLUMNS
from registry.adapters.engine import database_unavailable
from registry.adapters.sql_sqlite import SqliteWriter
from tests.support.registry import mixed_sequence, open_registry, project_in_batches, snapshot

# values sealed under a random data key or nonce: compared opened, by `snapshot`
_SEALED = {"events": {"payload"}, "incidents": set(INCIDENT_COLUMNS), "case_keys": {"wrapped"}}


def _raw(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows as SQLite holds them (value and storage class), sealed
    columns left out."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name != 'alembic_version' ORDER BY name"
            )
        ]
        found: dict[str, list[tuple[object, ...]]] = {}
        for table in tables:
            columns = [
                row[1]
                for row in connection.execute(f"PRAGMA table_info({table})")
                if row[1] not in _SEALED.get(table, set())
            ]
            select = ", ".join(f"{c}, typeof({c})" for c in columns)
            found[table] = sorted(
                connection.execute(f"SELECT {select} FROM {table}").fetchall(),
                key=repr,
            )
        return found
    finally:
        connection.close()


async def test_the_own_connection_stores_what_the_engine_stores(tmp_path: Path) -> None:
    events = mixed_sequence()
    rng = random.Random(5)
    again = [*events, *rng.sample(events, len(events) // 4)]
    rng.shuffle(again)
    snapshots = []
    for own in (True, False):
        path = tmp_path / f"{'own' if own else 'engine'}.db"
        async with open_registry(
            f"sqlite+aiosqlite:///{path}", own_sqlite_connection=own
        ) as registry:
            await project_in_batches(registry.projector, again, random.Random(6))
            snapshots.append(await snapshot(registry.engine))
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0]["events"]) == len({e.event_id for e in events})
    own_rows, engine_rows = _raw(tmp_path / "own.db"), _raw(tmp_path / "engine.db")
    assert own_rows.keys() == engine_rows.keys()
    for table, rows in own_rows.items():
        assert rows == engine_rows[table], table
    assert own_rows["incidents"] and own_rows["case_facts"]


async def test_a_locked_file_is_the_database_unavailable_and_the_writer_recovers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "locked.db"
    async with open_registry(f"sqlite+aiosqlite:///{path}"):
        pass
    writer = SqliteWriter(str(path), busy_timeout_ms=50)
    lock = sqlite3.connect(path, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        with pytest.raises(sqlite3.OperationalError) as raised:
            async with writer.transaction() as writes:
                await writes.case_keys({"a"})
        assert database_unavailable(raised.value)  # retried, never parked
        lock.execute("ROLLBACK")
        async with writer.transaction() as writes:
            await writes.run("dirty", [{"b_month": 202612}])
            assert await writes.case_keys({"a"}) == {}
    finally:
        lock.close()
        await writer.close()
    assert [row[2:] for row in _raw(path)["stats_dirty"]] == [(202612, "integer")]
