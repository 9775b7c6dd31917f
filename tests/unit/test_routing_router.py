"""The router: assignment, the escalation chain, acknowledgement and open cases."""

from __future__ import annotations

from contracts.events import (
    AdviserAssigned,
    AssignmentEscalated,
    Event,
    IncidentUnroutable,
    derive_id,
)
from contracts.vocabulary import Pool, Source, Urgency
from routing.domain.roster import Roster
from routing.service.router import Router
from routing.settings import RoutingSettings
from tests.support.casework_events import closed
from tests.support.events import INCIDENT_ID, acknowledged, notification_failed, reported
from tests.support.fakes import MemoryStateStore, RecordingPublisher, RecordingScheduler
from tests.support.routing_helpers import always, of_type, router_with, staffed_roster


async def test_assigns_and_schedules_the_deadline() -> None:
    router, publisher, scheduler, _ = router_with(ACK_DEADLINE_HIGH_S=900)
    await router.handle(reported(), attempt=1)
    (assigned,) = of_type(publisher.events, AdviserAssigned)
    assert (assigned.pool, assigned.adviser_id, assigned.escalation_level) == (Pool.NGB, "ngb-1", 0)
    assert assigned.assignment_id == derive_id("assignment", INCIDENT_ID, 0)
    (timer,) = scheduler.timers
    assert timer.kind == "ack"
    assert timer.due_at == assigned.ack_deadline
    assert (assigned.ack_deadline - assigned.occurred_at).total_seconds() == 900


async def test_the_deadline_is_stored_before_any_assignment_is_announced() -> None:
    # A routing process killed once the page is announced but before the report is
    # acknowledged: the report comes back only after the consumer's ack_wait (30 s), so
    # the deadline must already be stored when anyone can see the assignment.
    scheduler, seen = RecordingScheduler(), []

    class Announcer(RecordingPublisher):
        async def __call__(self, event: Event) -> None:
            if isinstance(event, AdviserAssigned):
                seen.append(len(scheduler.timers))
            await super().__call__(event)

    router = Router(
        roster=staffed_roster(),
        settings=RoutingSettings(ESCALATION_ROUNDS=1),
        state=MemoryStateStore(),
        publish=Announcer(),
        schedule=scheduler,
    )
    await router.handle(reported(), attempt=1)
    await router.fire(scheduler.timers[-1])  # the escalation announces the backup
    assert seen == [1, 2]


async def test_redelivered_report_publishes_the_identical_assignment() -> None:
    router, publisher, scheduler, _ = router_with(
        staffed_roster(shifts={"rotations": [always("ngb", ["ngb-1", "ngb-2"])]})
    )
    await router.handle(reported(), attempt=1)
    await router.handle(reported(), attempt=2)
    first, second = of_type(publisher.events, AdviserAssigned)
    assert first == second
    assert scheduler.timers[0] == scheduler.timers[1]


async def test_escalation_chain_backup_coordinator_bzk_coordinator_then_exhausted() -> None:
    router, publisher, scheduler, state = router_with(ESCALATION_ROUNDS=1)
    await router.handle(reported(), attempt=1)
    paged = []
    for _ in range(4):
        timer = scheduler.timers[-1]
        await router.fire(timer)
        paged.append(of_type(publisher.events, AdviserAssigned)[-1].adviser_id)
    assert paged == ["ngb-2", "ngb-coord", "bzk-coord", "bzk-coord"]
    escalations = of_type(publisher.events, AssignmentEscalated)
    assert [e.previous_adviser_id for e in escalations] == ["ngb-1", "ngb-2", "ngb-coord"]
    assert escalations[0].previous_contacts[0].address == "ngb-1@example.nl"
    (unroutable,) = of_type(publisher.events, IncidentUnroutable)
    assert "exhausted" in unroutable.reason
    assert state.records[INCIDENT_ID][0].exhausted


async def test_a_stale_timer_does_nothing() -> None:
    router, publisher, scheduler, _ = router_with()
    await router.handle(reported(), attempt=1)
    first_timer = scheduler.timers[0]
    await router.fire(first_timer)
    published = {e.event_id: e for e in publisher.events}
    await router.fire(first_timer)  # redelivered or duplicated: the assignment moved on
    # Nothing new: at most the same events again, the same ids (JetStream keeps one), in
    # case a crash came between claiming the move and publishing it.
    assert {e.event_id: e.type for e in publisher.events} == {
        i: e.type for i, e in published.items()
    }


