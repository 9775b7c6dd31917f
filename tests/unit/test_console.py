"""The console's sessions: idle and absolute timeouts, local return paths, the session
cookie, sign-in with the page's own token, sign-out and an expired session. Forms,
cases, the change feed, security headers and the vendored files have files of their
own (test_console_*.py)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.adapters.sessions import MemorySessionStore
from console.domain.session import Session, User, safe_return_path, start
from tests.support.console_client import console_app, signed_in


def test_a_session_ends_when_idle_or_old() -> None:
    user = User("operator-1", "operator", "Sanne")
    session = start(user, access_token="t", now=1000.0)
    assert not session.expired(1000.0 + 60, idle_s=1800, absolute_s=43200)
    assert session.expired(1000.0 + 1801, idle_s=1800, absolute_s=43200)
    busy = session.touched(1000.0 + 43000)
    assert busy.expired(1000.0 + 43201, idle_s=1800, absolute_s=43200)
    assert Session.from_dict(json.loads(json.dumps(session.to_dict()))) == session


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/casus/1", "/casus/1"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\\evil", "/"),
        (None, "/"),
    ],
)
def test_only_local_paths_are_returned_to(given: str | None, kept: str) -> None:
    assert safe_return_path(given) == kept


@pytest.fixture
def app() -> Any:
    return console_app()


def test_the_session_cookie_is_opaque_httponly_secure_and_strict(app: Any) -> None:
    with TestClient(app, base_url="https://console.test") as client:
        cookie = signed_in(client)
    assert cookie.startswith("weerbaar_session=")
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "." not in value and len(value) >= 40  # no token, no data: an id


def test_sign_in_needs_the_sign_in_pages_own_token(app: Any) -> None:
    with TestClient(app, base_url="https://console.test") as client:
        response = client.post("/aanmelden", data={"user": "operator-1"})
    assert response.status_code == 403


def test_sign_out_purges_the_session_and_its_token(app: Any) -> None:
    store: MemorySessionStore = app.state.console.store
    with TestClient(app, base_url="https://console.test") as client:
        signed_in(client)
        assert len(store.data) == 1
        (stored,) = store.data.values()
        assert stored["access_token"]
        page = client.get("/sneltoetsen")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        out = client.post("/afmelden", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303
        assert store.data == {}
        again = client.get("/nieuwe-melding", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"].startswith("/aanmelden")


def test_an_expired_session_goes_back_to_sign_in(app: Any) -> None:
    store: MemorySessionStore = app.state.console.store
    with TestClient(app, base_url="https://console.test") as client:
        signed_in(client)
        for value in store.data.values():
            value["last_seen_at"] = time.time() - 3600
        response = client.get("/casus/6427fe6e-7d2c-58e0-86de-854a68c25687", follow_redirects=False)
    assert response.status_code == 303
    expected = "/aanmelden?terug=/casus/6427fe6e-7d2c-58e0-86de-854a68c25687"
    assert response.headers["location"] == expected
    assert store.data == {}
