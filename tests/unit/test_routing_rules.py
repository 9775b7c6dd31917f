"""The escalation and reminder rules as pure decisions over an incident's snapshot: no
store, no broker, no clock but the one passed in."""

from __future__ import annotations

from datetime import timedelta

from routing.domain import escalation, reminders
from routing.domain.assignment import RoundRobin, first_assignment
from routing.domain.state import IncidentRouting, changed
from routing.domain.timers import Timer, idle_timer
from tests.support.events import T0, reported
from tests.support.routing_helpers import staffed_roster


def snapshot(**changes: object) -> IncidentRouting:
    decided = first_assignment(
        reported(),
        staffed_roster(),
        at=T0,
        load={},
        turns=RoundRobin(),
        deadline_s=900,
        rounds=1,
    )
    assert decided is not None
    return changed(decided[0], **changes)


def test_escalation_pages_the_next_of_the_snapshot_then_gives_up() -> None:
    state = snapshot()
    assert [s.adviser_id for s in state.ring] == ["ngb-1", "ngb-2", "ngb-coord", "bzk-coord"]
    later = T0 + timedelta(minutes=15)
    paged = []
    while True:
        decision = escalation.decide(
            state, assignment_id=state.assignment_id, reason="ack_deadline_passed", at=later
        )
        if not isinstance(decision, escalation.Escalate):
            break
        moved = decision.moved
        assert (moved.moved_from, moved.moved_from_step) == (state.assignment_id, state.step)
        assert moved.assigned_at == later and moved.level == state.level + 1
        state = moved
        paged.append(state.step.adviser_id)
    assert paged == ["ngb-2", "ngb-coord", "bzk-coord"]
    assert decision == escalation.Exhausted(state)


def test_escalating_an_assignment_again_publishes_it_again_or_does_nothing() -> None:
    state = snapshot()
    first = state.assignment_id
    decision = escalation.decide(state, assignment_id=first, reason="declined", at=T0)
    assert isinstance(decision, escalation.Escalate)
    # the same decision on the state it claimed: its events again, nothing new
    again = escalation.decide(decision.moved, assignment_id=first, reason="declined", at=T0)
    assert again == escalation.PublishAgain(decision.moved)
    handed_over = changed(decision.moved, moved_reason="reassigned")
    assert isinstance(
        escalation.decide(handed_over, assignment_id=first, reason="declined", at=T0),
        escalation.NoEscalation,
    )
    for stopped in (
        changed(state, acknowledged_at=T0),
        changed(state, closed=True),
        changed(state, exhausted=True),
    ):
        found = escalation.decide(stopped, assignment_id=first, reason="declined", at=T0)
        assert isinstance(found, escalation.NoEscalation)


def idle(state: IncidentRouting, stage: int = 1) -> Timer:
    return idle_timer(state, due_at=T0 + timedelta(hours=4 * stage), stage=stage)


def test_a_reminder_goes_to_the_adviser_then_to_the_coordinator() -> None:
    roster = staffed_roster()
    state = snapshot(acknowledged_at=T0)
    at = T0 + timedelta(hours=4)
    first = reminders.decide(state, idle(state), roster=roster, idle_reminder_s=4 * 3600, now=at)
    assert isinstance(first, reminders.Remind)
    assert (first.recipient, first.target.adviser_id, first.idle_since) == ("adviser", "ngb-1", T0)
    assert first.next_timer is not None and first.next_timer.stage == 2
    assert first.next_timer.due_at == T0 + timedelta(hours=8)
    sent = reminders.sent(state, 1)
    assert sent is not None and reminders.sent(sent, 1) is None
    second = reminders.decide(
        sent, first.next_timer, roster=roster, idle_reminder_s=4 * 3600, now=T0 + timedelta(hours=8)
    )
    assert isinstance(second, reminders.Remind)
    assert (second.recipient, second.target.adviser_id) == ("coordinator", "ngb-coord")
    assert second.next_timer is None


def test_activity_moves_a_reminder_and_a_stale_one_does_nothing() -> None:
    roster = staffed_roster()
    state = snapshot(acknowledged_at=T0, last_activity_at=T0 + timedelta(hours=3))
    at = T0 + timedelta(hours=4)
    later = reminders.decide(state, idle(state), roster=roster, idle_reminder_s=4 * 3600, now=at)
    assert later == reminders.RemindLater(T0 + timedelta(hours=7))
    for stale in (
        changed(state, closed=True),
        changed(state, acknowledged_at=None),
        changed(state, reminders=1),
    ):
        found = reminders.decide(stale, idle(state), roster=roster, idle_reminder_s=1, now=at)
        assert isinstance(found, reminders.NoReminder)
