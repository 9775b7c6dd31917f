"""`weerbaar-registry rotate-keys`, the database's part: every data key in `case_keys`
re-wrapped under the current KEK (`CASE_KEK_ID`). No event, no row of `incidents` and
no sealed value changes: only the wrapped keys.

Configure the new KEK beside the old ones (`CASE_KEKS`), make it current, restart
intake and the registry (new keys are then wrapped with it) and run this; afterwards
the old KEK can be removed. It walks the table by case id in chunks, one transaction
each; a row is only rewritten if it still holds what was read, so it may run while the
service projects (a row erased meanwhile stays erased).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from registry.adapters.case_keys import CaseKeys
from registry.adapters.db import CaseKeyRecord, make_engine
from registry.adapters.migrate import upgrade
from weerbaar_runtime.sealing import KekRing

_KEYS: Table = CaseKeyRecord.__table__  # type: ignore[assignment]


@dataclass
class Rotated:
    checked: int = 0
    rewrapped: int = 0
    skipped: int = 0  # changed or erased by the service meanwhile


async def rotate_keys(
    database_url: str, keks: KekRing, *, chunk: int = 1000, out: TextIO = sys.stderr
) -> Rotated:
    """Migrate the database at `database_url`, then `rotate` it."""
    engine = make_engine(database_url)
    try:
        await upgrade(engine)
        return await rotate(engine, keks, chunk=chunk, out=out)
    finally:
        await engine.dispose()


async def rotate(
    engine: AsyncEngine,
    keks: KekRing,
    *,
    chunk: int = 1000,
    out: TextIO = sys.stderr,
    report_every_s: float = 2.0,
) -> Rotated:
    """Re-wrap every stored data key not wrapped with the current KEK; progress on
    `out`. A key no configured KEK opens raises `SealError` (that chunk and the rest are
    left as they were)."""
    started = time.monotonic()
    keys = CaseKeys(keks, cache=0)
    done = Rotated()
    async with engine.connect() as conn:
        total = await conn.scalar(select(func.count()).select_from(_KEYS)) or 0
    print(
        f"rotate-keys: re-wrapping the database's {total:,} data keys under KEK {keks.current!r}",
        file=out,
        flush=True,
    )
    after = ""
    next_report = time.monotonic() + report_every_s
    while True:
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(_KEYS.c.incident_id, _KEYS.c.wrapped)
                    .where(_KEYS.c.incident_id > after)
                    .order_by(_KEYS.c.incident_id)
                    .limit(chunk)
                )
            ).all()
            if not rows:
                break
            for incident_id, wrapped in rows:
                done.checked += 1
                if keks.kek_of(wrapped.encode()) == keks.current:
                    continue
                rewrapped = keys.wrap(keys.unwrap(incident_id, wrapped))
                result = await conn.execute(
                    update(_KEYS)
                    .where(_KEYS.c.incident_id == incident_id, _KEYS.c.wrapped == wrapped)
                    .values(wrapped=rewrapped)
                )
                if result.rowcount:
                    done.rewrapped += 1
                else:
                    done.skipped += 1
            after = rows[-1][0]
        if time.monotonic() >= next_report:
            print(
                f"rotate-keys: {done.checked:,}/{total:,} database keys checked, "
                f"{done.rewrapped:,} re-wrapped",
                file=out,
                flush=True,
            )
            next_report = time.monotonic() + report_every_s
    print(
        f"rotate-keys: database done, {done.rewrapped:,} of {done.checked:,} data keys "
        "re-wrapped"
        + (f", {done.skipped:,} changed meanwhile" if done.skipped else "")
        + f" in {time.monotonic() - started:.1f}s",
        file=out,
        flush=True,
    )
    return done
