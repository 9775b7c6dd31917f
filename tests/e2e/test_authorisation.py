"""Who may do what: every intake endpoint (and every service's operational endpoints)
against every role, a second principal of the same role, and bad tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support import auth
from tests.support.servers import ROOT
from tests.support.system import System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    running = System(
        workdir=tmp_path_factory.mktemp("authz"),
        roster=ROOT / "deploy/config/roster.yaml",
        env_overrides={"AUTH_RATE_PER_MINUTE": "60"},
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


@pytest.fixture(scope="module")
async def case(system: System) -> dict[str, str]:
    """An incident of a mayor of Groningen, assigned to one NGB adviser; the other NGB
    adviser is a second principal of the same role who never had it."""
    async with httpx.AsyncClient(timeout=10, headers=auth.OPERATOR) as client:
        response = await client.post(f"{system.intake}/v1/incidents", json=incident())
        assert response.status_code == 202, response.text
        incident_id = response.json()["incident_id"]
        record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    assigned = record["assignment"]["adviser_id"]
    other = "ngb-02" if assigned == "ngb-01" else "ngb-01"
    return {"incident_id": incident_id, "adviser": assigned, "other_adviser": other}


async def fresh_case(system: System) -> dict[str, str]:
    """A case of its own, for a command that moves the assignment on (a principal of
    its own too: the module's rate limit is per principal)."""
    headers = auth.bearer("operator", f"fresh-{uuid.uuid4()}")
    async with httpx.AsyncClient(timeout=10, headers=headers) as client:
        response = await client.post(f"{system.intake}/v1/incidents", json=incident())
        assert response.status_code == 202, response.text
        incident_id = response.json()["incident_id"]
        record = await wait_for_incident(
            client, system.registry, incident_id, having={"assigned"}, interval=0.5
        )
    assigned = record["assignment"]["adviser_id"]
    other = "ngb-02" if assigned == "ngb-01" else "ngb-01"
    return {"incident_id": incident_id, "adviser": assigned, "other_adviser": other}


def incident() -> dict[str, Any]:
    return {
        "official": {"role": "mayor", "organisation_code": "GM0014"},
        "incident": {"types": ["threat"]},
        "urgency": "normal",
    }


def registration(organisation: str = "GM0363") -> dict[str, Any]:
    return {
        "external_id": f"AUTH-{uuid.uuid4().hex[:8]}",
        "organisation_code": organisation,
        "official": {"role": "councillor"},
        "incident": {"types": ["verbal_aggression"]},
    }


principals = auth.principals
UNAUTHENTICATED = auth.UNAUTHENTICATED

# endpoint → expected status per principal (anything not listed: 403)
MATRIX: dict[str, dict[str, int]] = {
    "POST /v1/incidents": {"operator": 202, "operator-2": 202, "coordinator": 202},
    "POST /v1/registrations": {"system-gm0363": 202},
    "POST /v1/incidents/{id}/actions": {
        "operator": 202,
        "operator-2": 202,
        "coordinator": 202,
        "adviser": 202,
        "other-adviser": 404,
    },
    "POST /v1/incidents/{id}/acknowledge": {
        "operator": 202,
        "operator-2": 202,
        "coordinator": 202,
        "adviser": 202,
        "other-adviser": 404,
    },
    "POST /v1/incidents/{id}/close": {
        "operator": 202,
        "operator-2": 202,
        "coordinator": 202,
        "adviser": 202,
        "other-adviser": 404,
    },
    "POST /v1/incidents/{id}/reopen": {
        "operator": 202,
        "operator-2": 202,
        "coordinator": 202,
        "adviser": 202,
        "other-adviser": 404,
    },
    "POST /v1/incidents/{id}/details": {
        "operator": 202,
        "operator-2": 202,
        "coordinator": 202,
        "adviser": 202,
        "other-adviser": 404,
    },
    # these move the assignment on: each principal gets a case of its own
    "POST /v1/incidents/{fresh}/assign": {"operator": 202, "operator-2": 202, "coordinator": 202},
    "POST /v1/incidents/{fresh}/decline": {
        "operator": 202,
        "operator-2": 202,
        "coordinator": 202,
        "adviser": 202,
        "other-adviser": 404,
    },
    "GET routing /v1/oncall": {"operator": 200, "operator-2": 200, "coordinator": 200},
    "GET routing /v1/oncall/preview?role=mayor&organisation_code=GM0014": {
        "operator": 200,
        "operator-2": 200,
        "coordinator": 200,
    },
    "GET intake /metrics": {"ops": 200},
    "GET routing /metrics": {"ops": 200},
    "GET notify /metrics": {"ops": 200},
}
OPEN = ["GET intake /healthz", "GET intake /readyz", "GET routing /healthz", "GET notify /readyz"]


def expected(endpoint: str, who: str) -> int:
    return MATRIX[endpoint].get(who, UNAUTHENTICATED.get(who, 403))


async def call(
    client: httpx.AsyncClient,
    system: System,
    endpoint: str,
    case: dict[str, str],
    headers: dict[str, str],
) -> httpx.Response:
    method, _, rest = endpoint.partition(" ")
    if rest.startswith(("intake ", "routing ", "notify ", "registry ")):
        service, _, path = rest.partition(" ")
        return await client.request(
            method, f"{system.services[service].base_url}{path}", headers=headers
        )
    path = rest.replace("{id}", case["incident_id"]).replace("{fresh}", case["incident_id"])
    bodies: dict[str, Any] = {
        "/v1/incidents": incident(),
        "/v1/registrations": registration(),
        "actions": {"kind": "contact"},
        "details": {"family_targeted": True},
        "assign": {"adviser_id": "ngb-coord", "reason": "Overname."},
    }
    body = bodies.get(path, bodies.get(path.rsplit("/", 1)[-1], {}))
    return await client.request(method, f"{system.intake}{path}", json=body, headers=headers)


@pytest.mark.parametrize("endpoint", list(MATRIX))
async def test_every_endpoint_and_role(system: System, case: dict[str, str], endpoint: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        results = {}
        for who in principals(case):
            own = await fresh_case(system) if "{fresh}" in endpoint else case
            headers = principals(own)[who]
            response = await call(client, system, endpoint, own, headers)
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


async def test_security_headers_and_no_store(system: System, case: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10, headers=auth.OPERATOR) as client:
        response = await client.post(f"{system.intake}/v1/incidents", json=incident())
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "access-control-allow-origin" not in response.headers


async def test_idempotency_keys_belong_to_their_sender(system: System) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        url = f"{system.intake}/v1/incidents"
        key = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
        first = await client.post(url, json=incident(), headers={**auth.OPERATOR, **key})
        other = await client.post(
            url, json=incident(), headers={**auth.bearer("operator", "operator-2"), **key}
        )
    assert first.status_code == other.status_code == 202
    assert first.json()["incident_id"] != other.json()["incident_id"]


async def test_rate_limit_answers_429_with_retry_after(system: System) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        headers = auth.bearer("ops", "ops-flood")
        statuses = [
            (await client.get(f"{system.services['routing'].base_url}/metrics", headers=headers))
            for _ in range(80)
        ]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, "60 requests a minute is the limit set for these services"
    assert int(limited[0].headers["retry-after"]) >= 1
