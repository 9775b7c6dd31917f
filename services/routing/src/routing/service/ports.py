"""What the use cases need from outside: the durable state, a publisher, a scheduler."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

from contracts.events import Event
from routing.domain.state import IncidentRouting
from routing.domain.timers import Timer


class StateStore(Protocol):
    """One record per incident; every change a compare-and-set on its revision, so two
    routing processes never both move an incident on."""

    async def get(self, incident_id: uuid.UUID) -> tuple[IncidentRouting, int] | None:
        """The record and its revision, if there is one."""
        ...

    async def create(self, state: IncidentRouting) -> IncidentRouting:
        """Record the first routing; if another was recorded first, return that one."""
        ...

    async def update(
        self,
        incident_id: uuid.UUID,
        change: Callable[[IncidentRouting], IncidentRouting | None],
        *,
        attempts: int = 20,
    ) -> IncidentRouting | None:
        """Apply `change` with compare-and-set, re-reading on a conflict (`Conflict`
        after `attempts`). `change` returns None when there is nothing to do; the
        result is then the record as it is (None: there is no record)."""
        ...

    async def all(self) -> list[IncidentRouting]:
        """Every record (at start, to count the open cases)."""
        ...


class Publisher(Protocol):
    async def __call__(self, event: Event) -> None: ...


class Scheduler(Protocol):
    async def __call__(self, timer: Timer) -> None: ...
