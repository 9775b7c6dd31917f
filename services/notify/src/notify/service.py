"""Notify's use case: tell the adviser (once), and say whether it worked.

For one event the Notifier plans a dispatch (one notification per contact point, see
`notify.domain`), checks the delivered log, sends what is due, records each delivery
before reporting it, and then either finishes, asks to be tried again later, or gives
up: it publishes `notification.failed` and has the message parked as a dead letter.

The only way to page twice is a crash (or a lost delivered-log write) between a send
and its record; the repeat carries the same notification id as idempotency key and
Message-ID.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from contracts.events import (
    AdviserAssigned,
    AssignmentEscalated,
    Event,
    NotificationFailed,
    NotificationPurpose,
    NotificationSent,
    ReminderDue,
    derive_id,
    utcnow,
)
from contracts.vocabulary import Urgency
from notify import domain, metrics
from notify.domain import Notification, Policy, RetryRules
from notify.links import Links
from notify.messages import NoticeEvent, purpose_of, render
from notify.ports import (
    Channel,
    DeliveredLog,
    DeliveryError,
    DeliveryRecord,
    OutgoingMessage,
    Publisher,
    Receipt,
)
from weerbaar_runtime.consumer import Delivery, GiveUpError, RetryLaterError, current_delivery
from weerbaar_runtime.logging import get_logger

PRODUCER = "notify"
_log = get_logger("notify")

# Pauses between retries of a delivered-log write before the delivery counts as not
# recorded (and so may be sent again, with the same id).
RECORD_PAUSES_S = (0.05, 0.25, 1.0)


@dataclass(frozen=True, slots=True)
class Dispatch:
    """Everything one event asks notify to send."""

    event: NoticeEvent
    purpose: NotificationPurpose
    policy: Policy
    assignment_id: uuid.UUID
    adviser_id: str
    notifications: tuple[Notification, ...]


class Notifier:
    def __init__(
        self,
        *,
        channels: Iterable[Channel],
        delivered: DeliveredLog,
        publish: Publisher,
        links: Links,
        rules: RetryRules,
        important_urgencies: frozenset[Urgency] = frozenset({Urgency.ACUTE}),
        clock: Callable[[], datetime] = utcnow,
        delivery: Callable[[], Delivery | None] = current_delivery,
        record_pauses_s: tuple[float, ...] = RECORD_PAUSES_S,
    ) -> None:
        self._channels = {c.channel: c for c in channels}
        self._delivered = delivered
        self._publish = publish
        self._links = links
        self._rules = rules
        self._important = important_urgencies
        self._clock = clock
        self._delivery = delivery
        self._record_pauses_s = record_pauses_s

    async def handle(self, event: Event, attempt: int) -> None:
        dispatch = self.plan(event)
        if dispatch is not None and dispatch.notifications:
            await self.dispatch(dispatch, attempt)

    def plan(self, event: Event) -> Dispatch | None:
        """What to send for this event (None: nothing, it is not for notify)."""
        if isinstance(event, AdviserAssigned):
            policy = Policy.IMPORTANT if event.urgency in self._important else Policy.DEFAULT
            return self._dispatch(event, event.assignment_id, event.adviser_id, policy)
        if isinstance(event, AssignmentEscalated):
            return self._dispatch(
                event, event.previous_assignment_id, event.previous_adviser_id, Policy.DEFAULT
            )
        if isinstance(event, ReminderDue):
            stage = str(event.stage) if event.recipient == "adviser" else f"{event.stage}.coord"
            return self._dispatch(
                event, event.assignment_id, event.adviser_id, Policy.DEFAULT, stage=stage
            )
        return None

    def _dispatch(
        self,
        event: NoticeEvent,
        assignment_id: uuid.UUID,
        adviser_id: str,
        policy: Policy,
        *,
        stage: str | None = None,
    ) -> Dispatch:
        contacts = (
            event.previous_contacts if isinstance(event, AssignmentEscalated) else event.contacts
        )
        purpose = purpose_of(event)
        return Dispatch(
            event=event,
            purpose=purpose,
            policy=policy,
            assignment_id=assignment_id,
            adviser_id=adviser_id,
            notifications=domain.notifications_for(
                contacts, assignment_id=assignment_id, purpose=purpose, stage=stage
            ),
        )

    async def dispatch(self, dispatch: Dispatch, attempt: int) -> None:
        started_at = self._started_at(dispatch)
        usable = tuple(n for n in dispatch.notifications if n.channel in self._channels)
        if not usable:  # no channel of this adviser is configured: nothing to retry
            await self._give_up(dispatch, dispatch.notifications, attempt, {}, "NoUsableChannel")
        for skipped in dispatch.notifications:
            if skipped not in usable:
                _log.warning(
                    "channel not configured, skipped",
                    **self._context(dispatch, skipped),
                )

        records = await asyncio.gather(*(self._delivered.get(n.notification_id) for n in usable))
        delivered: dict[uuid.UUID, DeliveryRecord] = {
            n.notification_id: record
            for n, record in zip(usable, records, strict=True)
            if record is not None
        }
        for notification in usable:
            record = delivered.get(notification.notification_id)
            if record is not None:
                # A redelivery (or a retry for another channel): not sent again, but
                # reported again; the event id is the same, so the repeat is dropped.
                metrics.ALREADY_DELIVERED.labels(notification.channel.value).inc()
                await self._publish(self._sent(dispatch, notification, record))

        elapsed = self._elapsed(started_at)
        final = domain.is_final(attempt, elapsed_s=elapsed, rules=self._rules)
        due = domain.due(
            usable,
            policy=dispatch.policy,
            delivered=delivered.keys(),
            elapsed_s=elapsed,
            failover_delay_s=self._rules.failover_delay_s,
            final=final,
        )
        outcomes = await asyncio.gather(*(self._send(dispatch, n, attempt) for n in due))
        errors: dict[uuid.UUID, str] = {}
        for notification, outcome in zip(due, outcomes, strict=True):
            if isinstance(outcome, DeliveryRecord):
                delivered[notification.notification_id] = outcome
                await self._publish(self._sent(dispatch, notification, outcome))
            else:
                errors[notification.notification_id] = outcome

        step = domain.next_step(
            usable,
            policy=dispatch.policy,
            delivered=delivered.keys(),
            attempt=attempt,
            elapsed_s=self._elapsed(started_at),
            rules=self._rules,
            final=final,
        )
        if isinstance(step, domain.Done):
            return
        first_error = next(iter(errors.values()), "NotDelivered")
        if isinstance(step, domain.GiveUp):
            await self._give_up(dispatch, step.failed, attempt, errors, first_error)
        for notification in due:
            if notification.notification_id in errors:
                metrics.RETRIES.labels(notification.channel.value).inc()
                _log.warning(
                    "notification not delivered, will retry",
                    **self._context(dispatch, notification),
                    attempt=attempt,
                    delay_s=round(step.delay_s, 2),
                    error_type=errors[notification.notification_id],
                )
        raise RetryLaterError(step.delay_s, error_type=first_error)

    async def _send(
        self, dispatch: Dispatch, notification: Notification, attempt: int
    ) -> DeliveryRecord | str:
        """Send one notification: its delivery record, or the kind of error."""
        message = self._message(dispatch, notification)
        try:
            receipt = await self._channels[notification.channel].send(message)
        except DeliveryError as exc:
            return exc.kind
        except Exception as exc:
            _log.error("channel raised", exc_info=exc, **self._context(dispatch, notification))
            return type(exc).__name__
        record = DeliveryRecord(
            delivered_at=self._clock(), provider=receipt.provider, attempt=attempt
        )
        if not await self._record(dispatch, notification, record):
            return "DeliveredLogUnavailable"
        self._count_delivery(dispatch, notification, receipt, record)
        return record

    async def _record(
        self, dispatch: Dispatch, notification: Notification, record: DeliveryRecord
    ) -> bool:
        for pause in (*self._record_pauses_s, None):
            try:
                await self._delivered.record(notification.notification_id, record)
                return True
            except Exception as exc:
                if pause is None:
                    # Sent but not recorded: a retry will send it again, with the same id.
                    _log.error(
                        "delivery not recorded",
                        exc_info=exc,
                        **self._context(dispatch, notification),
                    )
                    return False
                await asyncio.sleep(pause)
        return False

    def _count_delivery(
        self,
        dispatch: Dispatch,
        notification: Notification,
        receipt: Receipt,
        record: DeliveryRecord,
    ) -> None:
        channel = notification.channel.value
        _log.info(
            "notification delivered",
            **self._context(dispatch, notification),
            provider=receipt.provider,
            attempt=record.attempt,
        )
        metrics.DELIVERIES.labels(channel, receipt.provider, dispatch.purpose).inc()
        latency = (record.delivered_at - dispatch.event.occurred_at).total_seconds()
        metrics.LATENCY.labels(channel, dispatch.purpose).observe(max(0.0, latency))

    def _message(self, dispatch: Dispatch, notification: Notification) -> OutgoingMessage:
        event = dispatch.event
        ack_url = None
        if isinstance(event, AdviserAssigned):
            ack_url = self._links.ack_url(
                incident_id=event.incident_id,
                assignment_id=event.assignment_id,
                ack_deadline=event.ack_deadline,
            )
        rendered = render(
            event,
            channel=notification.channel,
            notification_id=notification.notification_id,
            ack_url=ack_url,
            case_url=self._links.case_url(incident_id=event.incident_id),
        )
        return OutgoingMessage(
            notification_id=notification.notification_id,
            channel=notification.channel,
            to=notification.address,
            subject=rendered.subject,
            text=rendered.text,
            incident_reference=str(event.incident_id),
            purpose=dispatch.purpose,
            data=rendered.data,
        )

    async def _give_up(
        self,
        dispatch: Dispatch,
        failed: tuple[Notification, ...],
        attempt: int,
        errors: Mapping[uuid.UUID, str],
        error_type: str,
    ) -> NoReturn:
        for notification in failed:
            error = errors.get(notification.notification_id, error_type)
            metrics.GAVE_UP.labels(notification.channel.value, dispatch.purpose).inc()
            _log.error(
                "notification failed after every attempt",
                **self._context(dispatch, notification),
                attempts=attempt,
                error_type=error,
            )
            await self._publish(
                NotificationFailed(
                    event_id=derive_id("notification.failed", notification.notification_id),
                    incident_id=dispatch.event.incident_id,
                    occurred_at=self._clock(),
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
            )
        metrics.DEAD_LETTERS.labels(dispatch.purpose).inc()
        raise GiveUpError(error_type)

    def _sent(
        self, dispatch: Dispatch, notification: Notification, record: DeliveryRecord
    ) -> NotificationSent:
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

    def _started_at(self, dispatch: Dispatch) -> datetime:
        """When trying began: when the stream stored the message (a re-drive starts the
        clock again), else when the event happened."""
        delivery = self._delivery()
        if delivery is not None and delivery.stored_at is not None:
            return delivery.stored_at
        return dispatch.event.occurred_at

    def _elapsed(self, started_at: datetime) -> float:
        return max(0.0, (self._clock() - started_at).total_seconds())

    @staticmethod
    def _context(dispatch: Dispatch, notification: Notification) -> dict[str, str]:
        return {
            "incident_id": str(dispatch.event.incident_id),
            "assignment_id": str(dispatch.assignment_id),
            "notification_id": str(notification.notification_id),
            "channel": notification.channel.value,
            "purpose": dispatch.purpose,
        }
