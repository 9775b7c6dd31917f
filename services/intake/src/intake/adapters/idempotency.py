"""Idempotency keys in a JetStream KV bucket: the first request with a key wins."""

from __future__ import annotations

import asyncio
import json

from faststream.nats import NatsBroker
from nats.errors import Error as NatsError
from nats.js.errors import KeyWrongLastSequenceError

from contracts.subjects import IDEMPOTENCY_BUCKET
from intake.service.ports import IdempotencyConflictError
from weerbaar_runtime.nats import LazyBucket, PublishFailedError


class KeyValueIdempotencyStore:
    """Keys live in a JetStream KV bucket; the first request with a key wins."""

    def __init__(self, broker: NatsBroker, *, timeout_s: float) -> None:
        self._bucket = LazyBucket(broker, IDEMPOTENCY_BUCKET)
        self._timeout_s = timeout_s

    async def claim(self, key: str, fingerprint: str) -> str:
        try:
            return await asyncio.wait_for(self._claim(key, fingerprint), self._timeout_s)
        except (NatsError, TimeoutError, OSError) as exc:
            raise PublishFailedError(type(exc).__name__) from exc

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
