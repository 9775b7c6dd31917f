"""Outgoing webhooks: a JSON POST to the contact's URL, signed (see notify.domain.signing and
docs/webhooks.md), with `Idempotency-Key: <notification id>`. The body is the same on
every attempt; the timestamp and signature are made anew for each."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx

from contracts.vocabulary import NotificationChannel
from notify.domain.signing import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)
from notify.service import metrics
from notify.service.ports import DeliveryError, OutgoingMessage, Receipt

PROVIDER = "webhook"


def body_of(message: OutgoingMessage) -> bytes:
    return json.dumps(message.data, separators=(",", ":"), sort_keys=True).encode()


class WebhookChannel:
    channel = NotificationChannel.WEBHOOK

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        secret: bytes,
        timeout_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._secret = secret
        self._timeout_s = timeout_s
        self._clock = clock

    async def send(self, message: OutgoingMessage) -> Receipt:
        if not message.to.startswith(("https://", "http://")):
            metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "failed").inc()
            raise DeliveryError("InvalidWebhookUrl")
        body = body_of(message)
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "weerbaar-notify",
            IDEMPOTENCY_HEADER: message.idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature_header(self._secret, timestamp, body),
        }
        started = time.perf_counter()
        try:
            response = await self._client.post(
                message.to, content=body, headers=headers, timeout=self._timeout_s
            )
        except httpx.HTTPError as exc:
            metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "failed").inc()
            raise DeliveryError(type(exc).__name__) from exc
        if not 200 <= response.status_code < 300:
            metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "failed").inc()
            raise DeliveryError(f"HTTP{response.status_code}")
        metrics.SEND_SECONDS.labels(self.channel.value, PROVIDER).observe(
            time.perf_counter() - started
        )
        metrics.ATTEMPTS.labels(self.channel.value, PROVIDER, "delivered").inc()
        return Receipt(provider=PROVIDER)
