"""Record a real event sequence for the registry's tests: `python -m
tests.support.record_events tests/integration/data/registry_events.jsonl`.

Starts the whole system (tests/support/system.py) with seconds-long acknowledgement
deadlines, drives calls, registrations, acknowledgements, actions, closes, a reopen,
escalations and an erasure request over HTTP, then writes every message of the
events stream, in stream order, one JSON object a line."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import nats

from contracts.subjects import ALL_EVENTS, EVENTS_STREAM
from tests.support.auth import OPERATOR
from tests.support.auth import system as municipal
from tests.support.servers import ROOT
from tests.support.system import System, settle_briefly, wait_for_incident

CALLS: list[tuple[str, str, str]] = [
    ("mayor", "GM0363", "high"),
    ("alderman", "GM0599", "normal"),
    ("councillor", "GM0344", "acute"),
    ("provincial_councillor", "PV26", "normal"),
    ("water_board_member", "WS0155", "high"),
    ("councillor", "GM0014", "high"),
    ("kings_commissioner", "PV20", "normal"),
    ("mayor", "GM0518", "normal"),
]


def call(role: str, organisation: str, urgency: str, n: int) -> dict[str, Any]:
    return {
        "source": "media_report" if n % 4 == 3 else "crisis_line",
        "official": {
            "role": role,
            "organisation_code": organisation,
            "name": f"Recorded Official {n}",
            "phone": "+31612345678",
            "email": f"official{n}@example.nl",
        },
        "incident": {
            "types": ["threat", "online_harassment"] if n % 2 else ["verbal_aggression"],
            "channels": ["social_media"] if n % 3 else ["in_person", "at_home"],
            "description": f"Recorded description {n}.",
        },
        "urgency": urgency,
        "needs": ["security"],
        "police": {"status": ["none", "melding", "aangifte"][n % 3]}
        | ({"reason_not_reported": "part_of_the_job"} if n % 3 == 0 else {}),
        "perpetrator_kind": "individual_citizen",
        "family_targeted": n % 2 == 0,
    }


async def drive(system: System) -> None:
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        ids = []
        for n, (role, organisation, urgency) in enumerate(CALLS):
            r = await client.post(
                f"{system.intake}/v1/incidents",
                json=call(role, organisation, urgency, n),
                headers={"Idempotency-Key": f"record-{n}"},
            )
            r.raise_for_status()
            ids.append(r.json()["incident_id"])
        for n, wants in enumerate([False, True, False]):
            body: dict[str, Any] = {
                "external_id": f"REC-{n}",
                "organisation_code": "GM0363",
                "official": {"role": "councillor"},
                "incident": {"types": ["intimidation"], "channels": ["during_meeting"]},
                "police": {"status": "melding"},
                "perpetrator_kind": "group",
                "family_targeted": False,
                "wants_contact": wants,
            }
            if wants:
                body["official"] |= {"name": "Recorded Registrant", "phone": "+31600000000"}
            r = await client.post(
                f"{system.intake}/v1/registrations", json=body, headers=municipal("GM0363")
            )
            r.raise_for_status()
        for incident_id in ids:
            await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
        # the first five are taken and worked on; the rest escalate
        for n, incident_id in enumerate(ids[:5]):
            record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
            adviser = record["assignment"]["adviser_id"]
            r = await client.post(
                f"{system.intake}/v1/incidents/{incident_id}/acknowledge",
                json={"adviser_id": adviser},
            )
            r.raise_for_status()
            for k in range(n % 3):
                await client.post(
                    f"{system.intake}/v1/incidents/{incident_id}/actions",
                    json={"kind": "security", "note": f"Recorded note {n}.{k}"},
                )
            if n < 3:
                await client.post(
                    f"{system.intake}/v1/incidents/{incident_id}/close",
                    json={"summary": f"Recorded summary {n}"},
                )
        await settle_briefly(1)
        await client.post(
            f"{system.intake}/v1/incidents/{ids[0]}/reopen", json={"reason": "Recorded reason"}
        )
        await settle_briefly(6)  # deadlines of 3 s pass: escalations
        r = await client.post(
            f"{system.registry}/v1/incidents/{ids[1]}/erase",
            json={"requested_by": "operator-01"},
            headers={"Idempotency-Key": "record-erase"},
        )
        r.raise_for_status()
        await settle_briefly(2)


async def dump(url: str, out: Path) -> int:
    nc = await nats.connect(url)
    js = nc.jetstream()
    last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
    sub = await js.subscribe(ALL_EVENTS, stream=EVENTS_STREAM, ordered_consumer=True)
    lines = []
    while len(lines) < last:
        msg = await sub.next_msg(timeout=5)
        lines.append(msg.data.decode())
    await nc.close()
    out.write_text("\n".join(lines) + "\n")
    return len(lines)


async def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        system = System(
            workdir=Path(tmp),
            roster=ROOT / "deploy/config/roster.yaml",
            env_overrides={"ACK_DEADLINE_HIGH_S": "3", "ACK_DEADLINE_ACUTE_S": "3"},
        )
        try:
            await system.start()
            await drive(system)
            assert system.nats
            print(f"recorded {await dump(system.nats.url, out)} events to {out}")
        finally:
            await system.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
