"""Acknowledgement deadlines, escalation and reminders, with real processes and
seconds-long deadlines (routing killed with -9 and run twice at once are in
test_escalation_crashes.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.auth import OPS
from tests.support.escalation import (
    DEADLINE_S,
    ROSTER,
    escalated_to,
    escalation_levels,
    escalation_system,
    mails_to,
    pages_to,
    reminders_of,
    report,
)
from tests.support.servers import eventually
from tests.support.system import (
    System,
    ack_token,
    wait_for_incident,
)

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with escalation_system(tmp_path_factory.mktemp("escalation")) as running:
        yield running


async def test_no_acknowledgement_escalates_to_backup_then_coordinator(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    await eventually(lambda: pages_to(system, "ngb-p", incident_id), what="page to the primary")
    await eventually(
        lambda: pages_to(system, "ngb-b", incident_id), timeout=DEADLINE_S + 10, what="backup"
    )
    await eventually(
        lambda: pages_to(system, "ngb-c", incident_id), timeout=DEADLINE_S + 10, what="coordinator"
    )
    record = await eventually(
        lambda: escalated_to(client, system, incident_id, {"ngb-c", "bzk-c"}),
        what="the registry showing the coordinator assigned",
    )
    assert escalation_levels(record)[:2] == [1, 2]
    assert pages_to(system, "ngb-p", incident_id) == 1
    assert pages_to(system, "ngb-b", incident_id) == 1
    # The previous adviser is told the case moved on.
    await eventually(
        lambda: mails_to(system, "ngb-p", incident_id, "overgedragen"), what="escalation notice"
    )


async def test_acknowledgement_by_link_stops_the_chain(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    token = ack_token(incident_id, record["assignment"]["assignment_id"])

    page = await client.get(f"{system.intake}/v1/ack/{token}")
    assert page.status_code == 200
    assert "Ik pak deze melding op" in page.text
    assert page.headers["cache-control"] == "no-store"
    done = await client.post(f"{system.intake}/v1/ack/{token}")
    assert done.status_code == 200, done.text
    assert "Bevestigd" in done.text
    again = await client.post(f"{system.intake}/v1/ack/{token}")
    assert again.status_code == 200  # acknowledging twice is harmless

    await asyncio.sleep(DEADLINE_S * 2 + 1)
    record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
    assert record["status"] == "acknowledged"
    assert escalation_levels(record) == []
    assert pages_to(system, "ngb-b", incident_id) == 0
    assert [e["type"] for e in record["timeline"]].count("acknowledged") == 1

    # Opened again, the link says where the case stands and offers no button.
    later = await client.get(f"{system.intake}/v1/ack/{token}")
    assert later.status_code == 200
    assert "al eerder bevestigd" in later.text
    assert "<button" not in later.text
    closed = await client.post(f"{system.intake}/v1/incidents/{incident_id}/close", json={})
    assert closed.status_code == 202, closed.text
    await wait_for_incident(client, system.registry, incident_id, having={"closed"})
    after = await client.get(f"{system.intake}/v1/ack/{token}")
    assert "Melding afgesloten" in after.text
    assert "<button" not in after.text


def test_the_link_page_posts_back_where_it_was_served() -> None:
    from intake.entrypoints import pages

    page = pages.confirm(uuid.uuid4(), "a.token")
    assert '<form method="post">' in page  # no absolute action: works behind /intake
    assert 'action="a.token/decline"' in page
    assert 'action="/' not in page


async def test_acknowledging_a_superseded_assignment_is_409(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    first = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    first_assignment = first["assignment"]["assignment_id"]
    await wait_for_incident(
        client, system.registry, incident_id, having={"escalated"}, timeout=DEADLINE_S + 10
    )
    stale = await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/acknowledge",
        json={"token": ack_token(incident_id, first_assignment)},
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["title"] == "Assignment superseded"
    page = await client.post(f"{system.intake}/v1/ack/{ack_token(incident_id, first_assignment)}")
    assert page.status_code == 409
    forged = await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/acknowledge",
        json={"token": ack_token(incident_id, first_assignment)[:-3] + "abc"},
    )
    assert forged.status_code == 403


async def test_acknowledged_but_idle_gets_a_reminder(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system, urgency="normal")
    await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    ack = await client.post(f"{system.intake}/v1/incidents/{incident_id}/acknowledge", json={})
    assert ack.status_code == 202
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"reminder_due"}, timeout=15
    )
    reminders = [e for e in record["timeline"] if e["type"] == "reminder_due"]
    assert reminders[0]["recipient"] == "adviser"
    await eventually(
        lambda: reminders_of(client, system, incident_id, 2), timeout=15, what="second reminder"
    )
    await eventually(
        lambda: mails_to(system, "ngb-p", incident_id, "Herinnering"), what="reminder mail"
    )
    await eventually(
        lambda: mails_to(system, "ngb-c", incident_id, "Herinnering"), what="coordinator mail"
    )


async def test_a_broken_roster_on_reload_keeps_the_old_one(
    system: System, client: httpx.AsyncClient
) -> None:
    system.roster.write_text(ROSTER.replace("pool: ngb, contacts", "pool: vng, contacts", 1))
    await eventually(
        lambda: "roster refused" in system.services["routing"].log_text(),
        timeout=15,
        what="the reload refused",
    )
    try:
        incident_id = await report(client, system, urgency="normal")
        record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
        assert record["assignment"]["adviser_id"] == "ngb-p"
        log = system.services["routing"].log_text()
        assert "roster refused; the previous roster stays in force" in log
        assert "advisers.0.pool" in log
    finally:
        system.roster.write_text(ROSTER)
    metrics = (await client.get(f"{system.services['routing'].base_url}/metrics", headers=OPS)).text
    assert 'weerbaar_routing_roster_reloads_total{outcome="refused"}' in metrics
