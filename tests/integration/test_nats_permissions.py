"""Least privilege in NATS: each service's user, with the permissions of
deploy/nats/accounts.conf, against a real nats-server.

A service that steps outside its permissions is refused by the server itself (and
logs "nats permission violation"); within them it can do all its work. What each
service publishes is read from its AsyncAPI document, which tests/test_documents.py
keeps equal to the code, so a new event a service publishes fails here until
accounts.conf allows it.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import structlog
from faststream.nats import NatsBroker
from nats.js.errors import NotFoundError
from pydantic import SecretStr

import weerbaar_runtime.nats as runtime_nats
from contracts.subjects import (
    ALL_EVENTS,
    CHANGED_PREFIX,
    DEAD_LETTER_PREFIX,
    DEAD_LETTER_STREAM,
    EVENTS_STREAM,
    REGISTRY_CONSUMER,
    TIMER_DUE_PREFIX,
    TIMER_SCHEDULE_PREFIX,
    TIMERS_STREAM,
    TOPOLOGY,
)
from tests.support.nats_users import (
    BUCKETS,
    REFUSED_WAIT_S,
    SERVICES,
    assignment,
    connect,
    permission_logged,
    permissions_server,
    sends,
    stored,
    violations_of,
)
from tests.support.servers import NatsServer, eventually, provision
from weerbaar_runtime.logging import configure_logging, get_logger
from weerbaar_runtime.nats import PublishFailedError, build_broker, publish_event
from weerbaar_runtime.settings import ServiceSettings

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with permissions_server(tmp_path_factory.mktemp("nats-permissions")) as running:
        yield running


@pytest.fixture
def logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """What the services' NATS error callback logs, as parsed JSON records."""
    stream = io.StringIO()
    configure_logging(service="test", level="DEBUG", json=True, stream=stream)
    # a fresh logger: the module's own may be cached with an earlier configuration
    original = runtime_nats._log
    runtime_nats._log = get_logger("nats")
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    runtime_nats._log = original
    structlog.reset_defaults()
    logging.getLogger().handlers[:] = []


@pytest.fixture
async def service_broker(server: NatsServer) -> AsyncIterator[Callable[[str], Any]]:
    """A started broker of a service, built as the service builds it (build_broker)."""
    started: list[NatsBroker] = []

    async def start(service: str) -> NatsBroker:
        settings = ServiceSettings(
            nats_url=server.url,
            nats_user=service,
            nats_password=SecretStr(server.passwords[service]),
        )
        broker = build_broker(settings, service=service)
        await broker.connect()
        started.append(broker)
        return broker

    yield start
    for broker in started:
        await broker.stop()


async def test_intake_cannot_forge_an_assignment(
    server: NatsServer,
    service_broker: Callable[[str], Any],
    logs: Callable[[], list[dict[str, Any]]],
) -> None:
    broker = await service_broker("intake")
    forged = assignment(uuid.uuid4())
    with pytest.raises(PublishFailedError):
        await publish_event(broker, forged, timeout_s=REFUSED_WAIT_S)

    assert not await stored(server, EVENTS_STREAM, forged.subject())
    await eventually(
        lambda: violations_of(server, "intake", forged.subject()), what="the server's refusal"
    )
    assert "Publish Violation" in violations_of(server, "intake", forged.subject())[0]
    await eventually(lambda: permission_logged(logs()), what="intake's security event")
    # The connection stays up: intake goes on publishing what it may.
    assert broker.connection.is_connected


