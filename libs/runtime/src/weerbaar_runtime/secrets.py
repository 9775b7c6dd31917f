"""How long a secret must be in production.

Every HMAC secret (the token signing key, the acknowledge-link secret, the webhook
secret, the key of derived ids) must hold at least 32 bytes: 256 bits, the size of
the SHA-256 they key. Only the length can be checked; the value must come from a
random source (`openssl rand -base64 48`, or `deploy/make-secrets.sh`)."""

from __future__ import annotations

from pydantic import SecretStr

MIN_SECRET_BYTES = 32


def require_strong(environment: str, name: str, secret: SecretStr) -> None:
    """Refuse (ValueError naming `name`) a production secret under 32 bytes."""
    size = len(secret.get_secret_value().encode())
    if environment == "production" and size < MIN_SECRET_BYTES:
        raise ValueError(
            f"{name}: production needs a secret of at least {MIN_SECRET_BYTES} random bytes "
            f"(this one has {size}); generate one with `openssl rand -base64 48`"
        )
