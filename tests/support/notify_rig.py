"""The Notifier with in-memory ports, for the unit tests of notify's use case."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from contracts.events import ContactPoint, derive_id
from contracts.vocabulary import NotificationChannel
from notify.domain.links import Links
from notify.domain.retries import RetryRules
from notify.service.notifier import Notifier
from notify.service.ports import DeliveryError, DeliveryRecord, OutgoingMessage, Receipt
from tests.support.events import ASSIGNMENT_ID, T0
from tests.support.fakes import RecordingPublisher
from weerbaar_runtime.consumer import Delivery

EMAIL = ContactPoint(channel=NotificationChannel.EMAIL, address="ngb-01@ngb.example")
SMS = ContactPoint(channel=NotificationChannel.SMS, address="+31600000001")
HOOK = ContactPoint(channel=NotificationChannel.WEBHOOK, address="https://hooks.example/ngb")
RULES = RetryRules(max_attempts=4, max_retry_s=600, base_s=1, cap_s=60, failover_delay_s=60)
PAGE_EMAIL = derive_id("notification", ASSIGNMENT_ID, "page", "email")


class FakeChannel:
    def __init__(self, channel: NotificationChannel, *, failures: int = 0) -> None:
        self.channel = channel
        self.failures = failures
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage) -> Receipt:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("Down")
        self.sent.append(message)
        return Receipt(provider=f"fake-{self.channel.value}")


class MemoryLog:
    def __init__(self, *, broken_writes: int = 0) -> None:
        self.records: dict[uuid.UUID, DeliveryRecord] = {}
        self.broken_writes = broken_writes

    async def get(self, notification_id: uuid.UUID) -> DeliveryRecord | None:
        return self.records.get(notification_id)

    async def record(self, notification_id: uuid.UUID, record: DeliveryRecord) -> None:
        if self.broken_writes:
            self.broken_writes -= 1
            raise ConnectionError("kv down")
        self.records[notification_id] = record


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Outage(FakeChannel):
    """A channel whose provider is down while the clock is before `until`."""

    def __init__(self, channel: NotificationChannel, *, clock: Clock, until: datetime) -> None:
        super().__init__(channel)
        self.clock = clock
        self.until = until
        self.refused = 0

    async def send(self, message: OutgoingMessage) -> Receipt:
        if self.clock() < self.until:
            self.refused += 1
            raise DeliveryError("SMTPServerDisconnected")
        return await super().send(message)


class Rig:
    def __init__(
        self,
        *,
        failures: dict[NotificationChannel, int] | None = None,
        rules: RetryRules = RULES,
    ) -> None:
        failures = failures or {}
        self.rules = rules
        self.channels = {
            c: FakeChannel(c, failures=failures.get(c, 0)) for c in NotificationChannel
        }
        self.log = MemoryLog()
        self.publisher = RecordingPublisher()
        self.clock = Clock(T0 + timedelta(seconds=1))
        self.stored_at: datetime | None = T0
        self.notifier = self.make()

    def make(self, channels: list[NotificationChannel] | None = None) -> Notifier:
        wanted = channels if channels is not None else list(NotificationChannel)
        return Notifier(
            channels=[self.channels[c] for c in wanted],
            delivered=self.log,
            publish=self.publisher,
            links=Links(
                intake_public_url="https://weerbaar.example",
                registry_public_url="https://registry.weerbaar.example",
                secret=b"unit",
                grace=timedelta(hours=24),
            ),
            rules=self.rules,
            clock=self.clock,
            delivery=lambda: Delivery(attempt=1, stored_at=self.stored_at),
            record_pauses_s=(0.0, 0.0),
        )

    def sent(self, channel: NotificationChannel) -> list[OutgoingMessage]:
        return self.channels[channel].sent

    def reports(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.publisher.events if isinstance(e, kind)]
