"""The faults: each injects one failure into a running system, undoes it where
something has to (a restart, the SMTP server back), and returns the moment from which
the system should recover on its own."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import nats
from aiosmtpd.controller import Controller
from nats.js.api import ConsumerInfo

from contracts.subjects import (
    EVENTS_STREAM,
    NOTIFY_CONSUMER,
    TIMER_DUE_PREFIX,
    TIMER_SCHEDULE_PREFIX,
    TIMERS_STREAM,
    TOPOLOGY,
)
from tests.chaos.databases import postgres_down, registry_on_postgres, sqlite_locked
from tests.chaos.leaders import groups_led_by, wait_reelected
from tests.support.cluster import Member, NatsCluster
from tests.support.postgres import ThrowawayCluster
from tests.support.servers import ServiceProcess
from tests.support.system import System


@dataclass
class Chaos:
    """What a fault acts on, and how long its outages last."""

    system: System
    scale: float = 1.0
    deadlines: int = 10_000

    def seconds(self, full: float) -> float:
        return max(1.0, full * self.scale)

    postgres: ThrowawayCluster | None = None
    """The registry's PostgreSQL, once a fault moved it there (stopped by `close`)."""
    notes: list[str] = field(default_factory=list)
    """What a fault saw (a restart's start-up time), for the table's notes."""
    reelected: float | None = None
    """When every Raft group an escalation needs had a leader again after a member was
    killed or frozen (monotonic), if the member led one: no escalation can be stored
    before, so lateness is also counted from then."""

    @property
    def cluster(self) -> NatsCluster | None:
        nats_ = self.system.nats
        return nats_ if isinstance(nats_, NatsCluster) else None

    async def pages_in_flight(self) -> int:
        """Pages notify holds unacknowledged now: the most a kill can make it repeat."""
        assert self.system.nats is not None
        nc = await nats.connect(self.system.nats.servers)
        try:
            js = nc.jetstream(timeout=5)
            info: ConsumerInfo = await js.consumer_info(
                NOTIFY_CONSUMER.stream, NOTIFY_CONSUMER.durable
            )
            return int(info.num_ack_pending or 0)
        finally:
            await nc.close()

    def close(self) -> None:
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None


Inject = Callable[[Chaos], Awaitable[float]]
Prepare = Callable[[Chaos], Awaitable[str | None]]
"""Run before the load starts; returns why the fault cannot run here, or None."""


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Inject
    cluster_only: bool = False
    acute_share: float = 0.1
    prepare: Prepare | None = None
    halts_all: bool = False
    """Every nats-server is down: no timer can fire until they are back."""
    halts_single: bool = False
    """The same on the single server (its only server killed or frozen)."""

    def halts(self, target: str) -> bool:
        return self.halts_all or (self.halts_single and target == "single")


def kill_service(name: str) -> Inject:
    async def inject(chaos: Chaos) -> float:
        service = chaos.system.services[name]
        service.kill()
        await asyncio.sleep(2)  # a supervisor's restart delay
        service.start()
        started = time.monotonic()
        chaos.notes.append(f"{name} ready {await ready_after(service):.1f} s after its restart")
        return started

    return inject


async def ready_after(service: ServiceProcess, timeout: float = 120.0) -> float:
    """Seconds until a just started service answers /readyz with 200."""
    began = time.monotonic()
    async with httpx.AsyncClient(timeout=1) as client:
        while time.monotonic() - began < timeout:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{service.base_url}/readyz")).status_code == 200:
                    break
            await asyncio.sleep(0.05)
    return time.monotonic() - began


async def _nats_ready(chaos: Chaos) -> None:
    if chaos.cluster is not None:
        await chaos.cluster.wait_healthy()


async def kill_leader(chaos: Chaos) -> float:
    """kill -9 the member leading WEERBAAR_EVENTS (the single server: itself); a new
    leader should take over, the old one rejoins after a while."""
    cluster = chaos.cluster
    if cluster is None:
        assert chaos.system.nats is not None
        chaos.system.nats.kill()
        await asyncio.sleep(chaos.seconds(5))
        chaos.system.nats.start()  # type: ignore[union-attr]
        return time.monotonic()
    return await _kill_member(chaos, cluster, await cluster.leader(EVENTS_STREAM))


async def kill_follower(chaos: Chaos) -> float:
    cluster = chaos.cluster
    assert cluster is not None
    return await _kill_member(chaos, cluster, await cluster.follower(EVENTS_STREAM))


