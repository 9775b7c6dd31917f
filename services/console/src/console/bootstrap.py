"""The console's one composition root: `create_app(settings)` builds every part and
hands it to the routes. Nothing connects until the app starts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import nats
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from console.adapters.apis import Api, CapabilityProbe, Intake, Notify, Registry, Routing
from console.adapters.changes import ChangeFeedSubscriber, ChangeHub
from console.adapters.oidc import OidcClient
from console.adapters.sessions import KeyValueSessionStore
from console.domain.i18n import translate
from console.entrypoints import (
    callform,
    case,
    errors,
    events,
    faults,
    oversight,
    pages,
    records,
    signin,
    statistics,
    view,
)
from console.entrypoints.security import SecurityHeadersMiddleware, content_security_policy
from console.entrypoints.web import (
    Console,
)
from console.service.ports import SessionStore
from console.settings import ConsoleSettings
from contracts.subjects import CONSOLE_SESSIONS_BUCKET, inbox_prefix
from weerbaar_runtime.auth import Access, Authenticator, AuthSettings, RateLimiter, authorise
from weerbaar_runtime.http import install_operational_routes
from weerbaar_runtime.logging import configure_logging, get_logger

HERE = Path(__file__).resolve().parent
_log = get_logger("console")


async def _connect(app: FastAPI, settings: ConsoleSettings, store: Any, hub: ChangeHub) -> None:
    """Connect to NATS (retrying until it answers), bind the session bucket and
    subscribe to the change feed; a lost connection starts a new feed epoch."""
    feed = ChangeFeedSubscriber(hub)
    app.state.feed = feed

    async def disconnected() -> None:
        app.state.connected = False
        await feed.disconnected()

    async def reconnected() -> None:
        app.state.connected = True

    while True:
        try:
            nc = await nats.connect(
                servers=settings.nats_servers(),
                user=settings.nats_user,
                password=settings.nats_password.get_secret_value()
                if settings.nats_password
                else None,
                name="weerbaar-console",
                inbox_prefix=inbox_prefix(settings.nats_user),
                connect_timeout=max(1, int(settings.nats_connect_timeout_s)),
                max_reconnect_attempts=-1,
                reconnect_time_wait=1,
                disconnected_cb=disconnected,
                reconnected_cb=reconnected,
                allow_reconnect=True,
            )
            app.state.nc = nc
            if isinstance(store, KeyValueSessionStore):
                store.bind(await nc.jetstream().key_value(CONSOLE_SESSIONS_BUCKET))
            await feed.start(nc)
            app.state.connected = True
            _log.info("connected", component="nats")
            return
        except Exception as exc:
            _log.warning("nats not ready, retrying", error_type=type(exc).__name__)
            with contextlib.suppress(Exception):
                await app.state.nc.close() if getattr(app.state, "nc", None) else None
            app.state.nc = None
            await asyncio.sleep(1.0)


def create_app(
    settings: ConsoleSettings | None = None,
    *,
    store: SessionStore | None = None,
    auth_settings: AuthSettings | None = None,
    connect: bool = True,
) -> FastAPI:
    """The console app. Tests may pass their own session store and skip NATS."""
    settings = settings or ConsoleSettings()
    auth_settings = auth_settings or AuthSettings()
    configure_logging(service="console", level=settings.log_level, json=settings.log_json)
    store = store or KeyValueSessionStore()
    hub = ChangeHub()
    closing = asyncio.Event()
    http = httpx.AsyncClient(timeout=settings.api_timeout_s)
    apis = {
        "intake": Api(http, settings.intake_url, "intake"),
        "registry": Api(http, settings.registry_url, "registry"),
        "routing": Api(http, settings.routing_url, "routing"),
        "notify": Api(http, settings.notify_url, "notify"),
    }
    oidc = None
    form_targets: tuple[str, ...] = ()
    if settings.sign_in == "oidc":
        assert settings.oidc_issuer and settings.oidc_client_id
        oidc = OidcClient(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value()
            if settings.oidc_client_secret
            else None,
            redirect_uri=f"{settings.public_url.rstrip('/')}/aanmelden/terug",
            scope=settings.oidc_scope,
        )
        issuer = urlsplit(settings.oidc_issuer)
        form_targets = (f"{issuer.scheme}://{issuer.netloc}",)
    console = Console(
        settings=settings,
        auth_settings=auth_settings,
        authenticator=Authenticator(auth_settings),
        store=store,
        intake=Intake(apis["intake"]),
        registry=Registry(apis["registry"]),
        routing=Routing(apis["routing"]),
        notify=Notify(apis["notify"]),
        probe=CapabilityProbe({"intake": apis["intake"], "routing": apis["routing"]}),
        hub=hub,
        templates=view.templates(),
        oidc=oidc,
        translate=translate,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        connecting = asyncio.create_task(_connect(app, settings, store, hub)) if connect else None
        try:
            yield
        finally:
            closing.set()
            hub.close()
            if connecting:
                connecting.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await connecting
            feed = getattr(app.state, "feed", None)
            if feed:
                await feed.stop()
            nc = getattr(app.state, "nc", None)
            if nc:
                with contextlib.suppress(Exception):
                    await nc.close()
            await http.aclose()

    app = FastAPI(
        title="Weerbaar console",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.console = console
    app.state.closing = closing
    app.state.connected = not connect
    app.state.nc = None
    app.add_middleware(
        SecurityHeadersMiddleware,
        csp=content_security_policy(form_targets),
        https=settings.public_url.startswith("https://"),
    )

    async def readiness() -> dict[str, bool]:
        return {"nats": bool(app.state.connected)}

    metrics_guard = authorise(Authenticator(auth_settings), RateLimiter(per_minute=600))(
        Access.OPS, what="read metrics"
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    signin.install(app, console)
    pages.install(app, console)
    callform.install(app, console)
    case.install(app, console)
    oversight.install(app, console)
    statistics.install(app, console)
    records.install(app, console)
    faults.install(app, console)
    events.install(app, console, closing)
    errors.install(app, console)
    # the console's `/` is the board, not the services' JSON index
    install_operational_routes(app, readiness=readiness, metrics_guard=metrics_guard, about=False)
    return app
