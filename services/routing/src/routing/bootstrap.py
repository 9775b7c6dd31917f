"""Routing's composition root: `build(settings)` makes the broker, the adapters and the
router and subscribes the entrypoints; `create_app(settings)` puts them in the service
app. Nothing connects until the app starts."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from fastapi import FastAPI
from faststream.nats import NatsBroker

from contracts.events import (
    AckDeadlineShortened,
    AdviserAssigned,
    AssignmentEscalated,
    AssignmentRejected,
    Event,
    IncidentUnroutable,
    ReminderDue,
)
from routing.adapters.roster_file import load_roster
from routing.adapters.state import KvStateStore
from routing.adapters.timers import scheduler, watch_pending
from routing.domain.roster import Roster
from routing.entrypoints.api import build_router
from routing.entrypoints.events import subscribe_events
from routing.entrypoints.roster_watch import RosterWatcher
from routing.entrypoints.timers import subscribe_timers
from routing.service.roster import report_coverage
from routing.service.router import Router
from routing.settings import RoutingSettings
from weerbaar_runtime.bootstrap import Service, service_app
from weerbaar_runtime.nats import build_broker, document_publishers, publish_event

PUBLISHED: list[type[Event]] = [
    AdviserAssigned,
    AssignmentEscalated,
    ReminderDue,
    IncidentUnroutable,
    AssignmentRejected,
    AckDeadlineShortened,
]


def build(settings: RoutingSettings, roster: Roster | None = None) -> tuple[NatsBroker, Router]:
    """The broker with routing's subscribers and publishers, and the router behind them."""
    broker = build_broker(settings, service="routing")

    async def publish(event: Event) -> None:
        await publish_event(broker, event, timeout_s=settings.nats_timeout_s)

    schedule = scheduler(broker, timeout_s=settings.nats_timeout_s)
    router = Router(
        roster=roster or load_roster(settings.roster_path),
        settings=settings,
        state=KvStateStore(broker, timeout_s=settings.nats_timeout_s),
        publish=publish,
        schedule=schedule,
    )
    subscribe_events(broker, router)
    subscribe_timers(broker, router, schedule)
    document_publishers(broker, PUBLISHED)
    return broker, router


def create_app(settings: RoutingSettings) -> FastAPI:
    broker, router = build(settings)
    report_coverage(router.roster)
    watcher = RosterWatcher(
        router,
        path=settings.roster_path,
        load=lambda: load_roster(settings.roster_path),
        poll_s=settings.roster_poll_s,
    )

    async def on_sighup() -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGHUP, watcher.reload)

    async def watch_timers() -> None:
        await watch_pending(broker, interval_s=settings.timer_stats_s)

    return service_app(
        settings,
        Service(
            name="routing",
            title="Weerbaar routing",
            summary="Assigns the on-call adviser, escalates past deadlines; who is on call.",
            broker=broker,
            routers=[lambda security: build_router(router, security)],
            checks={"roster": lambda: bool(router.roster.advisers)},
            before_start=[on_sighup],
            after_connect=[router.warm_up],
            background=[watcher.watch],
            background_after_connect=[watch_timers],
        ),
    )
