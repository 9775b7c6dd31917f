"""Deadlines fire on time however many are pending: thousands of ordinary cases with
an hour to be acknowledged, then acute cases with seconds; every service a process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import nats
import pytest

from contracts.subjects import ROUTING_CONSUMER, ROUTING_TIMERS_CONSUMER, TIMERS_STREAM
from tests.support.auth import OPERATOR, OPS
from tests.support.load import report_body, report_many, stored_event, timers_stored, timestamp
from tests.support.rosters import PRIMARY_BACKUP_ROSTER
from tests.support.servers import eventually
from tests.support.system import System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

ACUTE_S = 6
# Above every limit of the consumers that carry a case to its deadline: routing's
# (the reports) and routing-timers' (the deadlines). The registry's larger window
# never holds a deadline back, and would only make the fixture slower.
ORDINARY = max(ROUTING_CONSUMER.max_ack_pending, ROUTING_TIMERS_CONSUMER.max_ack_pending) + 100
LATE_S = 2.0


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    workdir = tmp_path_factory.mktemp("timers")
    roster = workdir / "roster.yaml"
    roster.write_text(PRIMARY_BACKUP_ROSTER)
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
        await report_many(running, ORDINARY)
        # Routing has scheduled a deadline for every one of them.
        await eventually(
            lambda: _at_least(running, ORDINARY), timeout=300, what="deadlines scheduled"
        )
        yield running
    finally:
        await running.stop()


async def _at_least(system: System, count: int) -> bool:
    return await timers_stored(system) >= count


async def _acute_case(client: httpx.AsyncClient, system: System) -> tuple[str, float]:
    response = await client.post(f"{system.intake}/v1/incidents", json=report_body("acute"))
    assert response.status_code == 202, response.text
    incident_id = str(response.json()["incident_id"])
    assigned = await eventually(
        lambda: stored_event(system, "adviser.assigned", incident_id, first=True),
        what="the acute case assigned",
    )
    return incident_id, timestamp(assigned["ack_deadline"])


async def test_an_acute_deadline_fires_on_time_behind_thousands_of_pending_ones(
    system: System,
) -> None:
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        incident_id, deadline = await _acute_case(client, system)
        escalated = await eventually(
            lambda: stored_event(system, "assignment.escalated", incident_id),
            timeout=ACUTE_S + 60,
            what="the acute case escalated",
        )
        late = timestamp(escalated["occurred_at"]) - deadline
        assert late <= LATE_S, f"escalated {late:.1f} s after its deadline"
        # The registry shows the escalation and, once it projected the new assignment
        # too (a separate event, maybe a later batch), the backup as assigned.
        await wait_for_incident(client, system.registry, incident_id, having={"escalated"})

        async def assigned_to_backup() -> bool:
            record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
            return bool((record.get("assignment") or {}).get("adviser_id") == "ngb-b")

        await eventually(assigned_to_backup, what="the backup assigned in the registry")

    async with httpx.AsyncClient(timeout=10, headers=OPS) as ops:
        base = system.services["routing"].base_url

        async def pending() -> float:
            metrics = (await ops.get(f"{base}/metrics")).text
            assert 'weerbaar_routing_timer_lateness_seconds_count{kind="ack"}' in metrics
            return _gauge(metrics, 'weerbaar_routing_timers_pending{state="scheduled"}')

        await eventually(lambda: _above(pending, ORDINARY), what="pending timers counted")


async def _above(read: Any, floor: int) -> bool:
    return bool(await read() >= floor)


async def test_the_same_after_routing_is_killed_across_the_deadline(system: System) -> None:
    routing = system.services["routing"]
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        incident_id, deadline = await _acute_case(client, system)
        routing.kill()
        # The deadline passes while routing is dead; nothing could have escalated.
        await asyncio.sleep(max(0.0, deadline - time.time()) + 1)
        assert await stored_event(system, "assignment.escalated", incident_id) is None
        routing.start()
        await system.wait_ready()
        ready_at = time.time()
        escalated = await eventually(
            lambda: stored_event(system, "assignment.escalated", incident_id),
            timeout=60,
            what="escalated after restart",
        )
        late = timestamp(escalated["occurred_at"]) - ready_at
        assert late <= LATE_S, f"escalated {late:.1f} s after routing was ready"
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
