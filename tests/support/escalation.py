"""The escalation end-to-end tests' system and helpers: seconds-long deadlines, the
pages and notices each adviser got, what the registry and the streams show."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats

from contracts.subjects import TIMER_DUE_PREFIX, TIMER_SCHEDULE_PREFIX, TIMERS_STREAM
from routing.adapters.timers import schedule_time
from tests.support.rosters import PRIMARY_BACKUP_ROSTER
from tests.support.system import System, subject_of, wait_for_incident

DEADLINE_S = 3

ROSTER = PRIMARY_BACKUP_ROSTER


@asynccontextmanager
async def escalation_system(workdir: Path) -> AsyncIterator[System]:
    """The whole system with seconds-long acknowledgement deadlines and reminders."""
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
    return mails_to(system, adviser, incident_id, "nieuwe melding")


def escalation_levels(record: dict[str, Any]) -> list[int]:
    return [e["escalation_level"] for e in record["timeline"] if e["type"] == "escalated"]


async def escalated_to(
    client: httpx.AsyncClient, system: System, incident_id: str, advisers: set[str]
) -> dict[str, Any] | None:
    record: dict[str, Any] = (
        await client.get(f"{system.registry}/v1/incidents/{incident_id}")
    ).json()
    assignment = record.get("assignment") or {}
    return record if assignment.get("adviser_id") in advisers else None


async def reminders_of(
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


async def fired_deadlines(system: System, incident_id: str) -> int:
    """How many acknowledgement deadlines of the incident fired (stored as due)."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        subject = f"{TIMER_DUE_PREFIX}.ack.{incident_id}"
        info = await nc.jetstream().stream_info(TIMERS_STREAM, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))
    finally:
        await nc.close()


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
                        "Nats-Schedule": f"@at {schedule_time(aware(assignment['ack_deadline']))}",
                        "Nats-Schedule-Target": f"{TIMER_DUE_PREFIX}.ack.{incident_id}",
                    },
                )
    finally:
        await nc.close()


def aware(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
