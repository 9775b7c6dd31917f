"""What the console's use cases need from outside: the three APIs, the session store
and the identity provider. The adapters implement them (console/adapters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

Params = list[tuple[str, str]] | dict[str, str] | None


class SignInFailedError(Exception):
    """The provider refused, or what came back did not check out."""


class SessionStoreUnavailableError(Exception):
    """The store did not answer; the user is asked to try again."""


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    id_token: str | None
    expires_at: float | None
    name: str | None = None


class SessionStore(Protocol):
    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def put(self, key: str, value: dict[str, Any]) -> None: ...

    async def delete(self, key: str) -> None: ...


class IdentityProvider(Protocol):
    """OpenID Connect with PKCE."""

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str: ...

    async def exchange(self, *, code: str, code_verifier: str, nonce: str) -> Tokens: ...

    async def end_session_url(self, *, id_token: str | None, return_to: str) -> str | None: ...

    async def revoke(self, access_token: str) -> None: ...


class IntakeApi(Protocol):
    """The command side, with the signed-in user's token."""

    async def report(self, *, token: str, body: dict[str, Any], key: str) -> dict[str, Any]: ...

    async def register(self, *, token: str, body: dict[str, Any], key: str) -> dict[str, Any]: ...

    async def command(
        self, *, token: str, incident_id: str, name: str, body: dict[str, Any], key: str
    ) -> dict[str, Any]: ...


class RegistryApi(Protocol):
    """The read side, with the signed-in user's token."""

    async def incidents(self, *, token: str, params: Params) -> dict[str, Any]: ...

    async def incident(self, *, token: str, incident_id: str) -> dict[str, Any]: ...

    async def erase(
        self, *, token: str, incident_id: str, requested_by: str, key: str
    ) -> dict[str, Any]: ...

    async def get(self, path: str, *, token: str, params: Params = None) -> dict[str, Any]: ...

    async def export_stats(self, *, token: str, params: Params) -> tuple[bytes, str]: ...

    async def export_audit(self, *, token: str, params: Params) -> tuple[bytes, str]: ...


class RoutingApi(Protocol):
    """Who is on call, with the signed-in user's token."""

    async def oncall(self, *, token: str, at: str | None = None) -> dict[str, Any]: ...

    async def preview(self, *, token: str, params: Params) -> dict[str, Any]: ...


class NotifyApi(Protocol):
    """Notify's dead letters and status, with the signed-in user's token."""

    async def dead_letters(self, *, token: str, after: int = 0) -> dict[str, Any]: ...

    async def status(self, *, token: str) -> dict[str, Any]: ...

    async def redrive(self, *, token: str, seq: int | None) -> dict[str, Any]: ...
