"""Notify's domain: notification ids, policies and retry bounds (the circuit breaker is in
test_notify_circuit.py)."""

from __future__ import annotations

import random

import pytest

from contracts.events import ContactPoint, derive_id
from contracts.vocabulary import NotificationChannel
from notify.domain.notifications import Notification, Policy, notifications_for
from notify.domain.retries import (
    Done,
    GiveUp,
    Retry,
    RetryRules,
    due,
    is_final,
    next_step,
    retry_delay,
    started_count,
)
from tests.support.events import ASSIGNMENT_ID

EMAIL = ContactPoint(channel=NotificationChannel.EMAIL, address="a@ngb.example")
SMS = ContactPoint(channel=NotificationChannel.SMS, address="+31600000000")
HOOK = ContactPoint(channel=NotificationChannel.WEBHOOK, address="https://hooks.example/x")
RULES = RetryRules(max_attempts=5, max_retry_s=300, base_s=1, cap_s=60, failover_delay_s=60)


def three() -> tuple[Notification, ...]:
    return notifications_for([SMS, EMAIL, HOOK], assignment_id=ASSIGNMENT_ID, purpose="page")


# --- ids --------------------------------------------------------------------------------


def test_notification_ids_are_stable_and_follow_the_agreed_recipe() -> None:
    first = notifications_for([EMAIL, SMS], assignment_id=ASSIGNMENT_ID, purpose="page")
    again = notifications_for([EMAIL, SMS], assignment_id=ASSIGNMENT_ID, purpose="page")
    assert first == again
    assert first[0].notification_id == derive_id("notification", ASSIGNMENT_ID, "page", "email")
    assert first[1].notification_id == derive_id("notification", ASSIGNMENT_ID, "page", "sms")
    assert first[0].idempotency_key == str(first[0].notification_id)


def test_ids_differ_by_purpose_stage_and_second_address_on_a_channel() -> None:
    other = ContactPoint(channel=NotificationChannel.EMAIL, address="b@ngb.example")
    page = notifications_for([EMAIL, other], assignment_id=ASSIGNMENT_ID, purpose="page")
    notice = notifications_for([EMAIL], assignment_id=ASSIGNMENT_ID, purpose="escalation_notice")
    stage1 = notifications_for([EMAIL], assignment_id=ASSIGNMENT_ID, purpose="reminder", stage="1")
    stage2 = notifications_for([EMAIL], assignment_id=ASSIGNMENT_ID, purpose="reminder", stage="2")
    ids = {n.notification_id for n in (*page, *notice, *stage1, *stage2)}
    assert len(ids) == 5
    assert page[1].notification_id == derive_id("notification", ASSIGNMENT_ID, "page", "email.2")
    assert stage1[0].notification_id == derive_id(
        "notification", ASSIGNMENT_ID, "reminder", "email", "1"
    )


# --- policies ---------------------------------------------------------------------------


def test_important_starts_every_channel_at_once() -> None:
    notifications = three()
    got = due(
        notifications, policy=Policy.IMPORTANT, delivered=(), elapsed_s=0, failover_delay_s=60
    )
    assert got == list(notifications)


def test_important_keeps_trying_what_is_not_yet_delivered() -> None:
    notifications = three()
    delivered = {notifications[1].notification_id}
    got = due(
        notifications,
        policy=Policy.IMPORTANT,
        delivered=delivered,
        elapsed_s=5,
        failover_delay_s=60,
    )
    assert got == [notifications[0], notifications[2]]


@pytest.mark.parametrize(
    ("elapsed", "started"), [(0, 1), (59.9, 1), (60, 2), (119, 2), (120, 3), (10_000, 3)]
)
def test_default_starts_the_next_channel_after_each_delay(elapsed: float, started: int) -> None:
    assert started_count(3, policy=Policy.DEFAULT, elapsed_s=elapsed, delay_s=60) == started
    got = due(three(), policy=Policy.DEFAULT, delivered=(), elapsed_s=elapsed, failover_delay_s=60)
    assert got == list(three()[:started])


def test_default_stops_as_soon_as_one_channel_delivered() -> None:
    notifications = three()
    delivered = {notifications[1].notification_id}
    assert (
        due(
            notifications,
            policy=Policy.DEFAULT,
            delivered=delivered,
            elapsed_s=500,
            failover_delay_s=60,
        )
        == []
    )


