"""Registry: the composition root."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from faststream.nats import NatsBroker
from sqlalchemy import text
from sqlalchemy.engine import make_url

from contracts.runtime.consumer import subscribe
from contracts.runtime.http import install_operational_routes, install_problem_handlers
from contracts.runtime.logging import configure_logging
from contracts.runtime.nats import build_broker, start_with_retry
from contracts.subjects import REGISTRY_CONSUMER
from registry.api import build_router
from registry.db import create_schema, make_engine
from registry.settings import RegistrySettings
from registry.store import Projector, Queries


def build(settings: RegistrySettings) -> tuple[NatsBroker, Projector, Queries]:
    """Broker, projector and queries, wired together; nothing connects yet."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    projector = Projector(engine, batch_max=settings.batch_max)
    broker = build_broker(settings, service="registry")
    subscribe(broker, REGISTRY_CONSUMER, projector.submit, batch_size=256)
    return broker, projector, Queries(engine)


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    configure_logging(service="registry", level=settings.log_level, json=settings.log_json)
    broker, projector, queries = build(settings)
    engine = projector._engine
    state = {"started": False}

    async def start() -> None:
        await start_with_retry(broker, what="registry")
        state["started"] = True

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await create_schema(engine)
        projector.start()
        starting = asyncio.create_task(start())
        try:
            yield
        finally:
            starting.cancel()
            await broker.stop()
            await projector.stop()
            await engine.dispose()

    app = FastAPI(
        title="Weerbaar registry API",
        version="0.1.0",
        lifespan=lifespan,
        summary="Incidents, their timelines and statistics: the read side.",
        docs_url=None if settings.environment == "production" else "/docs",
    )
    install_problem_handlers(app)

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

    install_operational_routes(app, readiness=readiness)
    app.include_router(build_router(queries))
    return app
