"""`weerbaar-registry rotate-keys`: re-seal every personal value under the current key.

Configure the new key next to the old ones (`REGISTRY_ENCRYPTION_KEYS`), make it
current (`REGISTRY_ENCRYPTION_KEY_ID`), restart the service (new values are then
sealed with it) and run this command; afterwards the old key can be removed. It
walks `events` and `incidents` in chunks, one transaction each, and also seals any
value stored plain before encryption came. A row is only rewritten if it still holds
what was read, so it may run while the service projects: a row the service changed
meanwhile was sealed with the current key already.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from registry.adapters.crypto import INCIDENT_COLUMNS, Keyring, incident_context, reseal_payload
from registry.adapters.db import EventRecord, IncidentRecord, make_engine
from registry.adapters.migrate import upgrade

_EVENTS: Table = EventRecord.__table__  # type: ignore[assignment]
_INCIDENTS: Table = IncidentRecord.__table__  # type: ignore[assignment]


@dataclass
class Rotated:
    checked: int = 0
    resealed: int = 0
    skipped: int = 0  # changed by the service meanwhile


async def rotate_keys(
    database_url: str, keyring: Keyring, *, chunk: int = 500, out: TextIO = sys.stderr
) -> dict[str, Rotated]:
    """Migrate the database at `database_url`, then `rotate` it."""
    engine = make_engine(database_url)
    try:
        await upgrade(engine)
        return await rotate(engine, keyring, chunk=chunk, out=out)
    finally:
        await engine.dispose()


async def rotate(
    engine: AsyncEngine, keyring: Keyring, *, chunk: int = 500, out: TextIO = sys.stderr
) -> dict[str, Rotated]:
    """Re-seal every row of `events` and `incidents` under the current key."""
    started = time.monotonic()
    print(f"rotate-keys: re-sealing under key {keyring.current!r}", file=out, flush=True)
    done = {
        "events": await _events(engine, keyring, chunk, out),
        "incidents": await _incidents(engine, keyring, chunk, out),
    }
    print(
        "rotate-keys: done, "
        + ", ".join(f"{n}: {r.resealed} of {r.checked} rows re-sealed" for n, r in done.items())
        + f" in {time.monotonic() - started:.1f}s",
        file=out,
        flush=True,
    )
    return done


def _progress(out: TextIO, table: str, r: Rotated, total: int) -> None:
    print(
        f"rotate-keys: {table} {r.checked}/{total} rows checked, {r.resealed} re-sealed"
        + (f", {r.skipped} changed meanwhile" if r.skipped else ""),
        file=out,
        flush=True,
    )


async def _events(engine: AsyncEngine, keyring: Keyring, chunk: int, out: TextIO) -> Rotated:
    done = Rotated()
    async with engine.connect() as conn:
        total = int(await conn.scalar(select(func.count()).select_from(_EVENTS)) or 0)
    last = ""
    while True:
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(_EVENTS.c.event_id, _EVENTS.c.payload)
                    .where(_EVENTS.c.event_id > last)
                    .order_by(_EVENTS.c.event_id)
                    .limit(chunk)
                )
            ).all()
            for event_id, payload in rows:
                new = reseal_payload(payload, keyring)
                if new is not None:
                    result = await conn.execute(
                        update(_EVENTS)
                        .where(_EVENTS.c.event_id == event_id, _EVENTS.c.payload == payload)
                        .values(payload=new)
                    )
                    if result.rowcount:
                        done.resealed += 1
                    else:
                        done.skipped += 1
            done.checked += len(rows)
        if not rows:
            break
        last = rows[-1][0]
        _progress(out, "events", done, total)
    return done


async def _incidents(engine: AsyncEngine, keyring: Keyring, chunk: int, out: TextIO) -> Rotated:
    done = Rotated()
    columns = [_INCIDENTS.c[name] for name in INCIDENT_COLUMNS]
    async with engine.connect() as conn:
        total = int(await conn.scalar(select(func.count()).select_from(_INCIDENTS)) or 0)
    last = ""
    while True:
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(_INCIDENTS.c.incident_id, *columns)
                    .where(_INCIDENTS.c.incident_id > last)
                    .order_by(_INCIDENTS.c.incident_id)
                    .limit(chunk)
                )
            ).all()
            for row in rows:
                incident_id, values = row[0], dict(zip(INCIDENT_COLUMNS, row[1:], strict=True))
                new = {
                    name: keyring.reseal(value, incident_context(incident_id, name))
                    for name, value in values.items()
                }
                if new == values:
                    continue
                result = await conn.execute(
                    update(_INCIDENTS)
                    .where(
                        _INCIDENTS.c.incident_id == incident_id,
                        *(_INCIDENTS.c[n].is_not_distinct_from(v) for n, v in values.items()),
                    )
                    .values(**new)
                )
                if result.rowcount:
                    done.resealed += 1
                else:
                    done.skipped += 1
            done.checked += len(rows)
        if not rows:
            break
        last = rows[-1][0]
        _progress(out, "incidents", done, total)
    return done
