"""Intake with its key store unreachable: a report is answered 503 with Retry-After
(problem+json) and nothing is published; once the key store is back, the same report
with the same Idempotency-Key is stored once.

The key store alone is made unreachable by deleting its bucket's stream (as ops) on a
server that otherwise runs on: intake's reads find no bucket and its create has no
responder, as with a bucket whose replicas are all down. Provisioning makes it again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import nats
import pytest
from nats.aio.client import Client

from contracts.subjects import EVENTS_STREAM, event_subject, inbox_prefix
from tests.support.auth import OPERATOR
from tests.support.servers import NatsServer, ServiceProcess, eventually, free_port, provision
from weerbaar_runtime.keystore import KEYS_STREAM

pytestmark = pytest.mark.nats

REPORT = {
    "source": "crisis_line",
    "official": {"role": "mayor", "organisation_code": "GM0363", "name": "Canary Outage"},
    "incident": {"types": ["threat"], "description": "Canary outage description"},
}


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[NatsServer, ServiceProcess]]:
    server = NatsServer(store_dir=tmp_path / "nats").start()
    await provision(server.url, user="provisioner", password=server.passwords["provisioner"])
    port = free_port()
    intake = ServiceProcess(
        name="intake",
        env={
            "INTAKE_PORT": str(port),
            "NATS_URL": server.url,
            **server.user_env("intake"),
            "INTAKE_PUBLISH_RETRY_S": "0",
            "KEY_STORE_TIMEOUT_S": "1",
            "LOG_JSON": "true",
        },
        log_path=tmp_path / "intake.log",
        port=port,
    ).start()

    async def ready() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{intake.base_url}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        await eventually(ready, timeout=180, interval=0.3, what="intake ready")
        yield server, intake
    finally:
        intake.stop()
        server.stop()


async def as_ops(server: NatsServer) -> Client:
    return await nats.connect(
        server.url, **server.credentials("ops"), inbox_prefix=inbox_prefix("ops")
    )


async def reports_stored(server: NatsServer, incident_id: str) -> int:
    nc = await as_ops(server)
    try:
        subject = event_subject("incident.reported", incident_id)
        info = await nc.jetstream().stream_info(EVENTS_STREAM, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))
    finally:
        await nc.close()


async def test_no_key_store_no_report_and_the_same_key_succeeds_once_after(
    running: tuple[NatsServer, ServiceProcess],
) -> None:
    server, intake = running
    nc = await as_ops(server)
    try:
        await nc.jetstream().delete_stream(KEYS_STREAM)
        events_before = (await nc.jetstream().stream_info(EVENTS_STREAM)).state.messages
    finally:
        await nc.close()
    headers = {**OPERATOR, "Idempotency-Key": "outage-1"}
    async with httpx.AsyncClient(timeout=15, headers=headers) as client:
        refused = await client.post(f"{intake.base_url}/v1/incidents", json=REPORT)
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["status"] == 503
        nc = await as_ops(server)
        try:  # nothing at all was published
            info = await nc.jetstream().stream_info(EVENTS_STREAM)
            assert info.state.messages == events_before
        finally:
            await nc.close()

        await provision(
            server.url, user="provisioner", password=server.passwords["provisioner"]
        )  # the store is back
        stored = await client.post(f"{intake.base_url}/v1/incidents", json=REPORT)
        assert stored.status_code == 202, stored.text
        again = await client.post(f"{intake.base_url}/v1/incidents", json=REPORT)
        assert again.status_code == 202
        incident_id = stored.json()["incident_id"]
        assert again.json()["incident_id"] == incident_id
    await asyncio.sleep(0.2)
    assert await reports_stored(server, incident_id) == 1
    nc = await as_ops(server)
    try:
        msg = await nc.jetstream().get_last_msg(
            EVENTS_STREAM, event_subject("incident.reported", incident_id)
        )
        assert b"Canary" not in (msg.data or b"")
    finally:
        await nc.close()
