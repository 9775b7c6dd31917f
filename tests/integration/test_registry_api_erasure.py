"""The registry's HTTP API on SQLite and PostgreSQL: the erasure request and the
audit log."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.events import IncidentReported
from tests.support import auth
from tests.support.registry_api import reported_ids
from tests.support.registry_stats import fixture


async def test_erasure_request_is_accepted_recorded_and_scrubs(api: Any) -> None:
    client, _ = api
    case = next(e for e in fixture() if isinstance(e, IncidentReported))
    before = (await client.get("/v1/stats", params={"group_by": "role"})).json()
    response = await client.post(
        f"/v1/incidents/{case.incident_id}/erase",
        json={"requested_by": "operator-17"},
        headers={"Idempotency-Key": "erase-1"},
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status_url"].endswith(f"/v1/incidents/{case.incident_id}")
    again = await client.post(
        f"/v1/incidents/{case.incident_id}/erase",
        json={"requested_by": "operator-17"},
        headers={"Idempotency-Key": "erase-1"},
    )
    assert again.json()["event_id"] == accepted["event_id"]
    conflict = await client.post(
        f"/v1/incidents/{case.incident_id}/erase",
        json={"requested_by": "operator-17"},
        headers={"Idempotency-Key": "erase-1", **auth.bearer("operator", "operator-18")},
    )
    assert conflict.status_code == 409
    assert "Idempotency-Key" in conflict.json()["detail"]
    record = (await client.get(f"/v1/incidents/{case.incident_id}")).json()
    assert record["official"]["name"] is None and record["description"] is None
    assert record["personal_data_erased_at"] is not None
    erased = [e for e in record["timeline"] if e["type"] == "personal_data_erased"]
    assert len(erased) == 1
    # the caller asked (the token's subject), not whom the body names
    assert erased[0]["requested_by"] == "test-operator" and erased[0]["reason"] == "request"
    assert "name" not in erased[0]
    assert (await client.get("/v1/stats", params={"group_by": "role"})).json() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [({"requested_by": "x y"}, 422), ({"requested_by": "a", "why": "b"}, 422), ([], 422)],
)
async def test_invalid_erasure_requests(api: Any, body: dict[str, Any], status: int) -> None:
    client, _ = api
    case = next(e for e in fixture() if isinstance(e, IncidentReported))
    response = await client.post(f"/v1/incidents/{case.incident_id}/erase", json=body)
    assert response.status_code == status


async def test_the_requester_is_the_caller_whatever_the_body_says(api: Any) -> None:
    client, _ = api
    case = next(e for e in fixture() if isinstance(e, IncidentReported))
    for body in ({"requested_by": "someone-else"}, {}, None):
        response = await client.post(
            f"/v1/incidents/{case.incident_id}/erase",
            json=body,
            headers={**auth.bearer("coordinator", "coordinator|7"), "Idempotency-Key": "k"},
        )
        assert response.status_code == 202, response.text
    record = (await client.get(f"/v1/incidents/{case.incident_id}")).json()
    erased = [e for e in record["timeline"] if e["type"] == "personal_data_erased"]
    assert [e["requested_by"] for e in erased] == ["coordinator-7"]
    audit = (await client.get("/v1/audit", headers=auth.COORDINATOR)).json()["items"]
    requests = [e for e in audit if e["action"] == "erasure.request"]
    assert {e["detail"]["requested_by"] for e in requests} == {"coordinator-7"}


async def test_erasure_of_an_unknown_incident_or_without_jetstream(api: Any) -> None:
    client, publisher = api
    unknown = await client.post(
        "/v1/incidents/00000000-0000-4000-8000-00000000dead/erase", json={"requested_by": "a"}
    )
    assert unknown.status_code == 404
    publisher.failing = True
    case = next(e for e in fixture() if isinstance(e, IncidentReported))
    down = await client.post(f"/v1/incidents/{case.incident_id}/erase", json={"requested_by": "a"})
    assert down.status_code == 503
    assert down.headers["retry-after"]


async def test_the_audit_log_pages_for_coordinators(api: Any) -> None:
    client, _ = api
    for incident_id in reported_ids()[:3]:
        assert (await client.get(f"/v1/incidents/{incident_id}")).status_code == 200
    coordinator = auth.COORDINATOR
    first = await client.get("/v1/audit", params={"limit": 2}, headers=coordinator)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [e["incident_id"] for e in page["items"]] == reported_ids()[:3][::-1][:2]
    assert {e["subject"] for e in page["items"]} == {"test-operator"}
    rest = await client.get(
        "/v1/audit", params={"limit": 2, "cursor": page["next_cursor"]}, headers=coordinator
    )
    assert [e["incident_id"] for e in rest.json()["items"]] == [reported_ids()[0]]
    assert rest.json()["next_cursor"] is None
    for params in ({"cursor": "abc"}, {"action": "incident.delete"}, {"from": "gisteren"}):
        bad = await client.get("/v1/audit", params=params, headers=coordinator)
        assert bad.status_code == 422, params
    assert (await client.get("/v1/audit")).status_code == 403  # an operator
