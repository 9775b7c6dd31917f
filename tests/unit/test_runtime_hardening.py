"""Production mode hands out no API map and refuses short secrets; an address is
rate-limited before authentication."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from intake.bootstrap import create_app
from intake.settings import IntakeSettings
from notify.settings import NotifySettings
from weerbaar_runtime.auth import AuthSettings
from weerbaar_runtime.http import configured

STRONG = "s" * 32
PRODUCTION = {
    "ENVIRONMENT": "production",
    "ACK_TOKEN_SECRET": STRONG,
    "AUTH_SIGNING_KEY": STRONG,
    "REGISTRATION_ID_KEY": STRONG,
    "WEBHOOK_SECRET": STRONG,
    "CASE_KEKS": '{"kek1": "' + base64.b64encode(b"k" * 32).decode() + '"}',
    "CASE_KEK_ID": "kek1",
    "SMTP_STARTTLS": "true",
}


def _production(monkeypatch: pytest.MonkeyPatch, **changes: str) -> None:
    for name, value in {**PRODUCTION, **changes}.items():
        monkeypatch.setenv(name, value)


def test_production_serves_no_openapi_docs_or_redoc(monkeypatch: pytest.MonkeyPatch) -> None:
    _production(monkeypatch)
    client = TestClient(create_app(IntakeSettings()))  # not entered: NATS is not needed
    for path in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404, path
    assert client.get("/").json()["openapi"] is None
    development = TestClient(create_app(IntakeSettings(environment="development")))
    assert development.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(
    ("field", "settings"),
    [
        ("ACK_TOKEN_SECRET", IntakeSettings),
        ("AUTH_SIGNING_KEY", IntakeSettings),
        ("REGISTRATION_ID_KEY", IntakeSettings),
        ("WEBHOOK_SECRET", NotifySettings),
    ],
)
def test_production_refuses_an_8_byte_secret_with_exit_2_naming_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    field: str,
    settings: type[IntakeSettings] | type[NotifySettings],
) -> None:
    _production(monkeypatch, **{field: "8-bytes!"})
    with pytest.raises(SystemExit) as exited:
        configured("test", settings)
    assert exited.value.code == 2
    assert f"{field}: production needs a secret of at least 32" in capsys.readouterr().err


def test_production_takes_32_byte_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    _production(monkeypatch)
    assert IntakeSettings().environment == "production"
    assert NotifySettings().environment == "production"


def _limited_app(per_address: int) -> TestClient:
    settings = IntakeSettings(
        auth=AuthSettings(rate_per_address_per_minute=per_address, signing_key=SecretStr(STRONG))
    )
    return TestClient(create_app(settings))


def test_refused_tokens_from_one_address_run_into_429_before_authentication() -> None:
    client = _limited_app(5)
    junk = {"Authorization": "Bearer junk"}
    answers = [client.post("/v1/incidents", json={}, headers=junk).status_code for _ in range(8)]
    assert answers == [401] * 5 + [429] * 3
    limited = client.post("/v1/incidents", json={}, headers=junk)
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["x-content-type-options"] == "nosniff"


def test_link_calls_count_for_their_address() -> None:
    client = _limited_app(3)
    token = "x" * 40
    answers = [client.get(f"/v1/ack/{token}").status_code for _ in range(5)]
    assert answers == [403] * 3 + [429] * 2
    # another address is not held back (the test client's peer is "testclient")
    other = TestClient(client.app, client=("203.0.113.7", 5000))
    assert other.get(f"/v1/ack/{token}").status_code == 403


def test_health_is_not_counted() -> None:
    client = _limited_app(2)
    assert {client.get("/healthz").status_code for _ in range(10)} == {200}
