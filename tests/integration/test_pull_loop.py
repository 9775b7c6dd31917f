"""The consumers' pull loop against a real nats-server: every message handed over once,
never more at a time than the window, and a stop that lets what is being handled
finish (it is settled, not cut off)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from contracts.subjects import EVENTS_STREAM, REGISTRY_CONSUMER, SUBJECT_PREFIX
from tests.support.servers import NatsServer, eventually
from weerbaar_runtime.nats import build_broker
from weerbaar_runtime.pull import Delivered, PullLoop
from weerbaar_runtime.settings import ServiceSettings

REPORTED = f"{SUBJECT_PREFIX}.incident.reported"
WINDOW = 16
BATCH = 8
MESSAGES = 300


async def _publish(broker: object, count: int) -> list[bytes]:
    js = broker.connection.jetstream()  # type: ignore[attr-defined]
    bodies = [str(uuid.uuid4()).encode() for _ in range(count)]
    for start in range(0, count, 50):
        await asyncio.gather(
            *(
                js.publish(
                    f"{SUBJECT_PREFIX}.incident.reported.{b.decode()}", b, stream=EVENTS_STREAM
                )
                for b in bodies[start : start + 50]
            )
        )
    return bodies


@pytest.mark.parametrize("window", [WINDOW, None], ids=["window", "fetch at a time"])
async def test_each_message_once_within_the_window_and_a_stop_lets_handlers_finish(
    provisioned: NatsServer, window: int | None
) -> None:
    broker = build_broker(ServiceSettings(nats_url=provisioned.url), service="registry")
    await broker.connect()
    seen: list[bytes] = []
    busy = peak = 0
    hold: asyncio.Event | None = None
    finished: list[bytes] = []

    async def handle(message: Delivered) -> None:
        nonlocal busy, peak
        busy += 1
        peak = max(peak, busy)
        try:
            seen.append(message.raw_message.data)
            await asyncio.sleep(0.002)
            if hold is not None:
                await hold.wait()
            await message.ack()
            finished.append(message.raw_message.data)
        finally:
            busy -= 1

    loop = PullLoop(
        broker,
        stream=EVENTS_STREAM,
        durable=REGISTRY_CONSUMER.durable,
        handle=handle,
        batch=BATCH,
        window=window,
    )
    try:
        await loop.start()
        bodies = await _publish(broker, MESSAGES)
        await eventually(lambda: len(finished) == MESSAGES, timeout=60, what="all handled")
        assert sorted(seen) == sorted(bodies)  # each once
        assert 1 < peak <= (window or BATCH)
        # a message being handled when the loop stops is let finish and settled
        hold = asyncio.Event()
        last = await _publish(broker, 1)
        await eventually(lambda: last[0] in seen, timeout=30, what="the last one taken")
        stopping = asyncio.create_task(loop.stop())
        await asyncio.sleep(0.2)
        assert not stopping.done()  # it waits for the handler
        hold.set()
        await stopping
        assert finished[-1] == last[0]
    finally:
        await loop.stop()
        await broker.stop()
    js_info = await _consumer_pending(provisioned)
    assert js_info == (0, 0)  # nothing left unacknowledged or undelivered


async def _consumer_pending(server: NatsServer) -> tuple[int, int]:
    import nats

    nc = await nats.connect(server.url)
    try:
        info = await nc.jetstream().consumer_info(EVENTS_STREAM, REGISTRY_CONSUMER.durable)
        return info.num_ack_pending, info.num_pending
    finally:
        await nc.close()
