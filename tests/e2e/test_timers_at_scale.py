"""Deadlines fire on time however many are pending: thousands of ordinary cases with
an hour to be acknowledged, then acute cases with seconds; every service a process."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import nats
import pytest

from contracts.subjects import (
    EVENTS_STREAM,
    ROUTING_TIMERS_CONSUMER,
    TIMERS_STREAM,
    event_subject,
)
from tests.support.auth import OPERATOR, OPS
from tests.support.servers import eventually
from tests.support.system import System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

ACUTE_S = 6
ORDINARY = 2_100  # more than any consumer's max_ack_pending
LATE_S = 2.0

ROSTER = """
pools:
  ngb: {coordinator: ngb-c}
  bzk: {coordinator: bzk-c}
advisers:
  - {id: ngb-p, pool: ngb, contacts: [{channel: email, address: ngb-p@ngb.example}]}
  - {id: ngb-b, pool: ngb, contacts: [{channel: email, address: ngb-b@ngb.example}]}
  - {id: ngb-c, pool: ngb, contacts: [{channel: email, address: ngb-c@ngb.example}]}
  - {id: bzk-p, pool: bzk, contacts: [{channel: email, address: bzk-p@bzk.example}]}
  - {id: bzk-c, pool: bzk, contacts: [{channel: email, address: bzk-c@bzk.example}]}
shifts:
  rotations:
    - pool: ngb
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "00:00",
                primary: ngb-p, backup: ngb-b}]]
    - pool: bzk
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "00:00",
                primary: bzk-p}]]
"""


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    workdir = tmp_path_factory.mktemp("timers")
    roster = workdir / "roster.yaml"
    roster.write_text(ROSTER)
    running = System(
        workdir=workdir,
        roster=roster,
        env_overrides={
            "ACK_DEADLINE_ACUTE_S": str(ACUTE_S),
            "ACK_DEADLINE_HIGH_S": "3600",
            "ACK_DEADLINE_NORMAL_S": "3600",
            "ESCALATION_ROUNDS": "1",
            "AUTH_RATE_PER_MINUTE": "100000",
            "ROUTING_TIMER_STATS_S": "1",
        },
    )
    try:
        await running.start()
        await _ordinary_cases(running, ORDINARY)
        yield running
    finally:
        await running.stop()


def _body(urgency: str) -> dict[str, Any]:
    return {
        "official": {"role": "mayor", "organisation_code": "GM0014"},
        "incident": {"types": ["threat"]},
        "urgency": urgency,
    }


async def _ordinary_cases(system: System, count: int) -> None:
    """`count` ordinary reports, 32 at a time, then wait until routing has scheduled a
    deadline for every one of them."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            queue.get_nowait()
            response = await client.post(f"{system.intake}/v1/incidents", json=_body("normal"))
            assert response.status_code == 202, response.text

    async with httpx.AsyncClient(timeout=30, headers=OPERATOR) as client:
        await asyncio.gather(*(worker(client) for _ in range(32)))
    await eventually(
        lambda: _timers_stored(system, count), timeout=180, what=f"{count} deadlines scheduled"
    )


async def _timers_stored(system: System, count: int) -> bool:
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        info = await nc.jetstream().stream_info(TIMERS_STREAM)
        return info.state.messages >= count
    finally:
        await nc.close()


async def _stored_event(system: System, event_type: str, incident_id: str) -> dict[str, Any]:
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        message = await nc.jetstream().get_last_msg(
            EVENTS_STREAM, event_subject(event_type, incident_id)
        )
        return dict(json.loads(message.data))
    finally:
        await nc.close()


async def _escalated(system: System, incident_id: str) -> dict[str, Any] | None:
    try:
        return await _stored_event(system, "assignment.escalated", incident_id)
    except nats.js.errors.NotFoundError:
        return None


def _at(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def _acute_case(client: httpx.AsyncClient, system: System) -> tuple[str, float]:
    response = await client.post(f"{system.intake}/v1/incidents", json=_body("acute"))
    assert response.status_code == 202, response.text
    incident_id = str(response.json()["incident_id"])
    assigned = await eventually(
        lambda: _stored_event_or_none(system, "adviser.assigned", incident_id),
        what="the acute case assigned",
    )
    return incident_id, _at(assigned["ack_deadline"])


async def _stored_event_or_none(
    system: System, event_type: str, incident_id: str
) -> dict[str, Any] | None:
    try:
        return await _stored_event(system, event_type, incident_id)
    except nats.js.errors.NotFoundError:
        return None


async def test_an_acute_deadline_fires_on_time_behind_thousands_of_pending_ones(
    system: System,
) -> None:
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        incident_id, deadline = await _acute_case(client, system)
        escalated = await eventually(
            lambda: _escalated(system, incident_id),
            timeout=ACUTE_S + 60,
            what="the acute case escalated",
        )
        assert _at(escalated["occurred_at"]) <= deadline + LATE_S, (
            f"escalated {_at(escalated['occurred_at']) - deadline:.1f} s after its deadline"
        )
        record = await wait_for_incident(client, system.registry, incident_id, having={"escalated"})
        assert record["assignment"]["adviser_id"] == "ngb-b"

    async with httpx.AsyncClient(timeout=10, headers=OPS) as ops:
        metrics = (await ops.get(f"{system.services['routing'].base_url}/metrics")).text
    assert 'weerbaar_routing_timer_lateness_seconds_count{kind="ack"}' in metrics
    pending = _gauge(metrics, 'weerbaar_routing_timers_pending{state="scheduled"}')
    assert pending >= ORDINARY


async def test_the_same_after_routing_is_killed_across_the_deadline(system: System) -> None:
    routing = system.services["routing"]
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        incident_id, deadline = await _acute_case(client, system)
        routing.kill()
        # The deadline passes while routing is dead; nothing could have escalated.
        await asyncio.sleep(max(0.0, deadline - time.time()) + 1)
        assert await _escalated(system, incident_id) is None
        routing.start()
        await system.wait_ready()
        ready_at = time.time()
        escalated = await eventually(
            lambda: _escalated(system, incident_id), timeout=60, what="escalated after restart"
        )
        assert _at(escalated["occurred_at"]) <= ready_at + LATE_S, (
            f"escalated {_at(escalated['occurred_at']) - ready_at:.1f} s after routing was ready"
        )
        record = await wait_for_incident(client, system.registry, incident_id, having={"escalated"})
        levels = [e["escalation_level"] for e in record["timeline"] if e["type"] == "escalated"]
        assert levels == [1]
    # Nothing is held back in routing's timer consumer: only fired deadlines are delivered.
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        info = await nc.jetstream().consumer_info(TIMERS_STREAM, ROUTING_TIMERS_CONSUMER.durable)
        assert info.num_ack_pending < 10, info
    finally:
        await nc.close()


def _gauge(metrics: str, name: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in /metrics")
