"""What every use case works with: the roster in force, the settings, the ports, and
the open-case bookkeeping the assignment policy reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from contracts.events import AssignmentRequested, IncidentReported
from contracts.vocabulary import Source
from routing.domain.assignment import RoundRobin
from routing.domain.load import Load
from routing.domain.roster import Roster
from routing.domain.state import IncidentRouting
from routing.service.metrics import OPEN_UNACKNOWLEDGED
from routing.service.ports import Publisher, Scheduler, StateStore
from routing.settings import RoutingSettings


@dataclass(slots=True)
class Context:
    roster: Roster
    settings: RoutingSettings
    state: StateStore
    publish: Publisher
    schedule: Scheduler
    load: Load = field(default_factory=Load)
    turns: RoundRobin = field(default_factory=RoundRobin)

    def track(self, state: IncidentRouting, previous: IncidentRouting | None = None) -> None:
        """Keep the open cases and the unacknowledged gauge in step with a change."""
        self.load.track(state, previous)
        OPEN_UNACKNOWLEDGED.set(len(self.load.unacknowledged))

    async def current(self, incident_id: uuid.UUID) -> IncidentRouting | None:
        found = await self.state.get(incident_id)
        return found[0] if found else None

    async def change(
        self, incident_id: uuid.UUID, change: Callable[[IncidentRouting], IncidentRouting | None]
    ) -> IncidentRouting | None:
        """Apply `change` by compare-and-set and count what it changed."""
        before = await self.current(incident_id)
        after = await self.state.update(incident_id, change)
        if before is not None and after is not None and after != before:
            self.track(after, before)
        return after

    def deadline_s(self, facts: IncidentReported | AssignmentRequested) -> float:
        """Seconds to acknowledge: by urgency, or the outreach deadline after a media report."""
        if facts.source is Source.MEDIA_REPORT:
            return self.settings.outreach_deadline_s
        return self.settings.ack_deadline_s(facts.urgency)
