"""Routing's durable state: one record per incident in a JetStream KV bucket.

Every change is a compare-and-set on the record's revision, so two routing
processes can never both move an incident on: the second one's write fails, it
reads the record again and finds the work done.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from faststream.nats import NatsBroker
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NoKeysError

from contracts.subjects import ROUTING_BUCKET
from routing.domain.state import Conflict, IncidentRouting
from weerbaar_runtime.nats import LazyBucket


class KvStateStore:
    """The `StateStore` port on the `ROUTING_BUCKET` key-value bucket."""

    def __init__(self, broker: NatsBroker, *, timeout_s: float | None = None) -> None:
        self._bucket = LazyBucket(broker, ROUTING_BUCKET, timeout_s=timeout_s)

    async def get(self, incident_id: uuid.UUID) -> tuple[IncidentRouting, int] | None:
        try:
            entry = await (await self._bucket()).get(str(incident_id))
        except KeyNotFoundError:
            return None
        if entry.value is None or entry.revision is None:
            return None
        return IncidentRouting.model_validate_json(entry.value), entry.revision

    async def create(self, state: IncidentRouting) -> IncidentRouting:
        """Record the first routing; if another was recorded first, return that one."""
        try:
            await (await self._bucket()).create(
                str(state.incident_id), state.model_dump_json().encode()
            )
        except KeyWrongLastSequenceError:
            found = await self.get(state.incident_id)
            if found is None:
                raise
            return found[0]
        return state

    async def update(
        self,
        incident_id: uuid.UUID,
        change: Callable[[IncidentRouting], IncidentRouting | None],
        *,
        attempts: int = 20,
    ) -> IncidentRouting | None:
        """Apply `change` with compare-and-set, re-reading on a conflict. `change`
        returns None when there is nothing to do."""
        kv = await self._bucket()
        for _ in range(attempts):
            found = await self.get(incident_id)
            if found is None:
                return None
            current, revision = found
            changed = change(current)
            if changed is None:
                return current
            try:
                await kv.update(str(incident_id), changed.model_dump_json().encode(), last=revision)
            except KeyWrongLastSequenceError:
                continue
            return changed
        raise Conflict(str(incident_id))

    async def all(self) -> list[IncidentRouting]:
        kv = await self._bucket()
        try:
            keys = await kv.keys()
        except NoKeysError:
            return []
        states = []
        for key in keys:
            try:
                entry = await kv.get(key)
            except KeyNotFoundError:
                continue
            if entry.value:
                states.append(IncidentRouting.model_validate_json(entry.value))
        return states
