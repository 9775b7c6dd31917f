"""A rate limit by client address, applied before authentication.

The principal's own limit (`auth.RateLimiter`) can only count callers whose token
verified; this one counts what an attacker without a valid token can send: every
`/v1/` request without a bearer token (acknowledge links, link acknowledgements) and
every request answered 401 or 403. Once an address has used up its budget it is
answered 429 before its token is even looked at.

The count is kept per process: with N replicas behind a balancer that spreads the
calls, an address gets up to N times `rate_per_address_per_minute` in all. The client
address is uvicorn's view of it: the peer, or `X-Forwarded-For` from a proxy listed in
`FORWARDED_ALLOW_IPS`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from weerbaar_runtime.http import problem_response

COUNTED_STATUSES = frozenset({401, 403})
MAX_TRACKED = 100_000
"""Addresses remembered at most; the fullest buckets are forgotten first past it."""


@dataclass
class AddressLimiter:
    """A token bucket per client address, refilled at `per_minute`."""

    per_minute: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def _level(self, address: str, now: float) -> float:
        tokens, last = self._buckets.get(address, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)

    def wait_s(self, address: str) -> int | None:
        """Seconds to wait when the address has nothing left, else None."""
        tokens = self._level(address, time.monotonic())
        if tokens >= 1.0:
            return None
        return int((1.0 - tokens) * 60.0 / self.per_minute) + 1

    def spend(self, address: str) -> None:
        now = time.monotonic()
        tokens = self._level(address, now)
        if len(self._buckets) >= MAX_TRACKED and address not in self._buckets:
            self._forget(now)
        self._buckets[address] = (max(0.0, tokens - 1.0), now)

    def _forget(self, now: float) -> None:
        full = [a for a in self._buckets if self._level(a, now) >= self.per_minute]
        for address in full or list(self._buckets)[: MAX_TRACKED // 10]:
            del self._buckets[address]


class AddressLimitMiddleware:
    """Refuse (429) an address that spent its budget; spend from it on every `/v1/`
    request without a bearer token and on every 401 or 403."""

    def __init__(self, app: Any, *, limiter: AddressLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self.limiter.wait_s(address)
        if wait is not None:
            response = problem_response(
                429,
                "Too many requests",
                "Too many unauthenticated or refused requests from this address; slow down.",
                instance=scope.get("path"),
                headers={"Retry-After": str(wait)},
            )
            await response(scope, receive, send)
            return
        anonymous = scope.get("path", "").startswith("/v1/") and not any(
            name.lower() == b"authorization" for name, _ in scope.get("headers", [])
        )
        if anonymous:
            self.limiter.spend(address)

        async def counting_send(message: dict[str, Any]) -> None:
            if (
                message["type"] == "http.response.start"
                and message["status"] in COUNTED_STATUSES
                and not anonymous
            ):
                self.limiter.spend(address)
            await send(message)

        await self.app(scope, receive, counting_send)
