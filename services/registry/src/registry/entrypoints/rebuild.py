"""`weerbaar-registry rebuild`: replay the events stream from the start into an empty
database, stop-the-world (run it against a new database, or with the service stopped).

It reads with an ephemeral ordered consumer (nothing durable is created or moved), up
to the last message stored when it started, and writes through the same projection
as the live consumer, so the result equals the live read model: each case's data key
is taken from the key store and kept beside it, and a case whose key an erasure
destroyed has its sealed fields without a key (and scrubbed). A message that is
not a valid event is skipped, as the live consumer parks it instead of projecting it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from typing import TextIO

import nats
from nats.js.api import DeliverPolicy
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events import Event, PersonalDataErased, parse_event
from contracts.subjects import ALL_EVENTS, EVENTS_STREAM, KEYS_BUCKET, inbox_prefix
from registry.adapters.case_keys import CaseKeys, key_to_keep
from registry.adapters.db import STATS_DIRTY, STATS_SUMMARY, TABLES, Base, EventRecord, make_engine
from registry.adapters.migrate import upgrade
from registry.adapters.projector import Projector
from registry.settings import RegistrySettings
from weerbaar_runtime.keystore import KeyStore


def _bound(js: JetStreamContext) -> Callable[[], Awaitable[KeyValue]]:
    """The key store's bucket, bound on first use."""
    bound: list[KeyValue] = []

    async def bucket() -> KeyValue:
        if not bound:
            bound.append(await js.key_value(KEYS_BUCKET))
        return bound[0]

    return bucket


class NotEmptyError(Exception):
    """The target database already holds events."""


async def is_empty(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(EventRecord))
    return not count


async def reset(engine: AsyncEngine) -> None:
    """Empty the read model's tables. The audit log is not part of the read model and
    stays as it is: who read what does not depend on a rebuild."""
    await upgrade(engine)
    async with engine.begin() as conn:
        for name in TABLES:
            await conn.execute(Base.metadata.tables[name].delete())
        # the summary goes with the cases it sums; the rebuilt ones mark their months
        await conn.execute(STATS_SUMMARY.delete())
        await conn.execute(STATS_DIRTY.delete())


async def rebuild(
    settings: RegistrySettings,
    *,
    drop_existing: bool = False,
    batch: int = 2000,
    out: TextIO = sys.stderr,
    idle_timeout_s: float = 10.0,
) -> int:
    """Replay the stream into the database; returns the number of events projected."""
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine, stats_key=settings.stats_secret())
        if not await is_empty(engine):
            if not drop_existing:
                raise NotEmptyError(
                    "the database already holds events; rebuild into an empty one "
                    "(or pass --drop-existing to empty it first)"
                )
            await reset(engine)
        return await _replay(settings, engine, batch=batch, out=out, idle_s=idle_timeout_s)
    finally:
        await engine.dispose()


async def _replay(
    settings: RegistrySettings, engine: AsyncEngine, *, batch: int, out: TextIO, idle_s: float
) -> int:
    # replies (stream info, the ordered consumer's deliveries) on the user's own prefix
    options: dict[str, object] = {
        "name": "weerbaar-registry-rebuild",
        "inbox_prefix": inbox_prefix(settings.nats_user),
    }
    if settings.nats_user and settings.nats_password:
        options.update(user=settings.nats_user, password=settings.nats_password.get_secret_value())
    nc = await nats.connect(settings.nats_servers(), **options)
    projector = Projector(
        engine,
        batch_max=batch,
        keys=CaseKeys(settings.kek_ring(), cache=settings.key_cache),
        stats_key=settings.stats_secret(),
    )
    keys = KeyStore(
        _bound(nc.jetstream()), settings.kek_ring(), timeout_s=settings.key_store_timeout_s
    )
    projected = skipped = 0
    started = time.monotonic()
    try:
        js = nc.jetstream()
        last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
        print(f"rebuild: replaying {EVENTS_STREAM} up to sequence {last}", file=out)
        if last == 0:
            return 0
        sub = await js.subscribe(
            ALL_EVENTS,
            stream=EVENTS_STREAM,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
        )
        pending: list[Event] = []
        sequence = 0
        next_report = time.monotonic() + 2.0
        while sequence < last:
            msg = await sub.next_msg(timeout=idle_s)
            sequence = msg.metadata.sequence.stream
            try:
                event = parse_event(msg.data)
            except ValidationError:
                skipped += 1
            else:
                if isinstance(event, PersonalDataErased):
                    await keys.erase(event.incident_id)
                else:
                    key = await key_to_keep(keys, event)
                    if key is not None:
                        projector.offer(key)
                pending.append(event)
            if len(pending) >= batch or sequence >= last:
                await projector.write(pending)
                projected += len(pending)
                pending = []
            if time.monotonic() >= next_report or sequence >= last:
                rate = projected / max(time.monotonic() - started, 1e-9)
                print(
                    f"rebuild: {sequence}/{last} messages, {projected} events projected, "
                    f"{skipped} skipped, {rate:,.0f} events/s",
                    file=out,
                    flush=True,
                )
                next_report = time.monotonic() + 2.0
        await sub.unsubscribe()
    finally:
        await projector.stop()
        await nc.close()
    print(f"rebuild: done, {projected} events in {time.monotonic() - started:.1f}s", file=out)
    return projected


__all__ = ["TABLES", "NotEmptyError", "is_empty", "rebuild", "reset"]
