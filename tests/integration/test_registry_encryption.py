"""Personal data at rest, on SQLite and PostgreSQL: no canary in the raw storage (the
SQLite file's bytes, every PostgreSQL row as text), and key rotation: with a new
current key everything still opens, `rotate-keys` re-seals it, and after removing the
old key the rotated data still opens."""

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
from registry.adapters.crypto import Keyring, UnknownKeyError
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
    CANARY_CONTACT,
)


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


async def test_no_personal_data_in_the_raw_storage(registry_database_url: str) -> None:
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write(canary_events())
        record = await registry.queries.incident(canary_events()[0].incident_id)
        assert record is not None
        assert registry.queries.personal(record[0])["official_name"] == CANARY_NAME
        opened = "".join(e.model_dump_json() for e in record[1])
        assert CANARY_NOTE in opened and CANARY_CONTACT in opened and CANARY_REASON in opened
        storage = await raw_storage(registry.engine, registry_database_url)
    assert len(storage) > 1000
    assert found(storage) == []
    assert storage.count(b"v1:dev:") == 13  # 9 in the events, 4 in the incident


async def test_rotation_keeps_everything_readable_and_frees_the_old_key(
    registry_database_url: str,
) -> None:
    old = Keyring.from_config({"k1": key()}, "k1")
    k2 = key()
    both = Keyring.from_config({"k1": base64.b64encode(old.keys["k1"]).decode(), "k2": k2}, "k2")
    new_only = Keyring.from_config({"k2": k2}, "k2")
    events = canary_events()
    async with open_registry(registry_database_url, old) as registry:
        await registry.projector.write(events)
        before = await snapshot(registry.engine, old)
    async with open_registry(registry_database_url, both) as registry:
        # the new key is current, the old one still configured: all still opens
        assert await snapshot(registry.engine, both) == before
        out = io.StringIO()
        done = await rotate(registry.engine, both, chunk=3, out=out)
        lines = out.getvalue().splitlines()
        assert lines[0] == "rotate-keys: re-sealing under key 'k2'"
        assert any(line.startswith("rotate-keys: events 3/") for line in lines)
        assert lines[-1].startswith("rotate-keys: done, events: ")
        assert done["events"].resealed == 6  # each holds a personal value
        assert done["incidents"].resealed == 1
        assert (await rotate(registry.engine, both, out=io.StringIO()))["events"].resealed == 0
        storage = await raw_storage(registry.engine, registry_database_url)
    assert b"v1:k1:" not in storage and b"v1:k2:" in storage
    assert found(storage) == []
    async with open_registry(registry_database_url, new_only) as registry:
        # the old key removed: the rotated data opens with the new one alone
        assert await snapshot(registry.engine, new_only) == before
        record = await registry.queries.incident(events[0].incident_id)
        assert record is not None
        personal = registry.queries.personal(record[0])
        assert personal["official_phone"] == CANARY_PHONE
        # and the service goes on writing and erasing with it
        from registry.domain.erasure import erasure

        await registry.projector.write(
            [erasure(events[0].incident_id, requested_by="op-1", reason="request", now=T0)]
        )
        record = await registry.queries.incident(events[0].incident_id)
        assert record is not None and registry.queries.personal(record[0])["description"] is None
    async with open_registry(registry_database_url, old) as registry:
        with pytest.raises(UnknownKeyError):
            await snapshot(registry.engine, old)
