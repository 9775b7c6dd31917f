"""Registry: the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, FastAPI
from faststream.nats import NatsBroker
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events import Event, PersonalDataErased
from contracts.feed import RecordChanged
from contracts.subjects import REGISTRY_CONSUMER, changed_subject
from registry.adapters.case_keys import CaseKeys, key_to_keep
from registry.adapters.db import make_engine
from registry.adapters.migrate import upgrade
from registry.adapters.projector import Projector
from registry.adapters.sql_audit import AuditLog
from registry.adapters.sql_queries import Queries
from registry.adapters.sql_statistics import Statistics
from registry.adapters.sql_summary import keep_summary
from registry.entrypoints.http.routes import build_router
from registry.service.retention import Retention
from registry.settings import RegistrySettings
from weerbaar_runtime.auth import Security
from weerbaar_runtime.bootstrap import Service, service_app
from weerbaar_runtime.consumer import Handler, subscribe
from weerbaar_runtime.keystore import KeyStore
from weerbaar_runtime.nats import build_broker, document_publishers, publish_event

_JSON = {"content-type": "application/json"}

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


def keeping_keys(keys: KeyStore, projector: Projector) -> Handler:
    """The registry's handler: the case's data key from the key store offered to the
    projector with an event that needs it (to keep it beside the case, or to seal what
    arrived in the clear); an erasure destroys the case's key in the key store first.
    The key store not answering is a failure the consumer retries."""

    async def handle(event: Event, attempt: int) -> None:
        if isinstance(event, PersonalDataErased):
            await keys.erase(event.incident_id)
        else:
            key = await key_to_keep(keys, event)
            if key is not None:
                projector.offer(key)
        await projector.submit(event, attempt)

    return handle


def build(settings: RegistrySettings) -> Registry:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    case_keys = CaseKeys(settings.kek_ring(), cache=settings.key_cache)
    broker = build_broker(settings, service="registry")

    async def announce(changes: list[RecordChanged]) -> None:
        # core NATS straight from the client: a hint per record changed, nothing to
        # wait for, and FastStream's per-publish middleware cost more than the publish
        connection = broker.connection
        for change in changes:
            await connection.publish(
                changed_subject(change.kind, change.id),
                change.model_dump_json().encode(),
                headers=_JSON,
            )

    projector = Projector(
        engine,
        batch_max=settings.batch_max,
        keys=case_keys,
        stats_key=settings.stats_secret(),
        on_commit=announce,
    )
    keys = settings.key_store(broker)
    subscribe(
        broker,
        REGISTRY_CONSUMER,
        keeping_keys(keys, projector),
        batch_size=FETCH,
        in_flight=IN_FLIGHT,
    )
    document_publishers(broker, [PersonalDataErased])
    document_change_feed(broker)
    queries = Queries(engine, case_keys)

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
        Statistics(engine, summary=settings.stats_summary_interval_s > 0),
        retention,
        AuditLog(engine),
    )


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    registry = build(settings)
    engine, projector = registry.engine, registry.projector

    async def migrate_and_project() -> None:
        await upgrade(engine, stats_key=settings.stats_secret())
        projector.start()

    async def database() -> bool:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def retention() -> None:
        if settings.retention_interval_s > 0:
            await registry.retention.run_forever(interval_s=settings.retention_interval_s)

    async def summarise() -> None:
        if settings.stats_summary_interval_s > 0:
            await keep_summary(engine, interval_s=settings.stats_summary_interval_s)

    def routes(security: Security) -> APIRouter:
        return build_router(
            registry.queries,
            registry.statistics,
            publish=registry.publish,
            public_url=settings.public_url,
            security=security,
            audit=registry.audit,
        )

    return service_app(
        settings,
        Service(
            name="registry",
            title="Weerbaar registry API",
            version="0.2.0",
            summary="Incidents, their timelines, registrations, statistics and exports: "
            "the read side.",
            broker=registry.broker,
            routers=[routes],
            checks={"database": database},
            before_start=[migrate_and_project],
            background=[summarise],
            background_after_connect=[retention],
            on_stop=[projector.stop, engine.dispose],
            max_body_bytes=65536,
        ),
    )
