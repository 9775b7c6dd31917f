"""Routing's use case: assign every reported incident exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from prometheus_client import Counter

from contracts.events import (
    AdviserAssigned,
    Event,
    IncidentReported,
    IncidentUnroutable,
    derive_id,
    utcnow,
)
from contracts.runtime.logging import get_logger
from routing.domain import RoundRobin, choose
from routing.roster import Roster
from routing.settings import RoutingSettings

PRODUCER = "routing"
_log = get_logger("routing")

ASSIGNMENTS = Counter(
    "weerbaar_routing_assignments_total", "Advisers assigned", ["pool", "urgency", "fallback"]
)
UNROUTABLE = Counter("weerbaar_routing_unroutable_total", "Incidents nobody could be assigned to")


class Publisher(Protocol):
    async def __call__(self, event: Event) -> None: ...


class AssignmentState(Protocol):
    async def get(self, incident_id: str) -> AdviserAssigned | None:
        """The first assignment made for this incident, if any."""
        ...

    async def create(self, incident_id: str, assigned: AdviserAssigned) -> AdviserAssigned:
        """Record the first assignment; if another was recorded first, return that one."""
        ...


class Router:
    def __init__(
        self,
        *,
        roster: Roster,
        settings: RoutingSettings,
        state: AssignmentState,
        publish: Publisher,
    ) -> None:
        self.roster = roster
        self._settings = settings
        self._state = state
        self._publish = publish
        self._turns = RoundRobin()

    async def handle(self, event: Event, attempt: int) -> None:
        if isinstance(event, IncidentReported):
            await self.assign(event)

    async def assign(self, reported: IncidentReported) -> None:
        key = str(reported.incident_id)
        # A redelivered report finds its assignment recorded and publishes the same
        # event again (same event id: JetStream and every consumer drop the repeat).
        assigned = await self._state.get(key)
        if assigned is None:
            decided = self._decide(reported)
            if decided is None:
                await self._unroutable(reported)
                return
            assigned = await self._state.create(key, decided)
            if assigned.event_id == decided.event_id and assigned.adviser_id == decided.adviser_id:
                fallback = assigned.pool is not self.roster.pool_for(reported.official.role)
                ASSIGNMENTS.labels(
                    assigned.pool.value, assigned.urgency.value, str(fallback).lower()
                ).inc()
        await self._publish(assigned)

    def _decide(self, reported: IncidentReported) -> AdviserAssigned | None:
        role = reported.official.role
        choice = choose(self.roster, role, self._turns)
        if choice is None:
            return None
        now = utcnow()
        return AdviserAssigned(
            event_id=derive_id("adviser.assigned", reported.incident_id, 0),
            incident_id=reported.incident_id,
            occurred_at=now,
            causation_id=reported.event_id,
            producer=PRODUCER,
            assignment_id=derive_id("assignment", reported.incident_id, 0),
            adviser_id=choice.adviser.id,
            pool=choice.pool,
            urgency=reported.urgency,
            ack_deadline=now + timedelta(seconds=self._settings.ack_deadline_s(reported.urgency)),
            escalation_level=0,
            role=role,
            organisation_code=reported.official.organisation_code,
            incident_types=reported.incident.types,
            contacts=choice.adviser.contacts,
        )

    async def _unroutable(self, reported: IncidentReported) -> None:
        UNROUTABLE.inc()
        _log.error(
            "incident unroutable: nobody in the roster can take it",
            incident_id=str(reported.incident_id),
            role=reported.official.role.value,
        )
        await self._publish(
            IncidentUnroutable(
                event_id=derive_id("incident.unroutable", reported.incident_id),
                incident_id=reported.incident_id,
                occurred_at=utcnow(),
                causation_id=reported.event_id,
                producer=PRODUCER,
                pool=self.roster.pool_for(reported.official.role),
                reason="no active adviser in the role's pool or the fallback pool",
            )
        )
