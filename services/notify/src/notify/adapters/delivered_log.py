"""What notify has delivered, in a JetStream KV bucket keyed by notification id."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from faststream.nats import NatsBroker
from nats.js.errors import KeyNotFoundError

from contracts.events import utcnow
from contracts.subjects import NOTIFY_BUCKET
from notify.service.ports import DeliveryRecord
from weerbaar_runtime.nats import LazyBucket


def encode(record: DeliveryRecord) -> bytes:
    return json.dumps(
        {
            "delivered_at": record.delivered_at.isoformat(),
            "provider": record.provider,
            "attempt": record.attempt,
        }
    ).encode()


def decode(raw: bytes | None) -> DeliveryRecord:
    text = (raw or b"").decode(errors="replace")
    try:
        data = json.loads(text)
        return DeliveryRecord(
            delivered_at=datetime.fromisoformat(data["delivered_at"]),
            provider=data.get("provider"),
            attempt=int(data.get("attempt") or 1),
        )
    except (ValueError, KeyError, TypeError):
        pass
    try:  # the first version stored only the time
        return DeliveryRecord(delivered_at=datetime.fromisoformat(text))
    except ValueError:
        return DeliveryRecord(delivered_at=utcnow())


class KeyValueDeliveredLog:
    def __init__(self, broker: NatsBroker) -> None:
        self._bucket = LazyBucket(broker, NOTIFY_BUCKET)

    async def get(self, notification_id: uuid.UUID) -> DeliveryRecord | None:
        try:
            entry = await (await self._bucket()).get(str(notification_id))
        except KeyNotFoundError:
            return None
        return decode(entry.value)

    async def record(self, notification_id: uuid.UUID, record: DeliveryRecord) -> None:
        await (await self._bucket()).put(str(notification_id), encode(record))