async def test_acknowledgement_stops_the_chain_and_schedules_the_idle_reminder() -> None:
    router, publisher, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    ack_timer = scheduler.timers[0]
    ack = acknowledged().model_copy(update={"assignment_id": ack_timer.assignment_id})
    await router.handle(ack, attempt=1)
    assert state.records[INCIDENT_ID][0].acknowledged_at == ack.occurred_at
    await router.fire(ack_timer)
    assert of_type(publisher.events, AssignmentEscalated) == []
    assert scheduler.timers[-1].kind == "idle"


async def test_acknowledging_a_superseded_assignment_does_not_stop_the_new_one() -> None:
    router, _, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    first = scheduler.timers[0]
    await router.fire(first)
    stale = acknowledged().model_copy(update={"assignment_id": first.assignment_id})
    await router.handle(stale, attempt=1)
    assert state.records[INCIDENT_ID][0].acknowledged_at is None


async def test_snapshot_survives_a_roster_change() -> None:
    router, publisher, scheduler, _ = router_with()
    await router.handle(reported(), attempt=1)
    router.roster = staffed_roster(shifts={"rotations": [always("ngb", "ngb-coord", "ngb-1")]})
    await router.fire(scheduler.timers[-1])
    assert of_type(publisher.events, AdviserAssigned)[-1].adviser_id == "ngb-2"


async def test_a_failed_page_escalates_at_once() -> None:
    router, publisher, _, _ = router_with()
    await router.handle(reported(), attempt=1)
    assigned = of_type(publisher.events, AdviserAssigned)[0]
    failed = notification_failed().model_copy(update={"assignment_id": assigned.assignment_id})
    await router.handle(failed, attempt=1)
    (escalated,) = of_type(publisher.events, AssignmentEscalated)
    assert escalated.reason == "notification_failed"


async def test_when_every_page_fails_the_chain_waits_for_the_deadline() -> None:
    # the mail server down: each failed page escalated at once, through every round of
    # the chain, a dead letter each; now once around the ring, then at each deadline
    router, publisher, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    ring = len(state.records[INCIDENT_ID][0].ring)
    assert state.records[INCIDENT_ID][0].max_level + 1 > ring  # more rounds than one

    async def fail_current() -> None:
        current = of_type(publisher.events, AdviserAssigned)[-1]
        failed = notification_failed().model_copy(
            update={"assignment_id": current.assignment_id, "adviser_id": current.adviser_id}
        )
        await router.handle(failed, attempt=1)

    for _ in range(ring + 2):
        await fail_current()
    escalations = of_type(publisher.events, AssignmentEscalated)
    assert [e.reason for e in escalations] == ["notification_failed"] * (ring - 1)
    paged = [a.adviser_id for a in of_type(publisher.events, AdviserAssigned)]
    assert len(paged) == ring and len(set(paged)) == len(
        set(s.adviser_id for s in state.records[INCIDENT_ID][0].ring)
    )
    assert of_type(publisher.events, IncidentUnroutable) == []
    # the deadline still moves it on, and a failure then waits for the next deadline
    await router.fire(scheduler.timers[-1])
    assert of_type(publisher.events, AssignmentEscalated)[-1].reason == "ack_deadline_passed"
    await fail_current()
    assert len(of_type(publisher.events, AssignmentEscalated)) == ring
    assert scheduler.timers[-1].kind == "ack"


async def test_media_report_gets_the_outreach_deadline() -> None:
    router, publisher, _, _ = router_with(ACK_DEADLINE_OUTREACH_S=7200)
    report = reported().model_copy(update={"source": Source.MEDIA_REPORT, "urgency": Urgency.ACUTE})
    await router.handle(report, attempt=1)
    (assigned,) = of_type(publisher.events, AdviserAssigned)
    assert (assigned.ack_deadline - assigned.occurred_at).total_seconds() == 7200


async def test_nobody_at_all_is_unroutable() -> None:
    router, publisher, scheduler, _ = router_with(Roster.model_validate({"advisers": []}))
    await router.handle(reported(), attempt=1)
    (event,) = publisher.events
    assert isinstance(event, IncidentUnroutable)
    assert scheduler.timers == []


async def test_open_cases_are_counted_and_released() -> None:
    router, _, scheduler, _ = router_with()
    await router.handle(reported(), attempt=1)
    assert router.open_cases() == {"ngb-1": 1}
    await router.fire(scheduler.timers[-1])
    assert router.open_cases() == {"ngb-1": 0, "ngb-2": 1}
    await router.handle(closed(), attempt=1)
    assert router.open_cases()["ngb-2"] == 0
