"""Settling JetStream messages: ack after the work, back off on failure, park poison.

FastStream's default terminates a message when the handler raises; here a failure is
retried with a growing delay, and a message that can never be handled (it does not
parse, or it failed `max_attempts` times) goes to the dead-letter stream, so it
never blocks the consumer and is never lost.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from prometheus_client import Counter, Gauge
from pydantic import ValidationError

from contracts.events import AnyEvent, Event, parse_event
from contracts.subjects import ALL_EVENTS, DEAD_LETTER_PREFIX, DEAD_LETTER_STREAM, ConsumerSpec
from weerbaar_runtime.in_place import retrying_in_place
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import pull_inbox
from weerbaar_runtime.pull import Delivered, PullLoop, Settleable

_log = get_logger("consumer")

PROCESSED = Counter(
    "weerbaar_messages_total", "Messages settled by a consumer", ["consumer", "outcome"]
)

CONSUMER_LIMIT = Gauge(
    "weerbaar_consumer_max_ack_pending",
    "The max_ack_pending a durable consumer is provisioned with (alerts compare the "
    "NATS exporter's jetstream_consumer_num_ack_pending with it)",
    ["consumer"],
)

Handler = Callable[[Event, int], Awaitable[None]]


def export_limits(spec: ConsumerSpec) -> None:
    """Publish a consumer's provisioned limits as metrics, for the alerts."""
    CONSUMER_LIMIT.labels(spec.durable).set(spec.max_ack_pending)


class RetryLaterError(Exception):
    """Raised by a handler that wants the message again after `delay_s`, not the default
    backoff (it knows better, e.g. its own jitter or a failover timer)."""

    def __init__(self, delay_s: float, *, error_type: str = "RetryLater") -> None:
        super().__init__(error_type)
        self.delay_s = max(0.0, delay_s)
        self.error_type = error_type


class UnavailableError(Exception):
    """Raised by a handler whose own store did not answer (its database down or
    locked): the message is handed back and tried again for as long as that lasts,
    never parked for it; such failures do not count towards `max_attempts`, since no
    message is at fault."""

    def __init__(self, error_type: str) -> None:
        super().__init__(error_type)
        self.error_type = error_type


UNAVAILABLE_BACKOFF_CAP_S = 5.0
"""While a store is down, each message is tried again within 5 s: the first after its
return projects with no more wait than that."""


class GiveUpError(Exception):
    """Raised by a handler that has done all it can (and reported it): park the message
    as a dead letter now, whatever the attempt."""

    def __init__(self, error_type: str) -> None:
        super().__init__(error_type)
        self.error_type = error_type


@dataclass(frozen=True, slots=True)
class Delivery:
    """What JetStream says about the message being handled."""

    attempt: int
    stored_at: datetime | None
    """When the stream stored the message (a re-driven dead letter is stored anew)."""


_DELIVERY: ContextVar[Delivery | None] = ContextVar("weerbaar_delivery", default=None)


def current_delivery() -> Delivery | None:
    """The delivery of the message this handler call is handling (None outside one)."""
    return _DELIVERY.get()


def _stored_at(msg: Settleable) -> datetime | None:
    try:
        stored = msg.raw_message.metadata.timestamp
    except Exception:
        return None
    return stored if isinstance(stored, datetime) else None


