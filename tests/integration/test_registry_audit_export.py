"""`GET /v1/export/audit` (SQLite and PostgreSQL): the audit log as CSV with the list's
filters, for coordinators only, and the export recorded in the log itself."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import auth
from tests.support.registry_api import reported_ids, rows
from weerbaar_runtime.auth import Access


async def test_a_coordinator_exports_the_audit_and_the_export_is_audited(api: Any) -> None:
    client, _ = api
    first, second = reported_ids()[:2]
    for case in (first, second, first):
        assert (await client.get(f"/v1/incidents/{case}")).status_code == 200
    coordinator = auth.bearer(Access.COORDINATOR, "coord-7")
    answer = await client.get(
        "/v1/export/audit", params={"incident_id": first}, headers=coordinator
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "weerbaar-audit.csv" in answer.headers["content-disposition"]
    table = rows(answer.text)
    assert table[0] == [
        "id", "at", "subject", "role", "action", "incident_id", "detail", "client"
    ]  # fmt: skip
    body = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    # the two reads of that case, newest first; the export names no case, so it is not in
    assert [(r["action"], r["incident_id"]) for r in body] == [("incident.read", first)] * 2
    assert int(body[0]["id"]) > int(body[1]["id"])
    log = (await client.get("/v1/audit", headers=auth.COORDINATOR)).json()["items"]
    export = log[0]
    assert export["action"] == "export.audit" and export["subject"] == "coord-7"
    assert export["role"] == "coordinator"
    assert export["detail"] == {"incident_id": first}
    # without filters the file holds everything, its own export first
    everything = rows((await client.get("/v1/export/audit", headers=coordinator)).text)
    assert everything[1][4] == "export.audit"
    assert everything[1][6] == ""  # no filters: no detail
    assert len(everything) == 1 + 3 + 2


async def test_the_export_takes_the_lists_filters_and_refuses_bad_ones(api: Any) -> None:
    client, _ = api
    coordinator = auth.COORDINATOR
    answer = await client.get(
        "/v1/export/audit",
        params={"action": "export.audit", "from": "2020-01-01", "to": "2199-01-01"},
        headers=coordinator,
    )
    assert answer.status_code == 200
    table = rows(answer.text)
    assert [r[4] for r in table[1:]] == ["export.audit"]  # itself, recorded first
    detail = json.loads(table[1][6])
    assert detail == {"action": ["export.audit"], "from": detail["from"], "to": detail["to"]}
    for params in (
        {"from": "2026-12-01", "to": "2026-11-01"},
        {"incident_id": "nope"},
        {"action": "incident.write"},
        {"limit": "5"},
    ):
        bad = await client.get("/v1/export/audit", params=params, headers=coordinator)
        assert bad.status_code == 422, params
        assert bad.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", [Access.OPERATOR, Access.ANALYST, Access.ADVISER, Access.OPS])
async def test_only_coordinators_export_the_audit(api: Any, role: Access) -> None:
    client, _ = api
    headers = auth.adviser("ngb-1") if role is Access.ADVISER else auth.bearer(role)
    answer = await client.get("/v1/export/audit", headers=headers)
    assert answer.status_code == 403
    log = (await client.get("/v1/audit", headers=auth.COORDINATOR)).json()["items"]
    assert log == []  # a refused export leaves nothing, and nothing leaked


async def test_a_formula_in_a_field_stays_text(api: Any) -> None:
    client, _ = api
    sneaky = auth.bearer(Access.COORDINATOR, "=HYPERLINK(1)")
    answer = await client.get("/v1/export/audit", headers=sneaky)
    assert rows(answer.text)[1][2] == "'=HYPERLINK(1)"
