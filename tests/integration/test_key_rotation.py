"""Rotating the key-encryption key: add a KEK, re-wrap every case's data key under it
(no event touched), remove the old one, and every case still opens."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator

import pytest
from nats.js.kv import KeyValue

from contracts.events import IncidentReported
from contracts.subjects import KEYS_BUCKET
from tests.support.nats_users import connect, permissions_server
from tests.support.servers import NatsServer
from tests.unit.test_sealing import reported
from weerbaar_runtime.keystore import KeyStore
from weerbaar_runtime.rewrap import rewrap_keys
from weerbaar_runtime.sealing import KekRing, SealError, open_event, seal_event

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with permissions_server(tmp_path_factory.mktemp("nats-rotation")) as running:
        yield running


def kek() -> bytes:
    return os.urandom(32)


async def test_rotation_rewraps_every_key_and_the_old_kek_can_go(
    server: NatsServer,
) -> None:
    old = KekRing({"k1": kek()}, "k1")
    nc = await connect(server, "registry")
    try:
        kv = await nc.jetstream().key_value(KEYS_BUCKET)

        async def bucket() -> KeyValue:
            return kv

        store = KeyStore(bucket, old, cache=0)
        cases = [uuid.uuid4() for _ in range(40)]
        plain = {case: reported(case) for case in cases}
        sealed: dict[uuid.UUID, IncidentReported] = {}
        for case in cases:
            sealed[case] = seal_event(plain[case], await store.get_or_create(case))
        erased = cases[0]
        await store.erase(erased)

        both = KekRing({**old.keys, "k2": kek()}, "k2")
        out = io.StringIO()
        done = await rewrap_keys(nc.jetstream(), both, window=16, out=out, report_every_s=0)
        assert done.rewrapped == len(cases) - 1 and done.skipped == 0
        assert "rotate-keys: done, 39 of 39 data keys re-wrapped" in out.getvalue()
        assert "keys checked" in out.getvalue()  # progress
        again = await rewrap_keys(nc.jetstream(), both, out=io.StringIO())
        assert again.rewrapped == 0  # all under the current KEK now

        new = KekRing({"k2": both.keys["k2"]}, "k2")  # the old KEK removed
        reader = KeyStore(bucket, new, cache=0)
        for case in cases[1:]:
            key = await reader.get(case, must_exist=True)
            assert key is not None
            assert open_event(sealed[case], key) == plain[case]
        assert await reader.get(erased, must_exist=True) is None
        kept = await reader.get(cases[1])
        assert kept is not None
        with pytest.raises(SealError):  # what the old KEK wrapped no longer unwraps
            new.unwrap(cases[1], old.wrap(kept))
    finally:
        await nc.close()
