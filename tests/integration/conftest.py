"""Integration fixtures: a real nats-server per test, provisioned; the registry's HTTP
API on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import nats
import pytest
from nats.aio.client import Client

from tests.support.registry_api import Publisher, open_api
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


@pytest.fixture
async def api(registry_database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Publisher]]:
    """The registry's API over the recorded events and the statistics fixture
    (`tests.support.registry_api.open_api`), and the publisher that feeds its
    projector; a module may define its own."""
    async with open_api(registry_database_url) as opened:
        yield opened
