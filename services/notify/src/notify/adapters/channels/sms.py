"""SMS through HTTP gateways: a generic JSON gateway adapter, providers in priority
order, failing over to the next when one fails or its circuit is open.

Each provider gets `POST url` with its `body_template` filled in (JSON-safe: the
placeholders are replaced inside string values, never spliced into JSON text), its
auth header and `Idempotency-Key: <notification id>`. A 2xx answer is a delivery.

A provider that times out may still have sent the text; failing over then trades a
possible second SMS for a page that arrives. The idempotency key is the same at every
provider, so one that honours it drops its own repeats.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from contracts.vocabulary import NotificationChannel
from notify.domain.circuit import CircuitBreaker
from notify.domain.signing import IDEMPOTENCY_HEADER
from notify.service import metrics
from notify.service.ports import DeliveryError, OutgoingMessage, Receipt
from notify.settings import SmsProvider
from weerbaar_runtime.logging import get_logger

_log = get_logger("sms")


def fill(template: Any, values: dict[str, str]) -> Any:
    """The template with every `{name}` inside its strings replaced by its value."""
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, values) for value in template]
    return template


@dataclass
class Gateway:
    config: SmsProvider
    breaker: CircuitBreaker


class SmsChannel:
    channel = NotificationChannel.SMS

    def __init__(
        self,
        gateways: list[Gateway],
        *,
        client: httpx.AsyncClient,
        sender: str,
        timeout_s: float,
    ) -> None:
        self._gateways = gateways
        self._client = client
        self._sender = sender
        self._timeout_s = timeout_s

    async def send(self, message: OutgoingMessage) -> Receipt:
        values = {
            "to": message.to,
            "text": message.text,
            "idempotency_key": message.idempotency_key,
            "incident_reference": message.incident_reference,
            "sender": self._sender,
        }
        tried = 0
        for gateway in self._gateways:
            name = gateway.config.name
            if not gateway.breaker.allow():
                metrics.ATTEMPTS.labels(self.channel.value, name, "circuit_open").inc()
                continue
            tried += 1
            started = time.perf_counter()
            error = ""
            try:
                response = await self._client.post(
                    gateway.config.url,
                    json=fill(gateway.config.body_template, values),
                    headers={IDEMPOTENCY_HEADER: message.idempotency_key, **gateway.config.auth()},
                    timeout=self._timeout_s,
                )
                ok = 200 <= response.status_code < 300
                error = f"HTTP{response.status_code}"
            except httpx.HTTPError as exc:
                ok = False
                error = type(exc).__name__
            if ok:
                gateway.breaker.success()
                metrics.SEND_SECONDS.labels(self.channel.value, name).observe(
                    time.perf_counter() - started
                )
                metrics.ATTEMPTS.labels(self.channel.value, name, "delivered").inc()
                return Receipt(provider=name)
            gateway.breaker.failure()
            metrics.ATTEMPTS.labels(self.channel.value, name, "failed").inc()
            _log.warning(
                "sms provider failed, trying the next",
                provider=name,
                notification_id=message.idempotency_key,
                error_type=error,
            )
        if not self._gateways:
            raise DeliveryError("NoSmsProvider")
        raise DeliveryError("AllProvidersFailed" if tried else "AllCircuitsOpen")
