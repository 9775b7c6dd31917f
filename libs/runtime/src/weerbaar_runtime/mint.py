"""`weerbaar-token`: mint a bearer token for one role with the services' signing key.

For production's machine callers that hold a long-lived token, such as Prometheus
scraping `/metrics` as `ops`, where no identity provider hands one out. The key,
issuer and audience come from the same `AUTH_*` variables the services read, so the
token is valid exactly where the services would accept it.
"""

from __future__ import annotations

import argparse
import sys

from pydantic import SecretStr, ValidationError

from weerbaar_runtime.auth import DEV_SIGNING_KEY, Access, AuthSettings
from weerbaar_runtime.credentials import sign_token


def _claims(pairs: list[str]) -> dict[str, str]:
    claims: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value:
            raise ValueError(f"--claim takes NAME=VALUE, not {pair!r}")
        claims[name] = value
    return claims


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; prints the token on standard output."""
    parser = argparse.ArgumentParser(prog="weerbaar-token", description=__doc__)
    parser.add_argument("--role", required=True, choices=[r.value for r in Access])
    parser.add_argument("--subject", required=True, help="who the token is for (its `sub`)")
    parser.add_argument(
        "--claim",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra claim, e.g. adviser_id=ngb-01 or organisation_code=GM0363",
    )
    parser.add_argument("--days", type=int, default=365, help="validity in days (default 365)")
    parser.add_argument(
        "--key-file", help="read the signing key from this file (else AUTH_SIGNING_KEY)"
    )
    parser.add_argument(
        "--development", action="store_true", help="allow the development signing key"
    )
    args = parser.parse_args(argv)
    try:
        settings = AuthSettings()
        if args.key_file:
            with open(args.key_file, encoding="utf-8") as handle:
                settings.signing_key = SecretStr(handle.read().strip())
        claims = _claims(args.claim)
    except (OSError, ValueError, ValidationError) as exc:
        print(f"weerbaar-token: {exc}", file=sys.stderr)
        return 2
    key = settings.signing_key.get_secret_value()
    if key == DEV_SIGNING_KEY and not args.development:
        print(
            "weerbaar-token: no signing key: set AUTH_SIGNING_KEY or --key-file "
            "(--development to sign with the development key)",
            file=sys.stderr,
        )
        return 2
    if args.days < 1:
        print("weerbaar-token: --days must be at least 1", file=sys.stderr)
        return 2
    print(
        sign_token(
            subject=args.subject,
            role=Access(args.role),
            claims=claims,
            key=key,
            issuer=settings.issuer,
            audience=settings.audience,
            ttl_s=args.days * 24 * 3600,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
