"""Personal data never in the clear on the bus, and an erasure that reaches the stream.

Canary personal data goes through the whole flow (a report, an action, closing,
reopening, a registration with contact); then every message of every stream and
bucket, read as ops and with each service's own user, holds none of it in the clear.
After one case's erasure its data key is gone, no key the system still has opens its
events, and a rebuild has the case with empty personal fields and the same figures."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest

from tests.support import auth
from tests.support.canary import case_events, data_keys, key_messages, scan
from tests.support.registry import open_registry, snapshot, stored_keys
from tests.support.servers import ROOT, NatsServer, eventually
from tests.support.system import System, wait_for_incident
from weerbaar_runtime.sealing import CASE_PERSONAL_PATHS, KekRing, SealError, is_sealed

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

NAME, PHONE, EMAIL = "Canary Shred Official", "+31 6 1111 2222", "canary.shred@example.nl"
DESCRIPTION = "Canary shred description: de dreigbrief lag in de brievenbus."
NOTE, SUMMARY, REASON = "Canary shred note", "Canary shred summary", "Canary shred reopen"
REG_NAME, REG_DESCRIPTION = "Canary Shred Alderman", "Canary shred registration text"
CANARIES = [NAME, PHONE, EMAIL, DESCRIPTION, NOTE, SUMMARY, REASON, REG_NAME, REG_DESCRIPTION]


def report(name: str = NAME, description: str = DESCRIPTION) -> dict[str, Any]:
    return {
        "source": "crisis_line",
        "official": {
            "role": "mayor",
            "organisation_code": "GM0363",
            "name": name,
            "phone": PHONE,
            "email": EMAIL,
        },
        "incident": {
            "types": ["threat"],
            "channels": ["mail_or_email"],
            "description": description,
        },
        "urgency": "high",
    }


def registration() -> dict[str, Any]:
    return {
        "external_id": "SHRED-0001",
        "organisation_code": "GM0363",
        "official": {"role": "alderman", "name": REG_NAME, "phone": "+31687650000"},
        "incident": {"types": ["verbal_aggression"], "description": REG_DESCRIPTION},
        "wants_contact": True,
    }


async def command(system: System, incident_id: str, name: str, body: dict[str, Any]) -> None:
    async with httpx.AsyncClient(timeout=10, headers=auth.OPERATOR) as client:
        response = await client.post(
            f"{system.intake}/v1/incidents/{incident_id}/{name}", json=body
        )
    assert response.status_code == 202, response.text


@pytest.fixture(scope="module")
async def flow(system: System) -> dict[str, str]:
    """The canary case (reported, an action, closed, reopened), a registration with
    contact and its outreach case, and a plain other case: their ids."""
    async with httpx.AsyncClient(timeout=10, headers=auth.OPERATOR) as client:
        first = await client.post(f"{system.intake}/v1/incidents", json=report())
        assert first.status_code == 202, first.text
        case = first.json()["incident_id"]
        other = (
            await client.post(
                f"{system.intake}/v1/incidents", json=report("Other Official", "Other case")
            )
        ).json()["incident_id"]
        await wait_for_incident(client, system.registry, case, having={"assigned"}, timeout=60)
        await command(system, case, "actions", {"kind": "contact", "note": NOTE})
        await command(system, case, "close", {"summary": SUMMARY})
        await command(system, case, "reopen", {"reason": REASON})
        registered = await client.post(
            f"{system.intake}/v1/registrations",
            json=registration(),
            headers=auth.system("GM0363"),
        )
        assert registered.status_code == 202, registered.text
        outreach = registered.json()["incident_id"]
        record = await wait_for_incident(
            client,
            system.registry,
            case,
            having={"action_recorded", "closed", "reopened"},
            timeout=60,
        )
        # the registry opens what it receives: the record reads as it was reported
        assert record["official"]["name"] == NAME and record["description"] == DESCRIPTION
        assert NOTE in json.dumps(record["timeline"])
        await wait_for_incident(client, system.registry, outreach, having={"reported"}, timeout=60)
        await wait_for_incident(client, system.registry, other, having={"assigned"}, timeout=60)
    return {"case": case, "outreach": outreach, "other": other}


def server(system: System) -> NatsServer:
    assert isinstance(system.nats, NatsServer)
    return system.nats


async def test_no_canary_in_the_clear_in_any_stream_or_bucket(
    system: System, flow: dict[str, str]
) -> None:
    assert await scan(server(system), CANARIES) == {}
    stored = await case_events(server(system), flow["case"])
    reported = next(e for e in stored if e["type"] == "incident.reported")
    assert is_sealed(reported["official"]["name"]) and is_sealed(
        reported["incident"]["description"]
    )
    assert reported["official"]["role"] == "mayor"  # what routing needs stays plain


async def test_an_erasure_shreds_the_case_key_and_a_rebuild_keeps_the_figures(
    system: System, flow: dict[str, str]
) -> None:
    case, other = flow["case"], flow["other"]
    nats_server = server(system)
    async with httpx.AsyncClient(timeout=10, headers=auth.OPERATOR) as client:
        before = await client.get(f"{system.registry}/v1/stats", params={"group_by": "role"})
        erased = await client.post(
            f"{system.registry}/v1/incidents/{case}/erase",
            json={},
            headers={"Idempotency-Key": "shred-1"},
        )
        assert erased.status_code == 202, erased.text
        record = await wait_for_incident(
            client, system.registry, case, having={"personal_data_erased"}, timeout=60
        )
        assert record["official"]["name"] is None and record["description"] is None

        async def key_gone() -> bool:
            return case not in await data_keys(nats_server, KekRing.development())

        await eventually(key_gone, timeout=20, what="the case's key destroyed")
        # nothing of the key is left in the bucket's stream: only a purge marker
        assert all(b'"key"' not in m for m in await key_messages(nats_server, case))
        keys = await data_keys(nats_server, KekRing.development())
        assert other in keys
        # every key the system still has, on every sealed field of the case's events
        for event in await case_events(nats_server, case):
            for path in CASE_PERSONAL_PATHS.get(event["type"], ()):
                value: Any = event
                for part in path:
                    value = value.get(part) if isinstance(value, dict) else None
                if value is None:
                    continue
                assert is_sealed(value), (event["type"], path)
                context = f"{case}/{event['event_id']}/{event['type']}/" + "/".join(path)
                for key in keys.values():
                    with pytest.raises(SealError):
                        key.open(value, context)
        assert await scan(nats_server, CANARIES) == {}
        stats = await client.get(f"{system.registry}/v1/stats", params={"group_by": "role"})
        assert stats.json() == before.json()
        kept = (await client.get(f"{system.registry}/v1/incidents/{other}")).json()
        assert kept["official"]["name"] == "Other Official"

    rebuilt_url = f"sqlite+aiosqlite:///{system.workdir / 'shredded.db'}"
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "registry", "rebuild"],
        env={
            **os.environ,
            "NATS_URL": nats_server.url,
            **nats_server.user_env("registry"),
            "DATABASE_URL": rebuilt_url,
            "LOG_JSON": "true",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    async with open_registry(system.env()["DATABASE_URL"]) as live:
        live_rows = await snapshot(live.engine)
        # the registry's copy of the key went with the key store's
        live_keys = await stored_keys(live.engine)
        assert case not in live_keys and other in live_keys
    async with open_registry(rebuilt_url) as rebuilt:
        rebuilt_rows = await snapshot(rebuilt.engine)
        shredded = await rebuilt.queries.incident(uuid.UUID(case))
        intact = await rebuilt.queries.incident(uuid.UUID(other))
        assert shredded is not None and intact is not None
        assert set(shredded[2].values()) == {None}
        assert intact[2]["official_name"] == "Other Official"
        events = shredded[1]
        assert case not in await stored_keys(rebuilt.engine)
    blob = "".join(e.model_dump_json() for e in events)
    assert not [c for c in CANARIES if c in blob]
    # the statistics read no personal field: the same rows as the live registry's
    assert rebuilt_rows["case_facts"] == live_rows["case_facts"]
    assert rebuilt_rows["case_advisers"] == live_rows["case_advisers"]
