"""Who may read what in the registry: every endpoint against every role, a second
principal of the same role (another adviser, another organisation's system), bad
tokens; the lists filtered to the caller's cases; the audit log of reads and exports;
`no-store` on personal data; and no personal data in the registry's database file."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support import auth
from tests.support.servers import ROOT, eventually
from tests.support.system import System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

CANARY_NAME = "Canary Registry Authorisation"
CANARY_DESCRIPTION = "Canary: een steen door de ruit van de ambtswoning."


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    running = System(
        workdir=tmp_path_factory.mktemp("registry-authz"),
        roster=ROOT / "deploy/config/roster.yaml",
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


@pytest.fixture(scope="module")
async def case(system: System) -> dict[str, str]:
    """An incident assigned to one NGB adviser (the other never had it) and a
    registration of Amsterdam (GM0363; Utrecht's system, GM0599, is the other)."""
    async with httpx.AsyncClient(timeout=10, headers=auth.OPERATOR) as client:
        response = await client.post(f"{system.intake}/v1/incidents", json=incident())
        assert response.status_code == 202, response.text
        incident_id = response.json()["incident_id"]
        record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
        # erased by the matrix, so the first one keeps its personal data
        response = await client.post(f"{system.intake}/v1/incidents", json=incident())
        erase_id = response.json()["incident_id"]
        await wait_for_incident(client, system.registry, erase_id, having={"reported"})
        posted = await client.post(
            f"{system.intake}/v1/registrations",
            json=registration(),
            headers=auth.system("GM0363"),
        )
        assert posted.status_code == 202, posted.text
        registration_id = posted.json()["registration_id"]

        async def registered() -> bool:
            url = f"{system.registry}/v1/registrations/{registration_id}"
            return (await client.get(url)).status_code == 200

        await eventually(registered, timeout=20, what="the registration in the registry")
    assigned = record["assignment"]["adviser_id"]
    other = "ngb-02" if assigned == "ngb-01" else "ngb-01"
    return {
        "incident_id": incident_id,
        "erase_id": erase_id,
        "registration_id": registration_id,
        "adviser": assigned,
        "other_adviser": other,
    }


def incident() -> dict[str, Any]:
    return {
        "official": {
            "role": "mayor",
            "organisation_code": "GM0014",
            "name": CANARY_NAME,
            "phone": "+31655443322",
        },
        "incident": {"types": ["threat"], "description": CANARY_DESCRIPTION},
        "urgency": "normal",
    }


def registration() -> dict[str, Any]:
    return {
        "external_id": f"REG-AUTH-{uuid.uuid4().hex[:8]}",
        "organisation_code": "GM0363",
        "official": {"role": "councillor"},
        "incident": {"types": ["verbal_aggression"]},
    }


principals = auth.principals
UNAUTHENTICATED = auth.UNAUTHENTICATED
OPERATORS = {"operator": 200, "operator-2": 200, "coordinator": 200}
STATISTICS = {**OPERATORS, "analyst": 200}

# endpoint → expected status per principal (anything not listed: 403)
MATRIX: dict[str, dict[str, int]] = {
    "GET /v1/incidents": {**OPERATORS, "adviser": 200, "other-adviser": 200},
    "GET /v1/incidents/{id}": {**OPERATORS, "adviser": 200, "other-adviser": 404},
    "GET /v1/incidents?related_to={id}": {**OPERATORS, "adviser": 200, "other-adviser": 200},
    "GET /v1/registrations": {**OPERATORS, "system-gm0363": 200, "system-gm0599": 200},
    "GET /v1/registrations/{registration}": {
        **OPERATORS,
        "system-gm0363": 200,
        "system-gm0599": 404,
    },
    "GET /v1/stats": STATISTICS,
    "GET /v1/stats/acknowledgement": STATISTICS,
    "GET /v1/export/stats": STATISTICS,
    "GET /v1/export/cases": {"operator": 200, "operator-2": 200},
    "GET /v1/audit": {"coordinator": 200},
    "POST /v1/incidents/{erase}/erase": {"operator": 202, "operator-2": 202, "coordinator": 202},
    "GET registry /metrics": {"ops": 200},
}
OPEN = ["GET registry /healthz", "GET registry /readyz"]


def expected(endpoint: str, who: str) -> int:
    return MATRIX[endpoint].get(who, UNAUTHENTICATED.get(who, 403))


async def call(
    client: httpx.AsyncClient,
    system: System,
    endpoint: str,
    case: dict[str, str],
    headers: dict[str, str],
) -> httpx.Response:
    method, _, path = endpoint.partition(" ")
    path = path.removeprefix("registry ")
    for name, key in (("{id}", "incident_id"), ("{erase}", "erase_id")):
        path = path.replace(name, case[key])
    path = path.replace("{registration}", case["registration_id"])
    body = {"requested_by": "authz-test"} if method == "POST" else None
    return await client.request(method, f"{system.registry}{path}", json=body, headers=headers)


@pytest.mark.parametrize("endpoint", list(MATRIX))
async def test_every_endpoint_and_role(system: System, case: dict[str, str], endpoint: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        results = {}
        for who, headers in principals(case).items():
            response = await call(client, system, endpoint, case, headers)
            results[who] = response.status_code
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
            if response.status_code == 401:
                assert response.headers["www-authenticate"].startswith("Bearer")
        assert results == {who: expected(endpoint, who) for who in results}


@pytest.mark.parametrize("endpoint", OPEN)
async def test_health_needs_no_credential(
    system: System, case: dict[str, str], endpoint: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await call(client, system, endpoint, case, {})).status_code == 200


async def ids(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> set[str]:
    response = await client.get(url, params={"limit": 500}, headers=headers)
    assert response.status_code == 200, response.text
    return {i.get("incident_id") or i["registration_id"] for i in response.json()["items"]}


async def test_lists_hold_only_the_callers_cases(system: System, case: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        incidents = f"{system.registry}/v1/incidents"
        assert case["incident_id"] in await ids(client, incidents, auth.OPERATOR)
        assert case["incident_id"] in await ids(client, incidents, auth.adviser(case["adviser"]))
        assert case["incident_id"] not in await ids(
            client, incidents, auth.adviser(case["other_adviser"])
        )
        # asking for someone else's cases by filter finds nothing either
        response = await client.get(
            incidents,
            params={"adviser_id": case["adviser"]},
            headers=auth.adviser(case["other_adviser"]),
        )
        assert response.json()["items"] == []
        registrations = f"{system.registry}/v1/registrations"
        assert case["registration_id"] in await ids(client, registrations, auth.system("GM0363"))
        assert case["registration_id"] not in await ids(
            client, registrations, auth.system("GM0599")
        )
        response = await client.get(
            registrations,
            params={"organisation_code": "GM0363"},
            headers=auth.system("GM0599"),
        )
        assert response.json()["items"] == []


async def test_small_cells_stay_suppressed_for_analysts(
    system: System, case: dict[str, str]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        url = f"{system.registry}/v1/stats"
        params = {"group_by": "organisation", "organisation_code": "GM0014"}
        analyst = (await client.get(url, params=params, headers=auth.ANALYST)).json()
        operator = (await client.get(url, params=params, headers=auth.OPERATOR)).json()
    assert analyst["suppressed_below"] == 5 and analyst["cells"][0]["count"] == "<5"
    assert operator["suppressed_below"] is None and isinstance(operator["cells"][0]["count"], int)


async def test_reads_and_exports_are_audited(system: System, case: dict[str, str]) -> None:
    reader = auth.bearer("operator", "audited-operator")
    async with httpx.AsyncClient(timeout=10) as client:
        one = await client.get(
            f"{system.registry}/v1/incidents/{case['incident_id']}", headers=reader
        )
        assert one.status_code == 200
        exported = await client.get(
            f"{system.registry}/v1/export/cases", params={"role": "mayor"}, headers=reader
        )
        assert exported.status_code == 200
        refused = await client.get(
            f"{system.registry}/v1/incidents/{case['incident_id']}",
            headers=auth.adviser(case["other_adviser"]),
        )
        assert refused.status_code == 404
        response = await client.get(
            f"{system.registry}/v1/audit",
            params={"subject": "audited-operator"},
            headers=auth.COORDINATOR,
        )
    assert response.status_code == 200, response.text
    entries = response.json()["items"]
    assert [e["action"] for e in entries] == ["export.cases", "incident.read"]
    export, read = entries
    assert read["incident_id"] == case["incident_id"] and read["role"] == "operator"
    assert read["client"] == "127.0.0.1" and read["at"]
    assert export["detail"] == {"role": ["mayor"]} and export["incident_id"] is None


async def test_personal_data_is_not_stored_by_proxies(system: System, case: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10, headers=auth.OPERATOR) as client:
        one = await client.get(f"{system.registry}/v1/incidents/{case['incident_id']}")
        async with client.stream("GET", f"{system.registry}/v1/export/cases") as streamed:
            assert streamed.status_code == 200
            headers = streamed.headers
            await streamed.aread()
    assert one.headers["cache-control"] == "no-store"
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"


async def test_the_database_file_holds_no_personal_data(
    system: System, case: dict[str, str]
) -> None:
    async with httpx.AsyncClient(timeout=10, headers=auth.OPERATOR) as client:
        record = (await client.get(f"{system.registry}/v1/incidents/{case['incident_id']}")).json()
    assert record["official"]["name"] == CANARY_NAME  # opened for an operator
    files = [system.workdir / f"registry.db{suffix}" for suffix in ("", "-wal", "-journal")]
    stored = b"".join(f.read_bytes() for f in files if f.exists())
    assert len(stored) > 10_000
    assert CANARY_NAME.encode() not in stored
    assert CANARY_DESCRIPTION.encode() not in stored
    assert b"+31655443322" not in stored
