"""Where sessions live: a NATS key-value bucket with a TTL (it survives a console
restart and is shared by several console processes), or memory in unit tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.js.errors import KeyNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from console.service.ports import SessionStoreUnavailableError
from weerbaar_runtime.logging import get_logger

_log = get_logger("console.sessions")


class MemorySessionStore:
    """For unit tests."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    async def get(self, key: str) -> dict[str, Any] | None:
        return self.data.get(key)

    async def put(self, key: str, value: dict[str, Any]) -> None:
        self.data[key] = json.loads(json.dumps(value))

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)


class KeyValueSessionStore:
    """The bucket `weerbaar_console_sessions` (made by weerbaar-provision, with the
    absolute session timeout as its TTL). Sign-out purges the key: no history of it stays."""

    def __init__(self, timeout_s: float = 2.0) -> None:
        self._kv: KeyValue | None = None
        self._timeout = timeout_s

    def bind(self, kv: KeyValue) -> None:
        self._kv = kv

    @property
    def ready(self) -> bool:
        return self._kv is not None

    def _bucket(self) -> KeyValue:
        if self._kv is None:
            raise SessionStoreUnavailableError
        return self._kv

    async def get(self, key: str) -> dict[str, Any] | None:
        try:
            entry = await asyncio.wait_for(self._bucket().get(key), self._timeout)
        except (KeyNotFoundError, NotFoundError):
            return None
        except (TimeoutError, OSError) as exc:
            _log.warning("session store unavailable", error_type=type(exc).__name__)
            raise SessionStoreUnavailableError from None
        if entry.value is None or entry.operation is not None:
            return None
        value: dict[str, Any] = json.loads(entry.value)
        return value

    async def put(self, key: str, value: dict[str, Any]) -> None:
        try:
            await asyncio.wait_for(
                self._bucket().put(key, json.dumps(value).encode()), self._timeout
            )
        except (TimeoutError, OSError) as exc:
            _log.warning("session store unavailable", error_type=type(exc).__name__)
            raise SessionStoreUnavailableError from None

    async def delete(self, key: str) -> None:
        try:
            await asyncio.wait_for(self._bucket().purge(key), self._timeout)
        except (KeyNotFoundError, NotFoundError):
            return
        except (TimeoutError, OSError) as exc:
            _log.warning("session store unavailable", error_type=type(exc).__name__)
            raise SessionStoreUnavailableError from None
