"""Routing's case work: hand assignment, decline, raised urgency, and decisions made on a
state another decision moved meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.events import (
    AckDeadlineShortened,
    AdviserAssigned,
    AssignmentEscalated,
    AssignmentRejected,
)
from contracts.vocabulary import Urgency
from routing.domain.state import Conflict
from tests.support.casework_events import assignment_requested, closed, declined, details_updated
from tests.support.events import INCIDENT_ID, acknowledged, reported
from tests.support.routing_helpers import (
    StaleOnce,
    adviser,
    conflicted_roster,
    of_type,
    router_with,
    staffed_roster,
)

# --- hand assignment -------------------------------------------------------------------


async def test_a_case_routing_never_assigned_is_assigned_by_hand() -> None:
    router, publisher, scheduler, state = router_with(
        staffed_roster(advisers=[adviser("nvvr-1", "nvvr")], pools={}, shifts={}),
        ACK_DEADLINE_HIGH_S=900,
    )
    request = assignment_requested(adviser_id="nvvr-1")
    await router.handle(request, attempt=1)
    (assigned,) = of_type(publisher.events, AdviserAssigned)
    assert assigned.adviser_id == "nvvr-1" and assigned.request_id == request.request_id
    assert assigned.escalation_level == 0
    assert assigned.ack_deadline == request.occurred_at + timedelta(seconds=900)
    assert of_type(publisher.events, AssignmentEscalated) == []  # nobody had it before
    assert scheduler.timers[-1].due_at == assigned.ack_deadline
    assert state.records[INCIDENT_ID][0].request_id == request.request_id


async def test_a_handover_supersedes_the_assignment_and_tells_the_previous_adviser() -> None:
    router, publisher, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    first_timer = scheduler.timers[0]
    await router.handle(assignment_requested(adviser_id="ngb-coord"), attempt=1)
    first, moved = of_type(publisher.events, AdviserAssigned)
    assert (first.adviser_id, moved.adviser_id) == ("ngb-1", "ngb-coord")
    assert moved.escalation_level == 1 and moved.assignment_id != first.assignment_id
    (notice,) = of_type(publisher.events, AssignmentEscalated)
    assert notice.reason == "reassigned" and notice.previous_adviser_id == "ngb-1"
    assert notice.previous_contacts[0].address == "ngb-1@example.nl"
    assert router.open_cases() == {"ngb-1": 0, "ngb-coord": 1}
    # the superseded assignment's timer does nothing
    await router.fire(first_timer)
    assert len(of_type(publisher.events, AdviserAssigned)) == 2
    # nobody acknowledges the hand assignment: the snapshot goes on from where it stood
    await router.fire(scheduler.timers[-1])
    assert of_type(publisher.events, AdviserAssigned)[-1].adviser_id == "ngb-1"
    assert state.records[INCIDENT_ID][0].level == 2


async def test_a_redelivered_request_changes_nothing_and_two_routers_decide_the_same() -> None:
    router, publisher, _, state = router_with()
    other, other_publisher, _, other_state = router_with()
    for each in (router, other):
        await each.handle(reported(), attempt=1)
    other_state.records = dict(state.records)  # both saw the same state
    request = assignment_requested(adviser_id="ngb-2")
    await router.handle(request, attempt=1)
    await other.handle(request, attempt=1)
    # the same events, ids and all: JetStream keeps one, every consumer drops a repeat
    assert publisher.events[1:] == other_publisher.events[1:]
    # redelivered to a router that recorded it: nothing new (the same events again, the
    # same ids, in case a crash came between recording and publishing)
    await router.handle(request, attempt=2)
    assert len({e.event_id for e in of_type(publisher.events, AdviserAssigned)}) == 2
    assert of_type(publisher.events, AssignmentRejected) == []


@pytest.mark.parametrize(
    ("adviser_id", "reason"),
    [
        ("ngb-x", "conflict_of_interest"),
        ("ngb-off", "inactive_adviser"),
        ("nobody", "unknown_adviser"),
        ("ngb-1", "already_assigned"),
    ],
)
async def test_a_hand_assignment_that_cannot_stand_is_rejected(
    adviser_id: str, reason: str
) -> None:
    router, publisher, scheduler, _ = router_with(conflicted_roster())
    await router.handle(reported(), attempt=1)
    timers = len(scheduler.timers)
    await router.handle(assignment_requested(adviser_id=adviser_id), attempt=1)
    (rejected,) = of_type(publisher.events, AssignmentRejected)
    assert rejected.reason == reason and rejected.adviser_id == adviser_id
    assert len(of_type(publisher.events, AdviserAssigned)) == 1
    assert len(scheduler.timers) == timers


async def test_a_closed_case_is_not_assigned_by_hand() -> None:
    router, publisher, _, _ = router_with()
    await router.handle(reported(), attempt=1)
    await router.handle(closed(), attempt=1)
    await router.handle(assignment_requested(adviser_id="ngb-2"), attempt=1)
    (rejected,) = of_type(publisher.events, AssignmentRejected)
    assert rejected.reason == "incident_closed"


# --- decline ---------------------------------------------------------------------------


async def test_a_decline_escalates_at_once_and_only_once() -> None:
    router, publisher, _, state = router_with()
    await router.handle(reported(), attempt=1)
    first = of_type(publisher.events, AdviserAssigned)[0]
    decline = declined().model_copy(update={"assignment_id": first.assignment_id})
    await router.handle(decline, attempt=1)
    await router.handle(decline, attempt=2)
    # the redelivery publishes the same events again at most: the same ids
    assigned = list({a.event_id: a for a in of_type(publisher.events, AdviserAssigned)}.values())
    assert [a.adviser_id for a in assigned] == ["ngb-1", "ngb-2"]
    (escalation,) = {e.event_id: e for e in of_type(publisher.events, AssignmentEscalated)}.values()
    assert escalation.reason == "declined" and escalation.previous_adviser_id == "ngb-1"
    assert state.records[INCIDENT_ID][0].level == 1


async def test_declining_a_superseded_assignment_does_nothing() -> None:
    router, publisher, _, _ = router_with()
    await router.handle(reported(), attempt=1)
    await router.handle(declined(), attempt=1)  # names another assignment
    assert len(of_type(publisher.events, AdviserAssigned)) == 1


# --- raised urgency --------------------------------------------------------------------


async def test_raising_the_urgency_shortens_the_deadline_counted_from_the_report() -> None:
    router, publisher, scheduler, state = router_with(
        ACK_DEADLINE_NORMAL_S=3600, ACK_DEADLINE_ACUTE_S=300
    )
    report = reported(urgency=Urgency.NORMAL)
    await router.handle(report, attempt=1)
    await router.handle(details_updated(urgency="acute"), attempt=1)
    (shortened,) = of_type(publisher.events, AckDeadlineShortened)
    assert shortened.ack_deadline == report.occurred_at + timedelta(seconds=300)
    assert scheduler.timers[-1].due_at == shortened.ack_deadline
    assert scheduler.timers[-1].msg_id != scheduler.timers[0].msg_id
    recorded = state.records[INCIDENT_ID][0]
    assert (recorded.urgency, recorded.deadline_s) == (Urgency.ACUTE, 300)
    # again (a redelivery) or lower: nothing more
    await router.handle(details_updated(urgency="acute"), attempt=2)
    await router.handle(details_updated(urgency="high", n=1), attempt=1)
    assert len(of_type(publisher.events, AckDeadlineShortened)) == 1
    # the deadline passed: the timer escalates, and the next page has the new urgency
    await router.fire(scheduler.timers[1])
    assert of_type(publisher.events, AdviserAssigned)[-1].urgency is Urgency.HIGH
    assert len(of_type(publisher.events, AssignmentEscalated)) == 1


async def test_raising_the_urgency_of_an_acknowledged_case_keeps_its_deadline() -> None:
    router, publisher, _, _ = router_with()
    await router.handle(reported(urgency=Urgency.NORMAL), attempt=1)
    ack = acknowledged().model_copy(update={"assignment_id": None})
    await router.handle(ack, attempt=1)
    await router.handle(details_updated(urgency="acute"), attempt=1)
    assert of_type(publisher.events, AckDeadlineShortened) == []


async def test_a_hand_assignment_decided_before_an_escalation_pages_nobody() -> None:
    router, publisher, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    before = state.records[INCIDENT_ID]
    await router.fire(scheduler.timers[0])  # the deadline passed: escalated to the backup
    state.get = StaleOnce(state, before)
    with pytest.raises(Conflict):  # redelivered, and decided again on what is there now
        await router.handle(assignment_requested(adviser_id="ngb-coord"), attempt=1)
    assert [p.adviser_id for p in of_type(publisher.events, AdviserAssigned)] == ["ngb-1", "ngb-2"]
    await router.handle(assignment_requested(adviser_id="ngb-coord"), attempt=2)
    pages = of_type(publisher.events, AdviserAssigned)
    assert [p.adviser_id for p in pages] == ["ngb-1", "ngb-2", "ngb-coord"]
    notice = of_type(publisher.events, AssignmentEscalated)[-1]
    assert (notice.reason, notice.previous_adviser_id) == ("reassigned", "ngb-2")


async def test_a_deadline_that_fires_on_a_state_a_hand_assignment_moved_pages_nobody() -> None:
    router, publisher, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    before = state.records[INCIDENT_ID]
    await router.handle(assignment_requested(adviser_id="ngb-coord"), attempt=1)
    state.get = StaleOnce(state, before)
    await router.fire(scheduler.timers[0])  # the first assignment's deadline, read stale
    assert [p.adviser_id for p in of_type(publisher.events, AdviserAssigned)] == [
        "ngb-1",
        "ngb-coord",
    ]
    assert [e.reason for e in of_type(publisher.events, AssignmentEscalated)] == ["reassigned"]
