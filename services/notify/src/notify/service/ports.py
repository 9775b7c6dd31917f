"""The ports of notify: what the use case needs from the outside world.

A channel is one small interface (`send` a message, get a receipt or an exception),
so a new channel is a new file in `notify/adapters/channels/`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from contracts.events import Event, NotificationPurpose
from contracts.vocabulary import NotificationChannel


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """What a channel sends. `to` is the adviser's address: personal data, never logged."""

    notification_id: uuid.UUID
    channel: NotificationChannel
    to: str
    subject: str
    text: str
    incident_reference: str
    purpose: NotificationPurpose = "page"
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        return str(self.notification_id)


@dataclass(frozen=True, slots=True)
class Receipt:
    """A delivery accepted by `provider` (a configured name, never an address)."""

    provider: str


class DeliveryError(Exception):
    """A send failed. `kind` is a short code safe for logs and events (`HTTP500`,
    `SMTPConnectError`, `CircuitOpen`), never the underlying message."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind[:80]


class Channel(Protocol):
    """One way of reaching an adviser."""

    @property
    def channel(self) -> NotificationChannel: ...

    async def send(self, message: OutgoingMessage) -> Receipt: ...


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """What the delivered log keeps per notification id."""

    delivered_at: datetime
    provider: str | None = None
    attempt: int = 1


class DeliveredLog(Protocol):
    """The durable record of what has been delivered, checked before every send."""

    async def get(self, notification_id: uuid.UUID) -> DeliveryRecord | None: ...

    async def record(self, notification_id: uuid.UUID, record: DeliveryRecord) -> None: ...


class Publisher(Protocol):
    async def __call__(self, event: Event) -> None: ...
