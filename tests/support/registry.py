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
from registry.adapters.case_keys import CaseKeys
from registry.adapters.crypto import INCIDENT_COLUMNS, open_columns, open_payload
from registry.adapters.db import TABLES, Base, make_engine
from registry.adapters.migrate import upgrade
from registry.adapters.projector import Projector
from registry.adapters.sql_audit import AuditLog
from registry.adapters.sql_queries import Queries
from registry.adapters.sql_statistics import Statistics
from registry.settings import DEV_STATS_KEY
from weerbaar_runtime.sealing import CaseKey, KekRing

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
    keys: CaseKeys


@asynccontextmanager
async def open_registry(
    url: str, keks: KekRing | None = None, *, own_sqlite_connection: bool = True
) -> AsyncIterator[Registry]:
    """A migrated database with the registry's writer and readers on it (events given
    in the clear are sealed under a data key the registry makes for their case)."""
    engine = make_engine(url)
    keys = CaseKeys(keks or KekRing.development())
    await upgrade(engine)
    projector = Projector(
        engine, keys=keys, stats_key=STATS_KEY, own_sqlite_connection=own_sqlite_connection
    )
    try:
        yield Registry(
            engine, projector, Queries(engine, keys), Statistics(engine), AuditLog(engine), keys
        )
    finally:
        await projector.stop()
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


async def stored_keys(engine: AsyncEngine, keys: CaseKeys | None = None) -> dict[str, CaseKey]:
    """Every case's data key the database keeps, unwrapped."""
    keys = keys or CaseKeys(KekRing.development())
    async with engine.connect() as conn:
        rows = (await conn.execute(select(Base.metadata.tables["case_keys"]))).all()
    return {row.incident_id: keys.unwrap(row.incident_id, row.wrapped) for row in rows}


def _opened(
    name: str,
    row: dict[str, Any],
    keys: dict[str, CaseKey],
    reports: dict[str, list[str]],
) -> dict[str, Any]:
    """The row with its sealed values opened (each sealing has its own nonce, each
    database its own keys for what arrived in the clear)."""
    if name == "events":
        key = keys.get(row["incident_id"])
        return {**row, "payload": open_payload(row["payload"], key).model_dump_json()}
    if name == "incidents":
        case = row["incident_id"]
        values = {c: row[c] for c in INCIDENT_COLUMNS}
        return {**row, **open_columns(case, values, reports.get(case, []), keys.get(case))}
    if name == "case_keys":
        return {"incident_id": row["incident_id"]}
    return row


async def snapshot(
    engine: AsyncEngine, keks: KekRing | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the read model, sorted, values made comparable
    across databases (sealed values opened with the database's own keys)."""
    keys = await stored_keys(engine, CaseKeys(keks or KekRing.development()))
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as conn:
        events = Base.metadata.tables["events"]
        reports: dict[str, list[str]] = {}
        for event_id, case in (
            await conn.execute(
                select(events.c.event_id, events.c.incident_id).where(
                    events.c.type == "incident.reported"
                )
            )
        ).all():
            reports.setdefault(case, []).append(event_id)
        for name in TABLES:
            table = Base.metadata.tables[name]
            rows = [
                _opened(name, dict(row._mapping), keys, reports)
                for row in (await conn.execute(select(table))).all()
            ]
            found[name] = sorted(
                (tuple(_plain(v) for v in row.values()) for row in rows), key=lambda r: repr(r)
            )
    return found


async def opened_events(engine: AsyncEngine, incident_id: str) -> list[Event]:
    """A case's stored events, opened with the key the database keeps for it."""
    keys = await stored_keys(engine)
    table = Base.metadata.tables["events"]
    async with engine.connect() as conn:
        payloads = (
            await conn.execute(select(table.c.payload).where(table.c.incident_id == incident_id))
        ).scalars()
        return [open_payload(p, keys.get(incident_id)) for p in payloads]


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
