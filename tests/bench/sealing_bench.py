"""Sealing benchmark: what sealing at the producer costs per incident, and how long
`rotate-keys` takes to re-wrap the data keys of BENCH_CASES (default 100,000) cases.

`uv run python -m tests.bench.sealing_bench`. Part 1 seals the personal fields of a
case's events as intake does (a report with name, phone, e-mail and description, an
action's note, a closing summary) and opens them as the registry does, in process
(median of BENCH_RUNS runs, default 3). Part 2 starts a nats-server from the wheel,
provisions it, stores BENCH_CASES wrapped data keys under one KEK, then times
`rewrap_keys` under a second one; part 3 does the same for the registry's `case_keys`
table (SQLite). Not part of `make test`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats
from nats.js.kv import KeyValue

from contracts.events import ActionRecorded, Event, IncidentClosed, utcnow
from contracts.subjects import KEYS_BUCKET
from tests.support.servers import NatsServer, provision
from tests.unit.test_sealing import reported
from weerbaar_runtime.keystore import KeyStore
from weerbaar_runtime.rewrap import rewrap_keys
from weerbaar_runtime.sealing import CaseKey, KekRing, open_event, seal_event


def case_events(incident_id: uuid.UUID) -> list[Event]:
    envelope = {"incident_id": incident_id, "occurred_at": utcnow(), "producer": "intake"}
    return [
        reported(incident_id),
        ActionRecorded(
            **envelope,
            event_id=uuid.uuid4(),
            action_id=uuid.uuid4(),
            kind="contact",
            note="Gebeld, de burgemeester doet aangifte.",
        ),
        IncidentClosed(**envelope, event_id=uuid.uuid4(), summary="Afgerond na aangifte."),
    ]


def per_incident_us(cases: int) -> tuple[float, float]:
    events = [(uuid.uuid4(), None) for _ in range(cases)]
    prepared = [(CaseKey.new(i), case_events(i)) for i, _ in events]
    started = time.perf_counter()
    sealed = [(key, [seal_event(e, key) for e in evs]) for key, evs in prepared]
    sealing = time.perf_counter() - started
    started = time.perf_counter()
    for key, evs in sealed:
        for e in evs:
            open_event(e, key)
    opening = time.perf_counter() - started
    return sealing / cases * 1e6, opening / cases * 1e6


async def rotation(cases: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        server = NatsServer(store_dir=Path(tmp) / "nats").start()
        try:
            await provision(
                server.url, user="provisioner", password=server.passwords["provisioner"]
            )
            nc = await nats.connect(
                server.url, **server.credentials("registry"), inbox_prefix="_INBOX_registry"
            )
            kv = await nc.jetstream().key_value(KEYS_BUCKET)

            async def bucket() -> KeyValue:
                return kv

            old = KekRing({"k1": os.urandom(32)}, "k1")
            store = KeyStore(bucket, old, cache=0, timeout_s=30)
            ids = [uuid.uuid4() for _ in range(cases)]
            started = time.monotonic()
            for start in range(0, cases, 64):
                await asyncio.gather(*(store.get_or_create(i) for i in ids[start : start + 64]))
            print(f"stored {cases:,} keys in {time.monotonic() - started:.1f}s", file=sys.stderr)
            both = KekRing({**old.keys, "k2": os.urandom(32)}, "k2")
            started = time.monotonic()
            done = await rewrap_keys(nc.jetstream(), both, out=sys.stderr)
            took = time.monotonic() - started
            assert done.rewrapped == cases, done
            await nc.close()
            return took
        finally:
            server.stop()


async def table_rotation(cases: int) -> float:
    """The database's part of `rotate-keys`: BENCH_CASES rows of `case_keys`."""
    from sqlalchemy import insert

    from registry.adapters.case_keys import CaseKeys
    from registry.adapters.db import CaseKeyRecord, make_engine
    from registry.adapters.key_rotation import rotate
    from registry.adapters.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp}/registry.db")
        try:
            await upgrade(engine)
            old = KekRing({"k1": os.urandom(32)}, "k1")
            wrap = CaseKeys(old).wrap
            rows = [
                {"incident_id": str(i), "wrapped": wrap(CaseKey.new(i))}
                for i in (uuid.uuid4() for _ in range(cases))
            ]
            async with engine.begin() as conn:
                await conn.execute(insert(CaseKeyRecord), rows)
            both = KekRing({**old.keys, "k2": os.urandom(32)}, "k2")
            started = time.monotonic()
            done = await rotate(engine, both, out=sys.stderr)
            took = time.monotonic() - started
            assert done.rewrapped == cases, done
            return took
        finally:
            await engine.dispose()


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    cases = int(os.environ.get("BENCH_CASES", "100000"))
    sealing, opening = zip(*(per_incident_us(1000) for _ in range(runs)), strict=True)
    print(
        f"sealing at the producer: {statistics.median(sealing):.0f} µs per incident "
        f"(report, action, closing); opening in the registry (a case read): "
        f"{statistics.median(opening):.0f} µs per incident (median of {runs})"
    )
    took = asyncio.run(rotation(cases))
    print(f"rotate-keys (key store): {cases:,} data keys re-wrapped in {took:.1f}s")
    took = asyncio.run(table_rotation(cases))
    print(f"rotate-keys (database): {cases:,} data keys re-wrapped in {took:.1f}s")


if __name__ == "__main__":
    main()
