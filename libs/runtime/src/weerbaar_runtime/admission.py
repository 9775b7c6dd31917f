"""Shedding load early: at most `max_in_flight` write requests are handled at once.

A request that finds them all taken waits up to `wait_s` for one to finish, and is
then answered 503 with `Retry-After` instead of queueing behind the others (under
sustained overload every request would otherwise wait longer and longer, tens of
seconds, and the callers' own timeouts would fire first). Reads, health, readiness
and metrics are never shed. A shed request did nothing: retrying it with the same
Idempotency-Key is safe.
"""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client import Counter

from weerbaar_runtime.http import problem_response

SHED = Counter(
    "weerbaar_http_shed_total",
    "Write requests answered 503 because too many were being handled at once",
    ["service"],
)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AdmissionLimit:
    """ASGI middleware: the in-flight cap on write requests."""

    def __init__(
        self,
        app: Any,
        *,
        service: str,
        max_in_flight: int,
        wait_s: float,
        retry_after_s: int,
    ) -> None:
        self.app = app
        self.service = service
        self.wait_s = wait_s
        self.retry_after_s = retry_after_s
        self._room = asyncio.Semaphore(max_in_flight)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") not in WRITES:
            await self.app(scope, receive, send)
            return
        try:
            if self._room.locked():
                await asyncio.wait_for(self._room.acquire(), timeout=self.wait_s)
            else:
                await self._room.acquire()  # free: taken at once
        except TimeoutError:
            SHED.labels(self.service).inc()
            response = problem_response(
                503,
                "Service unavailable",
                "Too many requests are being handled at once; try again shortly "
                "(with the same Idempotency-Key).",
                headers={"Retry-After": str(self.retry_after_s)},
            )
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._room.release()
