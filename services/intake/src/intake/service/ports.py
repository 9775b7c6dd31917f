"""What the use cases need from the outside world."""

from __future__ import annotations

import uuid
from typing import Protocol

from contracts.events import AdviserAssigned, Event
from intake.domain.case import CaseFacts
from weerbaar_runtime.nats import PublishFailedError

__all__ = [
    "EventPublisher",
    "IdempotencyConflictError",
    "IdempotencyStore",
    "IncidentLookup",
    "PublishFailedError",
    "Sealer",
]


class IdempotencyConflictError(Exception):
    """The key was used before with a different request."""


class EventPublisher(Protocol):
    async def publish(self, event: Event) -> None:
        """Store the event in JetStream; return only once it is stored."""
        ...


class Sealer(Protocol):
    async def seal(self, event: Event) -> Event:
        """The event with its personal fields sealed with its case's data key (made and
        stored first when the case has none); raises PublishFailedError when the key
        store does not answer, so nothing is published."""
        ...


class IdempotencyStore(Protocol):
    async def claim(self, key: str, fingerprint: str) -> str:
        """Record `fingerprint` under `key` (or find it there); return the key's seed.
        Raises IdempotencyConflictError when the key holds another fingerprint."""
        ...


class IncidentLookup(Protocol):
    async def exists(self, incident_id: uuid.UUID) -> bool:
        """Whether an incident with this id was reported."""
        ...

    async def registered(self, incident_id: uuid.UUID) -> bool:
        """Whether a registration with this id was received."""
        ...

    async def current_assignment(self, incident_id: uuid.UUID) -> AdviserAssigned | None:
        """The latest assignment published for the incident, if any."""
        ...

    async def assigned_advisers(self, incident_id: uuid.UUID) -> list[str]:
        """Every adviser the incident was ever assigned to."""
        ...

    async def erased(self, incident_id: uuid.UUID) -> bool:
        """Whether the incident's personal data was erased."""
        ...

    async def closed(self, incident_id: uuid.UUID) -> bool:
        """Whether the case is closed now (closed and not reopened since)."""
        ...

    async def acknowledged(self, incident_id: uuid.UUID, assignment_id: uuid.UUID) -> bool:
        """Whether this assignment was acknowledged."""
        ...

    async def facts(self, incident_id: uuid.UUID) -> CaseFacts | None:
        """The case's current facts (None: no such incident)."""
        ...
