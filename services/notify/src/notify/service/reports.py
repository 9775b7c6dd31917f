"""What notify says about a notification: the `notification.sent` and
`notification.failed` events, and the log context (ids and channel, never an address)."""

from __future__ import annotations

from datetime import datetime

from contracts.events import NotificationFailed, NotificationSent, derive_id
from notify.domain.dispatch import Dispatch
from notify.domain.notifications import Notification
from notify.service.ports import DeliveryRecord

PRODUCER = "notify"


def sent_event(
    dispatch: Dispatch, notification: Notification, record: DeliveryRecord
) -> NotificationSent:
    """The report of a delivery; a repeat of it has the same event id."""
    return NotificationSent(
        event_id=derive_id("notification.sent", notification.notification_id),
        incident_id=dispatch.event.incident_id,
        occurred_at=record.delivered_at,
        causation_id=dispatch.event.event_id,
        producer=PRODUCER,
        notification_id=notification.notification_id,
        assignment_id=dispatch.assignment_id,
        adviser_id=dispatch.adviser_id,
        channel=notification.channel,
        attempt=min(max(record.attempt, 1), 1000),
        purpose=dispatch.purpose,
        provider=record.provider[:40] if record.provider else None,
    )


def failed_event(
    dispatch: Dispatch,
    notification: Notification,
    *,
    attempt: int,
    error: str,
    occurred_at: datetime,
) -> NotificationFailed:
    """The report of a notification given up on after every attempt."""
    return NotificationFailed(
        event_id=derive_id("notification.failed", notification.notification_id),
        incident_id=dispatch.event.incident_id,
        occurred_at=occurred_at,
        causation_id=dispatch.event.event_id,
        producer=PRODUCER,
        notification_id=notification.notification_id,
        assignment_id=dispatch.assignment_id,
        adviser_id=dispatch.adviser_id,
        channel=notification.channel,
        attempts=min(max(attempt, 1), 1000),
        error=error[:80],
        purpose=dispatch.purpose,
    )


def log_context(dispatch: Dispatch, notification: Notification) -> dict[str, str]:
    return {
        "incident_id": str(dispatch.event.incident_id),
        "assignment_id": str(dispatch.assignment_id),
        "notification_id": str(notification.notification_id),
        "channel": notification.channel.value,
        "purpose": dispatch.purpose,
    }
