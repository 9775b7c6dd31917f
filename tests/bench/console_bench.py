"""Console benchmark: the statistics page over a registry of BENCH_INCIDENTS incidents.

`make bench-console` (or `uv run python -m tests.bench.console_bench`). The page asks
the registry for every chart's figures in one call (`GET /v1/stats/sets`, beside the
acknowledgement times) and draws them as SVG; this times the whole page as an
analyst's browser gets it (sign-in cookie, HTML with every chart), and beside it the
registry's own answers to the same calls, one after another and all at once as the
page makes them, and the same figures asked one grouping per call. Median of
BENCH_RUNS (default 5) after a warm-up, without filters and with one province and one
year; first with the registry's monthly summary of the statistics (once every month is
summarised), then with the registry restarted without it, reading every case.

The registry's database: BENCH_CONSOLE_DATABASE_URL (a database the registry
benchmark loaded and kept: `BENCH_DATABASE_URL=… BENCH_KEEP=1 BENCH_DATABASES=
postgresql make bench-registry`), else BENCH_INCIDENTS (default 1,000,000) loaded the
registry benchmark's way into a throwaway PostgreSQL cluster first. The rest of the
system runs as in the end-to-end tests (nats-server from the wheel, every service a
process); the retention job is off so the loaded cases stay as they are. The raw
JetStream figure of the same run is printed for scale, as every benchmark does.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx

from console.domain.statistics import StatsFilters
from console.service.oversight import stats_sets
from tests.bench.registry_bench import cpu_model, database, ingest, raw_jetstream
from tests.support.auth import ANALYST
from tests.support.servers import ROOT
from tests.support.system import System

# the page's own query (as a browser sends it); the registry's follows from it
FILTERS: dict[str, dict[str, str]] = {
    "no filters": {},
    "one province (Utrecht), one year (2025)": {"provincie": "PV26", "jaar": "2025"},
}


def out(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def loaded_database(workdir: Path) -> AsyncIterator[tuple[str, str]]:
    named = os.environ.get("BENCH_CONSOLE_DATABASE_URL")
    if named:
        yield named, "PostgreSQL (BENCH_CONSOLE_DATABASE_URL)"
        return
    count = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
    async with database("postgresql", workdir) as (url, label):
        out(f"{label}: loading {count:,} incidents…")
        await ingest(url, count, out=out)
        yield url, label


async def sign_in(client: httpx.AsyncClient) -> None:
    """The development sign-in as analyst-1. The console's cookies are `Secure`, which
    a browser honours on loopback and httpx does not: they are carried by hand."""
    page = await client.get("/aanmelden")
    token = page.cookies["weerbaar_sign_in"]
    answer = await client.post(
        "/aanmelden",
        data={"sign_in_token": token, "user": "analyst-1", "return_to": "/statistieken"},
        headers={"Cookie": f"weerbaar_sign_in={token}"},
    )
    assert answer.status_code == 303, answer.text[:500]
    session = [c.split(";", 1)[0] for c in answer.headers.get_list("set-cookie")]
    client.headers["Cookie"] = "; ".join(c for c in session if not c.endswith('=""'))


def api_calls(params: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The calls the statistics page makes (console.service.oversight.statistics)."""
    return [
        ("/v1/stats/sets", [*params, *(("set", s) for s in stats_sets())]),
        ("/v1/stats/acknowledgement", params),
    ]


