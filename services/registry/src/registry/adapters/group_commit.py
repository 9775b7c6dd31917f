"""Group commit: every event waiting when a transaction starts goes into it, and each
caller returns only after its event is committed.

With several lanes (PostgreSQL), incidents are spread over lanes by their id, each
lane committing on its own connection: one lane's SQL runs while another's events are
folded, and no two transactions ever touch the same incident, so the order of an
incident's batches stays as it was. SQLite has one writer: one lane."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from prometheus_client import Counter, Histogram

from contracts.events import Event
from contracts.feed import RecordChanged
from registry.adapters.engine import database_unavailable
from weerbaar_runtime.consumer import UnavailableError
from weerbaar_runtime.logging import get_logger

_log = get_logger("registry")

BATCHES = Histogram(
    "weerbaar_registry_batch_size",
    "Events per projection transaction",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000),
)
PROJECTED = Counter("weerbaar_registry_events_total", "Events projected", ["outcome"])

OnCommit = Callable[[list[RecordChanged]], Awaitable[None]]
"""Told of the records a transaction changed, once it is committed (the change feed)."""


@dataclass(frozen=True, slots=True)
class Pending:
    event: Event
    done: asyncio.Future[None]


class _Lane:
    """Events of the incidents hashed to one lane, committed one batch at a time."""

    def __init__(self) -> None:
        self.pending: list[Pending] = []
        self.wake = asyncio.Event()


Write = Callable[[Sequence[Event]], Awaitable[list[RecordChanged]]]
"""Writes a batch in one transaction; returns the records it changed."""


class GroupCommit:
    """Commits submitted events in batches of up to `batch_max`, one lane per
    connection, telling `on_commit` what each committed batch changed."""

    def __init__(
        self,
        write: Write,
        *,
        lanes: int,
        batch_max: int,
        on_commit: OnCommit | None = None,
    ) -> None:
        self._write = write
        self._batch_max = batch_max
        self._on_commit = on_commit
        self._lanes = [_Lane() for _ in range(max(1, lanes))]
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(lane), name=f"registry-projector-{n}")
            for n, lane in enumerate(self._lanes)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for lane in self._lanes:
            for item in lane.pending:
                if not item.done.done():
                    item.done.set_exception(asyncio.CancelledError())

    async def submit(self, event: Event, attempt: int = 1) -> None:
        """Project one event; returns once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane = self._lanes[event.incident_id.int % len(self._lanes)]
        lane.pending.append(Pending(event, done))
        lane.wake.set()
        await done

    async def _run(self, lane: _Lane) -> None:
        while True:
            await lane.wake.wait()
            await asyncio.sleep(0)  # let the rest of a fetched batch queue up
            lane.wake.clear()
            while lane.pending:
                batch, lane.pending = (
                    lane.pending[: self._batch_max],
                    lane.pending[self._batch_max :],
                )
                await self._commit(batch)

    async def _commit(self, batch: list[Pending]) -> None:
        try:
            changes = await self._write([p.event for p in batch])
        except Exception as exc:
            if database_unavailable(exc):
                # the database, not an event, is at fault: every caller tries again
                # while it is down, and no event is parked for it
                _log.warning(
                    "projection waits for the database",
                    error_type=type(exc).__name__,
                    events=len(batch),
                )
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(UnavailableError(type(exc).__name__))
                return
            if len(batch) == 1:
                _log.warning(
                    "projection failed", exc_info=True, event_id=str(batch[0].event.event_id)
                )
                batch[0].done.set_exception(RuntimeError("projection failed"))
                return
            for item in batch:
                await self._commit([item])
            return
        BATCHES.observe(len(batch))
        PROJECTED.labels("committed").inc(len(batch))
        if self._on_commit is not None and changes:
            try:
                await self._on_commit(changes)
            except Exception as exc:  # a hint for live views: never worth a redelivery
                _log.warning("change feed not published", error_type=type(exc).__name__)
        for item in batch:
            if not item.done.done():
                item.done.set_result(None)
