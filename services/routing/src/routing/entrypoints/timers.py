"""The `routing-timers` consumer: each timer the server fires, handed to the router.

A fired timer is acknowledged only once handled (a crash redelivers it); handling is
idempotent (derived event ids and compare-and-set in `routing.service`), so a timer
fired twice, or handled by two routing processes, still moves a case on once.
"""

from __future__ import annotations

from faststream.exceptions import SkipMessage
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsMessage
from prometheus_client import Histogram
from pydantic import ValidationError

from contracts.events import utcnow
from contracts.subjects import ROUTING_TIMERS_CONSUMER, TIMER_DUE_PREFIX, TIMER_PREFIX
from routing.domain.timers import Timer
from routing.service.ports import Scheduler
from routing.service.router import Router
from weerbaar_runtime.consumer import backoff_s, delivery_attempt, export_limits, park
from weerbaar_runtime.in_place import kept_in_progress
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import pull_inbox
from weerbaar_runtime.pull import delivered_message

_log = get_logger("routing")

TIMER_LATENESS = Histogram(
    "weerbaar_routing_timer_lateness_seconds",
    "From a timer's due time to routing handling it",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)

RETRY_BASE_S = 0.25
RETRY_CAP_S = 2.0
"""A timer that failed (its state or the events stream unreachable, as during a Raft
election) is tried again within 2 s at most: a deadline is already due, and the
default backoff of up to a minute would add its wait to the escalation's lateness."""


IN_PROGRESS_EVERY_S = ROUTING_TIMERS_CONSUMER.ack_wait_s / 3
"""While a timer is handled, the server is told every second that it is still being
worked on, so a slow fire (an election under way) is not handed to a second routing
process; only a timer held by a process that died comes back after `ack_wait`."""


def retry_delay_s(attempt: int) -> float:
    """The delay before a failed timer is delivered again (jittered, at most 2 s)."""
    return backoff_s(attempt, base=RETRY_BASE_S, cap=RETRY_CAP_S)


def subscribe_timers(broker: NatsBroker, router: Router, schedule: Scheduler) -> None:
    """Handle each timer the server fires; reschedule a reminder that saw activity."""

    async def decode(message: NatsMessage) -> Timer:
        try:
            return Timer.model_validate_json(message.raw_message.data)
        except ValidationError:
            # parked like every consumer's poison (it logs "message dead-lettered")
            await park(
                broker,
                message,
                consumer=ROUTING_TIMERS_CONSUMER.durable,
                reason="invalid",
                error_type="ValidationError",
            )
            raise SkipMessage from None

    export_limits(ROUTING_TIMERS_CONSUMER)

    @broker.subscriber(
        f"{TIMER_PREFIX}.>",  # binds the durable, which filters on its own subjects
        stream=JStream(ROUTING_TIMERS_CONSUMER.stream, declare=False),
        durable=ROUTING_TIMERS_CONSUMER.durable,
        pull_sub=PullSub(batch_size=64, timeout=1.0),
        inbox_prefix=pull_inbox(broker),
        ack_policy=AckPolicy.MANUAL,
        decoder=decode,
        title="routing-timers",
        description=ROUTING_TIMERS_CONSUMER.description,
    )
    async def on_timer(timer: Timer) -> None:
        message = delivered_message(broker)
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
            async with kept_in_progress(message, every_s=IN_PROGRESS_EVERY_S):
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
            await message.nack(delay=retry_delay_s(attempt))
            return
        TIMER_LATENESS.labels(timer.kind).observe(
            max(0.0, (utcnow() - timer.due_at).total_seconds())
        )
        await message.ack()
