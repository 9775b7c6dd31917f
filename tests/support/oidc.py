"""A real OpenID Connect provider for the tests: `oidc-provider-mock` (authlib's server
in Flask) on a free port, issuing access tokens as signed JWTs (RFC 9068) that carry the
user's Weerbaar role, so the services check them through the provider's JWKS exactly as
production does with the organisation's identity provider."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

AUDIENCE = "weerbaar"
KEY_ID = "weerbaar-test-key"
CLIENT_ID = "weerbaar-console"

USERS: dict[str, dict[str, object]] = {
    "oidc-operator": {"role": "operator", "name": "Fleur Hendriks, operator"},
    "oidc-adviser": {"role": "adviser", "adviser_id": "ngb-01", "name": "Eva de Boer, adviseur"},
}


@dataclass(frozen=True)
class Provider:
    url: str

    @property
    def env(self) -> dict[str, str]:
        """What the services and the console need to trust this provider."""
        return {
            "AUTH_JWKS_URL": f"{self.url}/jwks",
            "AUTH_ALGORITHMS": '["RS256"]',
            "AUTH_ISSUER": self.url,
            "AUTH_AUDIENCE": AUDIENCE,
            "CONSOLE_SIGN_IN": "oidc",
            "OIDC_ISSUER": self.url,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": "test-client-secret",
        }


def _access_token(client: Any, grant_type: str, user: Any, scope: str) -> str:
    import flask
    from authlib.jose import jwt

    storage = flask.g.oidc_provider_mock_storage
    now = int(time.time())
    claims = {k: v for k, v in user.claims.items() if k in ("role", "adviser_id")}
    payload = {
        "iss": flask.request.host_url.rstrip("/"),
        "aud": AUDIENCE,
        "sub": user.sub,
        "client_id": client.id if client else CLIENT_ID,
        "iat": now,
        "exp": now + 3600,
        "scope": scope,
        **claims,
    }
    header = {"alg": "RS256", "typ": "at+jwt", "kid": KEY_ID}
    return jwt.encode(header, payload, storage.jwk.as_dict(is_private=True)).decode()


@contextmanager
def oidc_provider() -> Iterator[Provider]:
    import flask
    import werkzeug.serving
    from oidc_provider_mock import User, init_app

    app = flask.Flask("oidc_provider_mock")  # its templates live in that package
    app.config["OAUTH2_ACCESS_TOKEN_GENERATOR"] = _access_token
    init_app(app, user_claims=[User(sub=sub, claims=dict(claims)) for sub, claims in USERS.items()])
    # an identity provider names its keys: give the provider's signing key an id
    from authlib import jose

    with app.test_request_context():
        app.preprocess_request()
        storage = flask.g.oidc_provider_mock_storage
        storage.jwk = jose.RSAKey.generate_key(is_private=True, options={"kid": KEY_ID})
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield Provider(url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
