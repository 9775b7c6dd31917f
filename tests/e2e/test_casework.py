"""Case work after the first call, every service as a process: facts that change,
follow-up calls and the registry's change feed (hand assignment and decline are in
test_casework_handover.py, who is on call and two routing processes in
test_casework_routing.py)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import nats
import pytest

from tests.support import auth
from tests.support.casework import (
    ACUTE_S,
    CANARY_DESCRIPTION,
    CANARY_NAME,
    CANARY_PHONE,
    body,
    casework_system,
    entries,
    post,
    record_of,
    report,
    stats,
)
from tests.support.servers import eventually
from tests.support.system import System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with casework_system(tmp_path_factory.mktemp("casework")) as running:
        yield running


# --- facts that change ---------------------------------------------------------------


async def test_an_aangifte_after_the_call_moves_the_aangifte_rate(
    system: System, client: httpx.AsyncClient
) -> None:
    organisation = "GM0034"  # Almere: no other test reports there
    first = await report(client, system, organisation=organisation, urgency="normal")
    await report(client, system, organisation=organisation, urgency="normal")
    await wait_for_incident(client, system.registry, first, having={"assigned"})
    before = await eventually(
        lambda: _count_is(client, system, organisation, 2), what="two cases counted"
    )
    assert before["aangifte_rate"] == 0.0

    response = await post(
        client,
        system,
        first,
        "details",
        {"police": {"status": "aangifte", "vpt_flag": True}, "needs": ["legal_aid"]},
        headers={"Idempotency-Key": f"aangifte-{first}"},
    )
    assert response.status_code == 202, response.text
    record = await wait_for_incident(client, system.registry, first, having={"details_updated"})
    (update,) = entries(record, "details_updated")
    assert update["changes"]["police"]["status"] == "aangifte"
    assert update["changes"]["needs"] == ["legal_aid"]
    assert update["updated_by"] == "operator"
    assert record["police"]["status"] == "aangifte" and record["police"]["vpt_flag"] is True
    assert record["needs"] == ["legal_aid"]
    after = await stats(client, system, organisation)
    assert after["count"] == 2 and after["aangifte_rate"] == 0.5

    # the same request again is the same event; a different body under the key is a 409
    again = await post(
        client,
        system,
        first,
        "details",
        {"police": {"status": "aangifte", "vpt_flag": True}, "needs": ["legal_aid"]},
        headers={"Idempotency-Key": f"aangifte-{first}"},
    )
    assert again.json()["event_id"] == response.json()["event_id"]
    reused = await post(
        client,
        system,
        first,
        "details",
        {"urgency": "acute"},
        headers={"Idempotency-Key": f"aangifte-{first}"},
    )
    assert reused.status_code == 409
    invalid = await post(client, system, first, "details", {"police": {"status": "maybe"}})
    assert invalid.status_code == 422 and "police" in invalid.text
    empty = await post(client, system, first, "details", {})
    assert empty.status_code == 422 and "body" in empty.json()["detail"]


async def _count_is(
    client: httpx.AsyncClient, system: System, organisation: str, count: int
) -> dict[str, Any] | None:
    cell = await stats(client, system, organisation)
    return cell if cell.get("count") == count else None


async def test_raising_the_urgency_escalates_at_the_shorter_deadline(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system, urgency="normal")
    first = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    reported_at = datetime.fromisoformat(entries(first, "reported")[0]["at"])
    response = await post(client, system, incident_id, "details", {"urgency": "acute"})
    assert response.status_code == 202, response.text
    await wait_for_incident(
        client, system.registry, incident_id, having={"escalated"}, timeout=ACUTE_S + 20
    )

    async def reassigned() -> dict[str, Any] | None:
        # the escalation and the next adviser's assignment may be projected apart
        record = await wait_for_incident(client, system.registry, incident_id, having=set())
        return record if len(entries(record, "assigned")) >= 2 else None

    record = await eventually(reassigned, timeout=20, what="the next adviser assigned")
    (shortened,) = entries(record, "deadline_shortened")
    deadline = datetime.fromisoformat(shortened["ack_deadline"])
    assert deadline == reported_at + timedelta(seconds=ACUTE_S)
    (escalation,) = entries(record, "escalated")
    assert datetime.fromisoformat(escalation["at"]) >= deadline
    assert escalation["reason"] == "ack_deadline_passed"
    assert record["urgency"] == "acute"
    assert record["assignment"]["adviser_id"] != first["assignment"]["adviser_id"]


async def test_raising_the_urgency_past_its_deadline_escalates_at_once(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system, urgency="normal")
    await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    await asyncio.sleep(ACUTE_S + 1)  # the acute deadline, counted from the report, passed
    started = time.monotonic()
    response = await post(client, system, incident_id, "details", {"urgency": "acute"})
    assert response.status_code == 202
    await wait_for_incident(client, system.registry, incident_id, having={"escalated"})
    assert time.monotonic() - started < 60  # not the normal deadline of 600 s


# --- follow-up calls -----------------------------------------------------------------


async def test_a_follow_up_call_is_linked_both_ways_and_counted_as_a_repeat(
    system: System, client: httpx.AsyncClient
) -> None:
    organisation = "GM0363"
    earlier = await report(client, system, organisation=organisation, urgency="normal")
    await wait_for_incident(client, system.registry, earlier, having={"assigned"})
    follow_up = await report(
        client, system, organisation=organisation, urgency="normal", related_incident_id=earlier
    )
    record = await wait_for_incident(client, system.registry, follow_up, having={"assigned"})
    assert record["related_incident_id"] == earlier
    assert [(r["incident_id"], r["relation"]) for r in record["related"]] == [(earlier, "follows")]
    back = await record_of(client, system, earlier)
    assert [(r["incident_id"], r["relation"]) for r in back["related"]] == [
        (follow_up, "followed_by")
    ]
    listed = await client.get(f"{system.registry}/v1/incidents", params={"related_to": earlier})
    assert [i["incident_id"] for i in listed.json()["items"]] == [follow_up]
    listed = await client.get(f"{system.registry}/v1/incidents", params={"related_to": follow_up})
    assert [i["incident_id"] for i in listed.json()["items"]] == [earlier]
    cell = await stats(client, system, organisation)
    assert cell["repeat_rate"] is not None and cell["repeat_rate"] > 0

    # an adviser sees only the linked cases that are theirs
    adviser = record["assignment"]["adviser_id"]
    theirs = (
        await client.get(
            f"{system.registry}/v1/incidents/{follow_up}", headers=auth.adviser(adviser)
        )
    ).json()
    earlier_adviser = back["assignment"]["adviser_id"]
    assert bool(theirs["related"]) == (earlier_adviser == adviser)

    unknown = await client.post(
        f"{system.intake}/v1/incidents", json=body(related_incident_id=str(uuid.uuid4()))
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "related_incident_id"
    erased = await report(client, system, urgency="normal")
    await wait_for_incident(client, system.registry, erased, having={"assigned"})
    erase = await client.post(
        f"{system.registry}/v1/incidents/{erased}/erase", json={"requested_by": "op-1"}
    )
    assert erase.status_code == 202
    refused = await client.post(
        f"{system.intake}/v1/incidents", json=body(related_incident_id=erased)
    )
    assert refused.status_code == 422


# --- the change feed -----------------------------------------------------------------


async def test_the_change_feed_follows_the_registry_without_personal_data(
    system: System, client: httpx.AsyncClient
) -> None:
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    seen: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    raw: list[bytes] = []
    checks: list[asyncio.Task[None]] = []

    async def on_change(message: Any) -> None:
        raw.append(message.data)
        change = json.loads(message.data)

        async def read_now() -> None:
            # what the registry answers the moment the change is announced
            response = await client.get(f"{system.registry}/v1/incidents/{change['id']}")
            seen.append((change, response.json() if response.status_code == 200 else None))

        checks.append(asyncio.create_task(read_now()))

    subscription = await nc.subscribe("weerbaar.changed.>", cb=on_change)
    try:
        response = await client.post(
            f"{system.intake}/v1/incidents",
            json={
                "official": {
                    "role": "councillor",
                    "organisation_code": "GM0363",
                    "name": CANARY_NAME,
                    "phone": CANARY_PHONE,
                },
                "incident": {"types": ["stalking"], "description": CANARY_DESCRIPTION},
            },
        )
        incident_id = response.json()["incident_id"]
        wanted = {"incident.reported", "adviser.assigned", "notification.sent"}

        def announced() -> set[str]:
            return {
                t
                for change, _ in seen
                if change["id"] == incident_id
                for t in change["event_types"]
            }

        await eventually(lambda: wanted <= announced(), timeout=20, what="the three changes")
        await asyncio.gather(*checks)
        for change, record in seen:
            if change["id"] != incident_id:
                continue
            assert change["kind"] == "incident"
            assert record is not None, change
            assert record["version"] >= change["version"]
            projected = {e["event_id"] for e in record["timeline"]}
            assert len(projected) >= change["version"]
            types = {e["type"] for e in record["timeline"]}
            names = {
                "incident.reported": "reported",
                "adviser.assigned": "assigned",
                "notification.sent": "notification_sent",
            }
            for event_type in set(change["event_types"]) & set(names):
                assert names[event_type] in types
        registration = await client.post(
            f"{system.intake}/v1/registrations",
            json={
                "external_id": f"FEED-{uuid.uuid4().hex[:8]}",
                "organisation_code": "GM0363",
                "official": {"role": "councillor"},
                "incident": {"types": ["verbal_aggression"]},
            },
            headers=auth.system("GM0363"),
        )
        registration_id = registration.json()["registration_id"]
        await eventually(
            lambda: any(
                c["id"] == registration_id and c["kind"] == "registration" for c, _ in seen
            ),
            what="the registration's change",
        )
    finally:
        await subscription.unsubscribe()
        await nc.close()
    payloads = b"".join(raw)
    for canary in (CANARY_NAME, CANARY_PHONE, CANARY_DESCRIPTION):
        assert canary.encode() not in payloads
    assert set(json.loads(raw[0])) == {"kind", "id", "event_types", "version"}