async def _kill_member(chaos: Chaos, cluster: NatsCluster, member: Member) -> float:
    """kill -9 one member, wait for new leaders of what it led, start it again 15 s
    after the kill; returns the moment of the kill."""
    led = await groups_led_by(chaos, member.name)
    chaos.notes.append(f"the killed member led {', '.join(led) or 'nothing'}")
    member.kill()
    killed = time.monotonic()
    await wait_reelected(chaos, member.name, led, since=killed)
    await asyncio.sleep(max(0.0, killed + chaos.seconds(15) - time.monotonic()))
    cluster.start_member(member)
    await _nats_ready(chaos)
    return killed


async def freeze_node(chaos: Chaos) -> float:
    """SIGSTOP for 10 s: the events leader of the cluster, or the single server."""
    cluster = chaos.cluster
    assert chaos.system.nats is not None
    member = await cluster.leader(EVENTS_STREAM) if cluster is not None else None
    led = await groups_led_by(chaos, member.name) if member is not None else []
    process = member.process if member is not None else chaos.system.nats.process
    assert process is not None
    process.send_signal(signal.SIGSTOP)
    stopped = time.monotonic()
    if member is not None:
        chaos.notes.append(f"the frozen member led {', '.join(led)}")
        await wait_reelected(chaos, member.name, led, since=stopped)
    await asyncio.sleep(max(0.0, stopped + chaos.seconds(10) - time.monotonic()))
    process.send_signal(signal.SIGCONT)
    await _nats_ready(chaos)
    # the cluster should carry on without the frozen member; one server cannot
    return stopped if cluster is not None else time.monotonic()


async def restart_all(chaos: Chaos) -> float:
    """Every nats-server killed (-9) and started again."""
    nats_ = chaos.system.nats
    assert nats_ is not None
    if isinstance(nats_, NatsCluster):
        nats_.kill()
        for member in nats_.members:
            nats_.start_member(member)
        await nats_.wait_healthy()
    else:
        nats_.kill()
        nats_.start()
    return time.monotonic()


def poison_subjects() -> list[str]:
    """One concrete subject under every filter of every durable."""
    subjects = []
    for consumer in TOPOLOGY.consumers:
        for pattern in consumer.filter_subjects:
            subject = pattern.replace("*", str(uuid.uuid4())).replace(">", f"ack.{uuid.uuid4()}")
            subjects.append(subject)
    return subjects


async def poison(chaos: Chaos) -> float:
    """A message that is not an event on every subject a durable consumes."""
    assert chaos.system.nats is not None
    nc = await nats.connect(chaos.system.nats.servers)
    try:
        js = nc.jetstream()
        for subject in poison_subjects():
            await js.publish(subject, b"\x00 not an event {")
    finally:
        await nc.close()
    return time.monotonic()


async def smtp_down(chaos: Chaos) -> float:
    system = chaos.system
    assert system.smtp is not None
    port = system.smtp.port
    system.smtp.stop()
    await asyncio.sleep(chaos.seconds(60))
    system.smtp = Controller(system.mailbox, hostname="127.0.0.1", port=port)
    system.smtp.start()
    return time.monotonic()


async def open_deadlines(chaos: Chaos) -> float:
    """`chaos.deadlines` ack deadlines an hour away, pending in WEERBAAR_TIMERS as
    message schedules (exactly what routing stores for an open case), while acute
    cases keep arriving."""
    assert chaos.system.nats is not None
    nc = await nats.connect(chaos.system.nats.servers)
    due = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    try:
        js = nc.jetstream()

        async def one(n: int) -> None:
            assignment, incident = uuid.uuid4(), uuid.uuid4()
            await js.publish(
                f"{TIMER_SCHEDULE_PREFIX}.ack.{assignment}.0",
                b"{}",
                stream=TIMERS_STREAM,
                headers={
                    "Nats-Schedule": f"@at {due}",
                    "Nats-Schedule-Target": f"{TIMER_DUE_PREFIX}.ack.{incident}",
                },
            )

        for start in range(0, chaos.deadlines, 200):
            await asyncio.gather(*(one(n) for n in range(start, min(start + 200, chaos.deadlines))))
    finally:
        await nc.close()
    return time.monotonic()


FAULTS = (
    *(Fault(f"kill -9 {name}", kill_service(name)) for name in ("intake", "routing", "registry")),
    *(Fault(f"kill -9 {name}", kill_service(name)) for name in ("notify", "console")),
    Fault("kill -9 stream leader", kill_leader, halts_single=True),
    Fault("kill -9 follower", kill_follower, cluster_only=True),
    Fault("SIGSTOP node 10 s", freeze_node, halts_single=True),
    Fault("restart all NATS", restart_all, halts_all=True),
    Fault("poison on every subject", poison),
    Fault("SMTP down 60 s", smtp_down),
    Fault("SQLite locked 60 s", sqlite_locked),
    Fault("PostgreSQL down 60 s", postgres_down, prepare=registry_on_postgres),
    Fault("10,000 open deadlines", open_deadlines, acute_share=0.3),
)
