"""Notify: the composition root."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from faststream.nats import NatsBroker

from contracts.events import Event, NotificationFailed, NotificationSent
from contracts.runtime.consumer import subscribe
from contracts.runtime.http import install_operational_routes, install_problem_handlers
from contracts.runtime.logging import configure_logging
from contracts.runtime.nats import (
    build_broker,
    document_publishers,
    publish_event,
    start_with_retry,
)
from contracts.subjects import NOTIFY_CONSUMER
from notify.adapters import KeyValueDeliveredLog
from notify.channels import EmailChannel
from notify.service import Notifier
from notify.settings import NotifySettings


def build(settings: NotifySettings) -> NatsBroker:
    """The broker with notify's subscriber and publishers."""
    broker = build_broker(settings, service="notify")

    async def publish(event: Event) -> None:
        await publish_event(broker, event, timeout_s=settings.publish_timeout_s)

    notifier = Notifier(
        mailer=EmailChannel(settings),
        delivered=KeyValueDeliveredLog(broker),
        publish=publish,
        intake_public_url=settings.intake_public_url,
        max_attempts=settings.max_attempts,
    )
    # The notifier gives up (and says so) at max_attempts; dead-lettering is the backstop.
    subscribe(
        broker,
        NOTIFY_CONSUMER,
        notifier.handle,
        batch_size=32,
        max_attempts=settings.max_attempts + 2,
    )
    document_publishers(broker, [NotificationSent, NotificationFailed])
    return broker


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    configure_logging(service="notify", level=settings.log_level, json=settings.log_json)
    broker = build(settings)
    state = {"started": False}

    async def start() -> None:
        await start_with_retry(broker, what="notify")
        state["started"] = True

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        starting = asyncio.create_task(start())
        try:
            yield
        finally:
            starting.cancel()
            await broker.stop()

    app = FastAPI(
        title="Weerbaar notify",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None if settings.environment == "production" else "/docs",
    )
    install_problem_handlers(app)

    async def readiness() -> dict[str, bool]:
        return {"nats": bool(state["started"] and broker.connection.is_connected)}

    install_operational_routes(app, readiness=readiness)
    return app
