"""Routing's state in a JetStream KV bucket: one record per incident, first write wins."""

from __future__ import annotations

from faststream.nats import NatsBroker
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from contracts.events import AdviserAssigned
from contracts.subjects import ROUTING_BUCKET


class KeyValueAssignmentState:
    def __init__(self, broker: NatsBroker) -> None:
        self._broker = broker
        self._kv: KeyValue | None = None

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            self._kv = await self._broker.key_value(ROUTING_BUCKET, declare=False)
        return self._kv

    async def get(self, incident_id: str) -> AdviserAssigned | None:
        try:
            entry = await (await self._bucket()).get(incident_id)
        except KeyNotFoundError:
            return None
        return AdviserAssigned.model_validate_json(entry.value or b"")

    async def create(self, incident_id: str, assigned: AdviserAssigned) -> AdviserAssigned:
        try:
            await (await self._bucket()).create(incident_id, assigned.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            existing = await self.get(incident_id)
            if existing is None:  # deleted in between: nothing else could have won
                raise
            return existing
        return assigned
