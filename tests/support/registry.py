"""Helpers for the registry's tests: a migrated database, snapshots to compare row for
row, the recorded event sequence."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events import Event, parse_event
from registry.adapters.crypto import INCIDENT_COLUMNS, Keyring, incident_context, open_event
from registry.adapters.db import TABLES, Base, make_engine
from registry.adapters.migrate import upgrade
from registry.adapters.projector import Projector
from registry.adapters.sql_audit import AuditLog
from registry.adapters.sql_queries import Queries
from registry.adapters.sql_statistics import Statistics
from registry.settings import DEV_STATS_KEY

STATS_KEY = DEV_STATS_KEY.encode()
DATA = Path(__file__).resolve().parents[1] / "integration" / "data"
RECORDED = DATA / "registry_events.jsonl"


@dataclass
class Registry:
    engine: AsyncEngine
    projector: Projector
    queries: Queries
    statistics: Statistics
    audit: AuditLog
    keyring: Keyring


@asynccontextmanager
async def open_registry(url: str, keyring: Keyring | None = None) -> AsyncIterator[Registry]:
    """A migrated database with the registry's writer and readers on it."""
    engine = make_engine(url)
    keyring = keyring or Keyring.development()
    await upgrade(engine)
    try:
        yield Registry(
            engine,
            Projector(engine, keyring=keyring, stats_key=STATS_KEY),
            Queries(engine, keyring),
            Statistics(engine),
            AuditLog(engine),
            keyring,
        )
    finally:
        await engine.dispose()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, str) and value[:1] == "{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return value


def _opened(name: str, row: dict[str, Any], keyring: Keyring) -> dict[str, Any]:
    """The row with its sealed values opened (each sealing has its own nonce)."""
    if name == "events":
        return {**row, "payload": open_event(row["payload"], keyring).model_dump_json()}
    if name == "incidents":
        return {
            **row,
            **{
                c: keyring.open(row[c], incident_context(row["incident_id"], c))
                for c in INCIDENT_COLUMNS
            },
        }
    return row


async def snapshot(
    engine: AsyncEngine, keyring: Keyring | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the read model, sorted, values made comparable
    across databases (sealed values opened)."""
    keyring = keyring or Keyring.development()
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as conn:
        for name in TABLES:
            table = Base.metadata.tables[name]
            rows = [
                _opened(name, dict(row._mapping), keyring)
                for row in (await conn.execute(select(table))).all()
            ]
            found[name] = sorted(
                (tuple(_plain(v) for v in row.values()) for row in rows), key=lambda r: repr(r)
            )
    return found


def recorded_events() -> list[Event]:
    """The event sequence recorded from a real run (tests/support/record_events.py),
    in stream order."""
    lines = RECORDED.read_text().splitlines()
    return [parse_event(line) for line in lines if line.strip()]


def mixed_sequence() -> list[Event]:
    """The recorded run, and a generated one with failures and escalations."""
    from tests.bench.registry_bench import event_stream

    generated = [e for window in event_stream(60, seed=7, window=30) for e in window]
    return recorded_events() + generated


async def project_in_batches(projector: Projector, events: list[Event], rng: random.Random) -> None:
    """Write the events in batches of random sizes."""
    i = 0
    while i < len(events):
        size = rng.randint(1, 40)
        await projector.write(events[i : i + size])
        i += size
