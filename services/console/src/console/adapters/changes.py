"""The registry's change feed, fanned out to every open browser stream.

The registry publishes on core NATS `weerbaar.changed.incident.<id>` and
`weerbaar.changed.registration.<id>` after each commit: the id, the event types just
projected and the record's new version, never personal data. Core NATS keeps nothing
for a subscriber that was away, so each relayed change gets a number, and a browser
that comes back having missed one is told to reload instead of showing a stale view.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from contracts.feed import RecordChanged
from contracts.subjects import CHANGED_PREFIX, changed_subject
from weerbaar_runtime.logging import get_logger

_log = get_logger("console.changes")

CHANGE_FEED = f"{CHANGED_PREFIX}.>"


@dataclass(frozen=True, slots=True)
class Change:
    """One record changed; `event_id` orders the browser stream."""

    event_id: str
    kind: str
    record_id: str
    version: int | None
    types: tuple[str, ...]

    def payload(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "id": self.record_id,
                "version": self.version,
                "types": list(self.types),
            }
        )


def parse(subject: str, data: bytes) -> tuple[str, str, int | None, tuple[str, ...]] | None:
    """(kind, id, version, event types) from a `RecordChanged` message on its own
    subject (`contracts.subjects.changed_subject`); None for anything else."""
    try:
        change = RecordChanged.model_validate_json(data)
    except ValidationError:
        return None
    if subject != changed_subject(change.kind, change.id):
        return None
    return (change.kind, str(change.id), change.version, tuple(change.event_types)[:20])


class ChangeHub:
    """Numbers the changes and hands each to every listener. A new epoch (the console
    restarted, or its NATS connection was lost for a while) makes every id of before
    unknown, so those browsers reload."""

    def __init__(self, *, queue_size: int = 256) -> None:
        self.epoch = secrets.token_hex(4)
        self._sequence = 0
        self._listeners: set[asyncio.Queue[Change | None]] = set()
        self._queue_size = queue_size

    @property
    def last_id(self) -> str:
        return f"{self.epoch}-{self._sequence}"

    def current(self, last_event_id: str | None) -> bool:
        """Whether a browser that saw `last_event_id` missed nothing."""
        return last_event_id is None or last_event_id == self.last_id

    def publish(
        self, kind: str, record_id: str, version: int | None, types: tuple[str, ...]
    ) -> None:
        self._sequence += 1
        change = Change(self.last_id, kind, record_id, version, types)
        for queue in list(self._listeners):
            try:
                queue.put_nowait(change)
            except asyncio.QueueFull:
                # a browser that does not keep up: end its stream; it reconnects, sees
                # it missed something and reloads
                self._drop(queue)

    def new_epoch(self) -> None:
        self.epoch = secrets.token_hex(4)
        self._sequence = 0
        for queue in list(self._listeners):
            self._drop(queue)

    def _drop(self, queue: asyncio.Queue[Change | None]) -> None:
        self._listeners.discard(queue)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(None)

    def listen(self) -> asyncio.Queue[Change | None]:
        queue: asyncio.Queue[Change | None] = asyncio.Queue(self._queue_size)
        self._listeners.add(queue)
        return queue

    def leave(self, queue: asyncio.Queue[Change | None]) -> None:
        self._listeners.discard(queue)

    def close(self) -> None:
        for queue in list(self._listeners):
            self._drop(queue)

    @property
    def listeners(self) -> int:
        return len(self._listeners)


class ChangeFeedSubscriber:
    """Subscribes the console's NATS connection to the feed and feeds the hub."""

    def __init__(self, hub: ChangeHub) -> None:
        self._hub = hub
        self._subscription: Any = None
        self._stopping = False

    async def start(self, nc: Any) -> None:
        self._subscription = await nc.subscribe(CHANGE_FEED, cb=self._received)

    async def _received(self, message: Any) -> None:
        parsed = parse(message.subject, message.data)
        if parsed is None:
            return
        self._hub.publish(*parsed)

    async def disconnected(self) -> None:
        if self._stopping:  # our own shutdown closing the connection
            _log.info("change feed closed")
            return
        # whatever is published while we are away is lost to us: start a new epoch
        _log.warning("change feed interrupted")
        self._hub.new_epoch()

    async def stop(self) -> None:
        self._stopping = True
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe()
            except Exception as exc:
                _log.info("change feed unsubscribe failed", error_type=type(exc).__name__)
            self._subscription = None
