"""OpenID Connect with PKCE against the organisation's identity provider (authlib).

The console asks for an authorisation code with a PKCE challenge, exchanges it for
tokens, checks the ID token (signature through the provider's JWKS, issuer,
audience, nonce) and keeps the access token to forward to the APIs, which check it
through the same JWKS.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from authlib.integrations.httpx_client import AsyncOAuth2Client

from console.service.ports import SignInFailedError, Tokens
from weerbaar_runtime.logging import get_logger

_log = get_logger("console.oidc")


class OidcClient:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        redirect_uri: str,
        scope: str,
        timeout_s: float = 5.0,
    ) -> None:
        self._issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._scope = scope
        self._timeout = timeout_s
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self._client_id,
            client_secret=self._client_secret,
            scope=self._scope,
            redirect_uri=self._redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method=("client_secret_basic" if self._client_secret else "none"),
            timeout=self._timeout,
        )

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.get(f"{self._issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                self._metadata = response.json()
            self._jwks = jwt.PyJWKClient(self._metadata["jwks_uri"])
        return self._metadata

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        meta = await self.metadata()
        client = self._client()
        try:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"],
                state=state,
                code_verifier=code_verifier,
                nonce=nonce,
            )
        finally:
            await client.aclose()
        return str(url)

    async def exchange(self, *, code: str, code_verifier: str, nonce: str) -> Tokens:
        meta = await self.metadata()
        try:
            async with self._client() as client:
                token = await client.fetch_token(
                    meta["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
        except Exception as exc:  # authlib raises several kinds; none is the user's fault
            _log.warning("oidc token exchange failed", error_type=type(exc).__name__)
            raise SignInFailedError from None
        id_token = token.get("id_token")
        if not id_token:
            raise SignInFailedError
        claims = await self._check_id_token(id_token, nonce)
        expires_at = token.get("expires_at")
        return Tokens(
            access_token=str(token["access_token"]),
            id_token=id_token,
            expires_at=float(expires_at) if expires_at else None,
            name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        )

    async def _check_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        meta = await self.metadata()
        assert self._jwks is not None
        try:
            key = await asyncio.to_thread(self._signing_key, id_token)
            claims = jwt.decode(
                id_token,
                key,
                algorithms=meta.get("id_token_signing_alg_values_supported", ["RS256"]),
                audience=self._client_id,
                issuer=meta.get("issuer", self._issuer),
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            _log.warning("oidc id token refused", error_type=type(exc).__name__)
            raise SignInFailedError from None
        if claims.get("nonce") != nonce:
            _log.warning("oidc id token refused", reason="nonce")
            raise SignInFailedError
        return claims

    def _signing_key(self, token: str) -> Any:
        """The key named by the token's `kid`; a provider that names none must have one."""
        assert self._jwks is not None
        kid = jwt.get_unverified_header(token).get("kid")
        if kid:
            return self._jwks.get_signing_key(kid).key
        keys = self._jwks.get_signing_keys()
        if len(keys) != 1:
            raise jwt.InvalidTokenError("no kid, and not exactly one signing key")
        return keys[0].key

    async def end_session_url(self, *, id_token: str | None, return_to: str) -> str | None:
        """Where to send the browser so the provider ends its session too."""
        try:
            meta = await self.metadata()
        except Exception as exc:
            _log.warning("oidc metadata unavailable", error_type=type(exc).__name__)
            return None
        endpoint = meta.get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"post_logout_redirect_uri": return_to, "client_id": self._client_id}
        if id_token:
            params["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(params)}"

    async def revoke(self, access_token: str) -> None:
        """Revoke the access token where the provider allows it (best effort)."""
        try:
            meta = await self.metadata()
            endpoint = meta.get("revocation_endpoint")
            if not endpoint:
                return
            async with self._client() as client:
                await client.revoke_token(endpoint, token=access_token)
        except Exception as exc:
            _log.info("oidc revocation failed", error_type=type(exc).__name__)