async def test_notify_cannot_read_the_registry_consumer(
    server: NatsServer,
    service_broker: Callable[[str], Any],
    logs: Callable[[], list[dict[str, Any]]],
) -> None:
    # Something for the registry to read.
    intake = await connect(server, "intake")
    try:
        subject = f"weerbaar.events.incident.reported.{uuid.uuid4()}"
        await intake.jetstream().publish(subject, b"{}", stream=EVENTS_STREAM)
    finally:
        await intake.close()
    ops = await connect(server, "ops")
    js_ops = ops.jetstream()
    before = await js_ops.consumer_info(EVENTS_STREAM, REGISTRY_CONSUMER.durable)
    assert before.num_pending

    broker = await service_broker("notify")
    js = broker.connection.jetstream(timeout=REFUSED_WAIT_S)
    # Binding needs the consumer's info: refused.
    with pytest.raises(TimeoutError):
        await js.consumer_info(EVENTS_STREAM, REGISTRY_CONSUMER.durable)
    # Asking for the next message without binding first: refused as well.
    with pytest.raises(TimeoutError):
        await broker.connection.request(
            f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.{REGISTRY_CONSUMER.durable}",
            json.dumps({"batch": 1, "no_wait": True}).encode(),
            timeout=REFUSED_WAIT_S,
        )
    try:
        after = await js_ops.consumer_info(EVENTS_STREAM, REGISTRY_CONSUMER.durable)
    finally:
        await ops.close()
    assert after.delivered.stream_seq == before.delivered.stream_seq
    assert after.num_ack_pending == before.num_ack_pending == 0

    await eventually(
        lambda: violations_of(server, "notify", f"CONSUMER.MSG.NEXT.{EVENTS_STREAM}.registry"),
        what="the server's refusal",
    )
    assert violations_of(server, "notify", f"CONSUMER.INFO.{EVENTS_STREAM}.registry")
    await eventually(lambda: permission_logged(logs()), what="notify's security event")


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_can_do_its_own_work(server: NatsServer, service: str) -> None:
    refused_before = len(violations_of(server, service))
    incident = str(uuid.uuid4())
    nc = await connect(server, service)
    js = nc.jetstream(timeout=2)
    ops = await connect(server, "ops")
    try:
        publishes = [a.replace("*", incident) for a in sends(service)]
        assert publishes
        for subject in publishes:
            if subject.startswith(CHANGED_PREFIX):  # the change feed: core NATS
                await nc.publish(subject, b"{}")
                await nc.flush()
                continue
            ack = await js.publish(subject, b"{}", stream=EVENTS_STREAM)  # with a PubAck
            assert ack.stream == EVENTS_STREAM

        for consumer in TOPOLOGY.consumers:  # its own durables: bind, fetch, ack
            if consumer.durable.split("-")[0] != service:
                continue
            if consumer.stream == TIMERS_STREAM:  # routing schedules its own timers
                await js.publish(
                    f"{TIMER_SCHEDULE_PREFIX}.ack.{incident}.1",
                    b"{}",
                    stream=TIMERS_STREAM,
                    headers={
                        "Nats-Schedule": "@at 2026-01-01T00:00:00Z",  # past: fires at once
                        "Nats-Schedule-Target": f"{TIMER_DUE_PREFIX}.ack.{incident}",
                    },
                )
            else:  # an event for it, and it parks poison under its own name
                seed = consumer.filter_subjects[0].replace(">", "incident.reported.*")
                await ops.jetstream().publish(seed.replace("*", incident), b"{}")
                await js.publish(
                    f"{DEAD_LETTER_PREFIX}.{consumer.durable}.1", b"{}", stream=DEAD_LETTER_STREAM
                )
            subscription = await js.pull_subscribe_bind(consumer.durable, stream=consumer.stream)
            messages = await subscription.fetch(1, timeout=2)
            await messages[0].ack_sync()

        if service in BUCKETS:  # its own bucket
            kv = await js.key_value(BUCKETS[service])
            revision = await kv.create(f"k-{incident}", b"1")
            await kv.update(f"k-{incident}", b"2", last=revision)
            assert (await kv.get(f"k-{incident}")).value == b"2"
            if service == "routing":  # warm-up lists the keys
                assert f"k-{incident}" in await kv.keys()

        if service == "intake":  # "does this incident exist", "who is assigned"
            await js.get_last_msg(EVENTS_STREAM, f"weerbaar.events.incident.reported.{incident}")
            with pytest.raises(NotFoundError):
                await js.get_msg(
                    EVENTS_STREAM,
                    seq=1,
                    subject=f"weerbaar.events.adviser.assigned.{incident}",
                    next=True,
                )

        if service == "registry":  # `weerbaar-registry rebuild` replays the stream
            replay = await js.subscribe(ALL_EVENTS, stream=EVENTS_STREAM, ordered_consumer=True)
            await replay.next_msg(timeout=2)
            await replay.unsubscribe()
        # The sentinel: a publish the server refuses, on the same connection after all of
        # the work. Once its refusal is logged, any refusal of the work would be too.
        marker = f"weerbaar.sentinel.{incident}"
        await nc.publish(marker, b"")
        await nc.flush()
        await eventually(lambda: violations_of(server, service, marker), what="the sentinel")
    finally:
        await ops.close()
        await nc.close()
    refused = violations_of(server, service)[refused_before:]
    assert [v for v in refused if marker not in v] == []


async def test_ops_can_redrive_and_the_provisioner_only_provisions(server: NatsServer) -> None:
    ops = await connect(server, "ops")
    try:  # weerbaar-notify dead-letters redrive: publish the event again
        await ops.jetstream().publish(
            f"weerbaar.events.adviser.assigned.{uuid.uuid4()}", b"{}", stream=EVENTS_STREAM
        )
    finally:
        await ops.close()
    await provision(server.url, **server.credentials("provisioner"))  # again: idempotent
    provisioner = await connect(server, "provisioner")
    subject = f"weerbaar.events.incident.reported.{uuid.uuid4()}"
    try:
        js = provisioner.jetstream(timeout=REFUSED_WAIT_S)
        with pytest.raises(TimeoutError):
            await js.publish(subject, b"{}", stream=EVENTS_STREAM)
        with pytest.raises(TimeoutError):
            await js.delete_stream(EVENTS_STREAM)
    finally:
        await provisioner.close()
    assert violations_of(server, "provisioner", subject)
    assert violations_of(server, "provisioner", f"STREAM.DELETE.{EVENTS_STREAM}")
