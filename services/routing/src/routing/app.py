"""Routing: the composition root."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from datetime import datetime

from fastapi import FastAPI
from faststream.nats import NatsBroker
from prometheus_client import Counter, Gauge

from contracts.events import (
    AckDeadlineShortened,
    AdviserAssigned,
    AssignmentEscalated,
    AssignmentRejected,
    Event,
    IncidentUnroutable,
    ReminderDue,
    utcnow,
)
from contracts.subjects import ROUTING_CONSUMER
from contracts.vocabulary import Pool
from routing.api import build_router
from routing.roster import Roster, RosterError, coverage_gaps, describe_gap, load_roster
from routing.service import Router
from routing.settings import RoutingSettings
from routing.state import StateStore
from routing.timers import scheduler, subscribe_timers, watch_pending
from weerbaar_runtime.bootstrap import Service, service_app
from weerbaar_runtime.consumer import subscribe
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import (
    build_broker,
    document_publishers,
    publish_event,
)

_log = get_logger("routing")

COVERAGE_GAP = Gauge(
    "weerbaar_routing_coverage_gap_seconds",
    "Seconds in the next 14 days without a primary on call",
    ["pool"],
)
ROSTER_RELOADS = Counter("weerbaar_routing_roster_reloads_total", "Roster reloads", ["outcome"])


COVERAGE_EVERY_S = 300.0


def report_coverage(
    roster: Roster, *, now: datetime | None = None, quiet: bool = False
) -> dict[Pool, float]:
    """Set the coverage-gap gauge for the next 14 days, and (unless `quiet`) warn about
    every pool without a primary at some moment of them."""
    gaps = coverage_gaps(roster, start=now or utcnow())
    totals: dict[Pool, float] = {}
    for pool in Pool:
        stretches = gaps.get(pool, [])
        totals[pool] = sum((end - start).total_seconds() for start, end in stretches)
        COVERAGE_GAP.labels(pool.value).set(totals[pool])
        if stretches and not quiet:
            start, end = stretches[0]
            _log.warning(
                "roster coverage gap: no primary on call",
                pool=pool.value,
                count=len(stretches),
                reason=f"first gap {describe_gap(start, end)}",
            )
    return totals


class RosterWatcher:
    """Reloads the roster on SIGHUP or when the file changes; a bad roster is refused
    and the one in force stays."""

    def __init__(self, router: Router, settings: RoutingSettings) -> None:
        self._router = router
        self._settings = settings
        self._mtime = self._stat()

    def _stat(self) -> float:
        try:
            return self._settings.roster_path.stat().st_mtime
        except OSError:
            return 0.0

    def reload(self) -> bool:
        self._mtime = self._stat()
        try:
            roster = load_roster(self._settings.roster_path)
        except RosterError as exc:
            ROSTER_RELOADS.labels("refused").inc()
            _log.error("roster refused; the previous roster stays in force", reason=str(exc))
            return False
        self._router.roster = roster
        ROSTER_RELOADS.labels("loaded").inc()
        _log.info("roster reloaded", count=len(roster.advisers))
        report_coverage(roster)
        return True

    async def watch(self) -> None:
        """Reload a changed roster; recompute the coverage gaps every
        `COVERAGE_EVERY_S`, so the gauge looks 14 days ahead from now, not from start."""
        loop = asyncio.get_running_loop()
        counted = loop.time()
        while True:
            await asyncio.sleep(self._settings.roster_poll_s)
            if self._stat() != self._mtime:
                self.reload()
                counted = loop.time()
            elif loop.time() - counted >= COVERAGE_EVERY_S:
                report_coverage(self._router.roster, quiet=True)
                counted = loop.time()


def build(settings: RoutingSettings, roster: Roster | None = None) -> tuple[NatsBroker, Router]:
    """The broker with routing's subscribers and publishers, and the router behind them."""
    broker = build_broker(settings, service="routing")

    async def publish(event: Event) -> None:
        await publish_event(broker, event, timeout_s=settings.publish_timeout_s)

    schedule = scheduler(broker, timeout_s=settings.publish_timeout_s)

    router = Router(
        roster=roster or load_roster(settings.roster_path),
        settings=settings,
        state=StateStore(broker),
        publish=publish,
        schedule=schedule,
    )
    subscribe(broker, ROUTING_CONSUMER, router.handle, batch_size=64)
    subscribe_timers(broker, router, schedule)
    document_publishers(
        broker,
        [
            AdviserAssigned,
            AssignmentEscalated,
            ReminderDue,
            IncidentUnroutable,
            AssignmentRejected,
            AckDeadlineShortened,
        ],
    )
    return broker, router


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    settings = settings or RoutingSettings()
    broker, router = build(settings)
    report_coverage(router.roster)
    watcher = RosterWatcher(router, settings)

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
