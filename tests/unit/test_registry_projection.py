"""The registry's pure fold: statuses, reopening, acknowledgements, order tolerance,
idempotency."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.events import Event
from contracts.vocabulary import Status
from registry.domain.fold import IncidentState, fold
from tests.support.casework_events import action, closed, reopened
from tests.support.events import (
    ASSIGNMENT_ID,
    INCIDENT_ID,
    T0,
    acknowledged,
    assigned,
    escalated,
    notification_failed,
    notification_sent,
    reported,
)

ID = str(INCIDENT_ID)


# reported → assigned → notification_sent → acknowledged → action → closed, one second apart,
# each with the status the case has once that event is folded in.
LIFECYCLE: list[tuple[Event, Status]] = [
    (reported(at=T0), Status.REPORTED),
    (assigned(at=T0 + timedelta(seconds=1)), Status.ASSIGNED),
    (notification_sent(at=T0 + timedelta(seconds=2)), Status.ASSIGNED),
    (acknowledged(at=T0 + timedelta(seconds=3)), Status.ACKNOWLEDGED),
    (action(at=T0 + timedelta(seconds=4)), Status.IN_PROGRESS),
    (closed(at=T0 + timedelta(seconds=5)), Status.CLOSED),
]
EVENTS = [event for event, _ in LIFECYCLE]
CLEAN = fold(ID, EVENTS)

# The same lifecycle with every event at the same instant: the lifecycle rank breaks ties.
SAME_INSTANT = [
    reported(at=T0),
    assigned(at=T0),
    notification_sent(at=T0),
    acknowledged(at=T0),
    action(at=T0),
    closed(at=T0),
]


@pytest.mark.parametrize("length", range(1, len(LIFECYCLE) + 1))
def test_each_step_of_the_lifecycle_has_its_status(length: int) -> None:
    state = fold(ID, EVENTS[:length])
    assert state.status is LIFECYCLE[length - 1][1]
    assert state.reported is True
    assert state.incident_id == ID


def test_clean_lifecycle_values() -> None:
    v = CLEAN.details
    assert v is not None
    assert CLEAN.status is Status.CLOSED
    assert v.role == "mayor"
    assert v.organisation_code == "GM0363"
    assert v.province_code == "PV27"
    assert v.source == "crisis_line"
    assert v.urgency == "high"
    assert v.types == ("threat", "online_harassment")
    assert v.police_status == "none"
    assert v.reason_not_reported == "part_of_the_job"
    assert CLEAN.assignment_id == str(ASSIGNMENT_ID)
    assert CLEAN.adviser_id == "ngb-01"
    assert CLEAN.pool == "ngb"
    assert v.reported_at == T0
    assert CLEAN.acknowledged_at == T0 + timedelta(seconds=3)
    assert CLEAN.closed_at == T0 + timedelta(seconds=5)
    assert CLEAN.actions == 1
    assert CLEAN.escalations == 0


def test_nothing_folds_to_an_unreported_incident() -> None:
    state = fold(ID, [])
    assert state == IncidentState(incident_id=ID)
    assert state.reported is False
    assert state.status is Status.REPORTED


def test_assignment_without_report_is_kept() -> None:
    state = fold(ID, [assigned(at=T0)])
    assert state.reported is False
    assert state.status is Status.ASSIGNED
    assert state.adviser_id == "ngb-01"


def test_notification_failed_does_not_change_the_status() -> None:
    state = fold(ID, [*EVENTS[:2], notification_failed(at=T0 + timedelta(seconds=2))])
    assert state.status is Status.ASSIGNED


def test_escalations_and_actions_are_counted() -> None:
    events = [
        *EVENTS[:2],
        escalated(at=T0 + timedelta(seconds=2)),
        acknowledged(at=T0 + timedelta(seconds=3)),
        action(at=T0 + timedelta(seconds=4), n=1),
        action(at=T0 + timedelta(seconds=5), n=2),
        action(at=T0 + timedelta(seconds=6), n=3),
    ]
    state = fold(ID, events)
    assert state.escalations == 1
    assert state.actions == 3
    assert state.status is Status.IN_PROGRESS


def test_first_acknowledgement_counts() -> None:
    second = acknowledged(at=T0 + timedelta(seconds=9)).model_copy(
        update={"event_id": uuid.UUID(int=7)}
    )
    state = fold(ID, [*EVENTS[:4], second])
    assert state.acknowledged_at == T0 + timedelta(seconds=3)


def test_actions_after_closing_keep_it_closed() -> None:
    state = fold(ID, [*EVENTS, action(at=T0 + timedelta(seconds=9), n=1)])
    assert state.status is Status.CLOSED


# --- reopen -----------------------------------------------------------------------------


def test_reopened_after_closed_is_in_progress() -> None:
    state = fold(ID, [*EVENTS, reopened(at=T0 + timedelta(seconds=6))])
    assert state.status is Status.IN_PROGRESS
    assert state.closed_at is None


def test_reopened_unacknowledged_case_is_assigned_again() -> None:
    events = [
        *EVENTS[:2],
        closed(at=T0 + timedelta(seconds=2)),
        reopened(at=T0 + timedelta(seconds=3)),
    ]
    assert fold(ID, events).status is Status.ASSIGNED


def test_reopened_unassigned_case_is_reported_again() -> None:
    events = [
        reported(at=T0),
        closed(at=T0 + timedelta(seconds=1)),
        reopened(at=T0 + timedelta(seconds=2)),
    ]
    assert fold(ID, events).status is Status.REPORTED


def test_closed_reopened_closed_again() -> None:
    events = [
        *EVENTS,
        reopened(at=T0 + timedelta(seconds=6)),
        closed(at=T0 + timedelta(seconds=7), n=1),
    ]
    state = fold(ID, events)
    assert state.status is Status.CLOSED
    assert state.closed_at == T0 + timedelta(seconds=7)


def test_reopen_of_an_open_case_changes_nothing() -> None:
    events = [*EVENTS[:4], reopened(at=T0 + timedelta(seconds=4))]
    assert fold(ID, events) == fold(ID, EVENTS[:4])


def test_reopen_before_the_close_changes_nothing() -> None:
    events = [*EVENTS, reopened(at=T0 + timedelta(seconds=4, milliseconds=500))]
    assert fold(ID, events).status is Status.CLOSED


# --- order tolerance and idempotency ----------------------------------------------------


def test_duplicates_change_nothing() -> None:
    assert fold(ID, EVENTS + EVENTS + EVENTS[::2]) == CLEAN


def test_reversed_order_is_the_clean_state() -> None:
    assert fold(ID, list(reversed(EVENTS))) == CLEAN


@pytest.mark.parametrize("seed", range(50))
def test_seeded_shuffles_with_duplicates_are_the_clean_state(seed: int) -> None:
    rng = random.Random(seed)
    events = EVENTS + [rng.choice(EVENTS) for _ in range(rng.randint(0, 8))]
    rng.shuffle(events)
    assert fold(ID, events) == CLEAN


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(
    order=st.permutations(EVENTS),
    duplicates=st.lists(st.sampled_from(EVENTS), max_size=12),
    shuffler=st.randoms(use_true_random=False),
)
def test_any_order_with_duplicates_is_the_clean_state(
    order: list[Event], duplicates: list[Event], shuffler: random.Random
) -> None:
    events = [*order, *duplicates]
    shuffler.shuffle(events)
    assert fold(ID, events) == CLEAN


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(order=st.permutations(SAME_INSTANT), duplicates=st.lists(st.sampled_from(SAME_INSTANT)))
def test_ties_in_time_are_broken_by_the_lifecycle(
    order: list[Event], duplicates: list[Event]
) -> None:
    state = fold(ID, [*order, *duplicates])
    assert state == fold(ID, SAME_INSTANT)
    assert state.status is Status.CLOSED


REOPENED = [*EVENTS, reopened(at=T0 + timedelta(seconds=6))]


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(order=st.permutations(REOPENED), duplicates=st.lists(st.sampled_from(REOPENED)))
def test_reopen_is_order_tolerant(order: list[Event], duplicates: list[Event]) -> None:
    assert fold(ID, [*order, *duplicates]) == fold(ID, REOPENED)


def test_fold_does_not_mutate_or_depend_on_earlier_folds() -> None:
    before = [e.model_copy() for e in EVENTS]
    first = fold(ID, EVENTS)
    first.actions = 99
    assert fold(ID, EVENTS) == CLEAN
    assert before == EVENTS


def test_fold_accepts_any_iterable() -> None:
    assert fold(ID, iter(EVENTS)) == CLEAN
    assert fold(ID, (e for e in EVENTS)) == CLEAN


@pytest.mark.parametrize("named", [True, False])
def test_an_early_clock_on_the_acknowledgement_does_not_undo_it(named: bool) -> None:
    # Routing's clock runs a second ahead of intake's: the acknowledgement is stamped
    # before the assignment it acknowledges.
    ack = acknowledged(at=T0 + timedelta(seconds=9))
    if not named:
        ack = ack.model_copy(update={"assignment_id": None})
    state = fold(ID, [reported(), assigned(at=T0 + timedelta(seconds=10)), ack])
    assert state.status is Status.ACKNOWLEDGED
    assert state.acknowledged_at == T0 + timedelta(seconds=9)


def test_an_acknowledgement_of_a_superseded_assignment_does_not_count() -> None:
    second = uuid.uuid4()
    state = fold(
        ID,
        [
            reported(),
            assigned(at=T0 + timedelta(seconds=1)),
            acknowledged(at=T0 + timedelta(seconds=2)),
            assigned(at=T0 + timedelta(seconds=3), assignment_id=second, n=1).model_copy(
                update={"escalation_level": 1}
            ),
        ],
    )
    assert state.status is Status.ASSIGNED
    assert state.assignment_id == str(second)
    assert state.acknowledged_at is None
