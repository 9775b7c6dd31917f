"""The registry's HTTP API on SQLite and PostgreSQL: filters, cursors, validation,
timeline, statistics, CSV exports and the erasure request."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from contracts.events import Event, IncidentReported, RegistrationReceived
from registry.entrypoints.http.routes import build_router
from tests.integration.test_registry_stats import fixture
from tests.support import auth
from tests.support.registry import Registry, open_registry, recorded_events
from weerbaar_runtime.auth import AuthSettings, secure
from weerbaar_runtime.http import install_problem_handlers
from weerbaar_runtime.nats import PublishFailedError


class Publisher:
    """Stands in for JetStream: an accepted event is projected at once."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.failing = False
        self.published: list[Event] = []

    async def __call__(self, event: Event) -> None:
        if self.failing:
            raise PublishFailedError("TimeoutError")
        self.published.append(event)
        await self.registry.projector.write([event])


@pytest.fixture
async def api(registry_database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Publisher]]:
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write(recorded_events() + fixture())
        publisher = Publisher(registry)
        app = registry_app(registry, publisher)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://registry.test", headers=auth.OPERATOR
        ) as c:
            yield c, publisher


def registry_app(registry: Registry, publish: Any) -> FastAPI:
    """The registry's routes as the service mounts them, on an app of their own."""
    app = FastAPI()
    install_problem_handlers(app)
    security = secure(app, AuthSettings())
    app.include_router(
        build_router(
            registry.queries,
            registry.statistics,
            publish=publish,
            public_url="http://registry.test",
            security=security,
            audit=registry.audit,
        )
    )
    return app


def reported_ids() -> list[str]:
    return [
        str(e.incident_id) for e in recorded_events() + fixture() if e.type == "incident.reported"
    ]


