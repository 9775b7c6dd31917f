"""The Notifier with in-memory ports: retries with backoff, the policies over the
channels, the delivered log failing, and giving up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.events import NotificationFailed, NotificationSent, derive_id
from contracts.vocabulary import NotificationChannel, Urgency
from tests.support.events import T0, assigned
from tests.support.notify_rig import EMAIL, HOOK, PAGE_EMAIL, RULES, SMS, Rig
from weerbaar_runtime.consumer import GiveUpError, RetryLaterError


async def test_a_failure_asks_for_a_retry_with_backoff_and_sends_later() -> None:
    rig = Rig(failures={NotificationChannel.EMAIL: 1})
    with pytest.raises(RetryLaterError) as retry:
        await rig.notifier.handle(assigned(), attempt=1)
    assert 0 <= retry.value.delay_s <= 1
    assert retry.value.error_type == "Down"
    assert rig.publisher.events == []
    assert rig.log.records == {}
    await rig.notifier.handle(assigned(), attempt=2)
    assert len(rig.sent(NotificationChannel.EMAIL)) == 1
    (sent,) = rig.reports(NotificationSent)
    assert sent.attempt == 2


async def test_the_last_attempt_reports_failed_and_parks_the_message() -> None:
    rig = Rig(failures={NotificationChannel.EMAIL: 99})
    with pytest.raises(GiveUpError) as gave_up:
        await rig.notifier.handle(assigned(), attempt=RULES.max_attempts)
    assert gave_up.value.error_type == "Down"
    (failed,) = rig.publisher.events
    assert isinstance(failed, NotificationFailed)
    assert failed.event_id == derive_id("notification.failed", PAGE_EMAIL)
    assert (failed.notification_id, failed.channel) == (PAGE_EMAIL, NotificationChannel.EMAIL)
    assert (failed.attempts, failed.error, failed.purpose) == (RULES.max_attempts, "Down", "page")
    assert rig.log.records == {}


async def test_running_out_of_time_gives_up_before_the_attempt_bound() -> None:
    rig = Rig(failures={NotificationChannel.EMAIL: 99})
    rig.clock.now = T0 + timedelta(seconds=RULES.max_retry_s)
    with pytest.raises(GiveUpError):
        await rig.notifier.handle(assigned(), attempt=2)
    assert len(rig.reports(NotificationFailed)) == 1


async def test_a_redriven_message_gets_a_fresh_time_budget() -> None:
    rig = Rig()
    rig.clock.now = T0 + timedelta(days=2)
    rig.stored_at = rig.clock.now - timedelta(seconds=1)  # stored anew by the re-drive
    rig.channels[NotificationChannel.EMAIL].failures = 1
    with pytest.raises(RetryLaterError):
        await rig.notifier.handle(assigned(), attempt=1)


async def test_acute_pages_every_channel_at_once() -> None:
    rig = Rig()
    event = assigned(urgency=Urgency.ACUTE, contacts=[EMAIL, SMS, HOOK])
    await rig.notifier.handle(event, attempt=1)
    for channel in NotificationChannel:
        assert len(rig.sent(channel)) == 1, channel
    assert {e.channel for e in rig.reports(NotificationSent)} == set(NotificationChannel)


async def test_acute_retries_only_the_channels_that_failed() -> None:
    rig = Rig(failures={NotificationChannel.SMS: 1})
    event = assigned(urgency=Urgency.ACUTE, contacts=[EMAIL, SMS])
    with pytest.raises(RetryLaterError):
        await rig.notifier.handle(event, attempt=1)
    await rig.notifier.handle(event, attempt=2)
    assert len(rig.sent(NotificationChannel.EMAIL)) == 1
    assert len(rig.sent(NotificationChannel.SMS)) == 1


async def test_default_policy_tries_the_next_channel_only_after_the_delay() -> None:
    rig = Rig(failures={NotificationChannel.SMS: 99})
    event = assigned(urgency=Urgency.HIGH, contacts=[SMS, EMAIL])
    with pytest.raises(RetryLaterError) as first:
        await rig.notifier.handle(event, attempt=1)
    assert rig.sent(NotificationChannel.EMAIL) == []
    assert first.value.delay_s <= 59
    rig.clock.now = T0 + timedelta(seconds=61)
    await rig.notifier.handle(event, attempt=2)
    assert len(rig.sent(NotificationChannel.EMAIL)) == 1
    # Delivered on one channel: done, nothing more is tried.
    await rig.notifier.handle(event, attempt=3)
    assert len(rig.sent(NotificationChannel.EMAIL)) == 1


async def test_an_unconfigured_channel_is_skipped() -> None:
    rig = Rig()
    notifier = rig.make(channels=[NotificationChannel.EMAIL])
    await notifier.handle(assigned(urgency=Urgency.ACUTE, contacts=[SMS, EMAIL]), attempt=1)
    assert len(rig.sent(NotificationChannel.EMAIL)) == 1


async def test_no_usable_channel_reports_failed_and_parks() -> None:
    rig = Rig()
    notifier = rig.make(channels=[NotificationChannel.EMAIL])
    with pytest.raises(GiveUpError):
        await notifier.handle(assigned(contacts=[SMS]), attempt=1)
    (failed,) = rig.reports(NotificationFailed)
    assert failed.error == "NoUsableChannel"
    assert failed.channel is NotificationChannel.SMS


async def test_a_delivery_that_cannot_be_recorded_is_retried_with_the_same_id() -> None:
    rig = Rig()
    rig.log.broken_writes = 99
    with pytest.raises(RetryLaterError) as retry:
        await rig.notifier.handle(assigned(), attempt=1)
    assert retry.value.error_type == "DeliveredLogUnavailable"
    rig.log.broken_writes = 0
    await rig.notifier.handle(assigned(), attempt=2)
    first, second = rig.sent(NotificationChannel.EMAIL)
    assert first.notification_id == second.notification_id  # the one possible repeat


async def test_a_briefly_failing_delivered_log_write_is_retried_in_place() -> None:
    rig = Rig()
    rig.log.broken_writes = 2
    await rig.notifier.handle(assigned(), attempt=1)
    assert len(rig.sent(NotificationChannel.EMAIL)) == 1
    assert set(rig.log.records) == {PAGE_EMAIL}


async def test_the_final_attempt_tries_the_channels_the_failover_had_not_reached() -> None:
    rig = Rig(failures={NotificationChannel.SMS: 99})
    event = assigned(urgency=Urgency.HIGH, contacts=[SMS, EMAIL])
    await rig.notifier.handle(event, attempt=RULES.max_attempts)  # 1 s in: no failover yet
    assert len(rig.sent(NotificationChannel.EMAIL)) == 1
    assert rig.reports(NotificationFailed) == []


async def test_giving_up_reports_every_channel_that_failed() -> None:
    rig = Rig(failures={NotificationChannel.SMS: 99, NotificationChannel.EMAIL: 99})
    event = assigned(urgency=Urgency.HIGH, contacts=[SMS, EMAIL])
    with pytest.raises(GiveUpError):
        await rig.notifier.handle(event, attempt=RULES.max_attempts)
    assert {f.channel for f in rig.reports(NotificationFailed)} == {
        NotificationChannel.SMS,
        NotificationChannel.EMAIL,
    }
