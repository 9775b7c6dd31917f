"""The signature on outgoing webhooks (docs/webhooks.md says how a receiver checks it).

Weerbaar-Timestamp: <unix seconds>
Weerbaar-Signature: v1=<hex HMAC-SHA256(WEBHOOK_SECRET, "<timestamp>." + raw body)>
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "Weerbaar-Timestamp"
SIGNATURE_HEADER = "Weerbaar-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_VERSION = "v1"


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 over `timestamp`, a dot and the raw body."""
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: str, body: bytes) -> str:
    """The value of the Weerbaar-Signature header."""
    return f"{SIGNATURE_VERSION}={signature(secret, timestamp, body)}"
