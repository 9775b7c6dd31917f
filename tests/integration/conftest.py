"""Integration fixtures: a real nats-server per test, provisioned."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from tests.support.servers import NatsServer, provision


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=tmp_path / "nats").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def provisioned(nats_server: NatsServer) -> NatsServer:
    await provision(nats_server.url)
    return nats_server


@pytest.fixture
async def nc(provisioned: NatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(provisioned.url)
    try:
        yield client
    finally:
        await client.close()
