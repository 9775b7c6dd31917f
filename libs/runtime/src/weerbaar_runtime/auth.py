"""Who is calling: bearer tokens (signed JWTs) bound to a role, checked on every
endpoint but health.

Tokens carry `sub`, `role` and, for an adviser, `adviser_id`; for a municipal
system, `organisation_code`. Issuer, audience and expiry are always checked. A
development key signs the tokens `make run` writes; production refuses to start
with it and should use the organisation's identity provider (`AUTH_JWKS_URL`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import Counter
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from weerbaar_runtime.http import ProblemError, problem_doc
from weerbaar_runtime.limits import AddressLimiter, AddressLimitMiddleware
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.secrets import require_strong

DEV_SIGNING_KEY = "weerbaar-development-signing-key-not-for-production"
_log = get_logger("auth")
_TEXT_CLAIMS = ("sub", "adviser_id", "organisation_code")

AUTH_FAILURES = Counter("weerbaar_auth_failures_total", "Refused requests", ["reason"])


class Access(StrEnum):
    """What a principal may do."""

    OPERATOR = "operator"
    ADVISER = "adviser"
    MUNICIPAL_SYSTEM = "municipal_system"
    ANALYST = "analyst"
    OPS = "ops"
    COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    subject: str
    role: Access
    adviser_id: str | None = None
    organisation_code: str | None = None

    @property
    def key(self) -> str:
        """Identifies the caller for rate limits and audit, without personal data."""
        return f"{self.role.value}:{self.subject}"


class AuthSettings(BaseSettings):
    """Token verification, from the environment."""

    model_config = SettingsConfigDict(env_prefix="AUTH_", env_file=".env", extra="ignore")

    environment: str = Field(default="development", validation_alias="ENVIRONMENT")
    issuer: str = "weerbaar-dev"
    audience: str = "weerbaar"
    signing_key: SecretStr = SecretStr(DEV_SIGNING_KEY)
    jwks_url: str | None = Field(default=None, description="OIDC JWKS of the identity provider")
    algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    leeway_s: int = 30
    rate_per_minute: int = Field(default=600, ge=1, description="Requests a principal may make")
    rate_per_address_per_minute: int = Field(
        default=120,
        ge=1,
        description="Requests without a bearer token, and refused ones (401, 403), a client "
        "address may make, counted before authentication (per replica)",
    )

    @model_validator(mode="after")
    def _no_development_key_in_production(self) -> AuthSettings:
        if self.environment == "production" and (
            self.jwks_url is None and self.signing_key.get_secret_value() == DEV_SIGNING_KEY
        ):
            raise ValueError(
                "production refuses the development signing key: set AUTH_JWKS_URL "
                "or AUTH_SIGNING_KEY"
            )
        if self.jwks_url is None:
            require_strong(self.environment, "AUTH_SIGNING_KEY", self.signing_key)
        return self


class Authenticator:
    """Verifies bearer tokens into principals."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None

    def verify(self, token: str) -> Principal:
        s = self._settings
        try:
            key: Any = (
                self._jwks.get_signing_key_from_jwt(token).key
                if self._jwks
                else s.signing_key.get_secret_value()
            )
            claims = jwt.decode(
                token,
                key,
                algorithms=s.algorithms if self._jwks else ["HS256"],
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            role = Access(claims["role"])
            if not all(isinstance(claims.get(c), str | None) for c in _TEXT_CLAIMS):
                raise TypeError("claim type")  # e.g. `adviser_id` as a list
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise _unauthorised(type(exc).__name__) from None
        principal = Principal(
            subject=str(claims["sub"]),
            role=role,
            adviser_id=claims.get("adviser_id"),
            organisation_code=claims.get("organisation_code"),
        )
        if role is Access.ADVISER and not principal.adviser_id:
            raise _unauthorised("MissingAdviserId")
        if role is Access.MUNICIPAL_SYSTEM and not principal.organisation_code:
            raise _unauthorised("MissingOrganisation")
        return principal


def _unauthorised(reason: str) -> ProblemError:
    AUTH_FAILURES.labels("unauthenticated").inc()
    _log.warning("authentication refused", reason=reason)
    return ProblemError(
        401,
        "Unauthorised",
        "A valid bearer token is needed.",
        headers={"WWW-Authenticate": 'Bearer realm="weerbaar"'},
    )


def forbidden(principal: Principal, what: str) -> ProblemError:
    """The role may not do this at all (object-level refusals answer 404 instead)."""
    AUTH_FAILURES.labels("forbidden").inc()
    _log.warning("authorisation refused", role=principal.role.value, reason=what)
    return ProblemError(403, "Forbidden", f"The {principal.role.value} role may not {what}.")


@dataclass
class RateLimiter:
    """A token bucket per principal."""

    per_minute: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def check(self, principal: Principal) -> None:
        now = time.monotonic()
        tokens, last = self._buckets.get(principal.key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)
        if tokens < 1.0:
            wait = int((1.0 - tokens) * 60.0 / self.per_minute) + 1
            AUTH_FAILURES.labels("rate_limited").inc()
            raise ProblemError(
                429, "Too many requests", "Slow down.", headers={"Retry-After": str(wait)}
            )
        self._buckets[principal.key] = (tokens - 1.0, now)


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A JWT from the identity provider (in development: .data/dev-credentials.json)",
)

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
PrincipalDependency = Callable[..., Awaitable[Principal]]


