"""In-memory fakes for the unit tests: publisher, idempotency and state stores, scheduler."""

from __future__ import annotations

import uuid
from typing import Any

from contracts.events import (
    Event,
)
from intake.service.ports import IdempotencyConflictError


class RecordingPublisher:
    """Collects every published event; usable as an object port and as a callable port."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.events.append(event)

    async def __call__(self, event: Event) -> None:
        self.events.append(event)


class MemoryIdempotencyStore:
    """The KV adapter's semantics in memory: first claim wins, seed is the key."""

    def __init__(self) -> None:
        self.records: dict[str, tuple[str, str]] = {}

    async def claim(self, key: str, fingerprint: str) -> str:
        if key not in self.records:
            self.records[key] = (fingerprint, key)
        stored_fingerprint, seed = self.records[key]
        if stored_fingerprint != fingerprint:
            raise IdempotencyConflictError(key)
        return seed


class ConflictingIdempotencyStore:
    """A store whose every key was already used for another request."""

    async def claim(self, key: str, fingerprint: str) -> str:
        raise IdempotencyConflictError(key)


class MemoryStateStore:
    """Routing's StateStore in memory, with the same compare-and-set behaviour."""

    def __init__(self) -> None:
        from routing.domain.state import IncidentRouting

        self.records: dict[uuid.UUID, tuple[IncidentRouting, int]] = {}

    async def get(self, incident_id: uuid.UUID) -> Any:
        return self.records.get(incident_id)

    async def create(self, state: Any) -> Any:
        if state.incident_id in self.records:
            return self.records[state.incident_id][0]
        self.records[state.incident_id] = (state, 1)
        return state

    async def update(self, incident_id: uuid.UUID, change: Any, *, attempts: int = 20) -> Any:
        found = self.records.get(incident_id)
        if found is None:
            return None
        changed = change(found[0])
        if changed is None:
            return found[0]
        self.records[incident_id] = (changed, found[1] + 1)
        return changed

    async def all(self) -> list[Any]:
        return [state for state, _ in self.records.values()]


class RecordingScheduler:
    """Collects every timer routing schedules."""

    def __init__(self) -> None:
        self.timers: list[Any] = []

    async def __call__(self, timer: Any) -> None:
        self.timers.append(timer)
