"""The console's HTTP layer without servers: CSRF on every form, the security headers
on every page, no inline script or style, and the root is the board."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.console_client import console_app, signed_in
from tests.support.console_forms import MINIMUM, form
from tests.support.servers import ROOT


@pytest.fixture
def app() -> Any:
    return console_app()


def test_a_form_without_its_csrf_token_is_refused(app: Any) -> None:
    with TestClient(app, base_url="https://console.test") as client:
        signed_in(client)
        page = client.get("/nieuwe-melding")
        assert page.status_code == 200
        refused = client.post("/nieuwe-melding", data=MINIMUM | form(csrf="guess"))
        assert refused.status_code == 403
        assert "verlopen" in refused.text
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        other_site = client.post(
            "/nieuwe-melding", data={"csrf": csrf}, headers={"Origin": "https://evil.example"}
        )
        assert other_site.status_code == 403
        checked = client.post("/nieuwe-melding", data={"csrf": csrf})
        assert checked.status_code == 422  # through the check; the form itself is empty
        assert "foutoverzicht" in checked.text


def test_every_page_has_the_security_headers(app: Any) -> None:
    with TestClient(app, base_url="https://console.test") as client:
        signed_in(client)
        for path in (
            "/aanmelden",
            "/nieuwe-melding",
            "/sneltoetsen",
            "/toegankelijkheid",
            "/niet-bestaand",
        ):
            response = client.get(path)
            csp = response.headers["content-security-policy"]
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["x-frame-options"] == "DENY"
        assert client.get("/static/weerbaar.css").headers["cache-control"] == "no-cache"
        assert client.get("/metrics").status_code == 401


def test_no_template_has_inline_script_or_style() -> None:
    templates = ROOT / "services/console/src/console/templates"
    for path in templates.glob("*.html"):
        text = path.read_text()
        assert "<script>" not in text and " style=" not in text and " on" + "click=" not in text
        assert "<script src=" in text or "<script" not in text, path


def test_the_console_root_is_the_board_not_the_services_index(app: Any) -> None:
    client = TestClient(app)
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 303, 307)  # off to sign in, never JSON
    assert client.get("/healthz").json() == {"status": "ok"}