def authorise(
    authenticator: Authenticator, limiter: RateLimiter
) -> Callable[..., PrincipalDependency]:
    """`allow(*roles)` makes a FastAPI dependency that yields the caller's principal."""

    def allow(*roles: Access, what: str = "do this") -> PrincipalDependency:
        allowed = frozenset(roles)

        async def dependency(request: Request, credentials: Credentials) -> Principal:
            if credentials is None or credentials.scheme.lower() != "bearer":
                raise _unauthorised("MissingToken")
            principal = authenticator.verify(credentials.credentials)
            if principal.role not in allowed:
                raise forbidden(principal, what)
            limiter.check(principal)
            request.state.principal = principal
            return principal

        return dependency

    return allow


class SecurityHeadersMiddleware:
    """Headers every response gets; `no-store` on the API, whose answers may hold
    personal data. HTML pages (the acknowledge link) may use inline styles and post
    their own form, nothing else."""

    API_HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
        (b"cross-origin-resource-policy", b"same-origin"),
    )
    HTML_CSP = (
        b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        docs = path in ("/docs", "/redoc") or path.startswith("/docs/")

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and not docs:
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {h for h, _ in self.API_HEADERS}
                ]
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                for name, value in self.API_HEADERS:
                    if name == b"content-security-policy" and content_type.startswith(b"text/html"):
                        value = self.HTML_CSP
                    headers.append((name, value))
                if path.startswith("/v1/") and not any(
                    k.lower() == b"cache-control" for k, _ in headers
                ):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass(frozen=True, slots=True)
class Security:
    """What a service's routes need: `allow(*roles)` and `optional()` dependencies."""

    authenticator: Authenticator
    limiter: RateLimiter
    allow: Callable[..., PrincipalDependency]

    def optional(self) -> Callable[..., Awaitable[Principal | None]]:
        """The caller's principal when a bearer token is given, else None."""

        async def dependency(request: Request, credentials: Credentials) -> Principal | None:
            if credentials is None:
                return None
            if credentials.scheme.lower() != "bearer":
                raise _unauthorised("NotBearer")
            principal = self.authenticator.verify(credentials.credentials)
            self.limiter.check(principal)
            request.state.principal = principal
            return principal

        return dependency


def secure(app: FastAPI, settings: AuthSettings) -> Security:
    """Authentication, rate limits and security headers for a service's app, verifying
    with the service's own auth settings."""
    # Documented on every route defined after this call.
    app.router.responses.update(
        {
            401: problem_doc("No valid bearer token"),
            403: problem_doc("The caller's role may not do this"),
            429: problem_doc("Too many requests; retry after Retry-After seconds"),
        }
    )
    authenticator = Authenticator(settings)
    limiter = RateLimiter(per_minute=settings.rate_per_minute)
    by_address = AddressLimiter(per_minute=settings.rate_per_address_per_minute)
    app.add_middleware(AddressLimitMiddleware, limiter=by_address)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: on the 429s too
    return Security(
        authenticator=authenticator, limiter=limiter, allow=authorise(authenticator, limiter)
    )
