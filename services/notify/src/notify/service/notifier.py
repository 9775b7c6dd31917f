"""Notify's use case: tell the adviser (once), and say whether it worked.

For one event the Notifier plans a dispatch (one notification per contact point, see
`notify.domain`), checks the delivered log, sends what is due (`notify.service.sending`),
records each delivery before reporting it, and then either finishes, asks to be tried
again later, or gives up: it publishes `notification.failed` and has the message
parked as a dead letter.

The only way to page twice is a crash (or a lost delivered-log write) between a send
and its record; the repeat carries the same notification id as idempotency key and
Message-ID.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import NoReturn

from contracts.events import Event, utcnow
from contracts.vocabulary import Urgency
from notify.domain import retries
from notify.domain.dispatch import Dispatch, plan
from notify.domain.links import Links
from notify.domain.notifications import Notification
from notify.domain.retries import RetryRules
from notify.service import metrics
from notify.service.ports import Channel, DeliveredLog, DeliveryRecord, Publisher
from notify.service.reports import failed_event, log_context, sent_event
from notify.service.sending import Sender
from weerbaar_runtime.consumer import Delivery, GiveUpError, RetryLaterError, current_delivery
from weerbaar_runtime.logging import Throttle, get_logger

_log = get_logger("notify")
_unconfigured = Throttle(60.0)
"""A roster naming a channel notify has no provider for (say SMS in the demo) would
otherwise log for every page: once a minute per channel, with the count held back."""

# Pauses between retries of a delivered-log write before the delivery counts as not
# recorded (and so may be sent again, with the same id): over 7 s, the time the bucket
# may have no leader while its members elect one (a write then fails at once).
RECORD_PAUSES_S = (0.05, 0.25, 1.0, 2.0, 4.0)


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
        self._rules = rules
        self._important = important_urgencies
        self._clock = clock
        self._delivery = delivery
        self._sender = Sender(
            channels=self._channels,
            delivered=delivered,
            links=links,
            clock=clock,
            record_pauses_s=record_pauses_s,
        )

    async def handle(self, event: Event, attempt: int) -> None:
        dispatch = self.plan(event)
        if dispatch is not None and dispatch.notifications:
            await self.dispatch(dispatch, attempt)

    def plan(self, event: Event) -> Dispatch | None:
        """What to send for this event (None: nothing, it is not for notify)."""
        return plan(event, important_urgencies=self._important)

    async def dispatch(self, dispatch: Dispatch, attempt: int) -> None:
        started_at = self._started_at(dispatch)
        usable = tuple(n for n in dispatch.notifications if n.channel in self._channels)
        if not usable:  # no channel of this adviser is configured: nothing to retry
            await self._give_up(dispatch, dispatch.notifications, attempt, {}, "NoUsableChannel")
        for skipped in dispatch.notifications:
            if skipped not in usable:
                held_back = _unconfigured(skipped.channel)
                if held_back is not None:
                    _log.warning(
                        "channel not configured, skipped",
                        **log_context(dispatch, skipped),
                        held_back=held_back,
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
                await self._publish(sent_event(dispatch, notification, record))

        elapsed = self._elapsed(started_at)
        final = retries.is_final(attempt, elapsed_s=elapsed, rules=self._rules)
        due = retries.due(
            usable,
            policy=dispatch.policy,
            delivered=delivered.keys(),
            elapsed_s=elapsed,
            failover_delay_s=self._rules.failover_delay_s,
            final=final,
        )
        outcomes = await asyncio.gather(*(self._sender.send(dispatch, n, attempt) for n in due))
        errors: dict[uuid.UUID, str] = {}
        for notification, outcome in zip(due, outcomes, strict=True):
            if isinstance(outcome, DeliveryRecord):
                delivered[notification.notification_id] = outcome
                await self._publish(sent_event(dispatch, notification, outcome))
            else:
                errors[notification.notification_id] = outcome

        step = retries.next_step(
            usable,
            policy=dispatch.policy,
            delivered=delivered.keys(),
            attempt=attempt,
            elapsed_s=self._elapsed(started_at),
            rules=self._rules,
            final=final,
        )
        if isinstance(step, retries.Done):
            return
        first_error = next(iter(errors.values()), "NotDelivered")
        if isinstance(step, retries.GiveUp):
            await self._give_up(dispatch, step.failed, attempt, errors, first_error)
        for notification in due:
            if notification.notification_id in errors:
                metrics.RETRIES.labels(notification.channel.value).inc()
                _log.warning(
                    "notification not delivered, will retry",
                    **log_context(dispatch, notification),
                    attempt=attempt,
                    delay_s=round(step.delay_s, 2),
                    error_type=errors[notification.notification_id],
                )
        raise RetryLaterError(step.delay_s, error_type=first_error)

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
                **log_context(dispatch, notification),
                attempts=attempt,
                error_type=error,
            )
            await self._publish(
                failed_event(
                    dispatch, notification, attempt=attempt, error=error, occurred_at=self._clock()
                )
            )
        metrics.DEAD_LETTERS.labels(dispatch.purpose).inc()
        raise GiveUpError(error_type)

    def _started_at(self, dispatch: Dispatch) -> datetime:
        """When trying began: when the stream stored the message (a re-drive starts the
        clock again), else when the event happened."""
        delivery = self._delivery()
        if delivery is not None and delivery.stored_at is not None:
            return delivery.stored_at
        return dispatch.event.occurred_at

    def _elapsed(self, started_at: datetime) -> float:
        return max(0.0, (self._clock() - started_at).total_seconds())
