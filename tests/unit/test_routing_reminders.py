"""Idle-case reminders: the adviser, then the coordinator; activity since moves them,
closing the case stops them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.events import ReminderDue
from tests.support.casework_events import action, closed
from tests.support.events import INCIDENT_ID, acknowledged, reported
from tests.support.routing_helpers import of_type, router_with


async def test_idle_case_reminds_the_adviser_then_the_coordinator() -> None:
    router, publisher, scheduler, state = router_with(IDLE_REMINDER_S=0.001)
    await router.handle(reported(), attempt=1)
    assignment_id = scheduler.timers[0].assignment_id
    now = datetime.now(UTC)
    await router.handle(
        acknowledged(at=now).model_copy(update={"assignment_id": assignment_id}), attempt=1
    )
    idle = scheduler.timers[-1]
    assert await router.fire(idle) is None
    await router.fire(scheduler.timers[-1])
    reminders = of_type(publisher.events, ReminderDue)
    assert [(r.recipient, r.adviser_id, r.stage) for r in reminders] == [
        ("adviser", "ngb-1", 1),
        ("coordinator", "ngb-coord", 2),
    ]
    assert state.records[INCIDENT_ID][0].reminders == 2


async def test_activity_moves_the_reminder_and_closing_stops_it() -> None:
    router, publisher, scheduler, _ = router_with(IDLE_REMINDER_S=3600)
    await router.handle(reported(), attempt=1)
    assignment_id = scheduler.timers[0].assignment_id
    acked_at = datetime.now(UTC) - timedelta(hours=2)
    await router.handle(
        acknowledged(at=acked_at).model_copy(update={"assignment_id": assignment_id}), attempt=1
    )
    await router.handle(action(at=datetime.now(UTC) - timedelta(minutes=1)), attempt=1)
    later = await router.fire(scheduler.timers[-1].model_copy(update={"due_at": acked_at}))
    assert later is not None
    assert later > datetime.now(UTC) + timedelta(minutes=55)
    await router.handle(closed(at=datetime.now(UTC)), attempt=1)
    assert await router.fire(scheduler.timers[-1]) is None
    assert of_type(publisher.events, ReminderDue) == []
