"""One load step of the end-to-end benchmark: open-loop reports at a rate for a while,
then the wait until every accepted report was paged and shown by the registry."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.e2e_rig import Feeds, TimedMailbox, cpu_seconds, jetstream_writes, spread
from tests.support.auth import token
from tests.support.system import System

STAGES = ("intake 202", "routing decision", "notify SMTP accepted", "registry visible")
DRAIN_S = float(os.environ.get("BENCH_DRAIN_S", "30"))
KEEPS_UP_P99_S = float(os.environ.get("BENCH_KEEPS_UP_P99_S", "1"))
"""A ramp step keeps up when nothing is shed or lost and every stage's p99 is within this
(BENCH_KEEPS_UP_P99_S, default 1 s)."""


@dataclass
class Step:
    rate: float
    duration_s: float
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    stages: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    not_paged: int = 0
    not_visible: int = 0
    repeated_pages: int = 0
    cpu_ms: dict[str, float] = field(default_factory=dict)
    """CPU milliseconds per accepted incident, per process."""
    sender_cpu_ms: float = 0.0
    """The load generator's CPU milliseconds per request."""
    writes: dict[str, float] = field(default_factory=dict)
    """JetStream writes per accepted incident, per stream."""
    retry_after: set[str] = field(default_factory=set)

    @property
    def accepted(self) -> int:
        return self.statuses.get(202, 0)

    @property
    def shed(self) -> int:
        return self.statuses.get(503, 0)

    @property
    def lost(self) -> int:
        return self.not_paged + self.not_visible

    def keeps_up(self) -> bool:
        return (
            self.accepted == self.sent
            and self.lost == 0
            and self.repeated_pages == 0
            and all(s[2] <= KEEPS_UP_P99_S for s in self.stages.values())
        )


def processes(system: System, extra: dict[str, int]) -> dict[str, int]:
    """Process name → pid: the services, nats-server, any extra processes, and this one
    (the SMTP server, the feeds)."""
    pids = {name: p.process.pid for name, p in system.services.items() if p.process is not None}
    assert system.nats is not None
    nats_process = getattr(system.nats, "process", None)
    if nats_process is not None:
        pids["nats-server"] = nats_process.pid
    pids.update(extra)
    pids["bench (SMTP, feeds)"] = os.getpid()
    return pids


async def send(system: System, rate: float, duration_s: float) -> tuple[list[list[object]], float]:
    """Run the load generator as its own process; its rows and CPU seconds."""
    with tempfile.NamedTemporaryFile(prefix="weerbaar-bench-sent-", suffix=".jsonl") as out:
        env = {**os.environ, "BENCH_TOKEN": token("operator")}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.bench.e2e_sender",
            system.intake,
            str(rate),
            str(duration_s),
            out.name,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
        )
        await proc.wait()
        lines = Path(out.name).read_text().splitlines()
    rows = [json.loads(line) for line in lines[:-1]]
    return rows, float(json.loads(lines[-1])["cpu_s"])


async def run_step(
    system: System,
    mailbox: TimedMailbox,
    feeds: Feeds,
    rate: float,
    duration_s: float,
    *,
    monitor_port: int,
    extra: dict[str, int] | None = None,
) -> Step:
    pids = processes(system, extra or {})
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    writes_before = jetstream_writes(monitor_port)
    mails_before = len(mailbox.accepted)
    _, repeats_before = mailbox.pages(len(mailbox.accepted))
    rows, sender_cpu = await send(system, rate, duration_s)
    step = Step(rate=rate, duration_s=duration_s, sent=len(rows))
    step.statuses.update(int(row[3]) for row in rows)  # type: ignore[call-overload]
    step.retry_after = {str(row[5]) for row in rows if row[3] == 503}
    accepted = {str(row[4]): (float(row[1]), float(row[2])) for row in rows if row[3] == 202}  # type: ignore[arg-type]

    deadline = time.monotonic() + DRAIN_S
    while True:
        pages, repeats = mailbox.pages(mails_before)
        done = all(i in pages and i in feeds.visible for i in accepted)
        if done or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(0.5)  # let the last acks and records be written
    pages, repeats = mailbox.pages(mails_before)
    cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    writes_after = jetstream_writes(monitor_port)

    per = max(1, step.accepted)
    step.cpu_ms = {n: (cpu_after[n] - cpu_before[n]) * 1000 / per for n in pids}
    step.sender_cpu_ms = sender_cpu * 1000 / max(1, step.sent)
    step.writes = {
        s: (writes_after.get(s, 0) - writes_before.get(s, 0)) / per
        for s in writes_after
        if writes_after.get(s, 0) != writes_before.get(s, 0)
    }
    step.repeated_pages = repeats - repeats_before
    step.not_paged = sum(1 for i in accepted if i not in pages)
    step.not_visible = sum(1 for i in accepted if i not in feeds.visible)
    by_stage: dict[str, list[float]] = {s: [] for s in (*STAGES, "paged and visible")}
    after_202: list[float] = []
    for incident, (intended, answered) in accepted.items():
        by_stage["intake 202"].append(answered - intended)
        if incident in feeds.assigned:
            by_stage["routing decision"].append(feeds.assigned[incident] - intended)
        if incident in pages:
            by_stage["notify SMTP accepted"].append(pages[incident] - intended)
        if incident in feeds.visible:
            by_stage["registry visible"].append(feeds.visible[incident] - intended)
        if incident in pages and incident in feeds.visible:
            both = max(pages[incident], feeds.visible[incident])
            by_stage["paged and visible"].append(both - intended)
            after_202.append(both - answered)
    by_stage["after the 202"] = after_202
    step.stages = {s: spread(v) for s, v in by_stage.items()}
    return step