def backoff_s(attempt: int, *, base: float = 0.5, cap: float = 60.0) -> float:
    """Exponential backoff with full jitter for the given (1-based) attempt."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


def delivery_attempt(msg: Settleable) -> int:
    """How many times JetStream has delivered this message, this time included."""
    try:
        return int(msg.raw_message.metadata.num_delivered)
    except Exception:
        return 1


async def dead_letter(
    broker: NatsBroker, msg: Settleable, *, consumer: str, reason: str, error_type: str
) -> None:
    """Park the message on the dead-letter stream with why it was parked."""
    raw = msg.raw_message
    try:
        sequence = str(raw.metadata.sequence.stream)
    except Exception:
        sequence = "unknown"
    headers = {
        "Weerbaar-Consumer": consumer,
        "Weerbaar-Reason": reason,
        "Weerbaar-Error-Type": error_type,
        "Weerbaar-Original-Subject": raw.subject,
        "Weerbaar-Original-Sequence": sequence,
        "Nats-Msg-Id": f"dead:{consumer}:{sequence}",
    }
    await broker.publish(
        raw.data,
        subject=f"{DEAD_LETTER_PREFIX}.{consumer}.{sequence}",
        stream=DEAD_LETTER_STREAM,
        headers=headers,
    )


async def settle(
    broker: NatsBroker,
    msg: Settleable,
    event: Event,
    handler: Handler,
    *,
    consumer: str,
    max_attempts: int = 10,
) -> None:
    """Handle one parsed event and settle its message; never raises."""
    attempt = delivery_attempt(msg)
    token = _DELIVERY.set(Delivery(attempt=attempt, stored_at=_stored_at(msg)))
    try:
        await retrying_in_place(msg, event, handler, attempt, consumer=consumer)
    except Exception as exc:
        log_context: dict[str, Any] = {
            "consumer": consumer,
            "event_type": event.type,
            "event_id": str(event.event_id),
            "incident_id": str(event.incident_id),
            "attempt": attempt,
        }
        unavailable = isinstance(exc, UnavailableError)
        if isinstance(exc, GiveUpError) or (attempt >= max_attempts and not unavailable):
            error_type = exc.error_type if isinstance(exc, GiveUpError) else type(exc).__name__
            _log.error("giving up on message", exc_info=exc, **log_context)
            await park(broker, msg, consumer=consumer, reason="failed", error_type=error_type)
            return
        if isinstance(exc, RetryLaterError):
            delay = exc.delay_s
        elif unavailable:
            delay = backoff_s(attempt, cap=UNAVAILABLE_BACKOFF_CAP_S)
        else:
            delay = backoff_s(attempt)
        # A handler that asked to retry later has said why itself: no frames needed.
        said = exc.error_type if isinstance(exc, RetryLaterError | UnavailableError) else None
        _log.warning(
            "handler failed, will retry",
            exc_info=None if said else exc,
            delay_s=round(delay, 2),
            **log_context,
            **({"error_type": said} if said else {}),
        )
        PROCESSED.labels(consumer, "retried").inc()
        await msg.nack(delay=delay)
        return
    finally:
        _DELIVERY.reset(token)
    PROCESSED.labels(consumer, "handled").inc()
    await msg.ack()


async def park(
    broker: NatsBroker, msg: Settleable, *, consumer: str, reason: str, error_type: str
) -> None:
    """Park the message as a dead letter and acknowledge it; when the dead letter cannot
    be stored, leave the message to be delivered again in 5 s (it is never dropped)."""
    try:
        await dead_letter(broker, msg, consumer=consumer, reason=reason, error_type=error_type)
    except Exception as exc:
        _log.error("dead letter not stored", exc_info=exc, consumer=consumer)
        await msg.nack(delay=5.0)
        return
    PROCESSED.labels(consumer, "dead_lettered").inc()
    _log.error("message dead-lettered", consumer=consumer, reason=reason, error_type=error_type)
    await msg.ack()


def subscribe(
    broker: NatsBroker,
    spec: ConsumerSpec,
    handler: Handler,
    *,
    batch_size: int = 64,
    max_attempts: int = 10,
    description: str | None = None,
    in_flight: int | None = None,
) -> Any:
    """Bind `handler` to the durable pull consumer that `weerbaar-provision` created.

    Without `in_flight`, a fetch is handled (concurrently) before the next is fetched.
    With it, up to that many messages are handled at once and the next fetch comes
    while the last is still being handled, so a handler that batches its own work
    (the registry's group commits) always has the next batch waiting.

    The messages are fetched and settled by `weerbaar_runtime.pull.PullLoop`, which
    the FastStream subscriber declared here starts and stops in its place (the
    subscriber is what the AsyncAPI document shows). A message that is not a valid
    event is parked as a dead letter, never left to be redelivered forever.
    """

    async def one(message: Delivered) -> None:
        try:
            try:
                event = parse_event(message.raw_message.data)
            except ValidationError:
                await park(
                    broker,
                    message,
                    consumer=spec.durable,
                    reason="invalid",
                    error_type="ValidationError",
                )
                return
            await settle(
                broker, message, event, handler, consumer=spec.durable, max_attempts=max_attempts
            )
        except Exception as exc:  # settling failed (no connection): delivered again later
            _log.warning(
                "message not settled", consumer=spec.durable, error_type=type(exc).__name__
            )

    # The consumer's own filters decide what arrives; the subscriber's subject only
    # names it in the AsyncAPI document.
    subject = spec.filter_subjects[0] if len(spec.filter_subjects) == 1 else ALL_EVENTS
    export_limits(spec)
    subscriber = broker.subscriber(
        subject,
        stream=JStream(spec.stream, declare=False),
        durable=spec.durable,
        pull_sub=PullSub(batch_size=batch_size, timeout=1.0),
        inbox_prefix=pull_inbox(broker),
        ack_policy=AckPolicy.MANUAL,
        max_workers=in_flight,
        title=f"{spec.durable}:{subject}",
        description=description or spec.description,
    )

    async def documented(event: AnyEvent) -> None:
        """What the document shows the subscriber taking (never called)."""

    subscriber(documented)
    loop = PullLoop(
        broker,
        stream=spec.stream,
        durable=spec.durable,
        handle=one,
        batch=batch_size,
        window=in_flight,
    )
    subscriber.start = loop.start  # type: ignore[method-assign]
    subscriber.stop = loop.stop  # type: ignore[method-assign]
    return subscriber
