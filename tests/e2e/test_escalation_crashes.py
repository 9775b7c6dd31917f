"""Escalation survives routing: killed with -9 while a deadline is pending, and two
routing processes at once escalate each step once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.escalation import (
    DEADLINE_S,
    duplicate_ack_timers,
    escalation_levels,
    escalation_system,
    fired_deadlines,
    pages_to,
    report,
)
from tests.support.sentinels import settled
from tests.support.servers import eventually
from tests.support.system import System, second_routing, stored_count, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with escalation_system(tmp_path_factory.mktemp("escalation")) as running:
        yield running


async def test_kill_9_routing_while_a_deadline_is_pending(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    system.services["routing"].kill()
    # The deadline passes while routing is dead: its timer fires and waits on routing's
    # consumer, unhandled.
    await eventually(
        lambda: fired_deadlines(system, incident_id),
        timeout=DEADLINE_S + 10,
        what="the fired deadline",
    )
    # What routing does with a fired deadline, it has not done: no escalation stored, so
    # no page to the backup either.
    assert await stored_count(system, "assignment.escalated", incident_id) == 0
    assert pages_to(system, "ngb-b", incident_id) == 0
    system.services["routing"].start()
    await eventually(
        lambda: pages_to(system, "ngb-b", incident_id), timeout=30, what="escalation after restart"
    )
    # The sentinel: routing has handled the fired deadline (and any redelivery of it),
    # then notify and the registry what followed; a second page would be there by now.
    await settled(system, incident_id)
    assert pages_to(system, "ngb-b", incident_id) == 1
    assert await stored_count(system, "assignment.escalated", incident_id) >= 1
    record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
    assert escalation_levels(record).count(1) == 1
    await system.wait_ready()


async def test_two_routing_processes_escalate_each_step_once(
    system: System, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    async with second_routing(system, tmp_path / "routing-2.log"):
        incidents = [await report(client, system) for _ in range(6)]
        # Every deadline timer four times over, as a redelivery after a lost ack would
        # present it: copies fire together and both processes handle them at once.
        await duplicate_ack_timers(client, system, incidents, copies=4)
        for incident_id in incidents:
            await eventually(
                lambda i=incident_id: pages_to(system, "ngb-c", i),  # type: ignore[misc]
                timeout=DEADLINE_S * 2 + 20,
                what="second escalation",
            )
        # The sentinel: both processes have handled every copy of every fired deadline
        # (one durable), then notify and the registry what followed.
        for incident_id in incidents:
            await settled(system, incident_id)
        for incident_id in incidents:
            assert pages_to(system, "ngb-b", incident_id) == 1
            assert pages_to(system, "ngb-c", incident_id) == 1
            # Each step was stored once: JetStream kept no second copy of any escalation.
            record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
            levels = escalation_levels(record)
            assert levels == sorted(set(levels))
            assert await stored_count(system, "assignment.escalated", incident_id) == len(levels)
