"""Routing's timers on a real nats-server: message schedules, the upgrade from held
deliveries, and a deadline that fires on time behind thousands of pending ones."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import nats
import pytest
from faststream.nats import NatsBroker

from contracts.events import utcnow
from contracts.subjects import (
    DEAD_LETTER_STREAM,
    ROUTING_TIMERS_CONSUMER,
    TIMER_DUE_PREFIX,
    TIMER_PREFIX,
    TIMERS_STREAM,
    TOPOLOGY,
    Topology,
)
from routing.adapters.timers import scheduler
from routing.domain.timers import Timer
from routing.entrypoints.timers import subscribe_timers
from tests.support.servers import NatsServer, eventually
from weerbaar_runtime.provision import provision

pytestmark = pytest.mark.nats


class FiringRouter:
    """Records each timer routing would act on; a reminder asks to be kept once."""

    def __init__(self, *, later: dict[uuid.UUID, datetime] | None = None) -> None:
        self.fired: list[tuple[Timer, datetime]] = []
        self._later = dict(later or {})

    async def fire(self, timer: Timer) -> datetime | None:
        self.fired.append((timer, utcnow()))
        return self._later.pop(timer.assignment_id, None)


@pytest.fixture
async def broker(provisioned: NatsServer) -> AsyncIterator[NatsBroker]:
    broker = NatsBroker(provisioned.url)
    yield broker
    await broker.stop()


async def _start(broker: NatsBroker, router: FiringRouter) -> Any:
    schedule = scheduler(broker, timeout_s=5)
    subscribe_timers(broker, router, schedule)  # type: ignore[arg-type]
    await broker.start()
    return schedule


def _timer(due_in_s: float, kind: str = "ack") -> Timer:
    return Timer(
        kind=kind,  # type: ignore[arg-type]
        incident_id=uuid.uuid4(),
        assignment_id=uuid.uuid4(),
        due_at=utcnow() + timedelta(seconds=due_in_s),
    )


async def test_a_timer_fires_at_its_due_time_and_is_gone_once_handled(
    broker: NatsBroker, provisioned: NatsServer
) -> None:
    router = FiringRouter()
    schedule = await _start(broker, router)
    timer = _timer(1.0)
    await schedule(timer)
    await schedule(timer)  # a redelivered report schedules the same timer again
    await eventually(lambda: router.fired, timeout=15, what="the timer fired")
    (fired, at) = router.fired[0]
    assert fired == timer
    assert at >= timer.due_at
    # A marker due at once fires after anything the second scheduling could have left
    # (that would have been due with the first): once it is here, nothing else came.
    marker = _timer(0)
    await schedule(marker)
    await eventually(
        lambda: any(t == marker for t, _ in router.fired), timeout=15, what="the marker"
    )
    assert [t for t, _ in router.fired] == [timer, marker]
    await eventually(lambda: _stream_empty(provisioned), what="nothing left in the stream")


async def test_rescheduling_replaces_the_pending_timer(broker: NatsBroker) -> None:
    router = FiringRouter()
    schedule = await _start(broker, router)
    timer = _timer(3600)
    await schedule(timer)
    earlier = timer.model_copy(update={"due_at": utcnow() + timedelta(seconds=0.5)})
    await schedule(earlier)  # e.g. the urgency was raised: the deadline comes sooner
    await eventually(lambda: router.fired, timeout=15, what="the earlier timer")
    assert [t.due_at for t, _ in router.fired] == [earlier.due_at]


async def test_a_reminder_that_saw_activity_is_scheduled_again(broker: NatsBroker) -> None:
    timer = _timer(0.2, kind="idle")
    router = FiringRouter(later={timer.assignment_id: utcnow() + timedelta(seconds=1.5)})
    schedule = await _start(broker, router)
    await schedule(timer)
    await eventually(lambda: len(router.fired) == 2, timeout=15, what="the reminder again")
    _, (again, second) = router.fired
    assert again.due_at > timer.due_at
    assert second >= again.due_at


async def test_thousands_pending_do_not_hold_back_a_short_deadline(
    broker: NatsBroker, provisioned: NatsServer
) -> None:
    router = FiringRouter()
    schedule = await _start(broker, router)
    pending = [_timer(3600) for _ in range(5_000)]
    for chunk in range(0, len(pending), 250):
        await asyncio.gather(*(schedule(t) for t in pending[chunk : chunk + 250]))
    short = [_timer(1.0 + n * 0.1) for n in range(20)]
    for timer in short:
        await schedule(timer)
    await eventually(lambda: len(router.fired) == len(short), timeout=30, what="short timers")
    late = [(at - timer.due_at).total_seconds() for timer, at in router.fired]
    assert min(late) >= 0
    assert max(late) < 5, late  # generous: a loaded machine; the benchmark gives figures
    nc = await nats.connect(provisioned.url)
    try:
        info = await nc.jetstream().consumer_info(TIMERS_STREAM, ROUTING_TIMERS_CONSUMER.durable)
        assert info.num_ack_pending == 0
        assert (await nc.jetstream().stream_info(TIMERS_STREAM)).state.messages == len(pending)
    finally:
        await nc.close()


async def test_timers_from_before_schedules_are_rescheduled_after_the_upgrade(
    nats_server: NatsServer,
) -> None:
    # The timers stream and durable as they were: held-back messages, no schedules.
    old = Topology(
        streams=tuple(
            dataclasses.replace(s, schedules=False)
            for s in TOPOLOGY.streams
            if s.name == TIMERS_STREAM
        ),
        consumers=(
            dataclasses.replace(ROUTING_TIMERS_CONSUMER, filter_subjects=(f"{TIMER_PREFIX}.>",)),
        ),
    )
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        await provision(js, topology=old)
        legacy = _timer(0.5)
        await js.publish(
            f"{TIMER_PREFIX}.ack.{legacy.incident_id}",
            legacy.model_dump_json().encode(),
            stream=TIMERS_STREAM,
        )
        await provision(js, update=True)  # the upgrade, reviewed
        info = await js.stream_info(TIMERS_STREAM)
        assert info.config.allow_msg_schedules is True
        consumer = await js.consumer_info(TIMERS_STREAM, ROUTING_TIMERS_CONSUMER.durable)
        assert set(consumer.config.filter_subjects or []) == set(
            ROUTING_TIMERS_CONSUMER.filter_subjects
        )
    finally:
        await nc.close()
    router = FiringRouter()
    broker = NatsBroker(nats_server.url)
    try:
        await _start(broker, router)
        await eventually(lambda: router.fired, timeout=15, what="the legacy timer")
        assert router.fired[0][0] == legacy
        assert router.fired[0][1] >= legacy.due_at
    finally:
        await broker.stop()


async def test_a_timer_that_does_not_parse_is_parked_as_a_dead_letter(
    broker: NatsBroker, provisioned: NatsServer
) -> None:
    router = FiringRouter()
    schedule = await _start(broker, router)
    nc = await nats.connect(provisioned.url)
    try:
        js = nc.jetstream()
        poison = f"{TIMER_DUE_PREFIX}.ack.{uuid.uuid4()}"
        await js.publish(poison, b"\x00 not a timer {", stream=TIMERS_STREAM)

        async def parked() -> dict[str, str] | None:
            info = await js.stream_info(DEAD_LETTER_STREAM)
            if info.state.messages < 1:
                return None
            message = await js.get_msg(DEAD_LETTER_STREAM, info.state.last_seq)
            return dict(message.headers or {}) | {"data": (message.data or b"").decode()}

        letter = await eventually(parked, timeout=15, what="the poison timer parked")
        assert letter["Weerbaar-Consumer"] == ROUTING_TIMERS_CONSUMER.durable
        assert letter["Weerbaar-Reason"] == "invalid"
        assert letter["Weerbaar-Original-Subject"] == poison
        assert letter["data"] == "\x00 not a timer {"
        # the consumer goes on: a timer after it fires, and the poison is gone
        timer = _timer(0)
        await schedule(timer)
        await eventually(lambda: router.fired, timeout=15, what="the next timer")
        assert [t for t, _ in router.fired] == [timer]
        await eventually(lambda: _stream_empty(provisioned), what="nothing left in the stream")
    finally:
        await nc.close()


async def _stream_empty(server: NatsServer) -> bool:
    nc = await nats.connect(server.url)
    try:
        return (await nc.jetstream().stream_info(TIMERS_STREAM)).state.messages == 0
    finally:
        await nc.close()


class SlowRouter(FiringRouter):
    """Takes longer over each timer than the consumer's `ack_wait`."""

    async def fire(self, timer: Timer) -> datetime | None:
        self.fired.append((timer, utcnow()))
        await asyncio.sleep(ROUTING_TIMERS_CONSUMER.ack_wait_s * 2)
        return None


async def test_a_timer_handled_longer_than_ack_wait_is_not_delivered_again(
    broker: NatsBroker, provisioned: NatsServer
) -> None:
    """Kept in progress while handled: a slow fire (an election under way) is not handed
    to the second routing process meanwhile."""
    slow, other = SlowRouter(), FiringRouter()
    schedule = await _start(broker, slow)
    second = NatsBroker(provisioned.url)
    try:
        await _start(second, other)
        await schedule(_timer(0.2))
        await eventually(lambda: slow.fired or other.fired, timeout=15, what="the timer fired")
        await asyncio.sleep(ROUTING_TIMERS_CONSUMER.ack_wait_s * 3)
    finally:
        await second.stop()
    assert len(slow.fired) + len(other.fired) == 1
