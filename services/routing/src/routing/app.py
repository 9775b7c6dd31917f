"""Routing: the composition root."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from faststream.nats import NatsBroker

from contracts.events import AdviserAssigned, Event, IncidentUnroutable
from contracts.runtime.consumer import subscribe
from contracts.runtime.http import install_operational_routes, install_problem_handlers
from contracts.runtime.logging import configure_logging, get_logger
from contracts.runtime.nats import (
    build_broker,
    document_publishers,
    publish_event,
    start_with_retry,
)
from contracts.subjects import ROUTING_CONSUMER
from routing.adapters import KeyValueAssignmentState
from routing.roster import load_roster
from routing.service import Router
from routing.settings import RoutingSettings

_log = get_logger("routing")


def build(settings: RoutingSettings) -> tuple[NatsBroker, Router]:
    """The broker with routing's subscriber and publishers, and the router behind them."""
    broker = build_broker(settings, service="routing")
    roster = load_roster(settings.roster_path)

    async def publish(event: Event) -> None:
        await publish_event(broker, event, timeout_s=settings.publish_timeout_s)

    router = Router(
        roster=roster, settings=settings, state=KeyValueAssignmentState(broker), publish=publish
    )
    subscribe(broker, ROUTING_CONSUMER, router.handle, batch_size=64)
    document_publishers(broker, [AdviserAssigned, IncidentUnroutable])
    return broker, router


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    settings = settings or RoutingSettings()
    configure_logging(service="routing", level=settings.log_level, json=settings.log_json)
    broker, router = build(settings)
    state = {"started": False}

    async def start() -> None:
        await start_with_retry(broker, what="routing")
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
        title="Weerbaar routing",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None if settings.environment == "production" else "/docs",
    )
    install_problem_handlers(app)

    async def readiness() -> dict[str, bool]:
        connected = state["started"] and broker.connection.is_connected
        return {"nats": bool(connected), "roster": bool(router.roster.advisers)}

    install_operational_routes(app, readiness=readiness)
    return app
