"""Signed, expiring acknowledgement tokens: the link in a page that lets an adviser
acknowledge one assignment without logging in.

A token names the incident and the assignment and carries its expiry; it is an
HMAC-SHA256 over those, under a secret that notify (which signs) and intake (which
verifies) share. It proves only "whoever got this page may acknowledge this
assignment until then".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime


class InvalidTokenError(ValueError):
    """The token is malformed, forged or expired."""


@dataclass(frozen=True, slots=True)
class AckClaim:
    """What a valid token allows."""

    incident_id: uuid.UUID
    assignment_id: uuid.UUID
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_ack_token(
    *, secret: bytes, incident_id: uuid.UUID, assignment_id: uuid.UUID, expires_at: datetime
) -> str:
    """A token that lets its holder acknowledge this assignment until `expires_at`."""
    payload = f"{incident_id}.{assignment_id}.{int(expires_at.timestamp())}".encode()
    mac = hmac.new(secret, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify_ack_token(token: str, *, secret: bytes, now: datetime | None = None) -> AckClaim:
    """The claim of a valid token; raises InvalidTokenError otherwise."""
    try:
        encoded_payload, encoded_mac = token.split(".")
        payload = _unb64(encoded_payload)
        mac = _unb64(encoded_mac)
    except ValueError:
        raise InvalidTokenError("malformed token") from None
    expected = hmac.new(secret, payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise InvalidTokenError("bad signature")
    try:
        incident, assignment, expiry = payload.decode().split(".")
        claim = AckClaim(
            incident_id=uuid.UUID(incident),
            assignment_id=uuid.UUID(assignment),
            expires_at=datetime.fromtimestamp(int(expiry), UTC),
        )
    except ValueError:
        raise InvalidTokenError("malformed token") from None
    if (now or datetime.now(UTC)) >= claim.expires_at:
        raise InvalidTokenError("expired token")
    return claim
