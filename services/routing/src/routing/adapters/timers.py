"""Routing's timers, kept by JetStream message schedules.

Scheduling a timer publishes it to its schedule subject on `WEERBAAR_TIMERS` with
`Nats-Schedule: @at <due time>` and `Nats-Schedule-Target: <due subject>`. The server
stores it like any message (replicated, encrypted, surviving a restart) and, once it is
due, publishes it to the target subject in the same stream and removes the schedule.
The `routing-timers` durable consumes only fired timers, so a pending timer counts
against no consumer limit: ten or a hundred thousand wait the same way, in the stream.

`routing.entrypoints.timers` handles the fired ones.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from faststream.nats import NatsBroker
from prometheus_client import Gauge

from contracts.subjects import ROUTING_TIMERS_CONSUMER, TIMERS_STREAM
from routing.domain.timers import Timer
from routing.service.ports import Scheduler
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import publish_stored

_log = get_logger("routing")

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
        await publish_stored(
            broker,
            timer.schedule_subject,
            timer.model_dump_json().encode(),
            stream=TIMERS_STREAM,
            headers=schedule_headers(timer),
            timeout_s=timeout_s,
        )

    return schedule


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
