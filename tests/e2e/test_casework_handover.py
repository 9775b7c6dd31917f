"""Case work by hand, every service as a process: an assignment by hand (paged and
acknowledged, a handover, a refusal that pages nobody) and a decline that escalates at
once."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support import auth
from tests.support.casework import (
    HIGH_S,
    assigned_to,
    casework_system,
    entries,
    notices,
    pages,
    post,
    record_of,
    report,
    until_record,
)
from tests.support.sentinels import settled
from tests.support.servers import eventually
from tests.support.system import System, ack_token, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with casework_system(tmp_path_factory.mktemp("casework")) as running:
        yield running


# --- hand assignment -----------------------------------------------------------------


async def test_an_unroutable_case_assigned_by_hand_is_paged_and_acknowledged(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(
        client, system, role="water_board_member", organisation="GM0014", urgency="high"
    )
    await wait_for_incident(client, system.registry, incident_id, having={"unroutable"})
    response = await post(
        client,
        system,
        incident_id,
        "assign",
        {"adviser_id": "nvvr-p", "reason": "Niemand van BZK bereikbaar."},
        headers=auth.COORDINATOR,
    )
    assert response.status_code == 202, response.text
    await eventually(lambda: pages(system, "nvvr-p", incident_id), what="page to nvvr-p")
    record = await assigned_to(client, system, incident_id, "nvvr-p")
    (requested,) = entries(record, "assignment_requested")
    assert requested["requested_by"] == "coordinator" and requested["adviser_id"] == "nvvr-p"
    assert entries(record, "assigned")[-1]["by_hand"] is True

    adviser = auth.adviser("nvvr-p")
    ack = await post(client, system, incident_id, "acknowledge", {}, headers=adviser)
    assert ack.status_code == 202, ack.text
    record = await until_record(
        client, system, incident_id, lambda r: r["status"] == "acknowledged", what="acked"
    )
    assert record["assignment"]["acknowledged_at"] is not None


async def test_a_handover_pages_the_new_adviser_and_tells_the_previous_one(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system, organisation="GM0363")
    record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    previous = record["assignment"]["adviser_id"]
    await eventually(lambda: pages(system, previous, incident_id), what="the first page")
    ack = await post(client, system, incident_id, "acknowledge", {})
    assert ack.status_code == 202
    response = await post(
        client, system, incident_id, "assign", {"adviser_id": "ngb-x", "reason": "Collega."}
    )
    assert response.status_code == 202, response.text
    await eventually(lambda: pages(system, "ngb-x", incident_id), what="page to ngb-x")
    await eventually(lambda: notices(system, previous, incident_id), what="notice to previous")
    record = await assigned_to(client, system, incident_id, "ngb-x")
    assert record["status"] == "assigned"  # the new assignment waits for ngb-x
    (handover,) = entries(record, "escalated")
    assert handover["reason"] == "reassigned" and handover["previous_adviser_id"] == previous
    assert record["escalations"] == 0  # a handover is no escalation
    assert pages(system, previous, incident_id) == 1


async def test_a_conflicted_hand_assignment_is_refused_and_nothing_is_paged(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system, organisation="GM0014")
    record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    current = record["assignment"]["adviser_id"]
    for adviser, reason in (
        ("ngb-x", "conflict_of_interest"),
        ("ngb-off", "inactive_adviser"),
        ("nobody-01", "unknown_adviser"),
    ):
        response = await post(client, system, incident_id, "assign", {"adviser_id": adviser})
        assert response.status_code == 202, response.text
        record = await until_record(
            client,
            system,
            incident_id,
            lambda r, a=adviser: _rejected(r, a),  # type: ignore[misc]
            what=f"{adviser} refused",
        )
        (rejected,) = _rejected(record, adviser)
        assert rejected["reason"] == reason
        assert adviser in rejected["detail"]
    # The sentinel: routing has handled the three requests, then notify and the registry
    # what followed; a page to ngb-x or a second assignment would be there by now.
    await settled(system, incident_id)
    assert pages(system, "ngb-x", incident_id) == 0
    record = await record_of(client, system, incident_id)
    assert record["assignment"]["adviser_id"] == current
    assert len(entries(record, "assigned")) == 1

    unknown = await post(client, system, str(uuid.uuid4()), "assign", {"adviser_id": "ngb-b"})
    assert unknown.status_code == 404
    invalid = await post(client, system, incident_id, "assign", {"adviser": "ngb-b"})
    assert invalid.status_code == 422 and "adviser_id" in invalid.text


def _rejected(record: dict[str, Any], adviser: str) -> list[dict[str, Any]]:
    return [e for e in entries(record, "assignment_rejected") if e["adviser_id"] == adviser]


# --- decline -------------------------------------------------------------------------


async def test_a_decline_escalates_at_once_not_at_the_deadline(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    first = record["assignment"]["adviser_id"]
    declined = await post(
        client,
        system,
        incident_id,
        "decline",
        {"reason": "Ik zit in de auto."},
        headers=auth.adviser(first),
    )
    assert declined.status_code == 202, declined.text
    started = time.monotonic()
    record = await until_record(
        client,
        system,
        incident_id,
        lambda r: (r.get("assignment") or {}).get("adviser_id") not in (None, first),
        what="escalated after the decline",
    )
    assert time.monotonic() - started < HIGH_S / 4  # long before the deadline
    second = record["assignment"]["adviser_id"]
    await eventually(lambda: pages(system, second, incident_id), what="page to the next")
    (entry,) = entries(record, "declined")
    assert entry["adviser_id"] == first and entry["declined_by"] == "adviser"
    assert entries(record, "escalated")[0]["reason"] == "declined"

    # the previous adviser can no longer decline (nor the same decline count twice)
    stale = await post(client, system, incident_id, "decline", {}, headers=auth.adviser(first))
    assert stale.status_code == 409

    # the next one declines through the second button of the page's link
    token = ack_token(incident_id, record["assignment"]["assignment_id"])
    page = await client.get(f"{system.intake}/v1/ack/{token}")
    assert "Ik kan deze melding niet oppakken" in page.text
    done = await client.post(f"{system.intake}/v1/ack/{token}/decline")
    assert done.status_code == 200, done.text
    assert "Doorgezet" in done.text
    record = await until_record(
        client,
        system,
        incident_id,
        lambda r: len(entries(r, "declined")) == 2 and r["assignment"]["adviser_id"] != second,
        what="the second decline",
    )
    assert entries(record, "declined")[1]["declined_by"] == "link"
    again = await client.post(f"{system.intake}/v1/ack/{token}/decline")
    assert again.status_code == 409  # superseded since


async def test_an_acknowledged_assignment_cannot_be_declined(
    system: System, client: httpx.AsyncClient
) -> None:
    incident_id = await report(client, system)
    record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    adviser = auth.adviser(record["assignment"]["adviser_id"])
    assert (await post(client, system, incident_id, "acknowledge", {}, adviser)).status_code == 202
    refused = await post(client, system, incident_id, "decline", {}, headers=adviser)
    assert refused.status_code == 409
    assert refused.json()["title"] == "Already acknowledged"
