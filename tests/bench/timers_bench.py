"""Timer benchmark: deadlines fire on time behind BENCH_TIMERS_PENDING pending ones.

`make bench-timers` (or `uv run python -m tests.bench.timers_bench`). Starts the whole
system as `make test`'s end-to-end tests do (nats-server from the wheel, every service
a process, a real SMTP server), reports BENCH_TIMERS_PENDING (default 10,000) ordinary
cases whose deadline is an hour away, waits until routing has scheduled all of them,
then reports BENCH_TIMERS_ACUTE acute cases (default 100 a round, 5 a second) with a
BENCH_TIMERS_DEADLINE_S deadline (default 20 s) that nobody acknowledges, in
BENCH_RUNS rounds (default 3). For every acute case it takes the lateness of its
escalation: `assignment.escalated`'s time minus the deadline `adviser.assigned`
announced, both as stored in JetStream. Prints p50/p99/max per round and the median
of the rounds.

For scale, the same run first measures raw JetStream message schedules on the same
machine: a bare nats-server, the same number of pending schedules, and the same number
of short ones fired to a pull consumer, lateness from due time to receipt.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import nats
from nats.js.api import RetentionPolicy, StreamConfig

from routing.adapters.timers import schedule_time
from tests.bench.registry_bench import cpu_model
from tests.support.auth import OPERATOR
from tests.support.load import (
    report,
    report_body,
    report_many,
    stored_event,
    timers_stored,
    timestamp,
)
from tests.support.rosters import PRIMARY_BACKUP_ROSTER
from tests.support.servers import NatsServer, eventually
from tests.support.system import System


def out(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def spread(late: list[float]) -> tuple[float, float, float]:
    ordered = sorted(late)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


def line(label: str, late: list[float]) -> str:
    p50, p99, most = spread(late)
    return f"  {label:<28} p50 {p50:6.3f} s   p99 {p99:6.3f} s   max {most:6.3f} s"


async def raw_schedules(pending: int, short: int, rate: float) -> list[float]:
    """Lateness of `short` raw message schedules fired behind `pending` others."""
    with tempfile.TemporaryDirectory(prefix="weerbaar-bench-nats-") as tmp:
        server = NatsServer(Path(tmp), permissions=False).start()
        nc = await nats.connect(server.url)
        try:
            js = nc.jetstream()
            await js.add_stream(
                StreamConfig(
                    name="BENCH",
                    subjects=["bench.>"],
                    retention=RetentionPolicy.WORK_QUEUE,
                    allow_msg_schedules=True,
                )
            )
            later = schedule_time(datetime.now(UTC) + timedelta(hours=1))
            for start in range(0, pending, 256):
                await asyncio.gather(
                    *(
                        js.publish(
                            f"bench.schedule.long.{n}",
                            b"{}",
                            headers={
                                "Nats-Schedule": f"@at {later}",
                                "Nats-Schedule-Target": f"bench.due.long.{n}",
                            },
                        )
                        for n in range(start, min(pending, start + 256))
                    )
                )
            subscription = await js.pull_subscribe("bench.due.>", durable="bench")
            first = datetime.now(UTC) + timedelta(seconds=2)
            for n in range(short):
                due = first + timedelta(seconds=n / rate)
                await js.publish(
                    f"bench.schedule.short.{n}",
                    json.dumps({"due": due.timestamp()}).encode(),
                    headers={
                        "Nats-Schedule": f"@at {schedule_time(due)}",
                        "Nats-Schedule-Target": f"bench.due.short.{n}",
                    },
                )
            late: list[float] = []
            while len(late) < short:
                try:
                    fetched = await subscription.fetch(64, timeout=5)
                except nats.errors.TimeoutError:
                    continue
                for message in fetched:
                    late.append(time.time() - json.loads(message.data)["due"])
                    await message.ack()
            return late
        finally:
            await nc.close()
            server.stop()


async def acute_round(system: System, count: int, rate: float, deadline_s: float) -> list[float]:
    """Report `count` acute cases at `rate` a second; the lateness of each escalation."""
    ids: list[str] = []
    async with httpx.AsyncClient(timeout=30, headers=OPERATOR) as client:
        for _ in range(count):
            began = time.monotonic()
            ids.append(await report(client, system, report_body("acute")))
            await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - began)))
    late: list[float] = []
    for incident_id in ids:
        escalated = await eventually(
            lambda i=incident_id: stored_event(system, "assignment.escalated", i),  # type: ignore[misc]
            timeout=deadline_s + 120,
            what=f"escalation of {incident_id}",
        )
        assigned = await stored_event(system, "adviser.assigned", incident_id, first=True)
        assert assigned is not None
        late.append(timestamp(escalated["occurred_at"]) - timestamp(assigned["ack_deadline"]))
    return late


async def main() -> int:
    pending = int(os.environ.get("BENCH_TIMERS_PENDING", "10000"))
    acute = int(os.environ.get("BENCH_TIMERS_ACUTE", "100"))
    deadline_s = float(os.environ.get("BENCH_TIMERS_DEADLINE_S", "20"))
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    rate = 5.0
    out(
        f"timer benchmark: {pending:,} pending, {runs} rounds of {acute} acute cases "
        f"({deadline_s:.0f} s deadline), {os.cpu_count()} cores, {cpu_model()}, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    out("raw JetStream message schedules…")
    raw = await raw_schedules(pending, acute, rate)
    print(
        f"\nraw NATS JetStream message schedules, same machine, same run "
        f"({pending:,} pending, {acute} fired at {rate:.0f}/s):\n" + line("fire lateness", raw),
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="weerbaar-bench-timers-") as tmp:
        workdir = Path(tmp)
        (workdir / "roster.yaml").write_text(PRIMARY_BACKUP_ROSTER)
        system = System(
            workdir=workdir,
            roster=workdir / "roster.yaml",
            env_overrides={
                "ACK_DEADLINE_ACUTE_S": str(deadline_s),
                "ACK_DEADLINE_NORMAL_S": "3600",
                "ESCALATION_ROUNDS": "1",
                "AUTH_RATE_PER_MINUTE": "1000000",
                "LOG_LEVEL": "WARNING",
            },
        )
        await system.start()
        try:
            began = time.monotonic()
            await report_many(system, pending, concurrency=64)
            out(f"{pending:,} ordinary cases accepted in {time.monotonic() - began:.0f} s")

            async def scheduled() -> bool:
                return await timers_stored(system) >= pending

            await eventually(scheduled, timeout=1800, interval=1, what="deadlines scheduled")
            out(f"{pending:,} deadlines pending after {time.monotonic() - began:.0f} s")
            rounds: list[tuple[float, float, float]] = []
            print(f"\nWeerbaar, {pending:,} deadlines pending, escalation lateness:", flush=True)
            for n in range(runs):
                late = await acute_round(system, acute, rate, deadline_s)
                rounds.append(spread(late))
                print(line(f"round {n + 1} ({len(late)} cases)", late), flush=True)
            p50, p99, most = (statistics.median(r[i] for r in rounds) for i in range(3))
            print(
                f"  {'median of the rounds':<28} p50 {p50:6.3f} s   p99 {p99:6.3f} s   "
                f"max {most:6.3f} s",
                flush=True,
            )
        finally:
            await system.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
