"""Statistics over the case facts: grouped counts, rates, acknowledgement times.

Counts are computed by the database in one scan grouped by the dimensions (incident
types and channels by their bit masks, expanded here), and with each sum the sum of its
cases' record keys (the cell key, `registry.domain.disclosure`); perturbation and
suppression are applied last, on the final cells, when the caller may see aggregates
only."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from registry.adapters.db import CaseFact, snapshot_read
from registry.adapters.sql_queries import conditions
from registry.adapters.sql_summary import fact_column, sum_columns, summary_rows
from registry.domain.cells import Cell
from registry.domain.disclosure import perturbed, shown
from registry.domain.facts import (
    CHANNEL_BITS,
    MEASURES,
    SMALL_CELL,
    TYPE_BITS,
    decode,
    from_mask,
    percentile,
)
from registry.domain.filters import Dimension, StatsFilters
from registry.domain.summary import shape_for

_EXPAND = {
    "incident_type": lambda mask: from_mask(mask, TYPE_BITS),
    "channel": lambda mask: from_mask(mask, CHANNEL_BITS),
}


def _order(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None else (0, str(value))


Row = tuple[Any, ...]


def family(grouping: list[Dimension]) -> str:
    """Which scan serves a grouping in `Statistics.many`: months apart (as many values
    as the period has months), incident types and channels apart (thousands of mask
    pairs, which any other dimension would multiply), the rest together (about ten
    thousand groups over a million cases: roles, provinces, police status and the like
    have a handful of values each)."""
    if "month" in grouping:
        return "month"
    if any(d in _EXPAND for d in grouping):
        return "masks"
    return "coded"


def _cells(
    group_by: list[Dimension], rows: list[Row], *, positions: list[int], width: int
) -> list[Cell]:
    """Rows (`width` dimension codes, then sums) as the cells of the dimensions at
    these positions: the rows that agree on them summed (column by column, before a
    code is decoded or a mask expanded), masks expanded, codes decoded."""
    groups: dict[Row, list[Row]] = defaultdict(list)
    for row in rows:
        if row[width]:  # no cases (the overall figures of an empty selection): no cell
            groups[tuple(row[i] for i in positions)].append(row[width:])
    totals: dict[Row, list[int]] = defaultdict(lambda: [0] * 2 * len(MEASURES))
    for codes, members in groups.items():
        values = [int(sum(column)) for column in zip(*members, strict=True)]
        choices = [
            _EXPAND[d](code) if d in _EXPAND else [decode(d, code)]
            for d, code in zip(group_by, codes, strict=True)
        ]
        for key in itertools.product(*choices):
            cell = totals[key]
            for i, v in enumerate(values):
                cell[i] += v
    return [
        Cell.of(key, sums_)
        for key, sums_ in sorted(totals.items(), key=lambda item: tuple(_order(k) for k in item[0]))
    ]


class Statistics:
    """Monitor figures from `case_facts`, which holds no personal data."""

    def __init__(self, engine: AsyncEngine, *, summary: bool = True) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._summary = summary

    async def cells(self, filters: StatsFilters, group_by: list[Dimension]) -> list[Cell]:
        """Every non-empty cell of the grouping, sorted by its dimension values."""
        rows = await self._sums(filters, group_by)
        return _cells(group_by, rows, positions=list(range(len(group_by))), width=len(group_by))

    async def many(
        self, filters: StatsFilters, groupings: list[list[Dimension]]
    ) -> list[list[Cell]]:
        """The cells of each grouping, as `cells` gives them, from one scan per family
        of groupings (`family`) grouped by all its dimensions and summed down by `_cells`:
        every figure of a cell, the cell-key sums included, is a sum over its cases,
        so the result is the same to the last digit and to the perturbation."""
        families: dict[str, list[Dimension]] = {}
        for grouping in groupings:
            union = families.setdefault(family(grouping), [])
            union += [d for d in grouping if d not in union]
        scans = await asyncio.gather(*(self._sums(filters, u) for u in families.values()))
        rows_of = dict(zip(families, scans, strict=True))
        result = []
        for grouping in groupings:
            kind = family(grouping)
            union, rows = families[kind], rows_of[kind]
            positions = [union.index(d) for d in grouping]
            result.append(_cells(grouping, rows, positions=positions, width=len(union)))
        return result

    async def _sums(self, filters: StatsFilters, group_by: list[Dimension]) -> list[Row]:
        """(dimension codes…, count, measure sums…, cell-key sums…) per group: from the
        monthly summary where it serves (`registry.domain.summary`), and from
        `case_facts` for the rest, in one snapshot; else from `case_facts` alone."""
        columns = [fact_column(d) for d in group_by]

        def facts(*extra: Any) -> Any:
            return (
                select(*columns, *sum_columns())
                .where(*conditions(filters, CaseFact, at="reported_at", coded=True), *extra)
                .group_by(*columns)
            )

        number = shape_for(group_by, filters) if self._summary else None
        if number is None:
            async with self._sessions() as session:
                return [tuple(row) for row in (await session.execute(facts())).all()]
        async with snapshot_read(self._engine) as connection:
            rows, rest = await summary_rows(connection, filters, group_by, number)
            if rest is not None:
                rows += [tuple(row) for row in (await connection.execute(facts(rest))).all()]
        return rows

    async def acknowledgement(
        self, filters: StatsFilters, *, suppressed: bool
    ) -> list[dict[str, Any]]:
        """Median and 90th percentile of the time from report to acknowledgement, by
        the pool of the adviser who acknowledged."""
        query = (
            select(CaseFact.pool, CaseFact.ack_seconds, func.count(), func.sum(CaseFact.cell_key))
            .where(
                CaseFact.ack_seconds.is_not(None),
                CaseFact.pool.is_not(None),
                *conditions(filters, CaseFact, at="reported_at", coded=True),
            )
            .group_by(CaseFact.pool, CaseFact.ack_seconds)
            .order_by(CaseFact.pool, CaseFact.ack_seconds)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        result = []
        for pool, group in itertools.groupby(rows, key=lambda r: r[0]):
            rows_ = list(group)
            histogram = [(int(r[1] or 0), int(r[2])) for r in rows_]
            acknowledged = sum(n for _, n in histogram)
            if suppressed:  # perturbed by the cell key of the pool's acknowledged cases
                acknowledged = perturbed(acknowledged, sum(int(r[3] or 0) for r in rows_))
            hidden = suppressed and acknowledged < SMALL_CELL
            result.append(
                {
                    "pool": decode("pool", pool),
                    "acknowledged": shown(acknowledged) if suppressed else acknowledged,
                    "median_s": None if hidden else percentile(histogram, 0.5),
                    "p90_s": None if hidden else percentile(histogram, 0.9),
                }
            )
        return result
