"""Notify's use case: page the assigned adviser once, and say so."""

from __future__ import annotations

import time
import uuid
from typing import Protocol

from prometheus_client import Counter, Histogram

from contracts.events import (
    AdviserAssigned,
    Event,
    NotificationFailed,
    NotificationSent,
    derive_id,
    utcnow,
)
from contracts.runtime.logging import get_logger
from contracts.vocabulary import NotificationChannel
from notify.messages import render_email

PRODUCER = "notify"
_log = get_logger("notify")

ATTEMPTS = Counter("weerbaar_notify_attempts_total", "Delivery attempts", ["channel", "outcome"])
LATENCY = Histogram(
    "weerbaar_notify_delivery_seconds",
    "Time to deliver one notification",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class Mailer(Protocol):
    async def send(
        self, *, notification_id: uuid.UUID, to: str, subject: str, body: str
    ) -> None: ...


class DeliveredLog(Protocol):
    async def was_delivered(self, notification_id: uuid.UUID) -> bool: ...

    async def record(self, notification_id: uuid.UUID) -> None: ...


class Publisher(Protocol):
    async def __call__(self, event: Event) -> None: ...


class Notifier:
    def __init__(
        self,
        *,
        mailer: Mailer,
        delivered: DeliveredLog,
        publish: Publisher,
        intake_public_url: str,
        max_attempts: int,
    ) -> None:
        self._mailer = mailer
        self._delivered = delivered
        self._publish = publish
        self._intake_public_url = intake_public_url
        self._max_attempts = max_attempts

    async def handle(self, event: Event, attempt: int) -> None:
        if isinstance(event, AdviserAssigned):
            await self.page(event, attempt)

    async def page(self, assigned: AdviserAssigned, attempt: int) -> None:
        contact = next(
            (c for c in assigned.contacts if c.channel is NotificationChannel.EMAIL), None
        )
        if contact is None:
            await self._failed(assigned, NotificationChannel.EMAIL, attempt, "NoEmailChannel")
            return
        notification_id = derive_id("notification", assigned.assignment_id, contact.channel.value)
        # Checked before sending, so a redelivered assignment does not page again.
        if not await self._delivered.was_delivered(notification_id):
            subject, body = render_email(assigned, intake_public_url=self._intake_public_url)
            started = time.perf_counter()
            try:
                await self._mailer.send(
                    notification_id=notification_id, to=contact.address, subject=subject, body=body
                )
            except Exception as exc:
                ATTEMPTS.labels(contact.channel.value, "failed").inc()
                if attempt >= self._max_attempts:
                    await self._failed(assigned, contact.channel, attempt, type(exc).__name__)
                    return
                raise
            LATENCY.labels(contact.channel.value).observe(time.perf_counter() - started)
            ATTEMPTS.labels(contact.channel.value, "delivered").inc()
            await self._delivered.record(notification_id)
        await self._publish(
            NotificationSent(
                event_id=derive_id("notification.sent", notification_id),
                incident_id=assigned.incident_id,
                occurred_at=utcnow(),
                causation_id=assigned.event_id,
                producer=PRODUCER,
                notification_id=notification_id,
                assignment_id=assigned.assignment_id,
                adviser_id=assigned.adviser_id,
                channel=contact.channel,
                attempt=attempt,
            )
        )

    async def _failed(
        self, assigned: AdviserAssigned, channel: NotificationChannel, attempt: int, error: str
    ) -> None:
        notification_id = derive_id("notification", assigned.assignment_id, channel.value)
        _log.error(
            "notification failed after every attempt",
            incident_id=str(assigned.incident_id),
            assignment_id=str(assigned.assignment_id),
            channel=channel.value,
            attempts=attempt,
            error_type=error,
        )
        await self._publish(
            NotificationFailed(
                event_id=derive_id("notification.failed", notification_id),
                incident_id=assigned.incident_id,
                occurred_at=utcnow(),
                causation_id=assigned.event_id,
                producer=PRODUCER,
                notification_id=notification_id,
                assignment_id=assigned.assignment_id,
                adviser_id=assigned.adviser_id,
                channel=channel,
                attempts=attempt,
                error=error[:80],
            )
        )
