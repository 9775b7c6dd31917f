"""Bearer tokens for the tests, signed with the development key the services accept."""

from __future__ import annotations

import time

import jwt

from weerbaar_runtime.auth import DEV_SIGNING_KEY, Access
from weerbaar_runtime.credentials import sign_token


def token(role: Access | str, subject: str | None = None, **claims: str) -> str:
    role = Access(role)
    return sign_token(subject=subject or f"test-{role.value}", role=role, claims=claims)


def bearer(role: Access | str, subject: str | None = None, **claims: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, subject, **claims)}"}


OPERATOR = bearer(Access.OPERATOR)
OPS = bearer(Access.OPS)
ANALYST = bearer(Access.ANALYST)
COORDINATOR = bearer(Access.COORDINATOR)


def adviser(adviser_id: str) -> dict[str, str]:
    return bearer(Access.ADVISER, f"adviser-{adviser_id}", adviser_id=adviser_id)


def system(organisation_code: str) -> dict[str, str]:
    return bearer(
        Access.MUNICIPAL_SYSTEM, f"system-{organisation_code}", organisation_code=organisation_code
    )


def expired(role: Access | str = Access.OPERATOR) -> dict[str, str]:
    now = int(time.time())
    payload = {
        "sub": "late",
        "role": Access(role).value,
        "iss": "weerbaar-dev",
        "aud": "weerbaar",
        "iat": now - 7200,
        "exp": now - 3600,
    }
    return {"Authorization": f"Bearer {jwt.encode(payload, DEV_SIGNING_KEY, algorithm='HS256')}"}


def wrongly_signed(role: Access | str = Access.OPERATOR) -> dict[str, str]:
    forged = sign_token(subject="forger", role=Access(role), key="not-the-key-" * 4)
    return {"Authorization": f"Bearer {forged}"}


UNAUTHENTICATED = {"none": 401, "expired": 401, "forged": 401}


def principals(case: dict[str, str]) -> dict[str, dict[str, str]]:
    """Every role, a second principal of the same role, and bad tokens, for the
    authorisation matrices; `case` names the adviser who has the case and one who never had it."""
    return {
        "operator": OPERATOR,
        "operator-2": bearer(Access.OPERATOR, "operator-2"),
        "coordinator": COORDINATOR,
        "adviser": adviser(case["adviser"]),
        "other-adviser": adviser(case["other_adviser"]),
        "system-gm0363": system("GM0363"),
        "system-gm0599": system("GM0599"),
        "analyst": ANALYST,
        "ops": OPS,
        "none": {},
        "expired": expired(),
        "forged": wrongly_signed(),
    }
