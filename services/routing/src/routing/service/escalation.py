"""Escalate an unacknowledged assignment to the next adviser of its snapshot."""

from __future__ import annotations

import uuid

from contracts.events import EscalationReason, utcnow
from routing.domain import escalation, events
from routing.domain.escalation import Escalate, Exhausted, PublishAgain
from routing.domain.state import IncidentRouting, exhausted
from routing.domain.timers import ack_timer
from routing.service.context import Context
from routing.service.metrics import ESCALATIONS, UNROUTABLE
from weerbaar_runtime.logging import get_logger

_log = get_logger("routing")


async def escalate(
    *,
    ctx: Context,
    incident_id: uuid.UUID,
    assignment_id: uuid.UUID,
    reason: EscalationReason,
) -> None:
    """Move `assignment_id` on to the next adviser of the snapshot, if it is still the
    current, unacknowledged one.

    The move is claimed by compare-and-set before anything is published, so of two
    decisions made on the same state (this one and a hand assignment, say) only the one
    that claimed it pages anybody. Its events have ids derived from the incident and the
    level, and everything they say is in the claimed state: a redelivery after a crash
    between the claim and the publishing publishes them again, the same."""
    state = await ctx.current(incident_id)
    if state is None:
        return
    decision = escalation.decide(state, assignment_id=assignment_id, reason=reason, at=utcnow())
    if isinstance(decision, PublishAgain):
        await publish_escalation(ctx=ctx, moved=decision.moved)  # make sure it is out
        return
    if isinstance(decision, Exhausted):
        await _exhausted(ctx=ctx, state=decision.state)
        return
    if not isinstance(decision, Escalate):
        return
    claimed: list[IncidentRouting] = []

    def advance(current: IncidentRouting) -> IncidentRouting | None:
        again = escalation.decide(current, assignment_id=assignment_id, reason=reason, at=utcnow())
        if not isinstance(again, Escalate):
            return None
        claimed[:] = [again.moved]
        return again.moved

    after = await ctx.state.update(incident_id, advance)
    if after is None or not escalation.escalated_from(after, assignment_id):
        return  # moved on by another decision first: it pages, this one does not
    if claimed and after is claimed[0]:
        # Only the process whose compare-and-set won counts the escalation.
        ctx.track(after, state)
        ESCALATIONS.labels(state.step.pool.value, reason).inc()
        _log.warning(
            "assignment escalated",
            incident_id=str(incident_id),
            escalation_level=after.level,
            reason=reason,
            pool=after.step.pool.value,
        )
    await publish_escalation(ctx=ctx, moved=after)


async def publish_escalation(*, ctx: Context, moved: IncidentRouting) -> None:
    """The events of an escalation as the claimed state records it (same ids again)."""
    notice = events.escalated(moved)
    if notice is None:
        return
    await ctx.schedule(ack_timer(moved))  # stored before it is announced, as in assign
    await ctx.publish(notice)
    await ctx.publish(events.assigned(moved, causation=None))


async def _exhausted(*, ctx: Context, state: IncidentRouting) -> None:
    UNROUTABLE.inc()
    _log.error(
        "escalation chain exhausted: nobody acknowledged",
        incident_id=str(state.incident_id),
        escalation_level=state.level,
    )
    await ctx.publish(events.exhausted(state, at=utcnow()))
    await ctx.change(state.incident_id, exhausted)
