"""What the end-to-end benchmark watches: the SMTP server's accepted mails, the
assignments on the event stream, the registry's change feed, each process's CPU and
JetStream's write counters. Timestamps are wall-clock seconds on this one machine."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.msg import Msg

from contracts.subjects import CHANGED_PREFIX, SUBJECT_PREFIX
from tests.support.system import RecordingHandler, System

SUBJECT_ID = re.compile(
    rb"Subject:(?:[^\r\n]|\r?\n[ \t])*?"
    rb"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
"""The incident id in a page's Subject header, which may be folded over lines."""
MESSAGE_ID = re.compile(rb"Message-ID: (<[^>]+>)", re.IGNORECASE)
TICK = os.sysconf("SC_CLK_TCK")


class TimedMailbox(RecordingHandler):
    """An aiosmtpd handler that keeps each accepted mail's raw bytes and the moment it
    answered DATA (parsed after the run, to keep the server cheap)."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[tuple[float, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted.append((time.time(), envelope.content))
        return "250 Message accepted for delivery"

    def pages(self, since: int) -> tuple[dict[str, float], int]:
        """The first page per incident among mails from index `since`, and how many
        mails repeated a Message-ID already seen."""
        first: dict[str, float] = {}
        seen: set[bytes] = set()
        repeats = 0
        for _at, content in self.accepted:
            found = MESSAGE_ID.search(content)
            if found and found.group(1) in seen:
                repeats += 1
            elif found:
                seen.add(found.group(1))
        for at, content in self.accepted[since:]:
            match = SUBJECT_ID.search(content)
            if match:
                first.setdefault(match.group(1).decode(), at)
        return first, repeats


@dataclass
class Feeds:
    """Routing's assignments (their `occurred_at`) and the registry's change feed (when
    a record showed `adviser.assigned`), seen on core NATS as the harness user."""

    assigned: dict[str, float] = field(default_factory=dict)
    visible: dict[str, float] = field(default_factory=dict)
    nc: Any = None

    async def start(self, system: System) -> Feeds:
        assert system.nats is not None
        self.nc = await nats.connect(system.nats.url)

        async def on_assigned(msg: Msg) -> None:
            incident = msg.subject.rsplit(".", 1)[1]
            at = json.loads(msg.data).get("occurred_at")
            if at and incident not in self.assigned:
                from datetime import datetime

                self.assigned[incident] = datetime.fromisoformat(at).timestamp()

        async def on_changed(msg: Msg) -> None:
            change = json.loads(msg.data)
            if "adviser.assigned" in change.get("event_types", ()):
                self.visible.setdefault(change["id"], time.time())

        await self.nc.subscribe(f"{SUBJECT_PREFIX}.adviser.assigned.*", cb=on_assigned)
        await self.nc.subscribe(f"{CHANGED_PREFIX}.incident.*", cb=on_changed)
        return self

    async def stop(self) -> None:
        if self.nc is not None:
            await self.nc.close()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process (and its waited-for children) so far."""
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICK


def jetstream_writes(monitor_port: int) -> dict[str, int]:
    """Every stream's last sequence: how many messages were ever written to it (a KV
    bucket's overwritten values included)."""
    url = f"http://127.0.0.1:{monitor_port}/jsz?accounts=true&streams=true"
    with urllib.request.urlopen(url, timeout=5) as response:
        jsz = json.load(response)
    writes: dict[str, int] = {}
    for account in jsz.get("account_details") or []:
        for stream in account.get("stream_detail") or []:
            writes[stream["name"]] = int(stream["state"]["last_seq"])
    return writes


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def spread(values: list[float]) -> tuple[float, float, float, float]:
    """p50, p90, p99 and max."""
    return (
        percentile(values, 0.5),
        percentile(values, 0.9),
        percentile(values, 0.99),
        max(values) if values else float("nan"),
    )


async def raw_jetstream(count: int, in_flight: int = 64) -> tuple[float, float]:
    """Raw JetStream on this machine, as the registry benchmark measures it (a bare
    nats-server, `sync_interval: always`, event-sized messages to their subjects) but
    with `in_flight` publishes outstanding and a generous timeout, so a loaded machine
    gives a slow figure rather than none: (durable publishes/s, pull-consume and ack/s)."""
    import asyncio
    import tempfile
    from pathlib import Path

    from tests.support.servers import NatsServer

    payload = b'{"type":"incident.reported","payload":"' + b"x" * 600 + b'"}'
    with tempfile.TemporaryDirectory(prefix="weerbaar-bench-nats-") as tmp:
        server = NatsServer(Path(tmp), permissions=False).start()
        nc = await nats.connect(server.url)
        try:
            js = nc.jetstream(timeout=60)
            await js.add_stream(name="BENCH", subjects=[f"{SUBJECT_PREFIX}.>"])
            began = time.perf_counter()
            for first in range(0, count, in_flight):
                await asyncio.gather(
                    *(
                        js.publish(f"{SUBJECT_PREFIX}.bench.{n}", payload)
                        for n in range(first, min(count, first + in_flight))
                    )
                )
            published = count / (time.perf_counter() - began)
            subscription = await js.pull_subscribe(f"{SUBJECT_PREFIX}.>", durable="bench")
            began, consumed = time.perf_counter(), 0
            while consumed < count:
                fetched = await subscription.fetch(256, timeout=30)
                await asyncio.gather(*(m.ack() for m in fetched))
                consumed += len(fetched)
            return published, consumed / (time.perf_counter() - began)
        finally:
            await nc.close()
            server.stop()
