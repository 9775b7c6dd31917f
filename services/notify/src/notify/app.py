"""Notify: the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
from fastapi import FastAPI
from faststream.nats import NatsBroker

from contracts.events import Event, NotificationFailed, NotificationSent
from contracts.subjects import NOTIFY_CONSUMER
from contracts.vocabulary import NotificationChannel
from notify import metrics
from notify.adapters import KeyValueDeliveredLog
from notify.channels.email import PROVIDER as SMTP_PROVIDER
from notify.channels.email import EmailChannel
from notify.channels.sms import Gateway, SmsChannel
from notify.channels.webhook import WebhookChannel
from notify.circuit import CircuitBreaker
from notify.domain import RetryRules
from notify.links import Links
from notify.ports import Channel
from notify.service import Notifier
from notify.settings import NotifySettings
from weerbaar_runtime.bootstrap import Service, service_app
from weerbaar_runtime.consumer import subscribe
from weerbaar_runtime.nats import (
    build_broker,
    document_publishers,
    publish_event,
)


@dataclass
class Notify:
    broker: NatsBroker
    http: httpx.AsyncClient


def breaker(
    settings: NotifySettings, channel: NotificationChannel, provider: str
) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=settings.circuit_failure_threshold,
        reset_after_s=settings.circuit_reset_s,
        on_change=metrics.circuit_watcher(channel.value, provider),
    )


def build_channels(settings: NotifySettings, http: httpx.AsyncClient) -> list[Channel]:
    """Every channel notify can use; SMS only when a provider is configured."""
    channels: list[Channel] = [
        EmailChannel(settings, breaker=breaker(settings, NotificationChannel.EMAIL, SMTP_PROVIDER)),
        WebhookChannel(
            client=http,
            secret=settings.webhook_secret.get_secret_value().encode(),
            timeout_s=settings.webhook_timeout_s,
        ),
    ]
    if settings.sms_providers:
        gateways = [
            Gateway(config=p, breaker=breaker(settings, NotificationChannel.SMS, p.name))
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


def compose(settings: NotifySettings) -> Notify:
    """The broker with notify's subscriber and publishers, and the HTTP client its
    channels share. Nothing connects until the broker starts."""
    broker = build_broker(settings, service="notify")
    http = httpx.AsyncClient(follow_redirects=False)

    async def publish(event: Event) -> None:
        await publish_event(broker, event, timeout_s=settings.publish_timeout_s)

    notifier = Notifier(
        channels=build_channels(settings, http),
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
    # The notifier gives up (reports it and parks the message) by itself within
    # max_attempts; the consumer's own limit is only a backstop.
    subscribe(
        broker,
        NOTIFY_CONSUMER,
        notifier.handle,
        batch_size=settings.concurrency,
        max_attempts=settings.max_attempts + 2,
    )
    document_publishers(broker, [NotificationSent, NotificationFailed])
    return Notify(broker=broker, http=http)


def build(settings: NotifySettings) -> NatsBroker:
    """The broker alone (for the AsyncAPI document)."""
    return compose(settings).broker


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    notify = compose(settings)
    return service_app(
        settings,
        Service(
            name="notify",
            title="Weerbaar notify",
            summary="Delivers pages, escalation notices and reminders by e-mail, SMS and webhook.",
            broker=notify.broker,
            on_stop=[notify.http.aclose],
        ),
    )
