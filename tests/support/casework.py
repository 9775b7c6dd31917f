"""The case-work end-to-end tests' system and helpers: a roster with two primaries, a
conflicted and an inactive adviser and no BZK adviser, seconds-long acute deadlines,
the commands to intake, what the registry shows and the mails each adviser got."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import nats

from contracts.subjects import EVENTS_STREAM, event_subject
from tests.support.servers import eventually
from tests.support.system import System, subject_of

ACUTE_S = 3
HIGH_S = 120

CANARY_NAME = "Canary Casework Feed"
CANARY_PHONE = "+31611223344"
CANARY_DESCRIPTION = "Canary: de stalker stond weer voor de deur."

# Two NGB primaries (the one with fewer open cases takes a case), a backup, an adviser
# linked to Groningen (GM0014) and one inactive; NVvR for councillors. No BZK adviser
# at all: a water-board member's case is unroutable.
ROSTER = """
pools:
  ngb: {coordinator: ngb-c}
  nvvr: {coordinator: nvvr-c}
advisers:
  - {id: ngb-p, pool: ngb, capacity: 500, contacts: [{channel: email, address: ngb-p@ngb.example}]}
  - {id: ngb-q, pool: ngb, capacity: 500, contacts: [{channel: email, address: ngb-q@ngb.example}]}
  - {id: ngb-b, pool: ngb, capacity: 500, contacts: [{channel: email, address: ngb-b@ngb.example}]}
  - {id: ngb-x, pool: ngb, organisations: [GM0014],
     contacts: [{channel: email, address: ngb-x@ngb.example}]}
  - {id: ngb-off, pool: ngb, active: false,
     contacts: [{channel: email, address: ngb-off@ngb.example}]}
  - {id: ngb-c, pool: ngb, contacts: [{channel: email, address: ngb-c@ngb.example}]}
  - {id: nvvr-p, pool: nvvr, contacts: [{channel: email, address: nvvr-p@nvvr.example}]}
  - {id: nvvr-c, pool: nvvr, contacts: [{channel: email, address: nvvr-c@nvvr.example}]}
shifts:
  rotations:
    - pool: ngb
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "00:00",
                primary: [ngb-p, ngb-q], backup: ngb-b}]]
    - pool: nvvr
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "08:00", to: "20:00",
                primary: nvvr-p}]]
"""


@asynccontextmanager
async def casework_system(workdir: Path) -> AsyncIterator[System]:
    """The whole system on ROSTER, with an acute deadline of seconds."""
    roster = workdir / "roster.yaml"
    roster.write_text(ROSTER)
    running = System(
        workdir=workdir,
        roster=roster,
        env_overrides={
            "ACK_DEADLINE_ACUTE_S": str(ACUTE_S),
            "ACK_DEADLINE_HIGH_S": str(HIGH_S),
            "ACK_DEADLINE_NORMAL_S": "600",
            "ESCALATION_ROUNDS": "1",
        },
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


def body(
    *,
    role: str = "mayor",
    organisation: str = "GM0014",
    urgency: str = "high",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "official": {"role": role, "organisation_code": organisation},
        "incident": {"types": ["threat"]},
        "urgency": urgency,
        **extra,
    }


async def report(client: httpx.AsyncClient, system: System, **facts: Any) -> str:
    response = await client.post(f"{system.intake}/v1/incidents", json=body(**facts))
    assert response.status_code == 202, response.text
    return str(response.json()["incident_id"])


async def record_of(client: httpx.AsyncClient, system: System, incident_id: str) -> dict[str, Any]:
    response = await client.get(f"{system.registry}/v1/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def post(
    client: httpx.AsyncClient,
    system: System,
    incident_id: str,
    command: str,
    payload: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/{command}",
        json=payload if payload is not None else {},
        headers=headers,
    )


def mails(system: System, adviser: str, incident_id: str, subject_has: str) -> int:
    return len(
        [
            m
            for m in system.mailbox.mentioning(incident_id)
            if f"{adviser}@" in m["X-Rcpt-To"] and subject_has in subject_of(m)
        ]
    )


def pages(system: System, adviser: str, incident_id: str) -> int:
    return mails(system, adviser, incident_id, "nieuwe melding")


def notices(system: System, adviser: str, incident_id: str) -> int:
    return mails(system, adviser, incident_id, "overgedragen")


def entries(record: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in record["timeline"] if e["type"] == kind]


async def until_record(
    client: httpx.AsyncClient,
    system: System,
    incident_id: str,
    check: Any,
    *,
    timeout: float = 20.0,
    what: str = "",
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await client.get(f"{system.registry}/v1/incidents/{incident_id}")
        if response.status_code != 200:
            return None
        record: dict[str, Any] = response.json()
        return record if check(record) else None

    result: dict[str, Any] = await eventually(probe, timeout=timeout, interval=0.1, what=what)
    return result


async def assigned_to(
    client: httpx.AsyncClient, system: System, incident_id: str, adviser: str
) -> dict[str, Any]:
    return await until_record(
        client,
        system,
        incident_id,
        lambda r: (r.get("assignment") or {}).get("adviser_id") == adviser,
        what=f"{incident_id} assigned to {adviser}",
    )


async def stats(client: httpx.AsyncClient, system: System, organisation: str) -> dict[str, Any]:
    response = await client.get(
        f"{system.registry}/v1/stats", params={"organisation_code": organisation}
    )
    assert response.status_code == 200, response.text
    cells: list[dict[str, Any]] = response.json()["cells"]
    return cells[0] if cells else {}


async def deliver_again(system: System, event_type: str, incident_id: str, copies: int) -> None:
    """The last event of this type stored again under other message ids, so routing's
    consumer delivers it `copies` more times, as redeliveries would."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        js = nc.jetstream()
        subject = event_subject(event_type, incident_id)
        original = await js.get_last_msg(EVENTS_STREAM, subject)
        for copy in range(copies):
            await js.publish(
                subject,
                original.data or b"",
                stream=EVENTS_STREAM,
                headers={"Nats-Msg-Id": f"again-{copy}-{uuid.uuid4()}"},
            )
    finally:
        await nc.close()
