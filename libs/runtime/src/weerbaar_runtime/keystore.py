"""The key store: each case's data key, wrapped with a KEK, in the JetStream KV bucket
`weerbaar_keys` (key: the case's id), which outlives every service.

Intake creates a case's key before it publishes the case's first sealed field, and
reads it for the follow-ups it seals; the registry reads it to keep beside its copy and
destroys it on an erasure (the message securely erased, then a purge marker); routing
and notify have no access (deploy/nats/accounts.conf). Unwrapped keys are cached in
memory, bounded; an erasure drops the case's key from the cache too.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nats.errors import Error as NatsError
from nats.js.errors import (
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)
from nats.js.kv import KeyValue

from contracts.events import Event
from contracts.subjects import KEYS_BUCKET
from weerbaar_runtime.nats import PublishFailedError
from weerbaar_runtime.sealing import CaseKey, KekRing, personal_values
from weerbaar_runtime.sealing import seal_event as seal_with

KEYS_STREAM = f"KV_{KEYS_BUCKET}"
T = TypeVar("T")


class KeyStoreUnavailableError(PublishFailedError):
    """The key store did not answer (unreachable, timed out, refused): nothing was
    published, and nothing may be published or opened without it."""


class KeyStore:
    """Data keys by case id; `bucket()` binds the KV bucket (a `LazyBucket`)."""

    def __init__(
        self,
        bucket: Callable[[], Awaitable[KeyValue]],
        keks: KekRing,
        *,
        timeout_s: float = 2.0,
        cache: int = 10000,
    ) -> None:
        self._bucket = bucket
        self.keks = keks
        self._timeout_s = timeout_s
        self._cache: OrderedDict[str, CaseKey] = OrderedDict()
        self._cache_max = cache

    async def _call(self, work: Callable[[], Awaitable[T]]) -> T:
        try:
            return await asyncio.wait_for(work(), self._timeout_s)
        except (KeyNotFoundError, KeyWrongLastSequenceError):
            raise
        except (NatsError, TimeoutError, OSError) as exc:
            # unreachable, timed out, refused, or no bucket (BucketNotFoundError)
            raise KeyStoreUnavailableError(type(exc).__name__) from exc

    def _remember(self, key: CaseKey) -> CaseKey:
        self._cache[key.incident_id] = key
        self._cache.move_to_end(key.incident_id)
        while len(self._cache) > self._cache_max:
            self._cache.popitem(last=False)
        return key

    def forget(self, incident_id: uuid.UUID | str) -> None:
        self._cache.pop(str(incident_id), None)

    async def get(
        self, incident_id: uuid.UUID | str, *, must_exist: bool = False
    ) -> CaseKey | None:
        """The case's data key; None when an erasure destroyed it (its purge marker is
        there) or, unless `must_exist`, when it never had one. A reader of a sealed field
        passes `must_exist`: a key that is neither there nor erased means the key store
        is not whole (a bucket being restored), and opening must wait, not come out
        empty."""
        name = str(incident_id)
        cached = self._cache.get(name)
        if cached is not None:
            self._cache.move_to_end(name)
            return cached

        async def read() -> bytes | None:
            kv = await self._bucket()
            try:
                entry = await kv.get(name)
            except KeyNotFoundError as exc:
                if exc.op is not None:  # its purge marker: destroyed by an erasure
                    return None
                if must_exist:
                    raise KeyStoreUnavailableError(f"no data key for case {name}") from None
                return None
            return entry.value or None

        stored = await self._call(read)
        return None if stored is None else self._remember(self.keks.unwrap(name, stored))

    async def get_or_create(self, incident_id: uuid.UUID | str) -> CaseKey:
        """The case's data key, made and stored (create-only) when it has none yet;
        returns only once the key is stored."""
        existing = await self.get(incident_id)
        if existing is not None:
            return existing
        key = CaseKey.new(incident_id)

        async def create() -> bool:
            kv = await self._bucket()
            try:
                await kv.create(key.incident_id, self.keks.wrap(key))
            except KeyWrongLastSequenceError:
                return False  # made meanwhile by another request
            return True

        if await self._call(create):
            return self._remember(key)
        again = await self.get(incident_id)
        if again is None:
            raise KeyStoreUnavailableError("the key was made and destroyed meanwhile")
        return again

    async def erase(self, incident_id: uuid.UUID | str) -> bool:
        """Destroy the case's data key: its message securely erased from the bucket's
        stream, then a purge marker (which removes any older revision). Whether there
        was a key."""
        name = str(incident_id)
        self.forget(name)

        async def destroy() -> bool:
            kv = await self._bucket()
            try:
                entry = await kv.get(name)
            except KeyNotFoundError:  # never made, or destroyed before
                entry = None
            if entry is not None:
                js = kv._js  # the bucket's JetStream context
                with contextlib.suppress(NotFoundError):
                    await js.delete_msg(KEYS_STREAM, entry.revision or 0)
            # the marker says "erased" to every later reader (and removes any revision)
            await kv.purge(name)
            return entry is not None

        found = await self._call(destroy)
        self.forget(name)
        return found


class CaseSealer:
    """Seals an event's personal fields with its case's key, making the key first when
    the case has none: the producer's side (intake)."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys

    async def seal(self, event: Event) -> Event:
        if not personal_values(event):
            return event
        key = await self.keys.get_or_create(event.incident_id)
        return seal_with(event, key)
