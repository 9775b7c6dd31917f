"""The chaos suite's client: reports at a steady rate, each retried as a real client
retries (after a 503 or a refused connection, again with the same Idempotency-Key),
every attempt timed and kept for the accounting."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from dataclasses import dataclass, field

import httpx

from tests.support.auth import OPERATOR
from tests.support.load import report_body
from tests.support.system import System

GIVE_UP_S = 180.0
"""A client stops retrying after this long (it would phone instead)."""


@dataclass
class Attempt:
    started: float
    ended: float
    status: int | None
    """None: the connection was refused or broke."""

    @property
    def latency(self) -> float:
        return self.ended - self.started


@dataclass
class Report:
    key: str
    urgency: str
    attempts: list[Attempt] = field(default_factory=list)
    incident_id: str | None = None

    @property
    def accepted_at(self) -> float | None:
        last = self.attempts[-1] if self.attempts else None
        return last.ended if last is not None and last.status == 202 else None


@dataclass
class Traffic:
    """`rate` reports a second while running; `acute_share` of them acute."""

    system: System
    rate: float
    acute_share: float = 0.1
    reports: list[Report] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _runner: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stop.clear()
        self._runner = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop sending new reports and wait for those in flight to end."""
        self._stop.set()
        if self._runner is not None:
            await self._runner
        if self._tasks:
            await asyncio.gather(*self._tasks)

    async def _run(self) -> None:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        async with httpx.AsyncClient(timeout=10, headers=OPERATOR, limits=limits) as client:
            began = time.monotonic()
            sent = 0
            while not self._stop.is_set():
                due = began + sent / self.rate
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                urgency = "acute" if random.random() < self.acute_share else "normal"
                report = Report(key=str(uuid.uuid4()), urgency=urgency)
                self.reports.append(report)
                task = asyncio.create_task(self._send(client, report))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                sent += 1
            if self._tasks:
                await asyncio.gather(*list(self._tasks))

    async def _send(self, client: httpx.AsyncClient, report: Report) -> None:
        headers = {"Idempotency-Key": report.key}
        body = report_body(report.urgency)
        give_up = time.monotonic() + GIVE_UP_S
        while time.monotonic() < give_up:
            started = time.monotonic()
            try:
                response = await client.post(
                    f"{self.system.intake}/v1/incidents", json=body, headers=headers
                )
            except httpx.TransportError:
                report.attempts.append(Attempt(started, time.monotonic(), None))
                await asyncio.sleep(0.5)
                continue
            report.attempts.append(Attempt(started, time.monotonic(), response.status_code))
            if response.status_code == 202:
                report.incident_id = str(response.json()["incident_id"])
                return
            if response.status_code != 503:
                return  # a client does not retry what the server refused outright
            await asyncio.sleep(min(2.0, float(response.headers.get("Retry-After", "1"))))


def attempts(reports: list[Report]) -> list[Attempt]:
    return sorted((a for r in reports for a in r.attempts), key=lambda a: a.started)


def longest_stall(reports: list[Report], start: float, end: float) -> float:
    """The longest time in [start, end] without a single 202."""
    accepted = sorted(t for r in reports if (t := r.accepted_at) is not None and start <= t <= end)
    edges = [start, *accepted, end]
    return max((b - a for a, b in itertools.pairwise(edges)), default=0.0)


def recovery(reports: list[Report], healed: float, *, fast_s: float = 0.1) -> float | None:
    """Seconds from `healed` until a whole second in which every attempt that began
    was a 202 answered within `fast_s` (None: not within the run)."""
    tried = [a for a in attempts(reports) if a.started >= healed]
    for first in tried:
        window = [a for a in tried if first.started <= a.started < first.started + 1.0]
        if window[-1].started - first.started < 0.5:
            continue  # too few in it to judge
        if all(a.status == 202 and a.latency <= fast_s for a in window):
            return first.started - healed
    return None


def latencies_ms(reports: list[Report], start: float, end: float) -> str:
    """The median and 90th percentile of the 202s begun in [start, end], for the notes."""
    took = sorted(
        a.latency * 1000 for a in attempts(reports) if start <= a.started < end and a.status == 202
    )
    if not took:
        return "no 202"
    return f"p50 {took[len(took) // 2]:.0f} ms, p90 {took[int(len(took) * 0.9)]:.0f} ms"
