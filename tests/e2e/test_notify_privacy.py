"""No personal data in SMS bodies, webhook bodies, logs or metric labels: canary values
for the official (and for the adviser's own addresses) go in through intake, the page
goes out over every channel, and none of the canaries may show up where they must not."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from contracts.tokens import verify_ack_token
from tests.support.auth import OPS
from tests.support.http_receiver import HttpReceiver
from tests.support.servers import ROOT, eventually
from tests.support.system import System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

OFFICIAL = {
    "name": "Canary Kwikstaart-Oehoe",
    "phone": "+31698765432",
    "email": "canary.oehoe@example.nl",
    "description": "CANARY-DESC-91e4 brandbom bij de voordeur",
}
ADVISER = {
    "sms": "+31655500011",
    "email": "adviseur.canary@ngb.example",
    "webhook_path": "/hook/canary-adviser-7c2e",
}
DEV_ACK_SECRET = b"development-only-ack-token-secret"


@pytest.fixture(scope="module")
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def system(
    tmp_path_factory: pytest.TempPathFactory, receiver: HttpReceiver
) -> AsyncIterator[System]:
    workdir = tmp_path_factory.mktemp("notify-privacy")
    roster = yaml.safe_load((ROOT / "deploy/config/roster.yaml").read_text())
    for adviser in roster["advisers"]:
        if adviser["pool"] == "ngb":
            adviser["contacts"] = [
                {"channel": "sms", "address": ADVISER["sms"]},
                {"channel": "email", "address": ADVISER["email"]},
                {"channel": "webhook", "address": receiver.url(ADVISER["webhook_path"])},
            ]
    path = workdir / "roster.yaml"
    path.write_text(yaml.safe_dump(roster))
    providers = [{"name": "canarysms", "url": receiver.url("/sms")}]
    running = System(
        workdir=workdir,
        roster=path,
        env_overrides={"LOG_LEVEL": "DEBUG", "SMS_PROVIDERS": json.dumps(providers)},
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def test_an_acute_page_over_every_channel_leaks_nothing(
    system: System, client: httpx.AsyncClient, receiver: HttpReceiver
) -> None:
    body = {
        "official": {"role": "mayor", "organisation_code": "GM0014", **OFFICIAL},
        "incident": {"types": ["threat"], "description": OFFICIAL["description"]},
        "urgency": "acute",
    }
    body["official"].pop("description")
    response = await client.post(f"{system.intake}/v1/incidents", json=body)
    assert response.status_code == 202, response.text
    incident_id = response.json()["incident_id"]
    await wait_for_incident(client, system.registry, incident_id, having={"notification_sent"})

    (sms,) = await eventually(lambda: receiver.requests("/sms"), what="the SMS")
    (hook,) = await eventually(
        lambda: receiver.requests(ADVISER["webhook_path"]), what="the webhook"
    )
    (mail,) = await eventually(lambda: system.mailbox.mentioning(incident_id), what="the mail")
    assert mail["X-Rcpt-To"] == ADVISER["email"]

    # The SMS is exactly fixed text, the urgency, the reference and the link.
    payload = sms.json()
    assert payload["to"] == ADVISER["sms"]
    match = re.fullmatch(
        r"Weerbaar: nieuwe melding, urgentie acuut\. Ref ([0-9a-f-]{36})\. "
        r"Bevestig: http://127\.0\.0\.1:\d+/v1/ack/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)",
        payload["text"],
    )
    assert match, payload["text"]
    assert match.group(1) == incident_id
    claim = verify_ack_token(match.group(2), secret=DEV_ACK_SECRET)
    assert str(claim.incident_id) == incident_id

    # Nothing of the official in any message.
    sent = [sms.body.decode(), hook.body.decode(), mail.as_string()]
    leaked = [k for k, v in OFFICIAL.items() if any(v in text for text in sent)]
    assert leaked == [], f"personal data in a notification: {leaked}"

    # Nothing of the official, nor the adviser's own addresses, in any log or metric.
    logs = system.logs()
    assert '"service": "notify"' in logs
    assert '"provider": "canarysms"' in logs  # notify did log the SMS delivery
    secrets = {**OFFICIAL, **{f"adviser_{k}": v for k, v in ADVISER.items()}}
    leaked = [k for k, v in secrets.items() if v in logs]
    assert leaked == [], f"personal data in the logs: {leaked}"
    for service in system.services.values():
        metrics = (await client.get(f"{service.base_url}/metrics", headers=OPS)).text
        leaked = [k for k, v in secrets.items() if v in metrics]
        assert leaked == [], f"personal data in {service.name}'s metrics: {leaked}"
    notify_metrics = (
        await client.get(f"{system.services['notify'].base_url}/metrics", headers=OPS)
    ).text
    providers = {
        sample.labels["provider"]
        for family in text_string_to_metric_families(notify_metrics)
        for sample in family.samples
        if "provider" in sample.labels
    }
    assert providers <= {"smtp", "webhook", "canarysms"}
    assert {"smtp", "webhook", "canarysms"} <= providers
