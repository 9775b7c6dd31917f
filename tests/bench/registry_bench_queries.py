"""The registry benchmark's statistics queries: timed, and the plans of a few."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from registry.adapters.case_keys import CaseKeys
from registry.adapters.db import make_engine
from registry.adapters.sql_queries import Queries
from registry.adapters.sql_statistics import Statistics
from registry.domain.filters import IncidentFilters, StatsFilters, StatsQuery
from weerbaar_runtime.sealing import KekRing


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
        await run(Statistics(engine), Queries(engine, CaseKeys(KekRing.development())))
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
        statistics_, queries = Statistics(engine), Queries(engine, CaseKeys(KekRing.development()))
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
