"""Notify: the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
from fastapi import FastAPI
from faststream.nats import NatsBroker

from contracts.events import Event
from contracts.vocabulary import NotificationChannel
from notify.adapters.channels.email import PROVIDER as SMTP_PROVIDER
from notify.adapters.channels.email import EmailChannel
from notify.adapters.channels.sms import Gateway, SmsChannel
from notify.adapters.channels.webhook import WebhookChannel
from notify.adapters.delivered_log import KeyValueDeliveredLog
from notify.adapters.operations import JetStreamOperations
from notify.domain.circuit import CircuitBreaker
from notify.domain.links import Links
from notify.domain.operations import CircuitReading
from notify.domain.retries import RetryRules
from notify.entrypoints.api import build_router
from notify.entrypoints.subscribers import subscribe_notifier
from notify.service import metrics
from notify.service.notifier import Notifier
from notify.service.ports import Channel
from notify.settings import NotifySettings
from weerbaar_runtime.bootstrap import Service, service_app
from weerbaar_runtime.nats import build_broker, publish_event


@dataclass
class Notify:
    """What the composition root built: the broker (with the subscriber), the HTTP
    client the channels share, and the notifier."""

    broker: NatsBroker
    http: httpx.AsyncClient
    notifier: Notifier
    circuits: Circuits
    channels: list[Channel]


class Circuits:
    """Every provider's circuit breaker, as `GET /v1/status` shows them."""

    def __init__(self) -> None:
        self._breakers: list[tuple[str, str, CircuitBreaker]] = []

    def add(self, channel: NotificationChannel, provider: str, breaker: CircuitBreaker) -> None:
        self._breakers.append((channel.value, provider, breaker))

    def __call__(self) -> list[CircuitReading]:
        return [CircuitReading(c, p, b.state.value) for c, p, b in self._breakers]


def breaker(
    settings: NotifySettings,
    channel: NotificationChannel,
    provider: str,
    circuits: Circuits | None = None,
) -> CircuitBreaker:
    made = CircuitBreaker(
        failure_threshold=settings.circuit_failure_threshold,
        reset_after_s=settings.circuit_reset_s,
        on_change=metrics.circuit_watcher(channel.value, provider),
    )
    if circuits is not None:
        circuits.add(channel, provider, made)
    return made


def build_channels(
    settings: NotifySettings, http: httpx.AsyncClient, circuits: Circuits | None = None
) -> list[Channel]:
    """Every channel notify can use; SMS only when a provider is configured."""
    email = breaker(settings, NotificationChannel.EMAIL, SMTP_PROVIDER, circuits)
    channels: list[Channel] = [
        EmailChannel(settings, breaker=email),
        WebhookChannel(
            client=http,
            secret=settings.webhook_secret.get_secret_value().encode(),
            timeout_s=settings.webhook_timeout_s,
        ),
    ]
    if settings.sms_providers:
        gateways = [
            Gateway(config=p, breaker=breaker(settings, NotificationChannel.SMS, p.name, circuits))
            for p in settings.sms_providers
        ]
        channels.append(
            SmsChannel(
                gateways,
                client=http,
                sender=settings.sms_sender,
                timeout_s=settings.sms_timeout_s,
            )
        )
    return channels


def build(settings: NotifySettings) -> Notify:
    """The broker with notify's subscriber and publishers, and the HTTP client its
    channels share. Nothing connects until the broker starts."""
    broker = build_broker(settings, service="notify")
    http = httpx.AsyncClient(follow_redirects=False)

    async def publish(event: Event) -> None:
        await publish_event(broker, event, timeout_s=settings.publish_timeout_s)

    circuits = Circuits()
    channels = build_channels(settings, http, circuits)
    notifier = Notifier(
        channels=channels,
        delivered=KeyValueDeliveredLog(broker),
        publish=publish,
        links=Links(
            intake_public_url=settings.intake_public_url,
            registry_public_url=settings.registry_public_url,
            secret=settings.ack_token_secret.get_secret_value().encode(),
            grace=timedelta(seconds=settings.ack_link_grace_s),
        ),
        rules=RetryRules(
            max_attempts=settings.max_attempts,
            max_retry_s=settings.max_retry_s,
            base_s=settings.retry_base_s,
            cap_s=settings.retry_cap_s,
            failover_delay_s=settings.failover_delay_s,
        ),
        important_urgencies=frozenset(settings.important_urgencies),
    )
    subscribe_notifier(
        broker, notifier, concurrency=settings.concurrency, max_attempts=settings.max_attempts
    )
    return Notify(broker=broker, http=http, notifier=notifier, circuits=circuits, channels=channels)


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    notify = build(settings)
    return service_app(
        settings,
        Service(
            name="notify",
            title="Weerbaar notify",
            summary="Delivers pages, escalation notices and reminders by e-mail, SMS and webhook.",
            broker=notify.broker,
            routers=[
                lambda security: build_router(
                    JetStreamOperations(notify.broker, timeout_s=settings.publish_timeout_s),
                    notify.circuits,
                    security,
                )
            ],
            on_stop=[
                notify.http.aclose,
                *(c.aclose for c in notify.channels if isinstance(c, EmailChannel)),
            ],
        ),
    )
