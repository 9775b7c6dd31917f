"""The router: routing's use cases behind one object, for the subscribers, the timer
consumer and the HTTP API. It dispatches; the use cases live beside it."""

from __future__ import annotations

from datetime import datetime

from contracts.events import (
    ActionRecorded,
    AssignmentAcknowledged,
    AssignmentDeclined,
    AssignmentRequested,
    Event,
    IncidentClosed,
    IncidentDetailsUpdated,
    IncidentReopened,
    IncidentReported,
    NotificationFailed,
)
from routing.domain import state as states
from routing.domain.assignment import Request
from routing.domain.oncall import Preview, preview
from routing.domain.roster import Roster
from routing.domain.timers import Timer
from routing.service.assignment import acknowledge, assign, update_details
from routing.service.context import Context
from routing.service.escalation import escalate
from routing.service.handwork import assign_by_hand
from routing.service.metrics import OPEN_UNACKNOWLEDGED
from routing.service.ports import Publisher, Scheduler, StateStore
from routing.service.reminders import remind
from routing.settings import RoutingSettings


class Router:
    def __init__(
        self,
        *,
        roster: Roster,
        settings: RoutingSettings,
        state: StateStore,
        publish: Publisher,
        schedule: Scheduler,
    ) -> None:
        self._ctx = Context(
            roster=roster, settings=settings, state=state, publish=publish, schedule=schedule
        )

    @property
    def roster(self) -> Roster:
        """The roster in force (a reload replaces it; a snapshot taken keeps its own)."""
        return self._ctx.roster

    @roster.setter
    def roster(self, roster: Roster) -> None:
        self._ctx.roster = roster

    async def warm_up(self) -> None:
        """Count open cases per adviser from the durable state."""
        self._ctx.load.clear()
        for state in await self._ctx.state.all():
            self._ctx.load.track(state)
        OPEN_UNACKNOWLEDGED.set(len(self._ctx.load.unacknowledged))

    def open_cases(self) -> dict[str, int]:
        return dict(self._ctx.load.open_cases)

    def preview(self, request: Request, *, at: datetime) -> Preview:
        """Who would be paged for these facts now, taking nothing."""
        ctx = self._ctx
        return preview(ctx.roster, request, at=at, load=ctx.load.open_cases, turns=ctx.turns)

    async def handle(self, event: Event, attempt: int) -> None:
        """An event of routing's durable consumer."""
        ctx = self._ctx
        if isinstance(event, IncidentReported):
            await assign(ctx=ctx, reported=event)
        elif isinstance(event, AssignmentAcknowledged):
            await acknowledge(ctx=ctx, event=event)
        elif isinstance(event, ActionRecorded):
            await ctx.change(event.incident_id, lambda s: states.active(s, event.occurred_at))
        elif isinstance(event, IncidentClosed):
            await ctx.change(event.incident_id, states.closed)
        elif isinstance(event, IncidentReopened):
            await ctx.change(event.incident_id, lambda s: states.reopened(s, event.occurred_at))
        elif isinstance(event, NotificationFailed) and event.purpose == "page":
            await escalate(
                ctx=ctx,
                incident_id=event.incident_id,
                assignment_id=event.assignment_id,
                reason="notification_failed",
            )
        elif isinstance(event, AssignmentDeclined):
            await escalate(
                ctx=ctx,
                incident_id=event.incident_id,
                assignment_id=event.assignment_id,
                reason="declined",
            )
        elif isinstance(event, AssignmentRequested):
            await assign_by_hand(ctx=ctx, event=event)
        elif isinstance(event, IncidentDetailsUpdated):
            await update_details(ctx=ctx, event=event)

    async def fire(self, timer: Timer) -> datetime | None:
        """A timer that is due. Stale timers (acknowledged, re-assigned, closed) do
        nothing; a reminder whose case saw activity since returns its new due time."""
        if timer.kind == "ack":
            await escalate(
                ctx=self._ctx,
                incident_id=timer.incident_id,
                assignment_id=timer.assignment_id,
                reason="ack_deadline_passed",
            )
            return None
        return await remind(ctx=self._ctx, timer=timer)
