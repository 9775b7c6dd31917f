"""The console's change hub: the feed carries ids only, a slow browser is let go, and a
browser that missed a change is told to reload."""

from __future__ import annotations

import asyncio
import uuid

from console.adapters.changes import CHANGE_FEED, ChangeHub, parse
from console.entrypoints.events import stream
from contracts.feed import RecordChanged
from contracts.subjects import CHANGED_PREFIX, changed_subject


def test_the_change_feed_carries_ids_only_and_gaps_reload() -> None:
    record = uuid.uuid4()
    change = RecordChanged(
        kind="incident", id=record, event_types=["adviser.assigned"], version=3
    ).model_dump_json()
    subject = changed_subject("incident", record)
    assert parse(subject, change.encode()) == ("incident", str(record), 3, ("adviser.assigned",))
    assert subject.startswith(CHANGED_PREFIX) and f"{CHANGED_PREFIX}.>" == CHANGE_FEED
    # a payload on another record's subject, or not a RecordChanged, is ignored
    assert parse(changed_subject("incident", uuid.uuid4()), change.encode()) is None
    assert parse(subject, b'{"version": 3, "types": ["assigned"]}') is None
    assert parse("weerbaar.events.incident.reported.abc", b"{}") is None
    hub = ChangeHub(queue_size=2)
    seen = hub.last_id
    assert hub.current(seen)
    slow = hub.listen()
    for n in range(3):
        hub.publish("incident", f"id-{n}", n, ())
    assert not hub.current(seen)
    assert hub.listeners == 0  # the slow browser was let go; it reconnects and reloads
    assert slow.get_nowait() is None


async def test_a_browser_that_missed_a_change_is_told_to_reload() -> None:
    hub = ChangeHub()
    before = hub.last_id
    hub.publish("incident", "x", 1, ())
    closing = asyncio.Event()

    async def alive() -> bool:
        return True

    events = stream(hub, last_event_id=before, since=None, closing=closing, alive=alive)
    assert await anext(events) == b"retry: 2000\n\n"
    assert b"event: reload" in await anext(events)
    hub.close()
    rest = [chunk async for chunk in events]
    assert rest == []
