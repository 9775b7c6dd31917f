"""Every service says at `/` what it is and where its documents are; no Swagger UI,
which would load from a CDN."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from intake.bootstrap import create_app as intake_app
from intake.settings import IntakeSettings
from notify.bootstrap import create_app as notify_app
from notify.settings import NotifySettings
from registry.bootstrap import create_app as registry_app
from registry.settings import RegistrySettings
from routing.bootstrap import create_app as routing_app
from routing.settings import RoutingSettings
from tests.support.servers import ROOT

BUILDERS = {
    "intake": lambda: intake_app(IntakeSettings()),
    "notify": lambda: notify_app(NotifySettings()),
    "registry": lambda: registry_app(RegistrySettings()),
    "routing": lambda: routing_app(
        RoutingSettings(ROUTING_ROSTER=str(ROOT / "deploy/config/roster.yaml"))  # type: ignore[call-arg]
    ),
}


@pytest.mark.parametrize("service", list(BUILDERS))
def test_root_describes_the_service_and_there_is_no_swagger(service: str) -> None:
    app = BUILDERS[service]()
    client = TestClient(app)  # not entered: the lifespan (NATS) does not start
    about = client.get("/")
    assert about.status_code == 200
    body = about.json()
    assert body["service"].lower().startswith("weerbaar")
    assert body["summary"]
    assert body["openapi"] == "/openapi.json"
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_the_console_keeps_its_board_at_root() -> None:
    from console.bootstrap import create_app as console_app

    client = TestClient(console_app(connect=False), follow_redirects=False)
    root = client.get("/")
    assert root.status_code in (200, 303), root.status_code
    assert "json" not in root.headers.get("content-type", "")