def separate_calls(params: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The same figures with one `GET /v1/stats` per grouping, for comparison."""
    groupings = [[] if s == "total" else s.split(",") for s in stats_sets()]
    return [
        *(("/v1/stats", [*params, *(("group_by", g) for g in grouping)]) for grouping in groupings),
        ("/v1/stats/acknowledgement", params),
    ]


async def median_ms(runs: int, once: Callable[[], Awaitable[None]]) -> float:
    await once()  # warm-up
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        await once()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)


async def measure(system: System, runs: int) -> list[str]:
    lines = []
    timeout = httpx.Timeout(60.0)
    async with (
        httpx.AsyncClient(base_url=system.console, timeout=timeout) as browser,
        httpx.AsyncClient(base_url=system.registry, timeout=timeout, headers=ANALYST) as api,
    ):
        await sign_in(browser)
        for label, query in FILTERS.items():
            filters = StatsFilters.from_query({k: [v] for k, v in query.items()})
            calls = api_calls(filters.api_params())
            separate = separate_calls(filters.api_params())

            async def page(query: dict[str, str] = query) -> None:
                answer = await browser.get("/statistieken", params=query)
                assert answer.status_code == 200, answer.text[:500]
                assert "<svg" in answer.text

            async def one_by_one(calls: list[tuple[str, list[tuple[str, str]]]] = calls) -> None:
                for path, query in calls:
                    (await api.get(path, params=tuple(query))).raise_for_status()

            async def at_once(calls: list[tuple[str, list[tuple[str, str]]]] = calls) -> None:
                answers = await asyncio.gather(*(api.get(p, params=tuple(q)) for p, q in calls))
                for answer in answers:
                    answer.raise_for_status()

            out(f"timing {label}…")
            timed = [
                ("statistics page (HTML, every chart)", await median_ms(runs, page)),
                (f"registry API, the {len(calls)} calls at once", await median_ms(runs, at_once)),
                ("registry API, one after another", await median_ms(runs, one_by_one)),
                (
                    f"the {len(separate)} calls of one grouping each, at once",
                    await median_ms(runs, functools.partial(at_once, separate)),
                ),
            ]
            lines.append(f"    {label}:")
            lines.extend(f"      {name:<48} {ms:8.1f} ms" for name, ms in timed)
    return lines


async def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    out(
        f"console benchmark: {os.cpu_count()} cores, {cpu_model()}, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    raw_publish, raw_consume = await raw_jetstream(20_000)
    print(
        "\nraw NATS JetStream, same machine, same run (20,000 events): "
        f"publish {raw_publish:,.0f} msg/s, pull-consume and ack {raw_consume:,.0f} msg/s",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="weerbaar-console-bench-") as tmp:
        workdir = Path(tmp)
        async with loaded_database(workdir) as (url, label):
            system = System(
                workdir=workdir,
                roster=ROOT / "deploy/config/roster.yaml",
                env_overrides={"DATABASE_URL": url, "REGISTRY_RETENTION_INTERVAL_S": "0"},
            )
            try:
                try:
                    await system.start()
                except Exception:
                    out(system.logs()[-4000:])
                    raise
                waited = await summary_ready(url)
                out(f"the registry summarised every month {waited:.1f} s after it was ready")
                lines = ["  with the monthly summary:", *await measure(system, runs)]
                registry = system.services["registry"]
                registry.env = {**registry.env, "REGISTRY_STATS_SUMMARY_INTERVAL_S": "0"}
                system.restart_service("registry")
                await system.wait_ready()
                lines += ["  without it (every case read):", *await measure(system, runs)]
            finally:
                await system.stop()
    print(f"\nstatistics page over {label}, median of {runs}:", flush=True)
    print("\n".join(lines), flush=True)
    return 0


async def summary_ready(url: str, *, timeout_s: float = 600.0) -> float:
    """Seconds until the registry has summarised every month (no dirty mark left)."""
    from sqlalchemy import func, select

    from registry.adapters.db import STATS_DIRTY, make_engine
    from registry.settings import async_database_url

    engine = make_engine(async_database_url(url))
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout_s:
            async with engine.connect() as connection:
                left = (
                    await connection.execute(select(func.count()).select_from(STATS_DIRTY))
                ).scalar_one()
            if not left:
                return time.perf_counter() - started
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
    raise TimeoutError(f"months still dirty after {timeout_s:.0f} s")


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
