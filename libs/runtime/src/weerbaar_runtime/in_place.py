"""Trying a handler again in place while JetStream elects a leader."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from prometheus_client import Counter

from contracts.events import Event
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import PublishFailedError
from weerbaar_runtime.pull import Settleable

_log = get_logger("consumer")

RETRIED_IN_PLACE = Counter(
    "weerbaar_messages_retried_in_place_total",
    "Handler attempts repeated in place after JetStream did not store a publish",
    ["consumer"],
)

RETRY_IN_PLACE_S = 10.0
"""A handler that failed because JetStream did not store what it published (an
election under way, a member killed) is tried again in place, its message kept and
reported in progress, for up to 10 s before the message is handed back. A delayed
negative acknowledgement sent to a consumer leader that has just died is lost, and the
message would then come back only after the consumer's `ack_wait` (30 s): longer than
an escalation may be late. An election takes a few seconds; a longer outage is left to
the redelivery as before."""
IN_PLACE_BACKOFF_CAP_S = 2.0
IN_PROGRESS_EVERY_S = 1.0


@contextlib.asynccontextmanager
async def kept_in_progress(
    msg: Settleable, *, every_s: float = IN_PROGRESS_EVERY_S
) -> AsyncIterator[None]:
    """Tell the server the message is still being worked on until the block ends."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(every_s)
            with contextlib.suppress(Exception):  # the ack or nack that follows decides
                await msg.in_progress()

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating


async def retrying_in_place(
    msg: Settleable,
    event: Event,
    handler: Callable[[Event, int], Awaitable[None]],
    attempt: int,
    *,
    consumer: str,
) -> None:
    """Run the handler; while it fails only because JetStream did not store what it
    published, try again in place (`RETRY_IN_PLACE_S`)."""
    until = time.monotonic() + RETRY_IN_PLACE_S
    tries = 0
    while True:
        try:
            await handler(event, attempt)
            return
        except PublishFailedError as exc:
            tries += 1
            delay = random.uniform(0, min(IN_PLACE_BACKOFF_CAP_S, 0.5 * 2 ** (tries - 1)))
            if time.monotonic() + delay > until:
                raise
            _log.warning(
                "publish failed, trying again in place",
                consumer=consumer,
                event_type=event.type,
                event_id=str(event.event_id),
                error=str(exc) or type(exc).__name__,
                delay_s=round(delay, 2),
                tries=tries,
            )
            RETRIED_IN_PLACE.labels(consumer).inc()
            async with kept_in_progress(msg):
                await asyncio.sleep(delay)
