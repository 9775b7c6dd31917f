"""Personal data at rest, on SQLite and PostgreSQL: no canary in the raw storage (the
SQLite file's bytes, every PostgreSQL row as text), every value sealed under its
case's data key, and KEK rotation: with a new current KEK everything still opens,
`rotate-keys` re-wraps the data keys without rewriting an event or a row, and after
removing the old KEK everything still opens."""

from __future__ import annotations

import base64
import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events import ContactPoint, Event
from contracts.vocabulary import NotificationChannel
from registry.adapters.db import Base
from registry.adapters.key_rotation import rotate
from tests.support.casework_events import action, closed, registration_received, reopened
from tests.support.events import (
    CANARY_DESCRIPTION,
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    T0,
    assigned,
    reported,
)
from tests.support.registry import open_registry, snapshot
from weerbaar_runtime.sealing import KekRing, SealError

CANARY_NOTE = "Canary notitie over de woningscan"
CANARY_SUMMARY = "Canary samenvatting van de afsluiting"
CANARY_REASON = "Canary reden om te heropenen"
CANARY_REGISTRATION = "Canary omschrijving van de registratie"
CANARY_CONTACT = "canary.adviser@ngb.example"
CANARIES = (
    CANARY_NAME,
    CANARY_PHONE,
    CANARY_EMAIL,
    CANARY_DESCRIPTION,
    CANARY_NOTE,
    CANARY_SUMMARY,
    CANARY_REASON,
    CANARY_REGISTRATION,
)
"""The case's personal data (an adviser's contact address is staff data, stored as it
came, as on the bus)."""


def canary_events() -> list[Event]:
    registration = registration_received(at=T0)
    return [
        reported(at=T0),
        assigned(
            at=T0 + timedelta(seconds=1),
            contacts=[ContactPoint(channel=NotificationChannel.EMAIL, address=CANARY_CONTACT)],
        ),
        action(at=T0 + timedelta(seconds=60)).model_copy(update={"note": CANARY_NOTE}),
        closed(at=T0 + timedelta(days=1)).model_copy(update={"summary": CANARY_SUMMARY}),
        reopened(at=T0 + timedelta(days=2)).model_copy(update={"reason": CANARY_REASON}),
        registration.model_copy(
            update={
                "incident": registration.incident.model_copy(
                    update={"description": CANARY_REGISTRATION}
                )
            }
        ),
    ]


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


async def raw_storage(engine: AsyncEngine, url: str) -> bytes:
    """Everything the database holds, as stored: the SQLite files' bytes, or every
    row of every PostgreSQL table as text."""
    if engine.dialect.name == "sqlite":
        await engine.dispose()
        database = Path(make_url(url).database or "")
        files = [database, *(Path(f"{database}{s}") for s in ("-wal", "-journal"))]
        return b"".join(f.read_bytes() for f in files if f.exists())
    dump = io.StringIO()
    async with engine.connect() as conn:
        for table in [*Base.metadata.tables, "alembic_version"]:
            for (row,) in await conn.execute(text(f"SELECT CAST(t AS text) FROM {table} t")):
                dump.write(row + "\n")
    return dump.getvalue().encode()


def found(storage: bytes) -> list[str]:
    return [c for c in CANARIES if c.encode() in storage]


async def sealed_rows(engine: AsyncEngine) -> list[tuple[str, ...]]:
    """The events' payloads and the incidents' personal columns, as stored."""
    async with engine.connect() as conn:
        events = (await conn.execute(text("SELECT event_id, payload FROM events"))).all()
        incidents = (
            await conn.execute(
                text(
                    "SELECT incident_id, official_name, official_phone, official_email, "
                    "description FROM incidents"
                )
            )
        ).all()
    return sorted(tuple(str(v) for v in row) for row in [*events, *incidents])


async def test_no_personal_data_in_the_raw_storage(registry_database_url: str) -> None:
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write(canary_events())
        found_case = await registry.queries.incident(canary_events()[0].incident_id)
        assert found_case is not None
        _, events, personal = found_case
        assert personal["official_name"] == CANARY_NAME
        opened = "".join(e.model_dump_json() for e in events)
        assert CANARY_NOTE in opened and CANARY_CONTACT in opened and CANARY_REASON in opened
        storage = await raw_storage(registry.engine, registry_database_url)
    assert len(storage) > 1000
    assert found(storage) == []
    assert storage.count(b"s1:") == 12  # 8 in the events, 4 in the incident
    assert b"v1:" not in storage


async def test_rotation_rewraps_the_keys_and_frees_the_old_kek(
    registry_database_url: str,
) -> None:
    k1, k2 = key(), key()
    old = KekRing.from_config({"k1": k1}, "k1")
    both = KekRing.from_config({"k1": k1, "k2": k2}, "k2")
    new_only = KekRing.from_config({"k2": k2}, "k2")
    events = canary_events()
    async with open_registry(registry_database_url, old) as registry:
        await registry.projector.write(events)
        before = await snapshot(registry.engine, old)
        sealed_before = await sealed_rows(registry.engine)
    async with open_registry(registry_database_url, both) as registry:
        # the new KEK is current, the old one still configured: all still opens
        assert await snapshot(registry.engine, both) == before
        out = io.StringIO()
        done = await rotate(registry.engine, both, chunk=1, out=out)
        lines = out.getvalue().splitlines()
        assert lines[0] == "rotate-keys: re-wrapping the database's 1 data keys under KEK 'k2'"
        assert lines[-1].startswith("rotate-keys: database done, 1 of 1 data keys re-wrapped")
        assert done.rewrapped == 1  # the case's (the registration is of the same case)
        assert (await rotate(registry.engine, both, out=io.StringIO())).rewrapped == 0
        # no event and no row was rewritten: only the wrapped keys
        assert await sealed_rows(registry.engine) == sealed_before
        storage = await raw_storage(registry.engine, registry_database_url)
    unquoted = storage.replace(b'""', b'"')  # PostgreSQL's row text doubles quotes
    assert b'"kek": "k1"' not in unquoted and b'"kek": "k2"' in unquoted
    assert found(storage) == []
    async with open_registry(registry_database_url, old) as registry:
        with pytest.raises(SealError):  # the keys are wrapped with the new KEK now
            await snapshot(registry.engine, old)
    async with open_registry(registry_database_url, new_only) as registry:
        # the old KEK removed: everything opens with the new one alone
        assert await snapshot(registry.engine, new_only) == before
        found_case = await registry.queries.incident(events[0].incident_id)
        assert found_case is not None and found_case[2]["official_phone"] == CANARY_PHONE
        # and the service goes on writing and erasing with it
        from registry.domain.erasure import erasure

        await registry.projector.write(
            [erasure(events[0].incident_id, requested_by="op-1", reason="request", now=T0)]
        )
        found_case = await registry.queries.incident(events[0].incident_id)
        assert found_case is not None and found_case[2]["description"] is None
