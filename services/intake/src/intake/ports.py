"""What the use cases need from the outside world."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Protocol

from contracts.events import AdviserAssigned, Event, IncidentDetailsUpdated
from contracts.vocabulary import IncidentType, Role, Source, Urgency
from weerbaar_runtime.nats import PublishFailedError

__all__ = [
    "CaseFacts",
    "EventPublisher",
    "IdempotencyConflictError",
    "IdempotencyStore",
    "IncidentLookup",
    "PublishFailedError",
]


class IdempotencyConflictError(Exception):
    """The key was used before with a different request."""


class EventPublisher(Protocol):
    async def publish(self, event: Event) -> None:
        """Store the event in JetStream; return only once it is stored."""
        ...


class IdempotencyStore(Protocol):
    async def claim(self, key: str, fingerprint: str) -> str:
        """Record `fingerprint` under `key` (or find it there); return the key's seed.
        Raises IdempotencyConflictError when the key holds another fingerprint."""
        ...


class SupersededError(Exception):
    """The assignment named is no longer the incident's current one."""

    def __init__(self, current: AdviserAssigned | None) -> None:
        super().__init__("superseded")
        self.current = current


class InvalidLinkError(Exception):
    """The acknowledge token is forged, expired or for another incident."""


class AlreadyAcknowledgedError(Exception):
    """The assignment was acknowledged: it can be handed over, not declined."""


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What routing needs to know of a case to assign it by hand."""

    role: Role
    organisation_code: str
    urgency: Urgency
    types: list[IncidentType]
    source: Source

    def updated(self, update: IncidentDetailsUpdated) -> CaseFacts:
        return replace(
            self,
            urgency=update.urgency or self.urgency,
            types=list(update.types) if update.types is not None else self.types,
        )


class IncidentLookup(Protocol):
    async def exists(self, incident_id: uuid.UUID) -> bool:
        """Whether an incident with this id was reported."""
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
