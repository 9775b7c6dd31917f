"""Provisioning, settling and dead letters against a real nats-server."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.aio.msg import Msg

from contracts.events import IncidentReported, derive_id, utcnow
from contracts.subjects import (
    DEAD_LETTER_STREAM,
    EVENTS_STREAM,
    TOPOLOGY,
    ConsumerSpec,
    event_subject,
)
from contracts.vocabulary import Role, Source
from tests.support.servers import NatsServer, eventually
from weerbaar_runtime.consumer import subscribe
from weerbaar_runtime.nats import publish_event
from weerbaar_runtime.provision import provision

pytestmark = pytest.mark.nats

PULL_TIMEOUT_S = 1.0  # the pull timeout weerbaar_runtime.consumer.subscribe gives


def reported(n: int = 0) -> IncidentReported:
    incident_id = derive_id("it", uuid.uuid4(), n)
    return IncidentReported.model_validate(
        {
            "event_id": derive_id("ev", incident_id),
            "incident_id": incident_id,
            "occurred_at": utcnow(),
            "producer": "test",
            "source": Source.CRISIS_LINE,
            "official": {"role": Role.MAYOR, "organisation_code": "GM0363"},
            "incident": {"types": ["threat"]},
        }
    )


async def test_provisioning_is_idempotent(nc: Client) -> None:
    js = nc.jetstream()
    before = {s.name: (await js.stream_info(s.name)).config for s in TOPOLOGY.streams}
    lines = await provision(js)
    again = await provision(js)
    assert lines == again
    assert all("up to date" in line or "exists" in line or "ready" in line for line in again)
    after = {s.name: (await js.stream_info(s.name)).config for s in TOPOLOGY.streams}
    assert before == after
    for consumer in TOPOLOGY.consumers:
        info = await js.consumer_info(consumer.stream, consumer.durable)
        assert info.config.durable_name == consumer.durable


async def test_publish_returns_after_the_stream_stored_it_and_drops_repeats(nc: Client) -> None:
    broker = NatsBroker(nc.connected_url.geturl() if nc.connected_url else "")
    await broker.connect()
    try:
        event = reported()
        await publish_event(broker, event)
        await publish_event(broker, event)  # same Nats-Msg-Id: dropped by JetStream
        js = nc.jetstream()
        stored = await js.get_last_msg(EVENTS_STREAM, event.subject())
        assert json.loads(stored.data)["event_id"] == str(event.event_id)
        info = await js.stream_info(EVENTS_STREAM)
        assert info.state.messages == 1
    finally:
        await broker.stop()


async def _test_consumer(nc: Client, prefix: str) -> ConsumerSpec:
    """A fresh durable on every event of the stream, as `weerbaar-provision` makes one."""
    from weerbaar_runtime.provision import consumer_config

    spec = ConsumerSpec(
        stream=EVENTS_STREAM,
        durable=f"{prefix}-{uuid.uuid4().hex[:8]}",
        filter_subjects=("weerbaar.events.>",),
        description="test consumer",
    )
    await nc.jetstream().add_consumer(spec.stream, consumer_config(spec))
    return spec


async def test_failures_are_retried_and_poison_is_parked_without_blocking(
    provisioned: NatsServer, nc: Client
) -> None:
    js = nc.jetstream()
    spec = await _test_consumer(nc, "test")

    handled: list[tuple[str, int]] = []
    flaky = reported(1)
    always_failing = reported(2)
    fine = reported(3)

    async def handler(event, attempt):  # type: ignore[no-untyped-def]
        handled.append((str(event.event_id), attempt))
        if event.event_id == flaky.event_id and attempt < 3:
            raise RuntimeError("transient")
        if event.event_id == always_failing.event_id:
            raise RuntimeError("never works")

    broker = NatsBroker(provisioned.url)
    subscribe(broker, spec, handler, max_attempts=3)
    await broker.start()
    try:
        await js.publish(event_subject("incident.reported", uuid.uuid4()), b'{"not": "an event"}')
        for event in (flaky, always_failing, fine):
            await js.publish(event.subject(), event.model_dump_json().encode())

        async def dead_letters() -> list[dict[str, str]] | None:
            info = await js.stream_info(DEAD_LETTER_STREAM)
            if info.state.messages < 2:
                return None
            found = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg(DEAD_LETTER_STREAM, seq)
                found.append(dict(msg.headers or {}))
            return found

        parked = await eventually(dead_letters, timeout=30, what="two dead letters")
        reasons = sorted(h["Weerbaar-Reason"] for h in parked)
        assert reasons == ["failed", "invalid"]
        assert (str(fine.event_id), 1) in handled
        await eventually(lambda: (str(flaky.event_id), 3) in handled, what="third attempt")
        assert [a for e, a in handled if e == str(always_failing.event_id)] == [1, 2, 3]

        # The sentinel: an event published after the others, through the same consumer.
        # Once it is handled and nothing is pending or unacknowledged, no message can come
        # back: a further attempt of any of them would still be pending.
        marker = reported(4)
        await js.publish(marker.subject(), marker.model_dump_json().encode())
        await eventually(lambda: (str(marker.event_id), 1) in handled, what="the marker")

        async def idle() -> bool:
            info = await js.consumer_info(spec.stream, spec.durable)
            return info.num_ack_pending == 0 and info.num_pending == 0

        await eventually(idle, timeout=10, what="nothing pending")
        info = await js.consumer_info(spec.stream, spec.durable)
        assert info.num_ack_pending == 0
        assert info.num_pending == 0
        assert [a for e, a in handled if e == str(always_failing.event_id)] == [1, 2, 3]
        assert [a for e, a in handled if e == str(flaky.event_id)] == [1, 2, 3]
        assert [a for e, a in handled if e == str(fine.event_id)] == [1]
    finally:
        await broker.stop()


async def test_a_lone_event_is_handed_over_at_once_and_a_burst_in_batches(
    provisioned: NatsServer, nc: Client
) -> None:
    from weerbaar_runtime.nats import start_with_retry

    js = nc.jetstream()
    spec = await _test_consumer(nc, "prompt")
    seen: dict[str, float] = {}
    loop = asyncio.get_running_loop()

    async def handler(event, attempt):  # type: ignore[no-untyped-def]
        seen[str(event.event_id)] = loop.time()

    # The consumer's pull requests, as the server sees them: one that waits for messages
    # carries `expires` (the subscriber's pull timeout, 1 s).
    pulls: asyncio.Queue[float] = asyncio.Queue()

    async def on_pull(msg: Msg) -> None:
        if b'"expires"' in msg.data:
            pulls.put_nowait(loop.time())

    watch = await nc.subscribe(
        f"$JS.API.CONSUMER.MSG.NEXT.{spec.stream}.{spec.durable}", cb=on_pull
    )
    broker = NatsBroker(provisioned.url)
    subscribe(broker, spec, handler, batch_size=64)
    await start_with_retry(broker, what="test")
    try:
        await asyncio.sleep(1.5)  # idle: the consumer waits on an open pull request
        while not pulls.empty():
            pulls.get_nowait()
        opened = await asyncio.wait_for(pulls.get(), timeout=10)  # a fresh waiting pull
        lone = reported(10)
        sent = loop.time()
        await js.publish(lone.subject(), lone.model_dump_json().encode())
        await eventually(lambda: str(lone.event_id) in seen, timeout=5, what="the lone event")
        handed_over = seen[str(lone.event_id)]
        print(f"\nlone event handed over {handed_over - sent:.3f} s after its publication")
        # A consumer that waits to fill a batch would hold the lone event until the pull
        # request it arrived on expires, a full pull timeout (1 s) after that request was
        # made: published right after a fresh request, it must come well before that.
        # (Measured from the request, not against a fixed figure of a few hundred ms, so
        # a loaded machine only makes the margin smaller, not the test fail.)
        assert handed_over - opened < PULL_TIMEOUT_S * 0.8
        burst = [reported(100 + n) for n in range(200)]
        for event in burst:
            await js.publish(event.subject(), event.model_dump_json().encode())
        await eventually(
            lambda: all(str(e.event_id) in seen for e in burst), timeout=20, what="the burst"
        )
    finally:
        await watch.unsubscribe()
        await broker.stop()
