"""`make chaos`: the whole system under load, one fault after another, against the
3-node cluster and against the single server; an accounting table per target.

    CHAOS_SCALE=1      outages and load windows (0.1: a tenth; SMTP and the database
                       are down 60 s times scale, a node frozen 10 s times scale)
    CHAOS_RATE=20      reports per second
    CHAOS_DEADLINES=10000   open deadlines of the last fault
    CHAOS_TARGETS=cluster,single
    CHAOS_FAULTS=      a comma list of fault names (a prefix is enough) to run only those
    CHAOS_ROUTING=2    routing processes on the same durables (the faults kill one)
    CHAOS_WORKDIR=     keep the services' logs and data there instead of a temporary directory
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.chaos.accounting import (
    Row,
    account,
    dead_letters,
    events_since,
    in_registry,
    mails_of,
    stream_sequence,
)
from tests.chaos.faults import FAULTS, Chaos, Fault
from tests.chaos.traffic import Traffic, latencies_ms, longest_stall, recovery
from tests.support.rosters import PRIMARY_BACKUP_ROSTER
from tests.support.servers import ServiceProcess, free_port
from tests.support.system import System

ACUTE_S = 8.0


@dataclass
class Settings:
    scale: float = 1.0
    rate: float = 20.0
    deadlines: int = 10_000
    targets: tuple[str, ...] = ("cluster", "single")
    only: tuple[str, ...] = ()
    settle_s: float = 180.0
    routing: int = 2

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            scale=float(env.get("CHAOS_SCALE", "1")),
            rate=float(env.get("CHAOS_RATE", "20")),
            deadlines=int(env.get("CHAOS_DEADLINES", "10000")),
            targets=tuple(t for t in env.get("CHAOS_TARGETS", "cluster,single").split(",") if t),
            only=tuple(f.strip() for f in env.get("CHAOS_FAULTS", "").split(",") if f.strip()),
            routing=int(env.get("CHAOS_ROUTING", "2")),
        )

    def faults(self, target: str) -> list[Fault]:
        chosen = [f for f in FAULTS if target == "cluster" or not f.cluster_only]
        if self.only:
            chosen = [f for f in chosen if any(f.name.startswith(o) for o in self.only)]
        return chosen


def system_for(workdir: Path, *, cluster: bool) -> System:
    workdir.mkdir(parents=True, exist_ok=True)
    roster = workdir / "roster.yaml"
    roster.write_text(PRIMARY_BACKUP_ROSTER)
    return System(
        workdir=workdir,
        roster=roster,
        cluster=cluster,
        ready_timeout_s=180,  # a loaded machine starts five interpreters slowly
        env_overrides={
            "ACK_DEADLINE_ACUTE_S": str(ACUTE_S),
            "ACK_DEADLINE_HIGH_S": "3600",
            "ACK_DEADLINE_NORMAL_S": "3600",
            "ESCALATION_ROUNDS": "1",
            "AUTH_RATE_PER_MINUTE": "1000000",
            "LOG_LEVEL": "WARNING",
        },
    )


def more_routing(system: System, count: int) -> None:
    """Routing processes beside the system's own, on the same durables and state, as
    deploy/k8s runs them; a fault kills only the first."""
    routing = system.services["routing"]
    for n in range(2, count + 1):
        port = free_port()
        system.services[f"routing-{n}"] = ServiceProcess(
            name="routing",
            env={**routing.env, "ROUTING_PORT": str(port)},
            log_path=system.workdir / f"routing-{n}.log",
            port=port,
        ).start()


@dataclass
class Phase:
    """One fault under load, and its accounting."""

    system: System
    fault: Fault
    target: str
    settings: Settings
    chaos: Chaos
    row: Row = field(init=False)
    back: float | None = None

    async def run(self) -> Row:
        system, settings = self.system, self.settings
        self.row = Row(fault=self.fault.name, target=self.target)
        if self.fault.prepare is not None:
            cannot = await self.fault.prepare(self.chaos)
            if cannot is not None:
                self.row.notes.append(f"not run: {cannot}")
                return self.row
        first_seq = await stream_sequence(system)
        dead_before = await dead_letters(system)
        mails_before = len(mails_of(system))
        traffic = Traffic(system, rate=settings.rate, acute_share=self.fault.acute_share)
        traffic.start()
        await asyncio.sleep(max(2.0, 5 * settings.scale))
        in_flight = await self.chaos.pages_in_flight()
        injected = time.monotonic()
        self.chaos.notes.clear()
        self.chaos.reelected = None
        healed = await self.fault.inject(self.chaos)
        notes = list(self.chaos.notes)
        if self.fault.halts(self.target):
            self.back = time.time() - (time.monotonic() - healed)
        elif self.chaos.reelected is not None:
            self.back = time.time() - (time.monotonic() - self.chaos.reelected)
        await asyncio.sleep(max(3.0, 10 * settings.scale))
        await traffic.stop()
        ended = time.monotonic()
        await system.wait_ready(timeout=120)
        await self.settle(traffic, first_seq, mails_before, earliest=time.time() + ACUTE_S + 2)
        self.row.stall_s = longest_stall(traffic.reports, injected, ended)
        self.row.recovery_s = recovery(traffic.reports, healed)
        self.row.dead_letters = await dead_letters(system) - dead_before
        self.row.in_flight = in_flight
        before = latencies_ms(traffic.reports, injected - 5, injected)
        after = latencies_ms(traffic.reports, ended - 5, ended)
        notes.append(f"202 latency in the 5 s before the fault {before}; last 5 s {after}")
        self.row.notes = notes + self.row.notes
        return self.row

    async def settle(
        self, traffic: Traffic, first_seq: int, mails_before: int, *, earliest: float
    ) -> None:
        """Account again and again until everything arrived, or `settle_s` passed."""
        shown: set[str] = set()
        give_up = time.monotonic() + self.settings.settle_s
        accepted = [r.incident_id for r in traffic.reports if r.incident_id is not None]
        while True:
            shown |= await in_registry(self.system, [i for i in accepted if i not in shown])
            events = await events_since(self.system, first_seq)
            mails = mails_of(self.system)[mails_before:]
            row = Row(fault=self.row.fault, target=self.row.target)
            self.row = account(
                row, traffic.reports, events, shown, mails, now=time.time(), back=self.back
            )
            complete = row.lost == row.unassigned == row.unpaged == 0 and row.fired == row.due
            if (complete and time.time() >= earliest) or time.monotonic() > give_up:
                return
            await asyncio.sleep(3)


COLUMNS = (
    "fault", "accepted", "lost", "recorded twice", "unassigned", "unpaged",
    "paged twice: same / other Message-ID (in flight)", "escalations due / fired",
    "latest (s)",
    "5xx not 503", "503s", "stall (s)", "recovery (s)", "dead letters",
)  # fmt: skip


def cells(row: Row) -> list[str]:
    recovered = f"{row.recovery_s:.1f}" if row.recovery_s is not None else "not within run"
    return [
        row.fault,
        str(row.accepted) + (f" ({row.gave_up} gave up)" if row.gave_up else ""),
        str(row.lost),
        str(row.twice),
        str(row.unassigned),
        str(row.unpaged),
        f"{row.paged_twice_same_id} / {row.paged_twice_other_id} ({row.in_flight})",
        f"{row.due} / {row.fired}",
        f"{row.latest_s:.1f}"
        + (f" ({row.latest_back_s:.1f} from back)" if row.latest_back_s is not None else ""),
        str(row.other_5xx),
        str(row.refused_503),
        f"{row.stall_s:.1f}",
        recovered,
        str(row.dead_letters),
    ]


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    notes = [f"- {r.fault}: {note}" for r in rows for note in r.notes]
    return "\n".join(lines + notes)


async def run_target(target: str, settings: Settings, workdir: Path) -> list[Row]:
    system = system_for(workdir, cluster=target == "cluster")
    rows: list[Row] = []
    chaos = Chaos(system, scale=settings.scale, deadlines=settings.deadlines)
    try:
        await system.start()
        more_routing(system, settings.routing)
        await system.wait_ready(timeout=180)
        for fault in settings.faults(target):
            print(f"chaos [{target}]: {fault.name} ...", file=sys.stderr, flush=True)
            rows.append(await Phase(system, fault, target, settings, chaos).run())
            print(table(rows[-1:]).splitlines()[2], file=sys.stderr, flush=True)
    finally:
        await system.stop()
        chaos.close()
    return rows


async def main() -> int:
    settings = Settings.from_env()
    failed = False
    keep = os.environ.get("CHAOS_WORKDIR")  # the services' logs kept there
    with tempfile.TemporaryDirectory(prefix="weerbaar-chaos-") as scratch:
        tmp = keep or scratch
        for target in settings.targets:
            began = time.monotonic()
            rows = await run_target(target, settings, Path(tmp) / target)
            minutes = (time.monotonic() - began) / 60
            what = "3-node cluster, R3" if target == "cluster" else "single nats-server"
            print(
                f"\n### {what}: {settings.rate:g} reports/s, scale {settings.scale:g}, "
                f"{minutes:.0f} min\n\n{table(rows)}\n",
                flush=True,
            )
            failed |= not all(r.holds() for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
