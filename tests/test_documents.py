"""The checked-in JSON Schema, AsyncAPI and OpenAPI documents match the code."""

from __future__ import annotations

import pytest

from tests.support.schemas import ROOT, documents


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): text for path, text in documents().items()}


def test_every_document_is_checked_in_and_current(generated: dict[str, str]) -> None:
    stale = [
        name
        for name, text in generated.items()
        if not (ROOT / name).exists() or (ROOT / name).read_text() != text
    ]
    assert stale == [], f"run `make schemas` and commit: {stale}"


def test_documents_cover_every_event_and_endpoint(generated: dict[str, str]) -> None:
    from contracts.events import EVENT_TYPES

    schema = generated["docs/schemas/events.schema.json"]
    for event in EVENT_TYPES:
        assert f'"{event.TYPE}"' in schema
    intake = generated["docs/openapi/intake.json"]
    for path in (
        "/v1/incidents",
        "/v1/registrations",
        "/v1/incidents/{incident_id}/acknowledge",
        "/v1/incidents/{incident_id}/actions",
        "/v1/incidents/{incident_id}/close",
        "/v1/incidents/{incident_id}/details",
        "/v1/incidents/{incident_id}/assign",
        "/v1/incidents/{incident_id}/decline",
    ):
        assert f'"{path}"' in intake
    routing = generated["docs/openapi/routing.json"]
    for path in ("/v1/oncall", "/v1/oncall/preview"):
        assert f'"{path}"' in routing
    assert "weerbaar.changed.incident.*" in generated["docs/asyncapi/registry.yaml"]
    assert "weerbaar.events.incident.reported.*" in generated["docs/asyncapi/intake.yaml"]
    assert "weerbaar.events.adviser.assigned.*" in generated["docs/asyncapi/routing.yaml"]
