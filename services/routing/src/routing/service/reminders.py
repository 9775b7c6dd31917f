"""Remind the adviser, then the coordinator, of an acknowledged case left idle."""

from __future__ import annotations

from datetime import datetime

from contracts.events import utcnow
from routing.domain import events, reminders
from routing.domain.reminders import Remind, RemindLater
from routing.domain.timers import Timer
from routing.service.context import Context
from routing.service.metrics import REMINDERS


async def remind(*, ctx: Context, timer: Timer) -> datetime | None:
    """Send the reminder `timer` is for; returns its new due time when the case saw
    activity since (the caller schedules it again), None otherwise."""
    state = await ctx.current(timer.incident_id)
    if state is None:
        return None
    decision = reminders.decide(
        state,
        timer,
        roster=ctx.roster,
        idle_reminder_s=ctx.settings.idle_reminder_s,
        now=utcnow(),
    )
    if isinstance(decision, RemindLater):
        return decision.due
    if not isinstance(decision, Remind):
        return None
    await ctx.publish(
        events.reminder_due(
            state,
            recipient=decision.recipient,
            target=decision.target,
            stage=decision.stage,
            idle_since=decision.idle_since,
            at=utcnow(),
        )
    )
    if decision.next_timer is not None:
        await ctx.schedule(decision.next_timer)
    after = await ctx.state.update(state.incident_id, lambda s: reminders.sent(s, decision.stage))
    if after is not None and after.reminders == decision.stage:
        REMINDERS.labels(decision.recipient).inc()
    return None
