"""A call logged at intake reaches the right adviser's mailbox and the registry."""

from __future__ import annotations

import uuid

import httpx
import pytest

from contracts.subjects import NOTIFY_CONSUMER, event_subject
from tests.support import auth
from tests.support.intake_calls import incident_body, report
from tests.support.servers import eventually
from tests.support.settling import handled_by
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
    # Notify has acknowledged the assignment: it sends nothing more for it.
    assigned = event_subject("adviser.assigned", incident_id)
    await eventually(
        lambda: handled_by(system, assigned, NOTIFY_CONSUMER.durable), what="the page settled"
    )
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
