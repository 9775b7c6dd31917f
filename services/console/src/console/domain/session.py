"""A signed-in user's session: who, with which token, until when."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any

ROLES_WITH_CASES = frozenset({"operator", "coordinator", "adviser"})
"""Roles that see cases (the others get a page that says what the console offers them)."""


def new_secret() -> str:
    """An unguessable opaque value (session id, CSRF token)."""
    return secrets.token_urlsafe(32)


def storage_key(session_id: str) -> str:
    """The key a session is stored under: a hash, so the store never holds the cookie."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class User:
    """Who is signed in, as the APIs will see them."""

    subject: str
    role: str
    display_name: str
    adviser_id: str | None = None
    organisation_code: str | None = None

    @property
    def works_on_cases(self) -> bool:
        """Operators, coordinators and advisers see cases."""
        return self.role in ROLES_WITH_CASES

    @property
    def reports(self) -> bool:
        """Operators and coordinators log calls."""
        return self.role in ("operator", "coordinator")


@dataclass(frozen=True, slots=True)
class Session:
    """Server-side session data; the browser holds only an opaque id."""

    user: User
    access_token: str
    csrf_token: str
    created_at: float
    last_seen_at: float
    token_expires_at: float | None = None
    id_token: str | None = None
    language: str = "nl"
    shortcuts: bool = True
    reported: tuple[str, ...] = field(default=())

    def expired(self, now: float, *, idle_s: int, absolute_s: int) -> bool:
        """Past the idle or the absolute timeout, or past the forwarded token's expiry."""
        if now - self.last_seen_at > idle_s or now - self.created_at > absolute_s:
            return True
        return self.token_expires_at is not None and now >= self.token_expires_at

    def touched(self, now: float) -> Session:
        return replace(self, last_seen_at=now)

    def with_reported(self, incident_id: str) -> Session:
        """Remember a case this user just reported (shown while the registry catches up)."""
        kept = tuple(i for i in self.reported if i != incident_id)[-9:]
        return replace(self, reported=(*kept, incident_id))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        values = dict(data)
        values["user"] = User(**values["user"])
        values["reported"] = tuple(values.get("reported", ()))
        return cls(**values)


def start(
    user: User,
    *,
    access_token: str,
    now: float,
    token_expires_at: float | None = None,
    id_token: str | None = None,
) -> Session:
    """A fresh session with its own CSRF token."""
    return Session(
        user=user,
        access_token=access_token,
        csrf_token=new_secret(),
        created_at=now,
        last_seen_at=now,
        token_expires_at=token_expires_at,
        id_token=id_token,
    )


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """An OIDC sign-in under way: what the callback must check."""

    state: str
    nonce: str
    code_verifier: str
    created_at: float
    return_to: str = "/"

    def expired(self, now: float, *, ttl_s: float = 600.0) -> bool:
        return now - self.created_at > ttl_s

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingSignIn:
        return cls(**data)


def safe_return_path(value: str | None) -> str:
    """Only a local path (never another site, never a scheme-relative `//host`)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
