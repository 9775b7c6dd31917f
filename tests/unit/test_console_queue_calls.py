"""The queue from the registry's filtered lists (no record read), a `tel:` link to the
adviser one key away in the queue and on Wie heeft dienst, and the audit download."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from console.entrypoints.view import call_link
from tests.support.console_fakes import FakeRegistry, FakeRouting, console_app, sign_in_as

CASE = "1c0f7f6e-8d1a-4cbb-9d7b-1b2a3c4d5e6f"
NOW = datetime.now(UTC)
ONCALL = {
    "at": NOW.isoformat(),
    "pools": [
        {
            "pool": "ngb",
            "pool_name": "NGB — burgemeesters",
            "until": None,
            "next": None,
            "now": {"primary": ["ngb-01"], "backup": ["ngb-02"]},
            "coordinator": "ngb-c",
            "gaps": [],
        }
    ],
    "advisers": [
        {"adviser_id": "ngb-01", "pool": "ngb", "phone": "+31600000001", "active": True},
        {"adviser_id": "ngb-02", "pool": "ngb", "phone": None, "active": True},
        {"adviser_id": "ngb-c", "pool": "ngb", "phone": "+31 6 0000 0009", "active": True},
    ],
}


def idle_case() -> dict[str, Any]:
    acknowledged = (NOW - timedelta(hours=6)).isoformat()
    return {
        "incident_id": CASE,
        "status": "acknowledged",
        "escalations": 0,
        "urgency": "high",
        "reported_at": (NOW - timedelta(hours=7)).isoformat(),
        "types": ["threat"],
        "official": {"role": "mayor", "organisation_code": "GM0363", "province_code": "PV27"},
        "assignment": {
            "assignment_id": "a1",
            "adviser_id": "ngb-01",
            "pool": "ngb",
            "acknowledged_at": acknowledged,
            "ack_deadline": None,
        },
        "unroutable": False,
        "page_failed": False,
        "failed_advisers": [],
        "last_activity_at": acknowledged,
    }


def test_the_queue_asks_the_registry_once_a_reason_and_offers_a_call() -> None:
    registry = FakeRegistry([idle_case()])
    routing = FakeRouting({None: ONCALL})
    app = console_app(registry=registry, routing=routing)
    with TestClient(app, base_url="https://console.test") as client:
        sign_in_as(client, "coordinator-1")
        html = client.get("/wachtrij").text
    asked = [dict(params) for path, params in registry.calls if path == "/v1/incidents"]
    assert len(asked) == 4
    assert {k for p in asked for k in p} >= {
        "unroutable",
        "page_failed",
        "min_escalations",
        "last_activity_before",
    }
    assert not [path for path, _ in registry.calls if path.startswith("/v1/incidents/")]
    assert "Bevestigd, maar lang geen actie (6 uur)" in html
    assert f'id="bel-{CASE}" href="tel:+31600000001" data-row-key="c"' in html
    assert "Bel ngb-01" in html


def test_the_on_call_page_links_a_call_to_everyone_with_a_number() -> None:
    routing = FakeRouting({None: ONCALL})
    with TestClient(console_app(routing=routing), base_url="https://console.test") as client:
        sign_in_as(client, "operator-1")
        html = client.get("/dienst").text
    assert 'href="tel:+31600000001">Bel ngb-01</a>' in html
    assert 'href="tel:+31600000009">Bel ngb-c</a>' in html  # spaces dropped
    assert "Bel ngb-02" not in html  # no number, no link


def test_a_call_link_is_only_ever_a_number() -> None:
    def answer(phone: Any) -> dict[str, Any]:
        return {"advisers": [{"adviser_id": "a", "phone": phone}]}

    assert call_link(answer("+31 (0)6-1234 5678"), "a") == "tel:+310612345678"
    for bad in ("javascript:alert(1)", "+31600000001?x", "", None, "12"):
        assert call_link(answer(bad), "a") is None
    assert call_link(answer("+31600000001"), "b") is None
    assert call_link(None, "a") is None


def test_the_audit_download_is_the_registry_export_with_the_filters() -> None:
    registry = FakeRegistry()
    with TestClient(console_app(registry=registry), base_url="https://console.test") as client:
        sign_in_as(client, "coordinator-1")
        page = client.get(f"/audit?casus={CASE}&van=2026-11-01")
        assert f'href="/audit.csv?casus={CASE}&amp;van=2026-11-01"' in page.text
        answer = client.get(f"/audit.csv?casus={CASE}&van=2026-11-01&na=12")
        assert answer.status_code == 200
        assert answer.headers["content-disposition"] == 'attachment; filename="weerbaar-audit.csv"'
        assert answer.content.startswith(b"id,at,subject")
        sign_in_as(client, "operator-1")
        assert client.get("/audit.csv").status_code == 403
    exported = [params for path, params in registry.calls if path == "/v1/export/audit"]
    assert exported == [[("incident_id", CASE), ("from", "2026-11-01")]]  # no paging
