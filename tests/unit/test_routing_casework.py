"""Routing's case work: hand assignment, decline, raised urgency, who is on call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.events import (
    AckDeadlineShortened,
    AdviserAssigned,
    AssignmentEscalated,
    AssignmentRejected,
)
from contracts.vocabulary import Pool, Role, Urgency
from routing.domain import Request, RoundRobin, choose
from routing.oncall import change_points, on_call, pool_duty, preview
from routing.state import Conflict
from tests.support.casework_events import assignment_requested, closed, declined, details_updated
from tests.support.events import INCIDENT_ID, T0, acknowledged, reported
from tests.unit.test_routing import AMS, adviser, night_roster, router_with, staffed_roster


def of(events: list[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def conflicted_roster() -> Any:
    roster = staffed_roster()
    advisers = [
        *[a.model_dump(by_alias=True) for a in roster.advisers],
        adviser("ngb-x", "ngb", organisations=["GM0363"]),
        adviser("ngb-off", "ngb", active=False),
    ]
    return staffed_roster(advisers=advisers)


# --- hand assignment -------------------------------------------------------------------


async def test_a_case_routing_never_assigned_is_assigned_by_hand() -> None:
    router, publisher, scheduler, state = router_with(
        staffed_roster(advisers=[adviser("nvvr-1", "nvvr")], pools={}, shifts={}),
        ACK_DEADLINE_HIGH_S=900,
    )
    request = assignment_requested(adviser_id="nvvr-1")
    await router.handle(request, attempt=1)
    (assigned,) = of(publisher.events, AdviserAssigned)
    assert assigned.adviser_id == "nvvr-1" and assigned.request_id == request.request_id
    assert assigned.escalation_level == 0
    assert assigned.ack_deadline == request.occurred_at + timedelta(seconds=900)
    assert of(publisher.events, AssignmentEscalated) == []  # nobody had it before
    assert scheduler.timers[-1].due_at == assigned.ack_deadline
    assert state.records[INCIDENT_ID][0].request_id == request.request_id


async def test_a_handover_supersedes_the_assignment_and_tells_the_previous_adviser() -> None:
    router, publisher, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    first_timer = scheduler.timers[0]
    await router.handle(assignment_requested(adviser_id="ngb-coord"), attempt=1)
    first, moved = of(publisher.events, AdviserAssigned)
    assert (first.adviser_id, moved.adviser_id) == ("ngb-1", "ngb-coord")
    assert moved.escalation_level == 1 and moved.assignment_id != first.assignment_id
    (notice,) = of(publisher.events, AssignmentEscalated)
    assert notice.reason == "reassigned" and notice.previous_adviser_id == "ngb-1"
    assert notice.previous_contacts[0].address == "ngb-1@example.nl"
    assert router.open_cases() == {"ngb-1": 0, "ngb-coord": 1}
    # the superseded assignment's timer does nothing
    await router.fire(first_timer)
    assert len(of(publisher.events, AdviserAssigned)) == 2
    # nobody acknowledges the hand assignment: the snapshot goes on from where it stood
    await router.fire(scheduler.timers[-1])
    assert of(publisher.events, AdviserAssigned)[-1].adviser_id == "ngb-1"
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
    assert len({e.event_id for e in of(publisher.events, AdviserAssigned)}) == 2
    assert of(publisher.events, AssignmentRejected) == []


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
    (rejected,) = of(publisher.events, AssignmentRejected)
    assert rejected.reason == reason and rejected.adviser_id == adviser_id
    assert len(of(publisher.events, AdviserAssigned)) == 1
    assert len(scheduler.timers) == timers


async def test_a_closed_case_is_not_assigned_by_hand() -> None:
    router, publisher, _, _ = router_with()
    await router.handle(reported(), attempt=1)
    await router.handle(closed(), attempt=1)
    await router.handle(assignment_requested(adviser_id="ngb-2"), attempt=1)
    (rejected,) = of(publisher.events, AssignmentRejected)
    assert rejected.reason == "incident_closed"


# --- decline ---------------------------------------------------------------------------


async def test_a_decline_escalates_at_once_and_only_once() -> None:
    router, publisher, _, state = router_with()
    await router.handle(reported(), attempt=1)
    first = of(publisher.events, AdviserAssigned)[0]
    decline = declined().model_copy(update={"assignment_id": first.assignment_id})
    await router.handle(decline, attempt=1)
    await router.handle(decline, attempt=2)
    # the redelivery publishes the same events again at most: the same ids
    assigned = list({a.event_id: a for a in of(publisher.events, AdviserAssigned)}.values())
    assert [a.adviser_id for a in assigned] == ["ngb-1", "ngb-2"]
    (escalation,) = {e.event_id: e for e in of(publisher.events, AssignmentEscalated)}.values()
    assert escalation.reason == "declined" and escalation.previous_adviser_id == "ngb-1"
    assert state.records[INCIDENT_ID][0].level == 1


async def test_declining_a_superseded_assignment_does_nothing() -> None:
    router, publisher, _, _ = router_with()
    await router.handle(reported(), attempt=1)
    await router.handle(declined(), attempt=1)  # names another assignment
    assert len(of(publisher.events, AdviserAssigned)) == 1


# --- raised urgency --------------------------------------------------------------------


async def test_raising_the_urgency_shortens_the_deadline_counted_from_the_report() -> None:
    router, publisher, scheduler, state = router_with(
        ACK_DEADLINE_NORMAL_S=3600, ACK_DEADLINE_ACUTE_S=300
    )
    report = reported(urgency=Urgency.NORMAL)
    await router.handle(report, attempt=1)
    await router.handle(details_updated(urgency="acute"), attempt=1)
    (shortened,) = of(publisher.events, AckDeadlineShortened)
    assert shortened.ack_deadline == report.occurred_at + timedelta(seconds=300)
    assert scheduler.timers[-1].due_at == shortened.ack_deadline
    assert scheduler.timers[-1].msg_id != scheduler.timers[0].msg_id
    recorded = state.records[INCIDENT_ID][0]
    assert (recorded.urgency, recorded.deadline_s) == (Urgency.ACUTE, 300)
    # again (a redelivery) or lower: nothing more
    await router.handle(details_updated(urgency="acute"), attempt=2)
    await router.handle(details_updated(urgency="high", n=1), attempt=1)
    assert len(of(publisher.events, AckDeadlineShortened)) == 1
    # the deadline passed: the timer escalates, and the next page has the new urgency
    await router.fire(scheduler.timers[1])
    assert of(publisher.events, AdviserAssigned)[-1].urgency is Urgency.HIGH
    assert len(of(publisher.events, AssignmentEscalated)) == 1


async def test_raising_the_urgency_of_an_acknowledged_case_keeps_its_deadline() -> None:
    router, publisher, _, _ = router_with()
    await router.handle(reported(urgency=Urgency.NORMAL), attempt=1)
    ack = acknowledged().model_copy(update={"assignment_id": None})
    await router.handle(ack, attempt=1)
    await router.handle(details_updated(urgency="acute"), attempt=1)
    assert of(publisher.events, AckDeadlineShortened) == []


# --- who is on call, across daylight saving ---------------------------------------------


@pytest.mark.parametrize(
    ("evening", "until_utc"),
    [
        # 28 to 29 March 2026: 02:00 CET is 03:00 CEST at once (01:00 UTC), so the late
        # shift (to 02:00) ends at 01:00 UTC and the night shift is an hour shorter
        (datetime(2026, 3, 28, 23, 0), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # 24 to 25 October 2026: 02:00 comes twice; the late shift ends at the first
        # (00:00 UTC) and the night shift is an hour longer
        (datetime(2026, 10, 24, 23, 0), datetime(2026, 10, 25, 0, 0, tzinfo=UTC)),
    ],
)
def test_on_call_across_the_daylight_saving_nights(evening: datetime, until_utc: datetime) -> None:
    roster = night_roster()
    at = evening.replace(tzinfo=AMS).astimezone(UTC)
    duty = pool_duty(roster, Pool.NGB, at)
    assert duty.now.primary == ("late",)
    assert duty.until == until_utc  # 02:00 local, whatever its offset
    assert duty.next is not None and duty.next.primary == ("night",)
    assert duty.until - at == timedelta(hours=3)  # 23:00 to 02:00 on the wall clock
    night = pool_duty(roster, Pool.NGB, until_utc)
    assert night.until is not None
    spring = until_utc.month == 3
    assert night.until - until_utc == timedelta(hours=5 if spring else 7)  # 02:00 to 08:00
    # every minute of the weekend the answer equals the roster's own
    for minute in range(0, 48 * 60, 7):
        instant = at + timedelta(minutes=minute)
        found = pool_duty(roster, Pool.NGB, instant, horizon=timedelta(hours=12))
        primaries, backups = roster.on_call(Pool.NGB, instant)
        assert list(found.now.primary) == primaries and list(found.now.backup) == backups
        if found.until is not None:
            assert roster.on_call(Pool.NGB, found.until)[0] != primaries
            before = found.until - timedelta(seconds=1)
            assert roster.on_call(Pool.NGB, before)[0] == primaries
    assert duty.gaps == []


def test_gaps_are_exact_across_the_change() -> None:
    # only a day shift: the nights are gaps, the spring night an hour shorter
    slot = {"days": ["sat", "sun"], "from": "08:00", "to": "20:00", "primary": "day"}
    roster = staffed_roster(
        advisers=[adviser("day", "ngb")],
        pools={},
        shifts={"rotations": [{"pool": "ngb", "start": "2026-01-05", "weeks": [[slot]]}]},
    )
    at = datetime(2026, 3, 28, 12, tzinfo=AMS).astimezone(UTC)
    duty = pool_duty(roster, Pool.NGB, at, horizon=timedelta(days=2))
    night = duty.gaps[0]
    assert night[0] == datetime(2026, 3, 28, 19, 0, tzinfo=UTC)  # 20:00 CET
    assert night[1] == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST
    assert night[1] - night[0] == timedelta(hours=11)
    assert all(start < end for start, end in duty.gaps)
    assert change_points(roster, Pool.NGB, at, at + timedelta(days=2))
    assert {d.pool for d in on_call(roster, at)} == set(Pool)


@pytest.mark.parametrize(
    "local",
    [
        datetime(2026, 3, 29, 1, 30),
        datetime(2026, 3, 29, 3, 30),
        datetime(2026, 10, 25, 2, 30),
        datetime(2026, 10, 25, 12, 0),
    ],
)
def test_the_preview_chooses_who_routing_would(local: datetime) -> None:
    roster = night_roster()
    at = local.replace(tzinfo=AMS).astimezone(UTC)
    request = Request(role=Role.MAYOR, organisation_code="GM0363", province="PV27")
    turns = RoundRobin()
    shown = preview(roster, request, at=at, load={}, turns=turns)
    chosen = choose(roster, request, at=at, load={}, turns=turns)
    assert shown.choice is not None and chosen is not None
    assert shown.choice.adviser.id == chosen.adviser.id == roster.on_call(Pool.NGB, at)[0][0]
    reasons = {c.adviser_id: c.passed_over for c in shown.candidates}
    assert reasons[chosen.adviser.id] == ()
    assert all(r for a, r in reasons.items() if a != chosen.adviser.id)


def test_the_preview_names_why_advisers_are_passed_over() -> None:
    roster = conflicted_roster()
    request = Request(role=Role.MAYOR, organisation_code="GM0363", province="PV27")
    shown = preview(roster, request, at=T0, load={"ngb-1": 10}, turns=RoundRobin())
    reasons = {c.adviser_id: c.passed_over for c in shown.candidates}
    assert "conflict" in reasons["ngb-x"]
    assert "inactive" in reasons["ngb-off"]
    assert "capacity" in reasons["ngb-1"]
    assert shown.choice is not None and shown.choice.adviser.id == "ngb-2"
    assert shown.pools == [Pool.NGB, Pool.BZK]


class StaleOnce:
    """A state store whose next read returns a snapshot taken earlier: a decision made
    on the state before another process moved it."""

    def __init__(self, state: Any, snapshot: Any) -> None:
        self._state, self._snapshot = state, snapshot
        self._real = state.get

    async def __call__(self, incident_id: Any) -> Any:
        self._state.get = self._real
        return self._snapshot


async def test_a_hand_assignment_decided_before_an_escalation_pages_nobody() -> None:
    router, publisher, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    before = state.records[INCIDENT_ID]
    await router.fire(scheduler.timers[0])  # the deadline passed: escalated to the backup
    state.get = StaleOnce(state, before)
    with pytest.raises(Conflict):  # redelivered, and decided again on what is there now
        await router.handle(assignment_requested(adviser_id="ngb-coord"), attempt=1)
    assert [p.adviser_id for p in of(publisher.events, AdviserAssigned)] == ["ngb-1", "ngb-2"]
    await router.handle(assignment_requested(adviser_id="ngb-coord"), attempt=2)
    pages = of(publisher.events, AdviserAssigned)
    assert [p.adviser_id for p in pages] == ["ngb-1", "ngb-2", "ngb-coord"]
    notice = of(publisher.events, AssignmentEscalated)[-1]
    assert (notice.reason, notice.previous_adviser_id) == ("reassigned", "ngb-2")


async def test_a_deadline_that_fires_on_a_state_a_hand_assignment_moved_pages_nobody() -> None:
    router, publisher, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    before = state.records[INCIDENT_ID]
    await router.handle(assignment_requested(adviser_id="ngb-coord"), attempt=1)
    state.get = StaleOnce(state, before)
    await router.fire(scheduler.timers[0])  # the first assignment's deadline, read stale
    assert [p.adviser_id for p in of(publisher.events, AdviserAssigned)] == ["ngb-1", "ngb-coord"]
    assert [e.reason for e in of(publisher.events, AssignmentEscalated)] == ["reassigned"]
