"""Helpers for the registry's HTTP API tests: its routes on an app of their own over a
projected database, a stand-in for JetStream, paging."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import Depends, FastAPI

from contracts.events import Event
from registry.entrypoints.http.routes import build_router
from tests.support import auth
from tests.support.registry import Registry, open_registry, recorded_events
from tests.support.registry_stats import fixture
from weerbaar_runtime.auth import AuthSettings, secure
from weerbaar_runtime.guards import single_valued_query
from weerbaar_runtime.http import install_problem_handlers
from weerbaar_runtime.nats import PublishFailedError


class Publisher:
    """Stands in for JetStream: an accepted event is projected at once."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.failing = False
        self.published: list[Event] = []

    async def __call__(self, event: Event) -> None:
        if self.failing:
            raise PublishFailedError("TimeoutError")
        self.published.append(event)
        await self.registry.projector.write([event])


@asynccontextmanager
async def open_api(url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Publisher]]:
    """The recorded events and the statistics fixture projected, the API over them."""
    async with open_registry(url) as registry:
        await registry.projector.write(recorded_events() + fixture())
        publisher = Publisher(registry)
        app = registry_app(registry, publisher)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://registry.test", headers=auth.OPERATOR
        ) as c:
            yield c, publisher


def registry_app(registry: Registry, publish: Any) -> FastAPI:
    """The registry's routes as the service mounts them, on an app of their own."""
    app = FastAPI(dependencies=[Depends(single_valued_query)])  # as service_app does
    install_problem_handlers(app)
    security = secure(app, AuthSettings())
    app.include_router(
        build_router(
            registry.queries,
            registry.statistics,
            publish=publish,
            public_url="http://registry.test",
            security=security,
            audit=registry.audit,
        )
    )
    return app


def reported_ids() -> list[str]:
    return [
        str(e.incident_id) for e in recorded_events() + fixture() if e.type == "incident.reported"
    ]


async def all_pages(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = await client.get(
            path, params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))
