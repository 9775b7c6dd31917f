"""The bus locked down, against a real nats-server with deploy/nats/accounts.conf: no
user reads the replies meant for another, the provisioner manages only the named
streams, consumers and buckets and cannot read events or change a stream, and the
events stream refuses deletion and purging to everyone."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, StreamConfig, StreamSource
from nats.js.errors import APIError
from pydantic import SecretStr

from contracts.subjects import (
    ALL_EVENTS,
    DEAD_LETTER_STREAM,
    EVENTS_STREAM,
    IDEMPOTENCY_BUCKET,
    REGISTRY_CONSUMER,
    TOPOLOGY,
    inbox_prefix,
)
from tests.support.nats_users import (
    REFUSED_WAIT_S,
    SERVICES,
    assignment,
    connect,
    permissions_server,
    stored,
    violations_of,
)
from tests.support.servers import NatsServer, eventually
from weerbaar_runtime.nats import build_broker, publish_event, pull_inbox
from weerbaar_runtime.provision import ProvisionError, provision, stream_config
from weerbaar_runtime.settings import ServiceSettings

pytestmark = pytest.mark.nats

USERS = (*SERVICES, "console", "provisioner", "ops")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with permissions_server(tmp_path_factory.mktemp("nats-bus")) as running:
        yield running


async def _events_stored(server: NatsServer) -> int:
    ops = await connect(server, "ops")
    try:
        return int((await ops.jetstream().stream_info(EVENTS_STREAM)).state.messages)
    finally:
        await ops.close()


async def _seed_event(server: NatsServer) -> str:
    subject = f"weerbaar.events.incident.reported.{uuid.uuid4()}"
    intake = await connect(server, "intake")
    try:
        await intake.jetstream().publish(subject, b"{}", stream=EVENTS_STREAM)
    finally:
        await intake.close()
    return subject


@pytest.mark.parametrize("thief", [u for u in USERS if u != "intake"])
async def test_no_user_reads_the_replies_meant_for_another(server: NatsServer, thief: str) -> None:
    prefixes = [f"{inbox_prefix('intake')}.>", "_INBOX.>"]
    overheard: list[bytes] = []

    async def overhear(msg: Msg) -> None:
        overheard.append(msg.data)

    listener = await connect(server, thief)
    intake = await connect(server, "intake")
    try:
        for prefix in prefixes:
            await listener.subscribe(prefix, cb=overhear)
        await listener.flush()
        js = intake.jetstream(timeout=2)  # replies: a PubAck and a KV value
        await js.publish(f"weerbaar.events.incident.reported.{uuid.uuid4()}", b"{}")
        kv = await js.key_value(IDEMPOTENCY_BUCKET)
        await kv.put(f"k-{uuid.uuid4()}", b"secret-reply")
        await listener.flush()
        await asyncio.sleep(0.2)
    finally:
        await intake.close()
        await listener.close()
    assert overheard == []
    for prefix in prefixes:
        await eventually(
            lambda p=prefix: any(
                "Subscription Violation" in v for v in violations_of(server, thief, p)
            ),
            what=f"the server refusing {thief} a subscription to {prefix}",
        )


async def test_a_service_broker_receives_its_replies_on_its_own_prefix(server: NatsServer) -> None:
    settings = ServiceSettings(
        nats_url=server.url,
        nats_user="routing",
        nats_password=SecretStr(server.passwords["routing"]),
    )
    broker = build_broker(settings, service="routing")
    await broker.connect()
    try:
        event = assignment(uuid.uuid4())
        await publish_event(broker, event, timeout_s=2)  # the PubAck reached it
    finally:
        await broker.stop()
    assert await stored(server, EVENTS_STREAM, event.subject())


async def test_the_provisioner_cannot_make_a_consumer_of_its_own(server: NatsServer) -> None:
    await _seed_event(server)
    refused_before = len(violations_of(server, "provisioner"))
    provisioner = await connect(server, "provisioner")
    try:
        js = provisioner.jetstream(timeout=REFUSED_WAIT_S)
        with pytest.raises(TimeoutError):  # a durable of another name
            await js.add_consumer(
                EVENTS_STREAM, ConsumerConfig(name="reader", durable_name="reader")
            )
        with pytest.raises(TimeoutError):  # an ephemeral one
            await js.subscribe(ALL_EVENTS, stream=EVENTS_STREAM, ordered_consumer=True)
        with pytest.raises(TimeoutError):  # a stream of its own, sourcing the events
            await js.add_stream(
                StreamConfig(name="COPY", subjects=[], sources=[StreamSource(name=EVENTS_STREAM)])
            )
        # A named durable it may create, but not turn into a push consumer that
        # delivers to its own inbox: the server refuses to change a pull durable.
        push = ConsumerConfig(
            name=REGISTRY_CONSUMER.durable,
            durable_name=REGISTRY_CONSUMER.durable,
            filter_subject=ALL_EVENTS,
            deliver_subject=f"{inbox_prefix('provisioner')}.events",
        )
        with pytest.raises(APIError):
            await provisioner.jetstream(timeout=2).add_consumer(EVENTS_STREAM, push)
    finally:
        await provisioner.close()
    await eventually(
        lambda: len(violations_of(server, "provisioner")) >= refused_before + 3,
        what="the server's refusals",
    )
    refused = violations_of(server, "provisioner")[refused_before:]
    assert any("CONSUMER.CREATE.WEERBAAR_EVENTS.reader" in v for v in refused)
    assert any("STREAM.CREATE.COPY" in v for v in refused)
    ops = await connect(server, "ops")
    try:
        names = [c.name for c in await ops.jetstream().consumers_info(EVENTS_STREAM)]
        assert sorted(names) == sorted(
            c.durable for c in TOPOLOGY.consumers if c.stream == EVENTS_STREAM
        )
        info = await ops.jetstream().consumer_info(EVENTS_STREAM, REGISTRY_CONSUMER.durable)
        assert info.config.deliver_subject is None
    finally:
        await ops.close()


async def test_the_provisioner_cannot_cut_a_stream_down(server: NatsServer) -> None:
    await _seed_event(server)
    before = await _events_stored(server)
    provisioner = await connect(server, "provisioner")
    try:
        js = provisioner.jetstream(timeout=REFUSED_WAIT_S)
        cut = stream_config(TOPOLOGY.streams[0], 1)
        cut.max_msgs = 1
        with pytest.raises(TimeoutError):
            await js.update_stream(cut)
    finally:
        await provisioner.close()
    await eventually(
        lambda: violations_of(server, "provisioner", f"STREAM.UPDATE.{EVENTS_STREAM}"),
        what="the server's refusal",
    )
    assert await _events_stored(server) == before > 1


async def test_a_changed_stream_is_reported_and_only_ops_brings_it_back(
    server: NatsServer,
) -> None:
    ops = await connect(server, "ops")
    provisioner = await connect(server, "provisioner")
    try:
        spec = next(s for s in TOPOLOGY.streams if s.name == DEAD_LETTER_STREAM)
        changed = stream_config(spec, 1)
        changed.max_msgs = 10
        await ops.jetstream().update_stream(changed)  # a change nobody reviewed
        with pytest.raises(ProvisionError, match="max_msgs: 10, reviewed -1"):
            await provision(provisioner.jetstream())
        lines = await provision(ops.jetstream(), update=True)
        assert f"stream {DEAD_LETTER_STREAM}: updated (max_msgs: 10, reviewed -1)" in lines
        again = await provision(provisioner.jetstream())
        assert f"stream {DEAD_LETTER_STREAM}: up to date" in again
    finally:
        await provisioner.close()
        await ops.close()


async def test_nobody_deletes_or_purges_the_events(server: NatsServer) -> None:
    subject = await _seed_event(server)
    before = await _events_stored(server)
    ops = await connect(server, "ops")  # the whole JetStream API
    try:
        js = ops.jetstream(timeout=2)
        seq = (await js.get_last_msg(EVENTS_STREAM, subject)).seq
        with pytest.raises(APIError):
            await js.delete_msg(EVENTS_STREAM, seq)
        with pytest.raises(APIError):
            await js.purge_stream(EVENTS_STREAM)
        relaxed = stream_config(TOPOLOGY.streams[0], 1)
        relaxed.deny_delete = relaxed.deny_purge = False
        with pytest.raises(APIError, match="can not cancel deny"):
            await js.update_stream(relaxed)
        config = (await js.stream_info(EVENTS_STREAM)).config
    finally:
        await ops.close()
    assert config.deny_delete is True
    assert config.deny_purge is True
    assert await stored(server, EVENTS_STREAM, subject)
    assert await _events_stored(server) == before


def test_pull_subscribers_take_the_brokers_prefix() -> None:
    # FastStream hands each pull subscription nats-py's default `_INBOX.` unless told
    settings = ServiceSettings(nats_user="notify", nats_password=SecretStr("x"))
    assert pull_inbox(build_broker(settings, service="notify")) == b"_INBOX_notify."
    assert pull_inbox(build_broker(ServiceSettings(), service="notify")) == b"_INBOX."
