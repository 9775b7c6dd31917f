"""End-to-end benchmark: the whole system under open-loop load, stage by stage.

`make bench-e2e` (or `uv run python -m tests.bench.e2e_bench`). Starts the system as
the end-to-end tests do (nats-server from the wheel with production's settings:
`sync_interval: always`, encryption at rest, the accounts of deploy/; every service a
process; the demo roster), with a real SMTP server (aiosmtpd) that timestamps each
mail it accepts and the per-caller rate limits raised out of the way. The load comes
from `tests.bench.e2e_sender`, a separate process sending raw HTTP/1.1 on kept-alive
connections at a fixed rate, latency counted from each report's intended send time.

It prints:
- open-loop latency at BENCH_RATES (default 20,50,100 incidents/s), BENCH_DURATION_S
  each (default 30), BENCH_RUNS times (default 3, medians): intake's 202, routing's
  decision (`adviser.assigned`'s occurred_at), the page accepted by SMTP, the record
  visible (the registry's change feed announcing `adviser.assigned`), and paged and
  visible both; p50/p90/p99/max;
- a ramp (BENCH_RAMP, default 150,200,250,300,400 incidents/s, BENCH_RAMP_S each,
  default 20) until a step sheds, loses or falls behind (a stage's p99 over 1 s): the
  sustained maximum, and the busiest process at the first step that did not keep up;
- CPU milliseconds per incident per process (/proc/<pid>/stat), the load generator's
  own CPU, and JetStream writes per incident per stream (each stream's last sequence);
- raw JetStream on the same machine in the same run (as the registry benchmark
  measures it, with 64 publishes in flight) and the pipeline's writes as a share of it;
- the ramp again with BENCH_SCALE (default notify) running as two processes sharing
  the durable consumer (BENCH_SCALE= to skip).

SQLite by default; with BENCH_DATABASE_URL the whole run again on that PostgreSQL.
Not part of `make test`.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

from tests.bench.e2e_rig import Feeds, TimedMailbox, raw_jetstream
from tests.bench.e2e_steps import STAGES, Step, run_step
from tests.bench.registry_bench import cpu_model
from tests.support.servers import ROOT, NatsServer, ServiceProcess, free_port
from tests.support.system import System

ENV = {
    "AUTH_RATE_PER_MINUTE": "100000000",
    "AUTH_RATE_PER_ADDRESS_PER_MINUTE": "100000000",
    "INTAKE_PUBLISH_TIMEOUT_S": "2",  # production's default (the tests shorten it)
    "ACK_DEADLINE_NORMAL_S": "3600",
    "IDLE_REMINDER_S": "86400",
}


class BenchSystem(System):
    async def wait_ready(self, timeout: float = 240.0) -> None:
        """Longer than the tests allow: a shared machine may take minutes to start it."""
        await super().wait_ready(timeout)


def out(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def floats(name: str, default: str) -> list[float]:
    return [float(v) for v in os.environ.get(name, default).split(",") if v.strip()]


def ms(value: float) -> str:
    return f"{value * 1000:8.1f}"


def median_stages(steps: list[Step]) -> dict[str, tuple[float, ...]]:
    return {
        stage: tuple(statistics.median(s.stages[stage][i] for s in steps) for i in range(4))
        for stage in steps[0].stages
    }


def print_open_loop(rate: float, steps: list[Step]) -> None:
    print(
        f"\nopen loop, {rate:g} incidents/s for {steps[0].duration_s:g} s, median of "
        f"{len(steps)} runs (ms from the intended send time):"
    )
    print(f"  {'stage':<24} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}")
    for stage, (p50, p90, p99, most) in median_stages(steps).items():
        print(f"  {stage:<24} {ms(p50)} {ms(p90)} {ms(p99)} {ms(most)}")
    for n, s in enumerate(steps, 1):
        print(
            f"  run {n}: sent {s.sent}, 202 {s.accepted}, shed (503) {s.shed}, "
            f"other {s.sent - s.accepted - s.shed}, not paged {s.not_paged}, not visible "
            f"{s.not_visible}, repeated pages {s.repeated_pages}"
        )
    print_costs(steps)


def print_costs(steps: list[Step]) -> None:
    names = list(steps[0].cpu_ms)
    cpu = {n: statistics.median(s.cpu_ms.get(n, 0.0) for s in steps) for n in names}
    services = sum(v for n, v in cpu.items() if n not in ("nats-server",) and "bench" not in n)
    print("  CPU ms per incident: " + ", ".join(f"{n} {v:.2f}" for n, v in cpu.items()))
    print(
        f"  services together {services:.2f} ms; load generator "
        f"{statistics.median(s.sender_cpu_ms for s in steps):.2f} ms per request"
    )
    streams = sorted({k for s in steps for k in s.writes})
    writes = {k: statistics.median(s.writes.get(k, 0.0) for s in steps) for k in streams}
    print(
        f"  JetStream writes per incident: {sum(writes.values()):.2f} ("
        + ", ".join(f"{k} {v:.2f}" for k, v in writes.items())
        + ")"
    )


async def ramp(
    system: System,
    mailbox: TimedMailbox,
    feeds: Feeds,
    monitor: int,
    label: str,
    extra: dict[str, int],
) -> Step | None:
    best: Step | None = None
    print(f"\nramp, {label}:")
    for rate in floats("BENCH_RAMP", "150,200,250,300,400"):
        step = await run_step(
            system,
            mailbox,
            feeds,
            rate,
            float(os.environ.get("BENCH_RAMP_S", "20")),
            monitor_port=monitor,
            extra=extra,
        )
        p99 = {k: v[2] for k, v in step.stages.items()}
        busiest = max((v, n) for n, v in step.cpu_ms.items())
        print(
            f"  {rate:5.0f}/s: 202 {step.accepted}/{step.sent}, shed {step.shed}, lost "
            f"{step.lost}, repeated {step.repeated_pages}; p99 ms "
            + ", ".join(f"{k} {v * 1000:.0f}" for k, v in p99.items())
            + f"; most CPU: {busiest[1]} {busiest[0]:.1f} ms an incident"
            + ("" if step.keeps_up() else "  <- falls behind"),
            flush=True,
        )
        if not step.keeps_up():
            break
        best = step
    print(f"  sustained with nothing lost: {best.rate:g} incidents/s" if best else "  none kept up")
    return best


async def profile(system: System, mailbox: TimedMailbox, feeds: Feeds, monitor: int) -> None:
    """BENCH_PROFILE=<dir>: py-spy flame graphs of every service during one step at
    BENCH_PROFILE_RATE (default 150/s) for BENCH_DURATION_S, instead of the figures
    (BENCH_PROFILE_FORMAT=raw: collapsed stacks as text)."""
    folder = Path(os.environ["BENCH_PROFILE"])
    folder.mkdir(parents=True, exist_ok=True)
    rate = float(os.environ.get("BENCH_PROFILE_RATE", "150"))
    duration = float(os.environ.get("BENCH_DURATION_S", "30"))
    raw = os.environ.get("BENCH_PROFILE_FORMAT") == "raw"  # collapsed stacks, for a script
    spies = []
    for name in ("intake", "routing", "registry", "notify"):
        process = system.services[name].process
        assert process is not None
        spies.append(
            await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--nonblocking",
                "--rate",
                "50",
                "--duration",
                str(int(duration)),
                "--pid",
                str(process.pid),
                *(["--format", "raw"] if raw else []),
                "--output",
                str(folder / f"{name}.{'txt' if raw else 'svg'}"),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        )
    step = await run_step(system, mailbox, feeds, rate, duration, monitor_port=monitor)
    for spy in spies:
        await spy.wait()
    print(f"\nprofiled at {rate:g}/s into {folder}/:")
    print_open_loop(rate, [step])


async def bench(database_url: str | None, label: str, raw_publish: float) -> None:
    with tempfile.TemporaryDirectory(prefix="weerbaar-bench-e2e-") as tmp:
        workdir = Path(tmp)
        mailbox = TimedMailbox()
        env = dict(ENV, **({"DATABASE_URL": database_url} if database_url else {}))
        system = BenchSystem(
            workdir, ROOT / "deploy/config/roster.yaml", env_overrides=env, mailbox=mailbox
        )
        feeds = Feeds()
        second: ServiceProcess | None = None
        try:  # a start that fails half-way stops what it started too
            await system.start()
            await feeds.start(system)
            assert isinstance(system.nats, NatsServer) and system.nats.monitor_port is not None
            monitor = system.nats.monitor_port
            print(f"\n=== {label} ===", flush=True)
            runs = int(os.environ.get("BENCH_RUNS", "3"))
            duration = float(os.environ.get("BENCH_DURATION_S", "30"))
            await run_step(system, mailbox, feeds, 20, 5, monitor_port=monitor)  # warm-up
            if os.environ.get("BENCH_PROFILE"):
                await profile(system, mailbox, feeds, monitor)
                return
            for rate in floats("BENCH_RATES", "20,50,100"):
                steps = []
                for _ in range(runs):
                    steps.append(
                        await run_step(system, mailbox, feeds, rate, duration, monitor_port=monitor)
                    )
                print_open_loop(rate, steps)
            best = await ramp(system, mailbox, feeds, monitor, "one process each", {})
            if best is not None:
                writes = sum(best.writes.values()) * best.rate
                print(
                    f"  at {best.rate:g}/s the pipeline writes {writes:,.0f} JetStream messages/s"
                    f" = {writes / raw_publish:.0%} of raw durable publish"
                )
            scale = os.environ.get("BENCH_SCALE", "notify")
            if scale:
                first = system.services[scale]
                port = free_port()
                port_env = {f"{scale.upper()}_PORT": str(port)}
                second = ServiceProcess(
                    scale, {**first.env, **port_env}, workdir / f"{scale}-2.log", port
                )
                second.start()
                await asyncio.sleep(5)
                assert second.process is not None
                await ramp(
                    system,
                    mailbox,
                    feeds,
                    monitor,
                    f"two {scale} processes",
                    {f"{scale}-2": second.process.pid},
                )
        finally:
            if second is not None:
                second.stop()
            await feeds.stop()
            await system.stop()


async def main() -> int:
    out(
        f"end-to-end benchmark: {os.cpu_count()} cores, {cpu_model()}, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    raw_publish = float("nan")
    if not os.environ.get("BENCH_PROFILE"):
        events = int(os.environ.get("BENCH_JETSTREAM_EVENTS", "20000"))
        raw = [await raw_jetstream(events) for _ in range(3)]
        raw_publish = statistics.median(p for p, _ in raw)
        print(
            f"raw NATS JetStream, same machine, same run (median of 3): durable publish "
            f"{raw_publish:,.0f} msg/s (64 in flight), pull-consume and ack "
            f"{statistics.median(c for _, c in raw):,.0f} msg/s",
            flush=True,
        )
    await bench(None, "SQLite", raw_publish)
    named = os.environ.get("BENCH_DATABASE_URL")
    if named:
        from sqlalchemy.engine import make_url

        from tests.support.postgres import PostgresServer

        server = PostgresServer(make_url(named), how="BENCH_DATABASE_URL")
        url = await server.create_database("weerbaar_bench_e2e")
        try:
            await bench(url, "PostgreSQL", raw_publish)
        finally:
            await server.drop_database(url)
    out(f"load average at the end {os.getloadavg()[0]:.1f}; stages: {', '.join(STAGES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
