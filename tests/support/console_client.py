"""The console's app without servers (development settings, sessions in memory, no
NATS) and a signed-in test client, for the unit tests of its HTTP layer."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from console.adapters.sessions import MemorySessionStore
from console.bootstrap import create_app
from console.settings import ConsoleSettings


def console_app() -> Any:
    settings = ConsoleSettings(_env_file=None)  # type: ignore[call-arg]
    return create_app(settings, store=MemorySessionStore(), connect=False)


def signed_in(client: TestClient) -> str:
    page = client.get("/aanmelden")
    token = page.cookies.get("weerbaar_sign_in") or client.cookies.get("weerbaar_sign_in")
    response = client.post(
        "/aanmelden",
        data={"sign_in_token": token, "user": "operator-1", "return_to": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    return cookie
