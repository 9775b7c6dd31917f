"""The registry's HTTP API on SQLite and PostgreSQL, the figures: statistics,
suppression and the CSV exports."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import auth
from tests.support.registry_api import reported_ids, rows


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