# --- retries ----------------------------------------------------------------------------


def test_retry_delay_grows_exponentially_with_full_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (40, 60)]:
        delays = [retry_delay(attempt, base_s=1, cap_s=60, rng=rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # jitter spreads over the whole range
        assert len(set(delays)) > 150


def test_next_step_retries_before_the_bounds() -> None:
    step = next_step(
        three(),
        policy=Policy.IMPORTANT,
        delivered=(),
        attempt=1,
        elapsed_s=1,
        rules=RULES,
        final=False,
    )
    assert isinstance(step, Retry)
    assert 0 <= step.delay_s <= 1


def test_next_step_wakes_up_in_time_for_the_next_channel() -> None:
    rules = RetryRules(max_attempts=10, max_retry_s=900, base_s=100, cap_s=100, failover_delay_s=60)
    rng = random.Random(1)
    for _ in range(50):
        step = next_step(
            three(),
            policy=Policy.DEFAULT,
            delivered=(),
            attempt=4,
            elapsed_s=50,
            rules=rules,
            final=False,
            rng=rng,
        )
        assert isinstance(step, Retry)
        assert step.delay_s <= 10


def test_next_step_never_waits_past_the_time_bound() -> None:
    rules = RetryRules(max_attempts=10, max_retry_s=100, base_s=60, cap_s=60, failover_delay_s=0)
    step = next_step(
        three(),
        policy=Policy.IMPORTANT,
        delivered=(),
        attempt=9,
        elapsed_s=99.5,
        rules=rules,
        final=False,
        rng=random.Random(3),
    )
    assert isinstance(step, Retry)
    assert step.delay_s <= 0.5


@pytest.mark.parametrize(
    ("attempt", "elapsed", "final"),
    [(4, 1, False), (5, 1, True), (6, 1, True), (2, 299.9, False), (2, 300, True), (1, 301, True)],
)
def test_the_final_attempt_is_bounded_by_count_and_time(
    attempt: int, elapsed: float, final: bool
) -> None:
    assert is_final(attempt, elapsed_s=elapsed, rules=RULES) is final


def test_after_the_final_attempt_what_is_undelivered_is_given_up() -> None:
    notifications = three()
    step = next_step(
        notifications,
        policy=Policy.IMPORTANT,
        delivered={notifications[0].notification_id},
        attempt=5,
        elapsed_s=1,
        rules=RULES,
        final=True,
    )
    assert isinstance(step, GiveUp)
    assert step.failed == notifications[1:]


def test_the_final_attempt_tries_every_channel_even_before_its_failover_time() -> None:
    rules = RetryRules(max_attempts=3, max_retry_s=300, base_s=1, cap_s=1, failover_delay_s=60)
    notifications = three()
    assert due(
        notifications, policy=Policy.DEFAULT, delivered=(), elapsed_s=5, failover_delay_s=60
    ) == [notifications[0]]
    assert due(
        notifications,
        policy=Policy.DEFAULT,
        delivered=(),
        elapsed_s=5,
        failover_delay_s=60,
        final=True,
    ) == list(notifications)
    step = next_step(
        notifications,
        policy=Policy.DEFAULT,
        delivered=(),
        attempt=3,
        elapsed_s=5,
        rules=rules,
        final=True,
    )
    assert isinstance(step, GiveUp)
    assert step.failed == notifications


def test_a_retry_is_due_at_once_when_the_time_ran_out_during_an_attempt() -> None:
    step = next_step(
        three(),
        policy=Policy.IMPORTANT,
        delivered=(),
        attempt=2,
        elapsed_s=RULES.max_retry_s + 3,
        rules=RULES,
        final=False,
    )
    assert step == Retry(delay_s=0.0)  # and that next attempt is the final one


def test_next_step_is_done_when_delivered() -> None:
    notifications = three()
    ids = {n.notification_id for n in notifications}
    for policy in Policy:
        step = next_step(
            notifications,
            policy=policy,
            delivered=ids,
            attempt=99,
            elapsed_s=9e9,
            rules=RULES,
            final=True,
        )
        assert isinstance(step, Done)
