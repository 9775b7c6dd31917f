"""What the registry's use cases need from the outside, as protocols."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from contracts.events import Event
from weerbaar_runtime.auth import Principal

Publish = Callable[[Event], Awaitable[None]]
"""Store an event in JetStream; raises once it cannot (the caller answers 503)."""


class CaseLookup(Protocol):
    """Reading cases and events from the read model."""

    async def incident(
        self, incident_id: uuid.UUID
    ) -> tuple[Any, list[Event], dict[str, str | None]] | None:
        """The record, its events and its personal values (opened)."""
        ...

    async def event(self, event_id: uuid.UUID) -> Event | None: ...


class ErasableCases(Protocol):
    async def erasable(self, *, closed_before: datetime, limit: int) -> list[str]:
        """Closed cases past retention whose personal data is still there."""
        ...


class Audit(Protocol):
    """The append-only audit log."""

    async def record(
        self,
        principal: Principal,
        action: str,
        *,
        incident_id: str | None = None,
        detail: dict[str, Any] | None = None,
        client: str | None = None,
        at: datetime | None = None,
    ) -> None: ...
