"""A redelivered event is dropped by the registry and by notify, and intake answers 503
(never 202) while NATS is down and accepts again once it is back."""

from __future__ import annotations

import json
import uuid

import httpx
import nats
import pytest

from contracts.subjects import EVENTS_STREAM, NOTIFY_CONSUMER, REGISTRY_CONSUMER, event_subject
from tests.support.intake_calls import incident_body, report
from tests.support.servers import eventually
from tests.support.settling import handled_by
from tests.support.system import System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


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

    # The sentinel: both consumers have acknowledged the repeats, so neither handles them
    # again; whatever they did with them is in the registry and the mailbox now.
    await eventually(
        lambda: handled_by(
            system,
            event_subject("adviser.assigned", incident_id),
            REGISTRY_CONSUMER.durable,
            NOTIFY_CONSUMER.durable,
        ),
        what="the repeats settled",
    )
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
