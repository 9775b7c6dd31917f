"""Notify's operations API against a real nats-server with the permissions of
deploy/nats/accounts.conf: as its own user notify lists and re-drives its dead letters
and reads every durable's lag, nothing more (it publishes no other event, and binding
another service's durable stays refused: test_nats_permissions.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from contracts.subjects import (
    DEAD_LETTER_PREFIX,
    DEAD_LETTER_STREAM,
    EVENTS_STREAM,
    TOPOLOGY,
)
from notify.adapters.deadletters import REDRIVEN_BY, DeadLetters
from tests.support.nats_users import REFUSED_WAIT_S, connect, permissions_server, violations_of
from tests.support.servers import NatsServer, eventually

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with permissions_server(tmp_path_factory.mktemp("nats-notify-operations")) as running:
        yield running


async def test_notify_redrives_its_dead_letter_and_reads_every_durables_lag(
    server: NatsServer,
) -> None:
    refused_before = len(violations_of(server, "notify"))
    incident = str(uuid.uuid4())
    original = f"weerbaar.events.adviser.assigned.{incident}"
    nc = await connect(server, "notify")
    try:
        js = nc.jetstream(timeout=2)
        # notify parks a dead letter as its consumer does (weerbaar_runtime.consumer)
        parked = await js.publish(
            f"{DEAD_LETTER_PREFIX}.notify.1",
            json.dumps({"type": "adviser.assigned", "incident_id": incident}).encode(),
            stream=DEAD_LETTER_STREAM,
            headers={
                "Weerbaar-Reason": "failed",
                "Weerbaar-Error-Type": "SMTPConnectError",
                "Weerbaar-Original-Subject": original,
            },
        )
        dead = DeadLetters(js)
        (letter,) = [d for d in await dead.list() if d.incident_id == incident]
        assert letter.seq == parked.seq and letter.reason == "failed"
        done = await dead.redrive(letter.seq, by="ops:ops-1")
        assert done.subject == original
        assert [d for d in await dead.list() if d.incident_id == incident] == []

        lags = {
            (info.stream_name, info.name)
            for stream in (EVENTS_STREAM, "WEERBAAR_TIMERS")
            for info in await js.consumers_info(stream)
        }
        assert {(c.stream, c.durable) for c in TOPOLOGY.consumers} <= lags

        marker = f"weerbaar.sentinel.{incident}"
        await nc.publish(marker, b"")
        await nc.flush()
        await eventually(lambda: violations_of(server, "notify", marker), what="the sentinel")
    finally:
        await nc.close()
    refused = violations_of(server, "notify")[refused_before:]
    assert [v for v in refused if "sentinel" not in v] == []

    ops = await connect(server, "ops")
    try:  # the event went back on its own subject, saying who re-drove it
        again = await ops.jetstream().get_msg(EVENTS_STREAM, seq=done.stream_seq)
    finally:
        await ops.close()
    assert again.subject == original
    assert (again.headers or {})[REDRIVEN_BY] == "ops:ops-1"


@pytest.mark.parametrize(
    "subject",
    [
        "weerbaar.events.incident.reported.{i}",
        "weerbaar.events.assignment.acknowledged.{i}",
        "weerbaar.events.incident.closed.{i}",
    ],
)
async def test_notify_publishes_no_event_it_does_not_redrive(
    server: NatsServer, subject: str
) -> None:
    refused_before = len(violations_of(server, "notify"))
    nc = await connect(server, "notify")
    try:
        with pytest.raises(TimeoutError):
            await nc.jetstream(timeout=REFUSED_WAIT_S).publish(
                subject.format(i=uuid.uuid4()), b"{}", stream=EVENTS_STREAM
            )
    finally:
        await nc.close()
    await eventually(
        lambda: len(violations_of(server, "notify")) > refused_before,
        what="the server's refusal",
    )