async def all_pages(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = await client.get(
            path, params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_pages_walk_every_incident_once_in_order(api: Any) -> None:
    client, _ = api
    newest = await all_pages(client, "/v1/incidents", limit=4)
    assert sorted(i["incident_id"] for i in newest) == sorted(reported_ids())
    keys = [(i["reported_at"], i["incident_id"]) for i in newest]
    assert keys == sorted(keys, reverse=True)
    oldest = await all_pages(client, "/v1/incidents", limit=5, sort="reported_at")
    assert [i["incident_id"] for i in oldest] == [i["incident_id"] for i in reversed(newest)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "mayor", "organisation_code": "GM0363", "urgency": "high"}, 7),
        ({"role": ["alderman", "councillor"], "province_code": "PV26"}, 5),
        ({"incident_type": "intimidation"}, 2),
        ({"source": "media_report", "police_status": "none"}, 5),
        ({"pool": "nvvr", "status": "acknowledged"}, 3),
        ({"adviser_id": "wethoudersvereniging-1"}, 2),
        ({"from": "2026-11-01", "to": "2026-11-20", "role": "alderman"}, 2),
        ({"reason_not_reported": "part_of_the_job", "organisation_code": "GM0363"}, 2),
    ],
)
async def test_incident_filters(api: Any, params: dict[str, Any], expected: int) -> None:
    client, _ = api
    # the recorded run happened later than the hand-made fixture: leave it out
    found = await all_pages(client, "/v1/incidents", **{"to": "2026-11-20", **params})
    assert len(found) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"role": "president"}, "role"),
        ({"status": "lost"}, "status"),
        ({"organisation_code": "GM9999"}, "organisation_code"),
        ({"province_code": "XX01"}, "province_code"),
        ({"from": "gisteren"}, "from"),
        ({"from": "2026-11-20T10:00:00"}, "from"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "to"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_invalid_filters_are_problems_naming_the_field(
    api: Any, params: dict[str, Any], field: str
) -> None:
    client, _ = api
    response = await client.get("/v1/incidents", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert field in problem["detail"]


async def test_a_cursor_of_another_order_is_refused(api: Any) -> None:
    client, _ = api
    page = (await client.get("/v1/incidents", params={"limit": 2})).json()
    response = await client.get(
        "/v1/incidents", params={"limit": 2, "sort": "reported_at", "cursor": page["next_cursor"]}
    )
    assert response.status_code == 422
    assert "cursor" in response.json()["detail"]


async def test_one_incident_with_its_whole_timeline(api: Any) -> None:
    client, _ = api
    events = recorded_events()
    escalated = next(e for e in events if e.type == "assignment.escalated")
    response = await client.get(f"/v1/incidents/{escalated.incident_id}")
    assert response.status_code == 200
    record = response.json()
    types = [entry["type"] for entry in record["timeline"]]
    assert types[0] == "reported"
    assert {"assigned", "notification_sent", "escalated"} <= set(types)
    expected = sorted(e.type for e in events if e.incident_id == escalated.incident_id)
    assert len(types) == len(expected)
    ats = [entry["at"] for entry in record["timeline"]]
    assert ats == sorted(ats)
    assert record["escalations"] >= 1


async def test_unknown_incident_is_404_problem(api: Any) -> None:
    client, _ = api
    response = await client.get("/v1/incidents/00000000-0000-4000-8000-00000000dead")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/incidents/not-a-uuid")).status_code == 422


async def test_registrations_are_listed_apart(api: Any) -> None:
    client, _ = api
    registrations = [
        e for e in recorded_events() + fixture() if isinstance(e, RegistrationReceived)
    ]
    listed = await all_pages(client, "/v1/registrations", limit=2)
    assert sorted(r["registration_id"] for r in listed) == sorted(
        str(r.incident_id) for r in registrations
    )
    assert {r["source"] for r in listed} == {"municipal_registration"}
    utrecht = await all_pages(
        client, "/v1/registrations", organisation_code="GM0344", police_status="melding"
    )
    assert len(utrecht) == 3
    contact = await all_pages(client, "/v1/registrations", wants_contact="true")
    assert len(contact) == 1
    one = await client.get(f"/v1/registrations/{registrations[0].incident_id}")
    assert one.status_code == 200 and one.json()["external_id"] == registrations[0].external_id
    bad = await client.get("/v1/registrations", params={"wants_contact": "misschien"})
    assert bad.status_code == 422 and "wants_contact" in bad.json()["detail"]


async def test_stats_suppress_small_cells(api: Any) -> None:
    client, _ = api
    client.headers.update(auth.ANALYST)
    response = await client.get(
        "/v1/stats", params={"group_by": "role", "organisation_code": "GM0599"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["group_by"] == ["role"]
    assert body["suppressed_below"] == 5
    assert body["cells"] == [
        {
            "role": "alderman",
            "count": "<5",
            "aangifte_rate": None,
            "police_report_rate": None,
            "escalation_rate": None,
            "repeat_rate": None,
        }
    ]
    two = (
        await client.get(
            "/v1/stats",
            params={
                "group_by": ["role", "incident_type"],
                "from": "2026-10-01",
                "to": "2026-11-20",
            },
        )
    ).json()
    mayor_threat = next(
        c for c in two["cells"] if c["role"] == "mayor" and c["incident_type"] == "threat"
    )
    assert mayor_threat["count"] == 7
    for cell in two["cells"]:
        assert cell["count"] == "<5" or cell["count"] >= 5


@pytest.mark.parametrize("who", ["operator", "coordinator"])
async def test_those_who_see_the_cases_get_every_count(api: Any, who: str) -> None:
    client, _ = api
    client.headers.update(auth.bearer(who))
    params = {"group_by": "role", "organisation_code": "GM0599"}
    body = (await client.get("/v1/stats", params=params)).json()
    assert body["suppressed_below"] is None
    assert [c["count"] for c in body["cells"]] == [3]  # "<5" to an analyst
    ack = (await client.get("/v1/stats/acknowledgement")).json()
    assert ack["suppressed_below"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": ["role", "month", "province"]}, "group_by"),
        ({"group_by": ["role", "role"]}, "group_by"),
        ({"group_by": "colour"}, "group_by"),
        ({"family_targeted": "soms"}, "family_targeted"),
        ({"sort": "reported_at"}, "sort"),
    ],
)
async def test_invalid_stats_requests(api: Any, params: dict[str, Any], field: str) -> None:
    client, _ = api
    response = await client.get("/v1/stats", params=params)
    assert response.status_code == 422
    assert field in response.json()["detail"]


async def test_acknowledgement_statistics(api: Any) -> None:
    client, _ = api
    body = (
        await client.get(
            "/v1/stats/acknowledgement", params={"organisation_code": "GM0363", "to": "2026-11-20"}
        )
    ).json()
    ngb = next(p for p in body["pools"] if p["pool"] == "ngb")
    assert ngb == {"pool": "ngb", "acknowledged": 7, "median_s": 240.0, "p90_s": 384.0}


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def test_stats_export_is_csv_with_a_header_and_dutch_labels(api: Any) -> None:
    client, _ = api
    client.headers.update(auth.ANALYST)
    params = {"group_by": ["role", "month"], "from": "2026-10-01", "to": "2026-11-20"}
    codes = await client.get("/v1/export/stats", params=params)
    assert codes.status_code == 200
    assert codes.headers["content-type"].startswith("text/csv")
    assert "attachment" in codes.headers["content-disposition"]
    table = rows(codes.text)
    assert table[0] == [
        "role",
        "month",
        "count",
        "aangifte_rate",
        "police_report_rate",
        "escalation_rate",
        "repeat_rate",
    ]
    assert ["mayor", "2026-11", "7", "", "0.714", "", "0.0"] in table
    assert ["alderman", "2026-11", "<5", "", "", "", ""] in table
    dutch = rows((await client.get("/v1/export/stats", params={**params, "labels": "nl"})).text)
    assert dutch[0][:3] == ["functie", "maand", "aantal"]
    assert ["burgemeester", "2026-11", "7", "", "0.714", "", "0.0"] in dutch
    assert any(r[0] == "wethouder" and r[2] == "<5" for r in dutch)


async def test_cases_export_streams_every_case_without_personal_data(api: Any) -> None:
    client, _ = api
    async with client.stream("GET", "/v1/export/cases", params={"labels": "nl"}) as response:
        assert response.status_code == 200
        text = "".join([chunk async for chunk in response.aiter_text()])
    table = rows(text)
    assert table[0][:3] == ["incident", "status", "bron"]
    assert len(table) - 1 == len(reported_ids())
    assert "Naam 1" not in text and "Recorded Official" not in text and "Tekst." not in text
    assert any("burgemeester" in r and "Amsterdam" in r for r in table[1:])
    coded = rows((await client.get("/v1/export/cases", params={"role": "mayor"})).text)
    assert coded[0][0] == "incident_id"
    assert {r[coded[0].index("role")] for r in coded[1:]} == {"mayor"}


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
        json={"requested_by": "operator-18"},
        headers={"Idempotency-Key": "erase-1"},
    )
    assert conflict.status_code == 409
    assert "Idempotency-Key" in conflict.json()["detail"]
    record = (await client.get(f"/v1/incidents/{case.incident_id}")).json()
    assert record["official"]["name"] is None and record["description"] is None
    assert record["personal_data_erased_at"] is not None
    erased = [e for e in record["timeline"] if e["type"] == "personal_data_erased"]
    assert len(erased) == 1
    assert erased[0]["requested_by"] == "operator-17" and erased[0]["reason"] == "request"
    assert "name" not in erased[0]
    assert (await client.get("/v1/stats", params={"group_by": "role"})).json() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [({"requested_by": "x y"}, 422), ({}, 422), ({"requested_by": "a", "why": "b"}, 422)],
)
async def test_invalid_erasure_requests(api: Any, body: dict[str, Any], status: int) -> None:
    client, _ = api
    case = next(e for e in fixture() if isinstance(e, IncidentReported))
    response = await client.post(f"/v1/incidents/{case.incident_id}/erase", json=body)
    assert response.status_code == status


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
