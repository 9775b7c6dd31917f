"""Case work after the first call, every service as a process: facts that change, hand
assignment, decline, who is on call, follow-up calls and the registry's change feed."""

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

from contracts.subjects import EVENTS_STREAM, event_subject
from tests.support import auth
from tests.support.servers import eventually
from tests.support.system import (
    System,
    ack_token,
    second_routing,
    stored_count,
    subject_of,
    wait_for_incident,
)

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

ACUTE_S = 3
HIGH_S = 120

CANARY_NAME = "Canary Casework Feed"
CANARY_PHONE = "+31611223344"
CANARY_DESCRIPTION = "Canary: de stalker stond weer voor de deur."

# Two NGB primaries (the one with fewer open cases takes a case), a backup, an adviser
# linked to Groningen (GM0014) and one inactive; NVvR for councillors. No BZK adviser
# at all: a water-board member's case is unroutable.
ROSTER = """
pools:
  ngb: {coordinator: ngb-c}
  nvvr: {coordinator: nvvr-c}
advisers:
  - {id: ngb-p, pool: ngb, capacity: 500, contacts: [{channel: email, address: ngb-p@ngb.example}]}
  - {id: ngb-q, pool: ngb, capacity: 500, contacts: [{channel: email, address: ngb-q@ngb.example}]}
  - {id: ngb-b, pool: ngb, capacity: 500, contacts: [{channel: email, address: ngb-b@ngb.example}]}
  - {id: ngb-x, pool: ngb, organisations: [GM0014],
     contacts: [{channel: email, address: ngb-x@ngb.example}]}
  - {id: ngb-off, pool: ngb, active: false,
     contacts: [{channel: email, address: ngb-off@ngb.example}]}
  - {id: ngb-c, pool: ngb, contacts: [{channel: email, address: ngb-c@ngb.example}]}
  - {id: nvvr-p, pool: nvvr, contacts: [{channel: email, address: nvvr-p@nvvr.example}]}
  - {id: nvvr-c, pool: nvvr, contacts: [{channel: email, address: nvvr-c@nvvr.example}]}
shifts:
  rotations:
    - pool: ngb
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "00:00",
                primary: [ngb-p, ngb-q], backup: ngb-b}]]
    - pool: nvvr
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "08:00", to: "20:00",
                primary: nvvr-p}]]
"""


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    workdir = tmp_path_factory.mktemp("casework")
    roster = workdir / "roster.yaml"
    roster.write_text(ROSTER)
    running = System(
        workdir=workdir,
        roster=roster,
        env_overrides={
            "ACK_DEADLINE_ACUTE_S": str(ACUTE_S),
            "ACK_DEADLINE_HIGH_S": str(HIGH_S),
            "ACK_DEADLINE_NORMAL_S": "600",
            "ESCALATION_ROUNDS": "1",
        },
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


def body(
    *,
    role: str = "mayor",
    organisation: str = "GM0014",
    urgency: str = "high",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "official": {"role": role, "organisation_code": organisation},
        "incident": {"types": ["threat"]},
        "urgency": urgency,
        **extra,
    }


async def report(client: httpx.AsyncClient, system: System, **facts: Any) -> str:
    response = await client.post(f"{system.intake}/v1/incidents", json=body(**facts))
    assert response.status_code == 202, response.text
    return str(response.json()["incident_id"])


async def record_of(client: httpx.AsyncClient, system: System, incident_id: str) -> dict[str, Any]:
    response = await client.get(f"{system.registry}/v1/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def post(
    client: httpx.AsyncClient,
    system: System,
    incident_id: str,
    command: str,
    payload: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        f"{system.intake}/v1/incidents/{incident_id}/{command}",
        json=payload if payload is not None else {},
        headers=headers,
    )


def mails(system: System, adviser: str, incident_id: str, subject_has: str) -> int:
    return len(
        [
            m
            for m in system.mailbox.mentioning(incident_id)
            if f"{adviser}@" in m["X-Rcpt-To"] and subject_has in subject_of(m)
        ]
    )


def pages(system: System, adviser: str, incident_id: str) -> int:
    return mails(system, adviser, incident_id, "nieuwe melding")


def notices(system: System, adviser: str, incident_id: str) -> int:
    return mails(system, adviser, incident_id, "overgedragen")


def entries(record: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in record["timeline"] if e["type"] == kind]


async def until_record(
    client: httpx.AsyncClient,
    system: System,
    incident_id: str,
    check: Any,
    *,
    timeout: float = 20.0,
    what: str = "",
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await client.get(f"{system.registry}/v1/incidents/{incident_id}")
        if response.status_code != 200:
            return None
        record: dict[str, Any] = response.json()
        return record if check(record) else None

    result: dict[str, Any] = await eventually(probe, timeout=timeout, interval=0.1, what=what)
    return result


async def assigned_to(
    client: httpx.AsyncClient, system: System, incident_id: str, adviser: str
) -> dict[str, Any]:
    return await until_record(
        client,
        system,
        incident_id,
        lambda r: (r.get("assignment") or {}).get("adviser_id") == adviser,
        what=f"{incident_id} assigned to {adviser}",
    )


async def stats(client: httpx.AsyncClient, system: System, organisation: str) -> dict[str, Any]:
    response = await client.get(
        f"{system.registry}/v1/stats", params={"organisation_code": organisation}
    )
    assert response.status_code == 200, response.text
    cells: list[dict[str, Any]] = response.json()["cells"]
    return cells[0] if cells else {}


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
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"escalated"}, timeout=ACUTE_S + 20
    )
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
    await asyncio.sleep(1)
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


# --- exactly once --------------------------------------------------------------------


async def deliver_again(system: System, event_type: str, incident_id: str, copies: int) -> None:
    """The last event of this type stored again under other message ids, so routing's
    consumer delivers it `copies` more times, as redeliveries would."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        js = nc.jetstream()
        subject = event_subject(event_type, incident_id)
        original = await js.get_last_msg(EVENTS_STREAM, subject)
        for copy in range(copies):
            await js.publish(
                subject,
                original.data or b"",
                stream=EVENTS_STREAM,
                headers={"Nats-Msg-Id": f"again-{copy}-{uuid.uuid4()}"},
            )
    finally:
        await nc.close()


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
        await asyncio.sleep(2)  # time for any second page to arrive
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
