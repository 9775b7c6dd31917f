"""The monthly summary of the statistics in SQL (`registry.domain.summary`): computing
it for the dirty months, and reading a statistic from it and from `case_facts`.

A month is summarised in one transaction that sees one snapshot (PostgreSQL:
REPEATABLE READ; SQLite: the write lock is taken first): its summary rows replaced
by the sums of its cases, and then the dirty marks it has seen deleted, by id. A
write that commits meanwhile leaves its mark (the snapshot does not see it), so the
month stays dirty and is read from `case_facts` until the next round.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from registry.adapters.db import STATS_DIRTY, STATS_SUMMARY, CaseFact
from registry.adapters.sql_queries import FACT_COLUMN, coded_condition
from registry.domain.facts import MEASURES
from registry.domain.filters import DIMENSION_OF_FILTER, Dimension, StatsFilters
from registry.domain.summary import SHAPES, SUMS, month_start, narrowing, next_month, reading
from weerbaar_runtime.logging import get_logger

_log = get_logger("registry.summary")


def sum_columns() -> list[Any]:
    """The summed columns of a statistic over `case_facts`, in `SUMS` order."""
    sums = [func.sum(getattr(CaseFact, m)) for m in MEASURES[1:]]
    keys = [func.sum(CaseFact.cell_key)]
    keys += [func.sum(CaseFact.cell_key * getattr(CaseFact, m)) for m in MEASURES[1:]]
    return [func.count(), *sums, *keys]


def fact_column(dimension: str) -> Any:
    return getattr(CaseFact, FACT_COLUMN.get(dimension, dimension))


def within(month: int) -> ColumnElement[bool]:
    """The cases reported in a month (by the reported-at index, not a scan)."""
    return and_(
        CaseFact.reported_at >= month_start(month),
        CaseFact.reported_at < month_start(next_month(month)),
    )


async def _begin_snapshot(connection: AsyncConnection) -> AsyncConnection:
    if connection.dialect.name == "postgresql":
        connection = await connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


async def summarise(engine: AsyncEngine, month: int, seen_up_to: int) -> None:
    """Replace the summary of one month and clear its dirty marks up to `seen_up_to`."""
    summary = STATS_SUMMARY
    async with engine.connect() as plain:
        connection = await _begin_snapshot(plain)
        async with connection.begin():
            await connection.execute(delete(summary).where(summary.c.month == month))
            for number, shape in enumerate(SHAPES):
                columns = [fact_column(d) for d in shape]
                query = (
                    select(literal(number), CaseFact.month, *columns, *sum_columns())
                    .where(within(month), CaseFact.month == month)
                    .group_by(CaseFact.month, *columns)
                )
                names = ["shape", "month", *(f"d{i}" for i in range(len(shape))), *SUMS]
                await connection.execute(insert(summary).from_select(names, query))
            await connection.execute(
                delete(STATS_DIRTY).where(
                    STATS_DIRTY.c.month == month, STATS_DIRTY.c.id <= seen_up_to
                )
            )


async def refresh(engine: AsyncEngine) -> int:
    """Summarise every dirty month (the oldest mark first); how many were."""
    query = select(STATS_DIRTY.c.month, func.max(STATS_DIRTY.c.id)).group_by(STATS_DIRTY.c.month)
    async with engine.connect() as connection:
        dirty = (await connection.execute(query)).all()
    for month, seen_up_to in sorted(dirty, key=lambda row: int(row[1])):
        await summarise(engine, int(month), int(seen_up_to))
    if dirty:
        _log.debug("statistics summary refreshed", months=len(dirty))
    return len(dirty)


def _summary_conditions(shape: Sequence[str], filters: StatsFilters) -> list[Any]:
    return [
        coded_condition(name, value, STATS_SUMMARY.c[f"d{shape.index(dimension)}"])
        for name, value in narrowing(filters)
        for dimension in [DIMENSION_OF_FILTER.get(name, name)]
    ]


async def summary_rows(
    connection: AsyncConnection,
    filters: StatsFilters,
    group_by: list[Dimension],
    shape_number: int,
) -> tuple[list[tuple[Any, ...]], ColumnElement[bool] | None]:
    """The rows of a statistic from the summary's clean whole months, and the condition
    on `case_facts` for the rest (None: nothing left to read there)."""
    shape = SHAPES[shape_number]
    summary = STATS_SUMMARY
    marks = select(STATS_DIRTY.c.month).distinct()
    plan = reading(filters, dirty=(int(m) for m in (await connection.execute(marks)).scalars()))
    columns = [
        summary.c.month if d == "month" else summary.c[f"d{shape.index(d)}"] for d in group_by
    ]
    where = [summary.c.shape == shape_number, *_summary_conditions(shape, filters)]
    if plan.low is not None:
        where.append(summary.c.month >= plan.low)
    if plan.high is not None:  # the month of `to`: cut (so in `rest`), or not wanted
        where.append(summary.c.month < plan.high)
    if plan.rest:
        where.append(summary.c.month.not_in(sorted(plan.rest)))
    query = select(*columns, *(func.sum(summary.c[name]) for name in SUMS)).where(*where)
    rows = [tuple(r) for r in (await connection.execute(query.group_by(*columns))).all()]
    rest = or_(*(within(m) for m in sorted(plan.rest))) if plan.rest else None
    return rows, rest


async def keep_summary(engine: AsyncEngine, *, interval_s: float) -> None:
    """Summarise the dirty months every `interval_s`, for as long as the registry runs.
    A round that fails (the database away, another registry process summarising the
    same month) leaves its months dirty, which only means they are read from the cases
    until a later round."""
    while True:
        try:
            await refresh(engine)
        except Exception as exc:
            _log.warning("statistics summary not refreshed", error_type=type(exc).__name__)
        await asyncio.sleep(interval_s)
