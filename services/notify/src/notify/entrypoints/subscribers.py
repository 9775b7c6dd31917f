"""Notify's JetStream subscriber: every event on the notify consumer goes to the
Notifier, which settles it through the shared consumer helpers."""

from __future__ import annotations

from faststream.nats import NatsBroker

from contracts.events import NotificationFailed, NotificationSent
from contracts.subjects import NOTIFY_CONSUMER
from notify.service.notifier import Notifier
from weerbaar_runtime.consumer import subscribe
from weerbaar_runtime.nats import document_publishers


def subscribe_notifier(
    broker: NatsBroker, notifier: Notifier, *, concurrency: int, max_attempts: int
) -> None:
    """Bind the notifier to the notify consumer, and name what it publishes."""
    # The notifier gives up (reports it and parks the message) by itself within
    # max_attempts; the consumer's own limit is only a backstop. A continuous window:
    # up to `concurrency` messages are handled at once and the next (small) fetch is
    # taken while they are, so one slow send does not hold back the pages behind it;
    # what is in hand at a crash (and may be paged again) stays under 2 x concurrency.
    subscribe(
        broker,
        NOTIFY_CONSUMER,
        notifier.handle,
        batch_size=max(1, concurrency // 4),
        max_attempts=max_attempts + 2,
        in_flight=concurrency,
    )
    document_publishers(broker, [NotificationSent, NotificationFailed])
