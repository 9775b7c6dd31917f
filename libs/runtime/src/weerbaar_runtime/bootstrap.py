"""The one bootstrap every event-driven service's composition root calls.

A service states only what is its own (its broker with subscribers, its routers, its
readiness checks, what runs after the broker started, what it closes); `service_app`
adds everything they share: problem+json errors, security headers and token checks
from the service's own settings, `/`, `/healthz`, `/readyz` and `/metrics` (ops role),
and a lifespan that starts the broker with retries without holding up the HTTP side.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from faststream.nats import NatsBroker

from weerbaar_runtime.admission import AdmissionLimit
from weerbaar_runtime.auth import Access, Security, secure
from weerbaar_runtime.guards import BodyGuardMiddleware, single_valued_query
from weerbaar_runtime.http import (
    install_operational_routes,
    install_problem_handlers,
)
from weerbaar_runtime.logging import configure_logging
from weerbaar_runtime.nats import start_with_retry, stop_quietly
from weerbaar_runtime.settings import ServiceSettings

Step = Callable[[], Awaitable[Any]]
"""Something done once: at start-up, after the broker started, or at shutdown."""
Check = Callable[[], Awaitable[bool] | bool]
"""One readiness check beside `nats`."""
RouterFactory = Callable[[Security], APIRouter]


@dataclass(frozen=True, slots=True)
class Service:
    """What a service brings to `service_app`."""

    name: str
    title: str
    summary: str
    broker: NatsBroker
    version: str = "0.1.0"
    routers: Sequence[RouterFactory] = ()
    checks: dict[str, Check] = field(default_factory=dict)
    before_start: Sequence[Step] = ()
    """Awaited in the lifespan before the app serves (e.g. a schema migration)."""
    after_connect: Sequence[Step] = ()
    """Awaited in order once the broker has started; the service is ready after them."""
    background: Sequence[Step] = ()
    """Long-running work started with the app (and after `after_connect` for the ones
    in `background_after_connect`), cancelled at shutdown."""
    background_after_connect: Sequence[Step] = ()
    on_stop: Sequence[Step] = ()
    """Awaited at shutdown after the broker stopped, in order."""
    max_body_bytes: int | None = None
    """Refuse larger or non-JSON request bodies before routing (413/415)."""
    max_in_flight: int | None = None
    """Write requests handled at once; one that waits `admission_wait_s` for room is
    answered 503 with Retry-After `retry_after_s` (`weerbaar_runtime.admission`)."""
    admission_wait_s: float = 0.5
    retry_after_s: int = 2


def service_app(settings: ServiceSettings, service: Service) -> FastAPI:
    """The service's FastAPI app; nothing connects until it starts."""
    configure_logging(service=service.name, level=settings.log_level, json=settings.log_json)
    broker = service.broker
    started = asyncio.Event()

    async def start() -> None:
        await start_with_retry(broker, what=service.name)
        for step in service.after_connect:
            await step()
        started.set()
        await _gather(service.background_after_connect)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for step in service.before_start:
            await step()
        tasks = [asyncio.create_task(start(), name=f"{service.name}-start")]
        tasks += [asyncio.create_task(_run(step)) for step in service.background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await stop_quietly(broker)
            for step in service.on_stop:
                await step()

    app = FastAPI(
        title=service.title,
        version=service.version,
        summary=service.summary,
        lifespan=lifespan,
        redoc_url=None,
        docs_url=None,  # no Swagger UI: it loads from a CDN; GET / says where the docs are
        # The schema is in docs/openapi/; production does not hand its map to callers.
        openapi_url=None if settings.environment == "production" else "/openapi.json",
        dependencies=[Depends(single_valued_query)],
    )
    install_problem_handlers(app)
    if service.max_body_bytes is not None:
        app.add_middleware(BodyGuardMiddleware, max_body_bytes=service.max_body_bytes)
    if service.max_in_flight is not None:
        app.add_middleware(
            AdmissionLimit,
            service=service.name,
            max_in_flight=service.max_in_flight,
            wait_s=service.admission_wait_s,
            retry_after_s=service.retry_after_s,
        )

    async def readiness() -> dict[str, bool]:
        checks = {"nats": started.is_set() and bool(broker.connection.is_connected)}
        for name, check in service.checks.items():
            checks[name] = await _check(check)
        return checks

    security = secure(app, settings.auth)
    app.state.security = security
    install_operational_routes(
        app, readiness=readiness, metrics_guard=security.allow(Access.OPS, what="read metrics")
    )
    for router in service.routers:
        app.include_router(router(security))
    return app


async def _run(step: Step) -> None:
    await step()


async def _gather(steps: Iterable[Step]) -> None:
    await asyncio.gather(*(step() for step in steps))


async def _check(check: Check) -> bool:
    try:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        return bool(result)
    except Exception:
        return False
