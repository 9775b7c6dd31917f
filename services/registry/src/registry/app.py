"""Registry: the composition root."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from faststream.nats import NatsBroker
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events import Event, PersonalDataErased
from contracts.feed import RecordChanged
from contracts.subjects import REGISTRY_CONSUMER, changed_subject
from registry.api import build_router
from registry.audit import AuditLog
from registry.db import make_engine
from registry.migrate import upgrade
from registry.queries import Queries
from registry.retention import Retention
from registry.settings import RegistrySettings
from registry.stats import Statistics
from registry.store import Projector
from weerbaar_runtime.auth import Access, secure
from weerbaar_runtime.consumer import subscribe
from weerbaar_runtime.guards import BodyGuardMiddleware
from weerbaar_runtime.http import (
    install_operational_routes,
    install_problem_handlers,
)
from weerbaar_runtime.logging import configure_logging
from weerbaar_runtime.nats import (
    build_broker,
    document_publishers,
    publish_event,
    start_with_retry,
    stop_quietly,
)

FETCH = 256
"""Messages a pull fetches."""
IN_FLIGHT = 512
"""Messages being projected at once: two fetches, so the next batch of the projector's
group commit is waiting while one commits."""


@dataclass(frozen=True, slots=True)
class Registry:
    """Everything the registry is made of, wired together; nothing connects yet."""

    settings: RegistrySettings
    engine: AsyncEngine
    broker: NatsBroker
    projector: Projector
    queries: Queries
    statistics: Statistics
    retention: Retention
    audit: AuditLog

    async def publish(self, event: Event) -> None:
        await publish_event(self.broker, event)


def document_change_feed(broker: NatsBroker) -> None:
    """The change feed in the AsyncAPI document: core NATS, after each commit."""
    for kind in ("incident", "registration"):
        broker.publisher(
            changed_subject(kind, "*"),
            schema=RecordChanged,
            title=f"changed.{kind}",
            description=f"The {kind} record changed (published on core NATS after the "
            "registry committed): its id, the event types just projected and its new "
            "version; no personal data. A live view refetches the record on it.",
        )


def build(settings: RegistrySettings) -> Registry:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    keyring = settings.keyring()
    broker = build_broker(settings, service="registry")

    async def announce(changes: list[RecordChanged]) -> None:
        for change in changes:
            await broker.publish(
                change.model_dump_json().encode(),
                subject=changed_subject(change.kind, change.id),
                headers={"content-type": "application/json"},
            )

    projector = Projector(engine, batch_max=settings.batch_max, keyring=keyring, on_commit=announce)
    subscribe(broker, REGISTRY_CONSUMER, projector.submit, batch_size=FETCH, in_flight=IN_FLIGHT)
    document_publishers(broker, [PersonalDataErased])
    document_change_feed(broker)
    queries = Queries(engine, keyring)

    async def publish(event: Event) -> None:
        await publish_event(broker, event)

    retention = Retention(
        queries=queries, publish=publish, retention=timedelta(days=settings.retention_days)
    )
    return Registry(
        settings,
        engine,
        broker,
        projector,
        queries,
        Statistics(engine),
        retention,
        AuditLog(engine),
    )


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    configure_logging(service="registry", level=settings.log_level, json=settings.log_json)
    registry = build(settings)
    engine, broker, projector = registry.engine, registry.broker, registry.projector
    state = {"started": False}
    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        await start_with_retry(broker, what="registry")
        state["started"] = True
        if settings.retention_interval_s > 0:
            await registry.retention.run_forever(interval_s=settings.retention_interval_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade(engine)
        projector.start()
        tasks.append(asyncio.create_task(start(), name="registry-start"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await stop_quietly(broker)
            await projector.stop()
            await engine.dispose()

    app = FastAPI(
        title="Weerbaar registry API",
        version="0.2.0",
        lifespan=lifespan,
        summary="Incidents, their timelines, registrations, statistics and exports: the read side.",
        redoc_url=None,
        docs_url=None,  # no Swagger UI: it loads from a CDN; GET / says where the docs are
    )
    install_problem_handlers(app)
    app.add_middleware(BodyGuardMiddleware, max_body_bytes=65536)

    async def readiness() -> dict[str, bool]:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            database = True
        except Exception:
            database = False
        return {
            "nats": bool(state["started"] and broker.connection.is_connected),
            "database": database,
        }

    security = secure(app, settings.auth)
    install_operational_routes(
        app, readiness=readiness, metrics_guard=security.allow(Access.OPS, what="read metrics")
    )
    app.include_router(
        build_router(
            registry.queries,
            registry.statistics,
            publish=registry.publish,
            public_url=settings.public_url,
            security=security,
            audit=registry.audit,
        )
    )
    return app
