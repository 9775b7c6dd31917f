"""The BZK fallback, and no personal data in any service's log output."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.conftest import roster_without
from tests.support.auth import OPS
from tests.support.servers import ROOT, eventually
from tests.support.system import System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

CANARY = {
    "name": "Canary Zwaluwstaart-Quetzal",
    "phone": "+31699887766",
    "email": "canary.quetzal@example.nl",
    "description": "CANARY-DESCRIPTION-7f3a9 kogel door de ruit",
    "note": "CANARY-NOTE-5b2c1 politie gebeld",
}


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    workdir = tmp_path_factory.mktemp("fallback")
    roster = workdir / "roster.yaml"
    roster.write_text(roster_without("nvvr", ROOT / "deploy/config/roster.yaml"))
    running = System(workdir=workdir, roster=roster, env_overrides={"LOG_LEVEL": "DEBUG"})
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def test_councillor_falls_back_to_bzk_when_nvvr_has_nobody(
    system: System, client: httpx.AsyncClient
) -> None:
    body = {
        "official": {"role": "councillor", "organisation_code": "GM0344"},
        "incident": {"types": ["intimidation"]},
        "urgency": "normal",
    }
    response = await client.post(f"{system.intake}/v1/incidents", json=body)
    assert response.status_code == 202, response.text
    incident_id = response.json()["incident_id"]
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"assigned", "notification_sent"}
    )
    assert record["assignment"]["pool"] == "bzk"
    mails = await eventually(lambda: system.mailbox.mentioning(incident_id), what="the page")
    assert "weerbaarbestuur.example" in mails[0]["X-Rcpt-To"]


async def test_canary_personal_data_never_reaches_a_log(
    system: System, client: httpx.AsyncClient
) -> None:
    body = {
        "official": {
            "role": "mayor",
            "organisation_code": "GM0014",
            "name": CANARY["name"],
            "phone": CANARY["phone"],
            "email": CANARY["email"],
        },
        "incident": {"types": ["property_damage"], "description": CANARY["description"]},
        "urgency": "acute",
    }
    response = await client.post(
        f"{system.intake}/v1/incidents", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 202, response.text
    incident_id = response.json()["incident_id"]
    await wait_for_incident(client, system.registry, incident_id, having={"notification_sent"})
    # Bad requests carrying personal data are refused without echoing them into a log.
    bad = {**body, "urgency": CANARY["name"]}
    assert (await client.post(f"{system.intake}/v1/incidents", json=bad)).status_code == 422
    action = await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/actions",
        json={"kind": "other", "note": CANARY["note"]},
    )
    assert action.status_code == 202
    close = await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/close", json={"summary": CANARY["note"]}
    )
    assert close.status_code == 202
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"action_recorded", "closed"}
    )
    assert record["official"]["name"] == CANARY["name"]  # the record itself keeps them

    logs = system.logs()
    assert '"service": "routing"' in logs  # the services did log, as JSON
    leaked = [label for label, value in CANARY.items() if value in logs]
    assert leaked == [], f"personal data in the logs: {leaked}"
    for service in system.services.values():
        metrics = (await client.get(f"{service.base_url}/metrics", headers=OPS)).text
        assert [v for v in CANARY.values() if v in metrics] == []
        # Subjects are labels with the incident id cut off: series stay bounded.
        assert incident_id not in metrics, service.name
        # nor any other id (a timer's assignment id): one series per case would grow
        assert not re.search(r'="[^"]*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-', metrics), service.name
        if service.name in ("routing", "notify", "registry"):
            assert (
                f'weerbaar_message_handling_seconds_count{{consumer="{service.name}"}}' in metrics
            )
        if service.name in ("intake", "routing", "notify"):
            assert 'weerbaar_published_total{stream="WEERBAAR_EVENTS"}' in metrics
