"""The Notifier with in-memory ports: once-only delivery, what each event sends, and
what it reports (retries, policies and giving up are in test_notify_retries.py)."""

from __future__ import annotations

from contracts.events import NotificationSent, derive_id
from contracts.vocabulary import NotificationChannel, Urgency
from tests.support.events import (
    ASSIGNMENT_ID,
    INCIDENT_ID,
    assigned,
    escalated,
    reminder_due,
    reported,
)
from tests.support.notify_rig import EMAIL, PAGE_EMAIL, Rig


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
