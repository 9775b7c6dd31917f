"""The Notifier with in-memory ports: once-only delivery, policies, retries, giving up."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from contracts.events import (
    ContactPoint,
    NotificationFailed,
    NotificationSent,
    derive_id,
)
from contracts.vocabulary import NotificationChannel, Urgency
from notify.domain import RetryRules
from notify.links import Links
from notify.ports import DeliveryError, DeliveryRecord, OutgoingMessage, Receipt
from notify.service import Notifier
from tests.support.events import (
    ASSIGNMENT_ID,
    INCIDENT_ID,
    T0,
    assigned,
    escalated,
    reminder_due,
    reported,
)
from tests.support.fakes import RecordingPublisher
from weerbaar_runtime.consumer import Delivery, GiveUpError, RetryLaterError

EMAIL = ContactPoint(channel=NotificationChannel.EMAIL, address="ngb-01@ngb.example")
SMS = ContactPoint(channel=NotificationChannel.SMS, address="+31600000001")
HOOK = ContactPoint(channel=NotificationChannel.WEBHOOK, address="https://hooks.example/ngb")
RULES = RetryRules(max_attempts=4, max_retry_s=600, base_s=1, cap_s=60, failover_delay_s=60)
PAGE_EMAIL = derive_id("notification", ASSIGNMENT_ID, "page", "email")


class FakeChannel:
    def __init__(self, channel: NotificationChannel, *, failures: int = 0) -> None:
        self.channel = channel
        self.failures = failures
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage) -> Receipt:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("Down")
        self.sent.append(message)
        return Receipt(provider=f"fake-{self.channel.value}")


class MemoryLog:
    def __init__(self, *, broken_writes: int = 0) -> None:
        self.records: dict[uuid.UUID, DeliveryRecord] = {}
        self.broken_writes = broken_writes

    async def get(self, notification_id: uuid.UUID) -> DeliveryRecord | None:
        return self.records.get(notification_id)

    async def record(self, notification_id: uuid.UUID, record: DeliveryRecord) -> None:
        if self.broken_writes:
            self.broken_writes -= 1
            raise ConnectionError("kv down")
        self.records[notification_id] = record


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Rig:
    def __init__(self, *, failures: dict[NotificationChannel, int] | None = None) -> None:
        failures = failures or {}
        self.channels = {
            c: FakeChannel(c, failures=failures.get(c, 0)) for c in NotificationChannel
        }
        self.log = MemoryLog()
        self.publisher = RecordingPublisher()
        self.clock = Clock(T0 + timedelta(seconds=1))
        self.stored_at: datetime | None = T0
        self.notifier = self.make()

    def make(self, channels: list[NotificationChannel] | None = None) -> Notifier:
        wanted = channels if channels is not None else list(NotificationChannel)
        return Notifier(
            channels=[self.channels[c] for c in wanted],
            delivered=self.log,
            publish=self.publisher,
            links=Links(
                intake_public_url="https://weerbaar.example",
                registry_public_url="https://registry.weerbaar.example",
                secret=b"unit",
                grace=timedelta(hours=24),
            ),
            rules=RULES,
            clock=self.clock,
            delivery=lambda: Delivery(attempt=1, stored_at=self.stored_at),
            record_pauses_s=(0.0, 0.0),
        )

    def sent(self, channel: NotificationChannel) -> list[OutgoingMessage]:
        return self.channels[channel].sent

    def reports(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.publisher.events if isinstance(e, kind)]


async def test_a_page_is_sent_once_recorded_and_reported() -> None:
    rig = Rig()
    event = assigned()
    await rig.notifier.handle(event, attempt=1)
    (message,) = rig.sent(NotificationChannel.EMAIL)
    assert message.to == "ngb-01@ngb.example"
    assert message.notification_id == PAGE_EMAIL
    assert message.incident_reference == str(INCIDENT_ID)
    assert "/v1/ack/" in message.text
    assert set(rig.log.records) == {PAGE_EMAIL}
    (sent,) = rig.publisher.events
    assert isinstance(sent, NotificationSent)
    assert sent.event_id == derive_id("notification.sent", PAGE_EMAIL)
    assert (sent.notification_id, sent.assignment_id, sent.incident_id) == (
        PAGE_EMAIL,
        ASSIGNMENT_ID,
        INCIDENT_ID,
    )
    assert sent.causation_id == event.event_id
    assert (sent.adviser_id, sent.channel, sent.attempt) == ("ngb-01", NotificationChannel.EMAIL, 1)
    assert (sent.purpose, sent.provider, sent.producer) == ("page", "fake-email", "notify")


async def test_a_redelivered_page_is_not_sent_again_but_reported_again_identically() -> None:
    rig = Rig()
    await rig.notifier.handle(assigned(), attempt=1)
    await rig.notifier.handle(assigned(), attempt=2)
    assert len(rig.sent(NotificationChannel.EMAIL)) == 1
    first, again = rig.publisher.events
    assert again == first.model_copy(update={"occurred_at": again.occurred_at})
    assert again.attempt == 1  # type: ignore[attr-defined]


async def test_the_delivered_log_is_what_prevents_a_second_page_across_instances() -> None:
    rig = Rig()
    await rig.notifier.handle(assigned(), attempt=1)
    restarted = rig.make()  # a new process, the same KV bucket
    rig.channels[NotificationChannel.EMAIL].sent.clear()
    await restarted.handle(assigned(), attempt=1)
    assert rig.sent(NotificationChannel.EMAIL) == []


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


async def test_an_escalation_tells_the_previous_adviser() -> None:
    rig = Rig()
    event = escalated().model_copy(update={"previous_contacts": [EMAIL]})
    await rig.notifier.handle(event, attempt=1)
    (message,) = rig.sent(NotificationChannel.EMAIL)
    assert "overgedragen" in message.subject
    assert "/v1/ack/" not in message.text
    (sent,) = rig.reports(NotificationSent)
    assert sent.purpose == "escalation_notice"
    assert sent.notification_id == derive_id(
        "notification", ASSIGNMENT_ID, "escalation_notice", "email"
    )
    assert sent.adviser_id == "ngb-01"


async def test_an_escalation_without_previous_contacts_sends_nothing() -> None:
    rig = Rig()
    await rig.notifier.handle(escalated(), attempt=1)
    assert rig.publisher.events == []


async def test_a_reminder_is_sent_once_per_stage_and_recipient() -> None:
    rig = Rig()
    first = reminder_due()
    await rig.notifier.handle(first, attempt=1)
    await rig.notifier.handle(first, attempt=2)
    await rig.notifier.handle(first.model_copy(update={"stage": 2}), attempt=1)
    await rig.notifier.handle(first.model_copy(update={"recipient": "coordinator"}), attempt=1)
    messages = rig.sent(NotificationChannel.EMAIL)
    assert len(messages) == 3
    assert len({m.notification_id for m in messages}) == 3
    assert messages[0].notification_id == derive_id(
        "notification", ASSIGNMENT_ID, "reminder", "email", "1"
    )
    assert {e.purpose for e in rig.reports(NotificationSent)} == {"reminder"}


async def test_other_events_are_ignored() -> None:
    rig = Rig()
    await rig.notifier.handle(reported(urgency=Urgency.ACUTE), attempt=1)
    assert rig.publisher.events == []


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
