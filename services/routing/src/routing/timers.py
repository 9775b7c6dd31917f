"""Routing's timers, kept by JetStream message schedules.

Scheduling a timer publishes it to its schedule subject on `WEERBAAR_TIMERS` with
`Nats-Schedule: @at <due time>` and `Nats-Schedule-Target: <due subject>`. The server
stores it like any message (replicated, encrypted, surviving a restart) and, once it is
due, publishes it to the target subject in the same stream and removes the schedule.
The `routing-timers` durable consumes only fired timers, so a pending timer counts
against no consumer limit: ten or a hundred thousand wait the same way, in the stream.

A fired timer is acknowledged only once handled (a crash redelivers it); handling is
idempotent (derived event ids and compare-and-set in `routing.service`), so a timer
fired twice, or handled by two routing processes, still moves a case on once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from faststream.exceptions import SkipMessage
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage as MessageParam
from faststream.nats.message import NatsMessage
from prometheus_client import Gauge, Histogram
from pydantic import ValidationError

from contracts.events import utcnow
from contracts.subjects import (
    ROUTING_TIMERS_CONSUMER,
    TIMER_DUE_PREFIX,
    TIMER_PREFIX,
    TIMERS_STREAM,
)
from routing.service import Router, Scheduler, Timer
from weerbaar_runtime.consumer import backoff_s, delivery_attempt, export_limits
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import PublishFailedError

_log = get_logger("routing")

TIMER_LATENESS = Histogram(
    "weerbaar_routing_timer_lateness_seconds",
    "From a timer's due time to routing handling it",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
TIMERS_PENDING = Gauge(
    "weerbaar_routing_timers_pending",
    "Timers in WEERBAAR_TIMERS: scheduled (not yet due) and due (fired, not yet handled)",
    ["state"],
)


def schedule_time(at: datetime) -> str:
    """RFC 3339 in UTC to the millisecond, as `Nats-Schedule: @at` takes it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def schedule_headers(timer: Timer) -> dict[str, str]:
    return {
        "Nats-Msg-Id": timer.msg_id,
        "Nats-Schedule": f"@at {schedule_time(timer.due_at)}",
        "Nats-Schedule-Target": timer.subject,
        "content-type": "application/json",
    }


def scheduler(broker: NatsBroker, *, timeout_s: float) -> Scheduler:
    """Schedule a timer; returns once JetStream stored it. A due time in the past fires
    at once."""

    async def schedule(timer: Timer) -> None:
        try:
            await broker.publish(
                timer.model_dump_json().encode(),
                subject=timer.schedule_subject,
                stream=TIMERS_STREAM,
                headers=schedule_headers(timer),
                timeout=timeout_s,
            )
        except Exception as exc:
            raise PublishFailedError(type(exc).__name__) from exc

    return schedule


def subscribe_timers(broker: NatsBroker, router: Router, schedule: Scheduler) -> None:
    """Handle each timer the server fires; reschedule a reminder that saw activity."""

    async def decode(message: NatsMessage) -> Timer:
        try:
            return Timer.model_validate_json(message.raw_message.data)
        except ValidationError:
            _log.error("invalid timer dropped", reason="invalid")
            await message.ack()
            raise SkipMessage from None

    export_limits(ROUTING_TIMERS_CONSUMER)

    @broker.subscriber(
        f"{TIMER_PREFIX}.>",  # binds the durable, which filters on its own subjects
        stream=JStream(ROUTING_TIMERS_CONSUMER.stream, declare=False),
        durable=ROUTING_TIMERS_CONSUMER.durable,
        pull_sub=PullSub(batch_size=64, timeout=1.0),
        ack_policy=AckPolicy.MANUAL,
        decoder=decode,
        title="routing-timers",
        description=ROUTING_TIMERS_CONSUMER.description,
    )
    async def on_timer(timer: Timer, message: MessageParam) -> None:
        if not message.raw_message.subject.startswith(f"{TIMER_DUE_PREFIX}."):
            # Stored before timers were schedules: schedule it, then let it go.
            await schedule(timer)
            await message.ack()
            return
        remaining = (timer.due_at - utcnow()).total_seconds()
        if remaining > 0:  # fired by a server whose clock runs ahead of ours
            await message.nack(delay=remaining)
            return
        try:
            later = await router.fire(timer)
            if later is not None:
                await schedule(timer.model_copy(update={"due_at": later}))
        except Exception as exc:  # retried; the timer is never lost
            attempt = delivery_attempt(message)
            _log.warning(
                "timer failed, will retry",
                exc_info=exc,
                incident_id=str(timer.incident_id),
                attempt=attempt,
            )
            await message.nack(delay=backoff_s(attempt))
            return
        TIMER_LATENESS.labels(timer.kind).observe(
            max(0.0, (utcnow() - timer.due_at).total_seconds())
        )
        await message.ack()


async def watch_pending(broker: NatsBroker, *, interval_s: float) -> None:
    """Keep `weerbaar_routing_timers_pending` current from the stream and the durable."""
    while True:
        try:
            js = broker.connection.jetstream(timeout=5)
            stream = await js.stream_info(TIMERS_STREAM)
            consumer = await js.consumer_info(TIMERS_STREAM, ROUTING_TIMERS_CONSUMER.durable)
            due = int(consumer.num_pending or 0) + int(consumer.num_ack_pending or 0)
            TIMERS_PENDING.labels("due").set(due)
            TIMERS_PENDING.labels("scheduled").set(max(0, int(stream.state.messages) - due))
        except Exception as exc:
            _log.warning("timer counts unavailable", error_type=type(exc).__name__)
        await asyncio.sleep(interval_s)
