"""Load for end-to-end tests and benchmarks: many reports at once, and reading what the
services stored in JetStream."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

import httpx
import nats
from nats.js.errors import NotFoundError

from contracts.subjects import EVENTS_STREAM, TIMERS_STREAM, event_subject
from tests.support.auth import OPERATOR
from tests.support.system import System


def report_body(urgency: str, *, incident_type: str = "threat") -> dict[str, Any]:
    return {
        "official": {"role": "mayor", "organisation_code": "GM0014"},
        "incident": {"types": [incident_type]},
        "urgency": urgency,
    }


async def report_many(
    system: System, count: int, *, urgency: str = "normal", concurrency: int = 32
) -> list[str]:
    """`count` reports through intake, `concurrency` in flight; their incident ids."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)
    ids: list[str] = []

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            queue.get_nowait()
            ids.append(await report(client, system, report_body(urgency)))

    async with httpx.AsyncClient(timeout=30, headers=OPERATOR) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return ids


async def report(
    client: httpx.AsyncClient, system: System, body: dict[str, Any], *, attempts: int = 20
) -> str:
    """One report, retried as a real client does: after a 503 or a refused connection,
    again with the same Idempotency-Key (so a retry never makes a second incident)."""
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    for _ in range(attempts - 1):
        try:
            response = await client.post(
                f"{system.intake}/v1/incidents", json=body, headers=headers
            )
        except httpx.TransportError:
            await asyncio.sleep(0.5)
            continue
        if response.status_code != 503:
            break
        await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
    else:
        response = await client.post(f"{system.intake}/v1/incidents", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return str(response.json()["incident_id"])


async def timers_stored(system: System) -> int:
    """Messages in WEERBAAR_TIMERS: pending schedules and fired timers not yet handled."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.servers)
    try:
        return int((await nc.jetstream().stream_info(TIMERS_STREAM)).state.messages)
    finally:
        await nc.close()


async def stored_event(
    system: System, event_type: str, incident_id: str, *, first: bool = False
) -> dict[str, Any] | None:
    """The last (or the first) event of a type stored for an incident, or None."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.servers)
    subject = event_subject(event_type, incident_id)
    try:
        if first:
            message = await nc.jetstream().get_msg(EVENTS_STREAM, seq=1, subject=subject, next=True)
        else:
            message = await nc.jetstream().get_last_msg(EVENTS_STREAM, subject)
        return dict(json.loads(message.data))
    except NotFoundError:
        return None
    finally:
        await nc.close()


def timestamp(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()
