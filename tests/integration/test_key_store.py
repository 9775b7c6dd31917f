"""The key store on a real nats-server with the permissions of deploy/nats/accounts.conf:
intake makes and reads a case's data key, the registry reads it and destroys it (no
copy left in the bucket's stream), routing and notify are refused by the server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from nats.aio.client import Client
from nats.js.errors import NotFoundError
from nats.js.kv import KeyValue

from contracts.subjects import KEYS_BUCKET
from tests.support.nats_users import REFUSED_WAIT_S, connect, permissions_server, violations_of
from tests.support.servers import NatsServer, eventually
from weerbaar_runtime.keystore import KEYS_STREAM, KeyStore, KeyStoreUnavailableError
from weerbaar_runtime.sealing import KekRing

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with permissions_server(tmp_path_factory.mktemp("nats-keys")) as running:
        yield running


async def store_of(server: NatsServer, user: str) -> tuple[KeyStore, Client]:
    nc = await connect(server, user)
    kv = await nc.jetstream().key_value(KEYS_BUCKET)

    async def bucket() -> KeyValue:
        return kv

    return KeyStore(bucket, KekRing.development(), timeout_s=2), nc


async def test_intake_makes_the_key_the_registry_reads_and_destroys_it(
    server: NatsServer,
) -> None:
    case = uuid.uuid4()
    intake, intake_nc = await store_of(server, "intake")
    registry, registry_nc = await store_of(server, "registry")
    try:
        made = await intake.get_or_create(case)
        assert (await intake.get_or_create(case)).raw == made.raw  # create-only: the same
        opened = await registry.get(case)
        assert opened is not None and opened.raw == made.raw
        # intake cannot erase a message of the bucket
        js = intake_nc.jetstream(timeout=REFUSED_WAIT_S)
        with pytest.raises(TimeoutError):
            await js.delete_msg(KEYS_STREAM, 1)
        assert await registry.erase(case)
        assert await registry.get(case) is None
        fresh, fresh_nc = await store_of(server, "registry")  # no cache: the server's answer
        assert await fresh.get(case) is None
        # a reader tells "erased" (the purge marker) from "not there" (a store not whole)
        assert await fresh.get(case, must_exist=True) is None
        with pytest.raises(KeyStoreUnavailableError):
            await fresh.get(uuid.uuid4(), must_exist=True)
        await fresh_nc.close()
    finally:
        await intake_nc.close()
        await registry_nc.close()
    ops = await connect(server, "ops")
    try:
        js = ops.jetstream()
        last = (await js.stream_info(KEYS_STREAM)).state.last_seq
        kept = []
        for seq in range(1, last + 1):
            try:
                msg = await js.get_msg(KEYS_STREAM, seq=seq)
            except NotFoundError:
                continue
            if msg.subject == f"$KV.{KEYS_BUCKET}.{case}":
                kept.append(msg)
        # only the purge marker is left: no wrapped key, not even marked deleted
        assert len(kept) == 1 and not kept[0].data
        assert (kept[0].headers or {}).get("KV-Operation") == "PURGE"
    finally:
        await ops.close()
    assert violations_of(server, "intake", f"STREAM.MSG.DELETE.{KEYS_STREAM}")


@pytest.mark.parametrize("service", ["routing", "notify"])
async def test_routing_and_notify_are_refused_on_the_key_store(
    server: NatsServer, service: str
) -> None:
    case = uuid.uuid4()
    intake, intake_nc = await store_of(server, "intake")
    await intake.get_or_create(case)
    await intake_nc.close()
    nc = await connect(server, service)
    try:
        js = nc.jetstream(timeout=REFUSED_WAIT_S)
        with pytest.raises(TimeoutError):  # binding the bucket: its stream's info
            await js.stream_info(KEYS_STREAM)
        with pytest.raises(TimeoutError):  # a key's message
            await js.get_last_msg(KEYS_STREAM, f"$KV.{KEYS_BUCKET}.{case}")
        with pytest.raises(TimeoutError):  # a put (or purge) on a key's subject
            await js.publish(f"$KV.{KEYS_BUCKET}.{case}", b"x")
        with pytest.raises(TimeoutError):  # reading the bucket through a consumer
            await js.add_consumer(KEYS_STREAM)
    finally:
        await nc.close()
    for refused in (
        f"STREAM.INFO.{KEYS_STREAM}",
        f"STREAM.MSG.GET.{KEYS_STREAM}",
        f"$KV.{KEYS_BUCKET}.{case}",
    ):
        await eventually(
            lambda refused=refused: violations_of(server, service, refused),  # type: ignore[misc]
            what=f"the refusal of {refused}",
        )


async def test_a_key_store_that_does_not_answer_is_unavailable(server: NatsServer) -> None:
    async def bucket() -> KeyValue:
        raise TimeoutError

    store = KeyStore(bucket, KekRing.development(), timeout_s=0.5)
    with pytest.raises(KeyStoreUnavailableError):
        await store.get_or_create(uuid.uuid4())
