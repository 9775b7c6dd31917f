"""`GET /v1/stats/sets`: a dashboard's groupings in one call, each the same to the last
digit (and to the perturbation) as `GET /v1/stats` with that `group_by`."""

from __future__ import annotations

from typing import Any

import pytest

from registry.domain.filters import DIMENSIONS
from tests.support import auth

# the console's statistics page, then every dimension alone and pairs across families
SETS = [
    "total",
    "month",
    "source,month",
    "role",
    "incident_type",
    "channel",
    "province",
    "police_status",
    "reason_not_reported",
    "pool",
    *DIMENSIONS,
    "role,incident_type",
    "incident_type,channel",
    "month,channel",
    "organisation,police_status",
    "family_targeted,urgency",
]


@pytest.mark.parametrize("who", ["analyst", "coordinator"])
@pytest.mark.parametrize(
    "filters",
    [{}, {"province_code": "PV27", "from": "2026-10-01", "to": "2026-11-20"}],
    ids=["everything", "one province, a period"],
)
async def test_every_set_equals_its_own_stats_call(
    api: Any, who: str, filters: dict[str, str]
) -> None:
    client, _ = api
    client.headers.update(auth.bearer(who))
    for start in range(0, len(SETS), 16):
        chunk = SETS[start : start + 16]
        response = await client.get("/v1/stats/sets", params={**filters, "set": chunk})
        assert response.status_code == 200, response.text
        answers = response.json()["sets"]
        assert len(answers) == len(chunk)
        for wanted, answer in zip(chunk, answers, strict=True):
            group_by = [] if wanted == "total" else wanted.split(",")
            alone = await client.get("/v1/stats", params={**filters, "group_by": group_by})
            assert answer == alone.json(), wanted
            assert answer["cells"], wanted


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "set"),
        ({"set": "colour"}, "set"),
        ({"set": "role,month,province"}, "set"),
        ({"set": "role,role"}, "set"),
        ({"set": ["role"] * 17}, "set"),
        ({"set": "role", "group_by": "role"}, "group_by"),
    ],
)
async def test_invalid_sets(api: Any, params: dict[str, Any], field: str) -> None:
    client, _ = api
    response = await client.get("/v1/stats/sets", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.json()["detail"]


async def test_an_analyst_is_held_to_the_same_limits(api: Any) -> None:
    client, _ = api
    client.headers.update(auth.ANALYST)
    response = await client.get(
        "/v1/stats/sets", params={"set": "role", "role": ["mayor", "alderman"]}
    )
    assert response.status_code == 422
    assert "one value at most" in response.json()["detail"]
