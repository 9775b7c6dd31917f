"""A service's NATS connection notices a frozen server within seconds (SIGSTOP: the
kernel keeps the socket open, so only unanswered pings tell) and connects again once
the server answers."""

from __future__ import annotations

import signal
import time

import pytest

from tests.support.servers import NatsServer, eventually
from weerbaar_runtime.nats import MAX_OUTSTANDING_PINGS, PING_INTERVAL_S, build_broker
from weerbaar_runtime.settings import ServiceSettings

pytestmark = pytest.mark.nats


async def test_a_frozen_server_is_noticed_within_a_few_seconds(nats_server: NatsServer) -> None:
    broker = build_broker(ServiceSettings(nats_url=nats_server.url), service="liveness")
    await broker.start()
    process = nats_server.process
    assert process is not None
    try:
        connection = broker.connection
        assert connection.is_connected
        process.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        try:
            await eventually(
                lambda: not connection.is_connected, timeout=15, interval=0.05, what="noticed"
            )
            noticed_s = time.monotonic() - frozen
        finally:
            process.send_signal(signal.SIGCONT)
        # three unanswered pings, a second apart, with some slack for a loaded machine
        assert noticed_s <= PING_INTERVAL_S * (MAX_OUTSTANDING_PINGS + 1) + 1.5, noticed_s
        await eventually(lambda: connection.is_connected, timeout=15, what="connected again")
    finally:
        await broker.stop()
