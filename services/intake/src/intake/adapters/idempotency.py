"""Idempotency keys in a JetStream KV bucket: the first request with a key wins."""

from __future__ import annotations

import asyncio
import json

from faststream.nats import NatsBroker
from nats.errors import Error as NatsError
from nats.js.errors import KeyWrongLastSequenceError

from contracts.subjects import IDEMPOTENCY_BUCKET
from intake.adapters.retry import within
from intake.service.ports import IdempotencyConflictError
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import LazyBucket, PublishFailedError

_log = get_logger("intake")


class KeyValueIdempotencyStore:
    """Keys live in a JetStream KV bucket; the first request with a key wins."""

    def __init__(self, broker: NatsBroker, *, timeout_s: float, retry_s: float = 0.0) -> None:
        self._bucket = LazyBucket(broker, IDEMPOTENCY_BUCKET)
        self._timeout_s = timeout_s
        self._retry_s = retry_s

    async def bind(self) -> None:
        """Bind the bucket now (at start-up) rather than on the first requests; when it
        cannot be bound yet, the first claim tries again."""
        try:
            await asyncio.wait_for(self._bucket(), self._timeout_s)
        except Exception as exc:
            _log.warning("idempotency bucket not bound yet", error_type=type(exc).__name__)

    async def claim(self, key: str, fingerprint: str) -> str:
        async def attempt(timeout_s: float) -> str:
            try:
                return await asyncio.wait_for(self._claim(key, fingerprint), timeout_s)
            except (NatsError, TimeoutError, OSError) as exc:
                raise PublishFailedError(type(exc).__name__) from exc

        return await within(self._retry_s, attempt, timeout_s=self._timeout_s, what="claim")

    async def _claim(self, key: str, fingerprint: str) -> str:
        kv = await self._bucket()
        record = json.dumps({"fingerprint": fingerprint, "seed": key}).encode()
        try:
            await kv.create(key, record)
            return key
        except KeyWrongLastSequenceError:
            pass
        existing = json.loads((await kv.get(key)).value or b"{}")
        if existing.get("fingerprint") != fingerprint:
            raise IdempotencyConflictError(key)
        return str(existing["seed"])
