"""The cases' data keys as the registry keeps them (`case_keys`): wrapped with a
key-encryption key, unwrapped on use and kept in memory, bounded."""

from __future__ import annotations

from collections import OrderedDict

from contracts.events import Event
from registry.adapters.crypto import at_rest_state
from weerbaar_runtime.keystore import KeyStore
from weerbaar_runtime.sealing import CaseKey, KekRing


class CaseKeys:
    """Wraps data keys for the table and unwraps its rows (most recently used kept)."""

    def __init__(self, keks: KekRing, *, cache: int = 10000) -> None:
        self.keks = keks
        self._cache: OrderedDict[tuple[str, str], CaseKey] = OrderedDict()
        self._cache_max = cache

    def wrap(self, key: CaseKey) -> str:
        return self.keks.wrap(key).decode()

    def unwrap(self, incident_id: str, wrapped: str) -> CaseKey:
        """The data key of a row (`SealError` when no configured KEK opens it)."""
        slot = (incident_id, wrapped)
        key = self._cache.get(slot)
        if key is None:
            key = self.keks.unwrap(incident_id, wrapped.encode())
            self._cache[slot] = key
            while len(self._cache) > self._cache_max:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(slot)
        return key


async def key_to_keep(keys: KeyStore, event: Event) -> CaseKey | None:
    """The case's data key from the key store, when the projector needs it for this
    event: to keep it (the event holds sealed values: the key must be there, or the
    erasure's marker) or to seal what arrived in the clear (a case with no key in the
    store gets one of the registry's own)."""
    sealed, plain = at_rest_state(event)
    if not sealed and not plain:
        return None
    return await keys.get(event.incident_id, must_exist=sealed)
