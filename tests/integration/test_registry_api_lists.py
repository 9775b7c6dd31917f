"""Lists of cases carry no personal data (SQLite and PostgreSQL): the official's role
and organisation, never a name, phone number or e-mail address; the record has them,
and reading it is audited."""

from __future__ import annotations

import json
from typing import Any

from tests.support import auth
from tests.support.registry_api import all_pages

PERSONAL = ("name", "phone", "email", "description")


async def test_a_list_of_every_case_names_nobody(api: Any) -> None:
    client, _ = api
    items = await all_pages(client, "/v1/incidents", limit=500)
    assert len(items) > 10
    text = json.dumps(items)
    assert "Naam " not in text and "Recorded Official" not in text and "Tekst." not in text
    for item in items:
        assert set(item["official"]) == {"role", "organisation_code", "province_code"}
        assert not set(PERSONAL) & set(item)
    mayor = next(
        i
        for i in items
        if i["official"]["organisation_code"] == "GM0363" and i["official"]["role"] == "mayor"
    )
    assert mayor["official"] == {
        "role": "mayor",
        "organisation_code": "GM0363",
        "province_code": "PV27",
    }
    # the list itself is not audited; the record, with the name, is
    audit = await client.get("/v1/audit", headers=auth.COORDINATOR)
    assert audit.json()["items"] == []
    record = (await client.get(f"/v1/incidents/{mayor['incident_id']}")).json()
    assert record["official"]["name"]  # the record names them
    audit = await client.get("/v1/audit", headers=auth.COORDINATOR)
    assert [e["action"] for e in audit.json()["items"]] == ["incident.read"]


async def test_an_advisers_list_names_nobody_either(api: Any) -> None:
    client, _ = api
    answer = await client.get("/v1/incidents", headers=auth.adviser("ngb-1"))
    items = answer.json()["items"]
    assert items
    assert all(set(i["official"]) == {"role", "organisation_code", "province_code"} for i in items)
    related = await client.get("/v1/incidents", params={"related_to": items[0]["incident_id"]})
    assert "Naam" not in related.text
