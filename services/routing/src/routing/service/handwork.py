"""Hand assignments: an operator or coordinator assigns a case, or hands it over."""

from __future__ import annotations

from contracts.events import AssignmentRequested, utcnow
from routing.domain import casework, events
from routing.domain.state import Conflict, IncidentRouting
from routing.domain.timers import ack_timer
from routing.service.context import Context
from routing.service.metrics import HAND_ASSIGNMENTS
from weerbaar_runtime.logging import get_logger

_log = get_logger("routing")


async def assign_by_hand(*, ctx: Context, event: AssignmentRequested) -> None:
    """Check and carry out a hand assignment: the new adviser is paged and the
    previous one told, or the request is rejected with the reason. As with an
    escalation, the move is claimed by compare-and-set before it is published."""
    state = await ctx.current(event.incident_id)
    if state is not None and state.request_id == event.request_id:
        # Carried out already (a redelivery, or the other routing process): make sure
        # its events are out, as the claimed state records them.
        if state.moved_reason is not None:
            await _publish(ctx=ctx, event=event, moved=state)
        return
    checked = casework.check(ctx.roster, event, state)
    if isinstance(checked, casework.Rejection):
        await _reject(ctx=ctx, event=event, rejection=checked)
        return
    moved = casework.assign_by_hand(
        event,
        state,
        checked,
        roster=ctx.roster,
        deadline_s=ctx.deadline_s(event),
        rounds=ctx.settings.escalation_rounds,
        at=utcnow(),
    ).model_copy(
        update={
            "moved_from": state.assignment_id if state else None,
            "moved_from_step": state.step if state else None,
            "moved_reason": "reassigned" if state else "assigned",
        }
    )
    if state is None:
        recorded = await ctx.state.create(moved)
        won = recorded == moved
        if not won and recorded.request_id != event.request_id:
            # routing assigned the report meanwhile: decide again on redelivery
            raise Conflict(str(event.incident_id))
    else:
        superseded = state.assignment_id

        def supersede(current: IncidentRouting) -> IncidentRouting | None:
            if current.request_id == event.request_id:
                return None
            if current.assignment_id != superseded:
                # moved on since this was decided: decide again on redelivery
                raise Conflict(str(event.incident_id))
            return moved

        won = await ctx.state.update(event.incident_id, supersede) is moved
    if won:
        ctx.track(moved, state)
        HAND_ASSIGNMENTS.labels("assigned").inc()
        _log.info(
            "assigned by hand",
            incident_id=str(event.incident_id),
            pool=moved.step.pool.value,
            escalation_level=moved.level,
        )
    await _publish(ctx=ctx, event=event, moved=moved)


async def _publish(*, ctx: Context, event: AssignmentRequested, moved: IncidentRouting) -> None:
    """The events of a hand assignment as the claimed state records them."""
    notice = events.reassigned(event, moved)
    if notice is not None:
        await ctx.publish(notice)
    await ctx.schedule(ack_timer(moved))  # stored before it is announced, as in assign
    await ctx.publish(events.assigned_by_hand(event, moved))


async def _reject(
    *, ctx: Context, event: AssignmentRequested, rejection: casework.Rejection
) -> None:
    HAND_ASSIGNMENTS.labels(rejection.reason).inc()
    _log.warning(
        "hand assignment refused", incident_id=str(event.incident_id), reason=rejection.reason
    )
    await ctx.publish(events.rejected(event, rejection, at=utcnow()))
