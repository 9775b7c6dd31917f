"""Routing's side of case work, every service as a process: who is on call and the
preview match what routing assigns, and hand assignments and declines happen once
with two routing processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support import auth
from tests.support.casework import (
    assigned_to,
    casework_system,
    deliver_again,
    entries,
    notices,
    pages,
    post,
    record_of,
    report,
    until_record,
)
from tests.support.sentinels import settled
from tests.support.system import System, second_routing, stored_count, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with casework_system(tmp_path_factory.mktemp("casework")) as running:
        yield running


# --- who is on call ------------------------------------------------------------------


async def test_on_call_and_the_preview_match_what_routing_assigns(
    system: System, client: httpx.AsyncClient
) -> None:
    routing = system.services["routing"].base_url
    response = await client.get(f"{routing}/v1/oncall")
    assert response.status_code == 200, response.text
    pools = {p["pool"]: p for p in response.json()["pools"]}
    assert pools["ngb"]["now"] == {"primary": ["ngb-p", "ngb-q"], "backup": ["ngb-b"]}
    assert pools["ngb"]["gaps"] == []
    assert pools["bzk"]["gaps"]  # nobody at all
    nvvr = pools["nvvr"]
    assert nvvr["until"] is not None and nvvr["gaps"]  # days only: nights are gaps

    for _ in range(3):
        facts = {
            "role": "mayor",
            "organisation_code": "GM0014",
            "urgency": "high",
            "incident_type": ["threat"],
        }
        preview = await client.get(f"{routing}/v1/oncall/preview", params=facts)
        assert preview.status_code == 200, preview.text
        shown = preview.json()
        assert shown["pool"] == "ngb" and shown["rule"] is None
        reasons = {c["adviser_id"]: c["passed_over"] for c in shown["candidates"]}
        assert "conflict" in reasons["ngb-x"] and "inactive" in reasons["ngb-off"]
        chosen = shown["adviser"]["adviser_id"]
        assert reasons[chosen] == []
        incident_id = await report(client, system)
        record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
        assert record["assignment"]["adviser_id"] == chosen

    bad = await client.get(f"{routing}/v1/oncall/preview", params={"role": "king"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    at = await client.get(f"{routing}/v1/oncall", params={"at": "2026-03-29T01:30:00+00:00"})
    nvvr_at = {p["pool"]: p for p in at.json()["pools"]}["nvvr"]
    # 03:30 summer time: the night; the day shift starts at 08:00 CEST = 06:00 UTC
    assert nvvr_at["now"]["primary"] == [] and nvvr_at["until"] == "2026-03-29T06:00:00Z"


# --- exactly once --------------------------------------------------------------------


async def test_hand_assignments_and_declines_happen_once_with_two_routing_processes(
    system: System, client: httpx.AsyncClient, tmp_path: Any
) -> None:
    async with second_routing(system, tmp_path / "routing-2.log"):
        incidents = [await report(client, system, organisation="GM0363") for _ in range(4)]
        firsts = {}
        for incident_id in incidents:
            record = await wait_for_incident(
                client, system.registry, incident_id, having={"assigned"}
            )
            firsts[incident_id] = record["assignment"]["adviser_id"]
        for incident_id in incidents:  # by hand to ngb-b, each request delivered 3 times
            response = await post(client, system, incident_id, "assign", {"adviser_id": "ngb-b"})
            assert response.status_code == 202
            await deliver_again(system, "assignment.requested", incident_id, copies=2)
        for incident_id in incidents:
            await assigned_to(client, system, incident_id, "ngb-b")
        for incident_id in incidents:  # ngb-b declines, each decline delivered 3 times
            response = await post(
                client, system, incident_id, "decline", {}, headers=auth.adviser("ngb-b")
            )
            assert response.status_code == 202, response.text
            await deliver_again(system, "assignment.declined", incident_id, copies=2)
        for incident_id in incidents:
            await until_record(
                client,
                system,
                incident_id,
                lambda r: r["assignment"]["adviser_id"] != "ngb-b",
                what="escalated after the decline",
            )
        # The sentinel: both processes have handled every copy (one durable), then notify
        # and the registry what followed; a second page would be in the mailbox by now.
        for incident_id in incidents:
            await settled(system, incident_id)
        for incident_id in incidents:
            record = await record_of(client, system, incident_id)
            # after ngb-b, the escalation snapshot goes on where it stood: the first adviser
            assert record["assignment"]["adviser_id"] == firsts[incident_id]
            assert await stored_count(system, "adviser.assigned", incident_id) == 3
            assert await stored_count(system, "assignment.escalated", incident_id) == 2
            assert [e["reason"] for e in entries(record, "escalated")] == [
                "reassigned",
                "declined",
            ]
            assert pages(system, "ngb-b", incident_id) == 1
            assert pages(system, firsts[incident_id], incident_id) == 2  # one per assignment
            assert notices(system, firsts[incident_id], incident_id) == 1
            assert entries(record, "assignment_rejected") == []
