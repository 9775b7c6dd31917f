"""What notify has delivered, in a JetStream KV bucket."""

from __future__ import annotations

import uuid

from faststream.nats import NatsBroker
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from contracts.events import utcnow
from contracts.subjects import NOTIFY_BUCKET


class KeyValueDeliveredLog:
    def __init__(self, broker: NatsBroker) -> None:
        self._broker = broker
        self._kv: KeyValue | None = None

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            self._kv = await self._broker.key_value(NOTIFY_BUCKET, declare=False)
        return self._kv

    async def was_delivered(self, notification_id: uuid.UUID) -> bool:
        try:
            await (await self._bucket()).get(str(notification_id))
        except KeyNotFoundError:
            return False
        return True

    async def record(self, notification_id: uuid.UUID) -> None:
        await (await self._bucket()).put(str(notification_id), utcnow().isoformat().encode())
