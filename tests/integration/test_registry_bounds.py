"""No 500s at the edges: `from`, `to` and cursors at the ends of the date range, dates
that are not dates, and token claims of the wrong type, on every list, statistics,
export and audit endpoint (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest

from tests.support import auth
from weerbaar_runtime.auth import DEV_SIGNING_KEY

ENDPOINTS = [
    ("/v1/incidents", auth.OPERATOR),
    ("/v1/registrations", auth.OPERATOR),
    ("/v1/stats", auth.OPERATOR),
    ("/v1/stats", auth.ANALYST),
    ("/v1/stats/acknowledgement", auth.ANALYST),
    ("/v1/export/stats", auth.ANALYST),
    ("/v1/export/stats", auth.COORDINATOR),
    ("/v1/export/cases", auth.OPERATOR),
    ("/v1/audit", auth.COORDINATOR),
]
EDGES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01",
    "9999-12-31",
    "0.5",
    "1700000000",
    "2026-13-01",
]


def problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (response.request.url, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("path", "headers"), ENDPOINTS)
async def test_bounds_at_the_edges_of_the_date_range_are_422(
    api: Any, path: str, headers: dict[str, str]
) -> None:
    client, _ = api
    for edge in EDGES:
        for name in ("from", "to"):
            problem(await client.get(path, params={name: edge}, headers=headers), 422)


@pytest.mark.parametrize("path", ["/v1/incidents", "/v1/registrations"])
@pytest.mark.parametrize("moment", EDGES[:2])
async def test_cursors_at_the_edges_of_the_date_range_are_422(
    api: Any, path: str, moment: str
) -> None:
    client, _ = api
    raw = f"-reported_at|{moment}|{uuid.uuid4()}"
    cursor = base64.urlsafe_b64encode(raw.encode()).decode()
    problem(await client.get(path, params={"cursor": cursor}), 422)


def token_with(**claims: Any) -> dict[str, str]:
    now = int(time.time())
    payload = {
        "sub": "someone",
        "role": "adviser",
        "adviser_id": "ngb-1",
        "iss": "weerbaar-dev",
        "aud": "weerbaar",
        "iat": now,
        "exp": now + 600,
        **claims,
    }
    return {"Authorization": f"Bearer {jwt.encode(payload, DEV_SIGNING_KEY, algorithm='HS256')}"}


@pytest.mark.parametrize(
    "claims",
    [
        {"adviser_id": ["ngb-1", "ngb-2"]},
        {"adviser_id": {"id": "ngb-1"}},
        {"role": ["operator"]},
        {"sub": ["a", "b"]},
        {"role": "municipal_system", "organisation_code": ["GM0363"]},
    ],
)
async def test_token_claims_of_the_wrong_type_are_401(api: Any, claims: dict[str, Any]) -> None:
    client, _ = api
    for path, _headers in ENDPOINTS:
        problem(await client.get(path, headers=token_with(**claims)), 401)
    assert (await client.get("/v1/incidents", headers=token_with())).status_code == 200


async def test_the_documented_examples_of_from_and_to_are_answered(api: Any) -> None:
    client, _ = api
    document = (await client.get("/openapi.json")).json()
    tried = 0
    for path, operations in document["paths"].items():
        parameters = {p["name"]: p for p in operations.get("get", {}).get("parameters", [])}
        if "from" not in parameters or "to" not in parameters:
            continue
        params = {name: _example(parameters[name]) for name in ("from", "to")}
        assert params["from"] < params["to"], path
        # and what the path cannot do without (`set` of /v1/stats/sets), as documented
        params |= {n: _example(p) for n, p in parameters.items() if p.get("required")}
        audit = path in ("/v1/audit", "/v1/export/audit")
        headers = auth.COORDINATOR if audit else auth.OPERATOR
        response = await client.get(path, params=params, headers=headers)
        assert response.status_code == 200, (path, response.text)
        tried += 1
    assert tried >= 7


def _example(parameter: dict[str, Any]) -> Any:
    schema = parameter["schema"]
    for candidate in (schema, *schema.get("anyOf", [])):
        if candidate.get("examples"):
            return candidate["examples"][0]
    return parameter["example"] if "example" in parameter else parameter["examples"][0]


async def test_a_single_valued_parameter_given_twice_is_refused(api: Any) -> None:
    """The framework would keep the last of two values without a word: a 422 instead.
    A list parameter may be repeated (any of its values matches)."""
    client, _ = api
    twice = [("family_targeted", "true"), ("family_targeted", "false")]
    refused = await client.get("/v1/stats", params=twice, headers=auth.OPERATOR)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "family_targeted" in refused.text
    roles = [("role", "mayor"), ("role", "alderman")]
    answered = await client.get("/v1/stats", params=roles, headers=auth.OPERATOR)
    assert answered.status_code == 200, answered.text
