"""A call logged at intake reaches the right adviser's mailbox and the registry."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import nats
import pytest

from contracts.subjects import EVENTS_STREAM, event_subject
from tests.support import auth
from tests.support.servers import eventually
from tests.support.system import System, body_of, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

POOL_BY_ROLE = {
    "mayor": "ngb",
    "alderman": "wethoudersvereniging",
    "councillor": "nvvr",
    "provincial_councillor": "statenlidnu",
    "provincial_executive": "bzk",
    "kings_commissioner": "bzk",
    "water_board_member": "bzk",
}
ORGANISATION_BY_ROLE = {
    "mayor": "GM0363",
    "alderman": "GM0599",
    "councillor": "GM0344",
    "provincial_councillor": "PV26",
    "provincial_executive": "PV30",
    "kings_commissioner": "PV20",
    "water_board_member": "WS0155",
}


def incident_body(
    role: str = "mayor", organisation: str = "GM0363", **changes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "crisis_line",
        "official": {
            "role": role,
            "organisation_code": organisation,
            "name": "A. de Vries",
            "phone": "+31612345678",
            "email": "a@example.nl",
        },
        "incident": {
            "types": ["threat", "online_harassment"],
            "channels": ["social_media"],
            "occurred_at": "2026-11-20T21:15:00+01:00",
            "description": "Death threat posted under the council livestream.",
        },
        "urgency": "high",
        "needs": ["security", "reporting_advice"],
        "police": {"status": "none", "reason_not_reported": "part_of_the_job"},
    }
    body.update(changes)
    return body


async def report(
    client: httpx.AsyncClient, system: System, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await client.post(f"{system.intake}/v1/incidents", json=body, headers=headers)


async def test_walk_through_mayor_of_amsterdam(system: System, client: httpx.AsyncClient) -> None:
    response = await report(client, system, incident_body(), key=f"walk-{uuid.uuid4()}")
    assert response.status_code == 202, response.text
    accepted = response.json()
    incident_id = accepted["incident_id"]
    assert accepted["status_url"].endswith(f"/v1/incidents/{incident_id}")

    record = await wait_for_incident(
        client, system.registry, incident_id, having={"reported", "assigned", "notification_sent"}
    )
    assert record["status"] == "assigned"
    assert record["official"]["role"] == "mayor"
    assert record["official"]["organisation_code"] == "GM0363"
    assignment = record["assignment"]
    assert assignment["pool"] == "ngb"
    assert assignment["ack_deadline"]
    types = [entry["type"] for entry in record["timeline"]]
    assert types[:3] == ["reported", "assigned", "notification_sent"]

    adviser = assignment["adviser_id"]
    mails = system.mailbox.mentioning(incident_id)
    assert len(mails) == 1
    assert f"{adviser}@ngb.example" in mails[0]["X-Rcpt-To"]
    text = body_of(mails[0])
    assert "burgemeester" in text and "Amsterdam" in text
    assert "Death threat" not in text and "de Vries" not in text

    ack = await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/acknowledge",
        json={"adviser_id": adviser, "assignment_id": assignment["assignment_id"]},
    )
    assert ack.status_code == 202, ack.text
    action = await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/actions",
        json={"kind": "security", "note": "Woningscan aangevraagd.", "adviser_id": adviser},
    )
    assert action.status_code == 202, action.text
    closed = await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/close",
        json={"summary": "Beveiliging geregeld.", "adviser_id": adviser},
    )
    assert closed.status_code == 202, closed.text
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"acknowledged", "action_recorded", "closed"}
    )
    assert record["status"] == "closed"

    listed = await client.get(
        f"{system.registry}/v1/incidents", params={"status": "closed", "role": "mayor"}
    )
    assert listed.status_code == 200
    assert incident_id in [item["incident_id"] for item in listed.json()["items"]]


@pytest.mark.parametrize("role", sorted(POOL_BY_ROLE))
async def test_each_role_reaches_its_pool(
    system: System, client: httpx.AsyncClient, role: str
) -> None:
    body = incident_body(role=role, organisation=ORGANISATION_BY_ROLE[role])
    response = await report(client, system, body)
    assert response.status_code == 202, response.text
    incident_id = response.json()["incident_id"]
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"assigned", "notification_sent"}
    )
    assert record["assignment"]["pool"] == POOL_BY_ROLE[role]
    await eventually(lambda: system.mailbox.mentioning(incident_id), what="the page")


async def test_same_key_twice_is_one_incident_and_one_mail(
    system: System, client: httpx.AsyncClient
) -> None:
    key = f"twice-{uuid.uuid4()}"
    first = await report(client, system, incident_body(), key=key)
    second = await report(client, system, incident_body(), key=key)
    assert first.status_code == second.status_code == 202
    assert first.json()["incident_id"] == second.json()["incident_id"]
    incident_id = first.json()["incident_id"]
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"notification_sent"}
    )
    assert [e["type"] for e in record["timeline"]].count("reported") == 1
    await eventually(lambda: system.mailbox.mentioning(incident_id), what="the page")
    await _quiet_period()
    assert len(system.mailbox.mentioning(incident_id)) == 1


async def test_reused_key_with_another_body_is_409(
    system: System, client: httpx.AsyncClient
) -> None:
    key = f"reuse-{uuid.uuid4()}"
    assert (await report(client, system, incident_body(), key=key)).status_code == 202
    conflict = await report(client, system, incident_body(urgency="acute"), key=key)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert "Idempotency-Key" in conflict.json()["detail"]


async def test_bad_input_is_problem_json(system: System, client: httpx.AsyncClient) -> None:
    url = f"{system.intake}/v1/incidents"
    invalid = incident_body()
    invalid["official"]["organisation_code"] = "GM9999"
    invalid["incident"]["types"] = ["arson"]
    response = await client.post(url, json=invalid)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "official.organisation_code" in problem["detail"]
    assert "incident.types.0" in problem["detail"]

    extra = incident_body(secret_field=True)
    response = await client.post(url, json=extra)
    assert response.status_code == 422
    assert "secret_field" in response.json()["detail"]

    broken = await client.post(
        url, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422

    too_large = incident_body()
    too_large["incident"]["description"] = "x" * (70 * 1024)
    response = await client.post(url, json=too_large)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")

    response = await client.post(url, content=b"role=mayor", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/problem+json")

    response = await client.post(f"{system.intake}/v1/incidents/not-a-uuid/close", json={})
    assert response.status_code == 422
    response = await client.post(f"{system.intake}/v1/incidents/{uuid.uuid4()}/close", json={})
    assert response.status_code == 404
    for response in (
        await client.get(f"{system.registry}/v1/incidents", params={"status": "lost"}),
        await client.get(f"{system.registry}/v1/incidents", params={"cursor": "%%%"}),
        await client.get(f"{system.registry}/v1/incidents", params={"limit": 0}),
    ):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in system.logs()


async def test_registration_with_and_without_contact(
    system: System, client: httpx.AsyncClient
) -> None:
    url = f"{system.intake}/v1/registrations"
    as_system = auth.system("GM0344")
    external = f"REG-{uuid.uuid4().hex[:8]}"
    body = {
        "external_id": external,
        "organisation_code": "GM0344",
        "official": {"role": "councillor"},
        "incident": {"types": ["verbal_aggression"], "channels": ["during_meeting"]},
        "police": {"status": "melding"},
        "perpetrator_kind": "individual_citizen",
        "family_targeted": False,
        "wants_contact": False,
    }
    first = await client.post(url, json=body, headers=as_system)
    again = await client.post(url, json=body, headers=as_system)
    assert first.status_code == again.status_code == 202, first.text
    assert first.json() == again.json()
    assert first.json()["incident_id"] is None
    changed = await client.post(url, json={**body, "family_targeted": True}, headers=as_system)
    assert changed.status_code == 409
    elsewhere = await client.post(url, json=body, headers=auth.system("GM0363"))
    assert elsewhere.status_code == 403
    assert (await client.post(url, json=body)).status_code == 403  # an operator

    with_name = {
        **body,
        "external_id": external + "-b",
        "official": {"role": "councillor", "name": "B. Jansen"},
    }
    refused = await client.post(url, json=with_name, headers=as_system)
    assert refused.status_code == 422
    assert "wants_contact" in refused.json()["detail"]

    wanted = {
        **with_name,
        "official": {"role": "councillor", "name": "B. Jansen", "phone": "+31687654321"},
        "wants_contact": True,
    }
    response = await client.post(url, json=wanted, headers=as_system)
    assert response.status_code == 202, response.text
    incident_id = response.json()["incident_id"]
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"assigned", "notification_sent"}
    )
    assert record["source"] == "municipal_registration"
    assert record["assignment"]["pool"] == "nvvr"


async def test_registry_and_notify_drop_a_redelivered_event(
    system: System, client: httpx.AsyncClient
) -> None:
    response = await report(client, system, incident_body())
    incident_id = response.json()["incident_id"]
    await wait_for_incident(client, system.registry, incident_id, having={"notification_sent"})
    await eventually(lambda: system.mailbox.mentioning(incident_id), what="the first page")

    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        js = nc.jetstream()
        stored = await js.get_last_msg(
            EVENTS_STREAM, event_subject("adviser.assigned", incident_id)
        )
        event = json.loads(stored.data)
        # The same event twice more, as a crash-and-redeliver would present it: a new
        # stream message each time (no Nats-Msg-Id), the same event id inside.
        for _ in range(2):
            await js.publish(event_subject("adviser.assigned", incident_id), stored.data)
    finally:
        await nc.close()

    await _quiet_period()
    record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
    types = [entry["type"] for entry in record["timeline"]]
    assert types.count("assigned") == 1
    assert types.count("notification_sent") == 1
    assert event["event_id"] in [entry["event_id"] for entry in record["timeline"]]
    assert len(system.mailbox.mentioning(incident_id)) == 1


async def test_503_and_no_202_while_nats_is_down(system: System, client: httpx.AsyncClient) -> None:
    assert system.nats is not None
    system.nats.stop()
    try:
        response = await report(client, system, incident_body(), key=f"down-{uuid.uuid4()}")
        assert response.status_code == 503
        assert response.headers["retry-after"].isdigit()
        assert response.headers["content-type"].startswith("application/problem+json")
    finally:
        system.nats.start()
    key = f"after-{uuid.uuid4()}"

    async def accepted() -> httpx.Response | None:
        response = await report(client, system, incident_body(), key=key)
        return response if response.status_code == 202 else None

    response = await eventually(accepted, timeout=30, interval=0.5, what="intake back")
    incident_id = response.json()["incident_id"]
    await wait_for_incident(
        client, system.registry, incident_id, having={"notification_sent"}, timeout=40
    )


async def _quiet_period() -> None:
    import asyncio

    await asyncio.sleep(1.5)
