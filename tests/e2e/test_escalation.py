"""Acknowledgement deadlines, escalation and reminders, with real processes and
seconds-long deadlines; routing killed with -9 and run twice at once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from contracts.subjects import TIMER_DUE_PREFIX, TIMER_SCHEDULE_PREFIX, TIMERS_STREAM
from routing.timers import schedule_time
from tests.support.auth import OPS
from tests.support.rosters import PRIMARY_BACKUP_ROSTER
from tests.support.servers import eventually
from tests.support.system import (
    System,
    ack_token,
    second_routing,
    stored_count,
    subject_of,
    wait_for_incident,
)

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

DEADLINE_S = 3

ROSTER = PRIMARY_BACKUP_ROSTER


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    workdir = tmp_path_factory.mktemp("escalation")
    roster = workdir / "roster.yaml"
    roster.write_text(ROSTER)
    running = System(
        workdir=workdir,
        roster=roster,
        env_overrides={
            "ACK_DEADLINE_HIGH_S": str(DEADLINE_S),
            "ACK_DEADLINE_NORMAL_S": "600",
            "ESCALATION_ROUNDS": "1",
            "IDLE_REMINDER_S": "2",
            "ROUTING_ROSTER_POLL_S": "0.5",
        },
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


def body(urgency: str = "high") -> dict[str, Any]:
    return {
        "official": {"role": "mayor", "organisation_code": "GM0014"},
        "incident": {"types": ["property_damage"]},
        "urgency": urgency,
    }


async def report(client: httpx.AsyncClient, system: System, urgency: str = "high") -> str:
    response = await client.post(f"{system.intake}/v1/incidents", json=body(urgency))
    assert response.status_code == 202, response.text
    return str(response.json()["incident_id"])


def mails_to(system: System, adviser: str, incident_id: str, subject_has: str) -> int:
    return len(
        [
            m
            for m in system.mailbox.mentioning(incident_id)
            if adviser in m["X-Rcpt-To"] and subject_has in subject_of(m)
        ]
    )


def pages_to(system: System, adviser: str, incident_id: str) -> int:
    return mails_to(system, adviser, incident_id, "bevestig vóór")


def escalation_levels(record: dict[str, Any]) -> list[int]:
    return [e["escalation_level"] for e in record["timeline"] if e["type"] == "escalated"]


async def test_no_acknowledgement_escalates_to_backup_then_coordinator(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    await eventually(lambda: pages_to(system, "ngb-p", incident_id), what="page to the primary")
    await eventually(
        lambda: pages_to(system, "ngb-b", incident_id), timeout=DEADLINE_S + 10, what="backup"
    )
    await eventually(
        lambda: pages_to(system, "ngb-c", incident_id), timeout=DEADLINE_S + 10, what="coordinator"
    )
    record = await eventually(
        lambda: _escalated_to(client, system, incident_id, {"ngb-c", "bzk-c"}),
        what="the registry showing the coordinator assigned",
    )
    assert escalation_levels(record)[:2] == [1, 2]
    assert pages_to(system, "ngb-p", incident_id) == 1
    assert pages_to(system, "ngb-b", incident_id) == 1
    # The previous adviser is told the case moved on.
    await eventually(
        lambda: mails_to(system, "ngb-p", incident_id, "overgedragen"), what="escalation notice"
    )


async def test_acknowledgement_by_link_stops_the_chain(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    token = ack_token(incident_id, record["assignment"]["assignment_id"])

    page = await client.get(f"{system.intake}/v1/ack/{token}")
    assert page.status_code == 200
    assert "Ik pak deze melding op" in page.text
    assert page.headers["cache-control"] == "no-store"
    done = await client.post(f"{system.intake}/v1/ack/{token}")
    assert done.status_code == 200, done.text
    assert "Bevestigd" in done.text
    again = await client.post(f"{system.intake}/v1/ack/{token}")
    assert again.status_code == 200  # acknowledging twice is harmless

    await asyncio.sleep(DEADLINE_S * 2 + 1)
    record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
    assert record["status"] == "acknowledged"
    assert escalation_levels(record) == []
    assert pages_to(system, "ngb-b", incident_id) == 0
    assert [e["type"] for e in record["timeline"]].count("acknowledged") == 1

    # Opened again, the link says where the case stands and offers no button.
    later = await client.get(f"{system.intake}/v1/ack/{token}")
    assert later.status_code == 200
    assert "al eerder bevestigd" in later.text
    assert "<button" not in later.text
    closed = await client.post(f"{system.intake}/v1/incidents/{incident_id}/close", json={})
    assert closed.status_code == 202, closed.text
    await wait_for_incident(client, system.registry, incident_id, having={"closed"})
    after = await client.get(f"{system.intake}/v1/ack/{token}")
    assert "Melding afgesloten" in after.text
    assert "<button" not in after.text


def test_the_link_page_posts_back_where_it_was_served() -> None:
    from intake.entrypoints import pages

    page = pages.confirm(uuid.uuid4(), "a.token")
    assert '<form method="post">' in page  # no absolute action: works behind /intake
    assert 'action="a.token/decline"' in page
    assert 'action="/' not in page


async def test_acknowledging_a_superseded_assignment_is_409(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    first = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    first_assignment = first["assignment"]["assignment_id"]
    await wait_for_incident(
        client, system.registry, incident_id, having={"escalated"}, timeout=DEADLINE_S + 10
    )
    stale = await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/acknowledge",
        json={"token": ack_token(incident_id, first_assignment)},
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["title"] == "Assignment superseded"
    page = await client.post(f"{system.intake}/v1/ack/{ack_token(incident_id, first_assignment)}")
    assert page.status_code == 409
    forged = await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/acknowledge",
        json={"token": ack_token(incident_id, first_assignment)[:-3] + "abc"},
    )
    assert forged.status_code == 403


async def test_acknowledged_but_idle_gets_a_reminder(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system, urgency="normal")
    await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    ack = await client.post(f"{system.intake}/v1/incidents/{incident_id}/acknowledge", json={})
    assert ack.status_code == 202
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"reminder_due"}, timeout=15
    )
    reminders = [e for e in record["timeline"] if e["type"] == "reminder_due"]
    assert reminders[0]["recipient"] == "adviser"
    await eventually(
        lambda: _reminders(client, system, incident_id, 2), timeout=15, what="second reminder"
    )
    await eventually(
        lambda: mails_to(system, "ngb-p", incident_id, "Herinnering"), what="reminder mail"
    )
    await eventually(
        lambda: mails_to(system, "ngb-c", incident_id, "Herinnering"), what="coordinator mail"
    )


async def _escalated_to(
    client: httpx.AsyncClient, system: System, incident_id: str, advisers: set[str]
) -> dict[str, Any] | None:
    record: dict[str, Any] = (
        await client.get(f"{system.registry}/v1/incidents/{incident_id}")
    ).json()
    assignment = record.get("assignment") or {}
    return record if assignment.get("adviser_id") in advisers else None


async def _reminders(
    client: httpx.AsyncClient, system: System, incident_id: str, count: int
) -> dict[str, Any] | None:
    record: dict[str, Any] = (
        await client.get(f"{system.registry}/v1/incidents/{incident_id}")
    ).json()
    found = [e for e in record["timeline"] if e["type"] == "reminder_due"]
    if len(found) < count:
        return None
    assert [e["recipient"] for e in found] == ["adviser", "coordinator"]
    return record


async def test_kill_9_routing_while_a_deadline_is_pending(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    system.services["routing"].kill()
    await asyncio.sleep(DEADLINE_S + 1)  # the deadline passes while routing is dead
    assert pages_to(system, "ngb-b", incident_id) == 0
    system.services["routing"].start()
    await eventually(
        lambda: pages_to(system, "ngb-b", incident_id), timeout=30, what="escalation after restart"
    )
    await asyncio.sleep(1)
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
        await asyncio.sleep(1)
        for incident_id in incidents:
            assert pages_to(system, "ngb-b", incident_id) == 1
            assert pages_to(system, "ngb-c", incident_id) == 1
            # Each step was stored once: JetStream kept no second copy of any escalation.
            record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
            levels = escalation_levels(record)
            assert levels == sorted(set(levels))
            assert await stored_count(system, "assignment.escalated", incident_id) == len(levels)


async def duplicate_ack_timers(
    client: httpx.AsyncClient, system: System, incidents: list[str], *, copies: int
) -> None:
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        js = nc.jetstream()
        for incident_id in incidents:
            record = await wait_for_incident(
                client, system.registry, incident_id, having={"assigned"}
            )
            assignment = record["assignment"]
            timer = {
                "kind": "ack",
                "incident_id": incident_id,
                "assignment_id": assignment["assignment_id"],
                "due_at": assignment["ack_deadline"],
                "stage": 1,
            }
            for copy in range(copies):
                # A schedule of its own per copy, all due together at the deadline.
                await js.publish(
                    f"{TIMER_SCHEDULE_PREFIX}.ack.{assignment['assignment_id']}.copy{copy}",
                    json.dumps(timer).encode(),
                    stream=TIMERS_STREAM,
                    headers={
                        "Nats-Msg-Id": f"copy-{copy}-{incident_id}",
                        "Nats-Schedule": f"@at {schedule_time(_aware(assignment['ack_deadline']))}",
                        "Nats-Schedule-Target": f"{TIMER_DUE_PREFIX}.ack.{incident_id}",
                    },
                )
    finally:
        await nc.close()


def _aware(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def test_a_broken_roster_on_reload_keeps_the_old_one(
    system: System, client: httpx.AsyncClient
) -> None:
    system.roster.write_text(ROSTER.replace("pool: ngb, contacts", "pool: vng, contacts", 1))
    await asyncio.sleep(1.5)
    try:
        incident_id = await report(client, system, urgency="normal")
        record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
        assert record["assignment"]["adviser_id"] == "ngb-p"
        log = system.services["routing"].log_text()
        assert "roster refused; the previous roster stays in force" in log
        assert "advisers.0.pool" in log
    finally:
        system.roster.write_text(ROSTER)
    metrics = (await client.get(f"{system.services['routing'].base_url}/metrics", headers=OPS)).text
    assert 'weerbaar_routing_roster_reloads_total{outcome="refused"}' in metrics
