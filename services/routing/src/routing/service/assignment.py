"""Assign a reported incident, take its acknowledgement, and follow changed facts."""

from __future__ import annotations

from datetime import timedelta

from contracts.events import (
    AssignmentAcknowledged,
    IncidentDetailsUpdated,
    IncidentReported,
    utcnow,
)
from routing.domain import events
from routing.domain import state as states
from routing.domain.assignment import first_assignment
from routing.domain.casework import shortened_deadline
from routing.domain.state import IncidentRouting
from routing.domain.timers import ack_timer, idle_timer
from routing.service.context import Context
from routing.service.metrics import (
    ASSIGNMENTS,
    DEADLINES_SHORTENED,
    TIME_TO_ACK,
    UNROUTABLE,
)
from weerbaar_runtime.logging import Throttle, get_logger

_log = get_logger("routing")
_relaxed = Throttle(60.0)
"""Relaxed assignments (counted by `ASSIGNMENTS`' `relaxed` label) may be every case
while a pool is busy: logged once a minute per pool and reason."""


async def assign(*, ctx: Context, reported: IncidentReported) -> None:
    """Page the adviser the policy chooses and schedule the deadline; a redelivered
    report finds its assignment recorded and publishes the same events again."""
    state = await ctx.current(reported.incident_id)
    if state is None:
        decided = first_assignment(
            reported,
            ctx.roster,
            at=utcnow(),
            load=ctx.load.open_cases,
            turns=ctx.turns,
            deadline_s=ctx.deadline_s(reported),
            rounds=ctx.settings.escalation_rounds,
        )
        if decided is None:
            await _unroutable(ctx=ctx, reported=reported)
            return
        state, choice = decided
        if choice.relaxed and (held_back := _relaxed((choice.pool, choice.relaxed))) is not None:
            _log.warning(
                "assignment relaxed: nobody fully available",
                incident_id=str(reported.incident_id),
                pool=choice.pool.value,
                reason=choice.relaxed,
                held_back=held_back,
            )
        recorded = await ctx.state.create(state)
        if recorded == state:
            ctx.track(state)
            ASSIGNMENTS.labels(
                choice.pool.value,
                state.urgency.value,
                "true" if choice.fallback else "false",
                choice.relaxed or "no",
            ).inc()
        state = recorded
    # The deadline is stored before the page is announced: whoever sees the assignment
    # can count on its escalation, even if routing dies before the report is acknowledged
    # (the report would come back only after the consumer's ack_wait). Same ids on a
    # redelivery: dropped by JetStream and by every consumer.
    await ctx.schedule(ack_timer(state))
    await ctx.publish(events.assigned(state, causation=reported.event_id))


async def _unroutable(*, ctx: Context, reported: IncidentReported) -> None:
    reason = "no adviser in the role's pool or the fallback pool"
    UNROUTABLE.inc()
    _log.error(
        "incident unroutable: nobody can take it",
        incident_id=str(reported.incident_id),
        role=reported.official.role.value,
        reason=reason,
    )
    pool = ctx.roster.default_pool(reported.official.role)
    await ctx.publish(events.unroutable(reported, pool=pool, reason=reason, at=utcnow()))


async def acknowledge(*, ctx: Context, event: AssignmentAcknowledged) -> None:
    """Stop the escalation and schedule the idle reminder."""
    state = await ctx.change(
        event.incident_id,
        lambda s: states.acknowledged(s, assignment_id=event.assignment_id, at=event.occurred_at),
    )
    if state is None or state.acknowledged_at != event.occurred_at:
        return
    first = state.ring[0]
    waited = (
        event.occurred_at - state.assigned_at
    ).total_seconds() + state.level * state.deadline_s
    TIME_TO_ACK.labels(first.pool.value, state.urgency.value).observe(max(0.0, waited))
    due = event.occurred_at + timedelta(seconds=ctx.settings.idle_reminder_s)
    await ctx.schedule(idle_timer(state, due_at=due))


async def update_details(*, ctx: Context, event: IncidentDetailsUpdated) -> None:
    """Facts that changed: later pages carry them; a raised urgency of a case nobody
    acknowledged shortens its deadline (a timer that is due at once when the new
    deadline has passed already)."""
    if event.urgency is None and event.types is None:
        return
    state = await ctx.current(event.incident_id)
    if state is None:
        return
    urgency = event.urgency or state.urgency
    deadline_s = ctx.settings.ack_deadline_s(urgency)
    due = shortened_deadline(state, deadline_s) if event.urgency else None
    if due is not None:
        await ctx.schedule(ack_timer(state, due_at=due))
        await ctx.publish(events.deadline_shortened(event, state, urgency=urgency, due=due))
    types = list(event.types) if event.types is not None else state.incident_types

    def update(current: IncidentRouting) -> IncidentRouting | None:
        shorter = due is not None and current.assignment_id == state.assignment_id
        after = states.changed(
            current,
            urgency=urgency,
            incident_types=types,
            deadline_s=min(current.deadline_s, deadline_s) if shorter else current.deadline_s,
        )
        return None if after == current else after

    after = await ctx.change(event.incident_id, update)
    if due is not None and after is not None and after.deadline_s == deadline_s:
        DEADLINES_SHORTENED.inc()
