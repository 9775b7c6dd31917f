"""Development credentials: signed tokens for tests and `make run`, and
`weerbaar-dev-credentials` that writes one for every role."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

import jwt

from weerbaar_runtime.auth import DEV_SIGNING_KEY, Access


def sign_token(
    *,
    subject: str,
    role: Access,
    claims: dict[str, str] | None = None,
    key: str = DEV_SIGNING_KEY,
    issuer: str = "weerbaar-dev",
    audience: str = "weerbaar",
    ttl_s: int = 30 * 24 * 3600,
) -> str:
    """A signed token (development and tests)."""
    now = int(time.time())
    payload: dict[str, object] = {
        "sub": subject,
        "role": role.value,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_s,
        **(claims or {}),
    }
    return jwt.encode(payload, key, algorithm="HS256")


DEV_PRINCIPALS: tuple[tuple[str, Access, dict[str, str]], ...] = (
    ("operator-1", Access.OPERATOR, {}),
    ("operator-2", Access.OPERATOR, {}),
    ("adviser-ngb-01", Access.ADVISER, {"adviser_id": "ngb-01"}),
    ("adviser-ngb-02", Access.ADVISER, {"adviser_id": "ngb-02"}),
    ("system-gm0363", Access.MUNICIPAL_SYSTEM, {"organisation_code": "GM0363"}),
    ("system-gm0599", Access.MUNICIPAL_SYSTEM, {"organisation_code": "GM0599"}),
    ("analyst-1", Access.ANALYST, {}),
    ("ops-1", Access.OPS, {}),
    ("coordinator-1", Access.COORDINATOR, {}),
)


def write_dev_credentials(
    path: Path, principals: Iterable[tuple[str, Access, dict[str, str]]] = DEV_PRINCIPALS
) -> None:
    """Ready-to-use development tokens for every role, as JSON."""
    tokens = {
        subject: {
            "role": role.value,
            **claims,
            "token": sign_token(subject=subject, role=role, claims=claims),
        }
        for subject, role, claims in principals
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(tokens, indent=2) + "\n")


def main() -> None:
    """`weerbaar-dev-credentials [PATH]`: write development tokens for every role."""
    import sys

    path = Path(sys.argv[1] if len(sys.argv) > 1 else ".data/dev-credentials.json")
    write_dev_credentials(path)
    path.chmod(0o600)
    print(f"weerbaar: development credentials for every role in {path}")
    print(
        '  e.g. curl -H "Authorization: Bearer $(jq -r \'."operator-1".token\' '
        f'{path})" http://127.0.0.1:8000/v1/...'
    )
