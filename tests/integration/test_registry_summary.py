"""The monthly summary of the statistics gives what `case_facts` alone gives, to the
last digit: before it is computed, after, for whole and cut months, for the filters it
can apply and the ones it cannot, and after a late change of an old case's facts (its
month dirty until the next round). On SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from contracts.events import derive_id
from registry.adapters.db import STATS_DIRTY, STATS_SUMMARY
from registry.adapters.sql_statistics import Statistics
from registry.adapters.sql_summary import refresh, summarise
from registry.domain.facts import AMSTERDAM
from registry.domain.filters import StatsFilters
from tests.bench.registry_bench_events import START, Organisations, incident_events
from tests.support.casework_events import details_updated
from tests.support.registry import open_registry

INCIDENTS = 300
GROUPINGS: list[list[Any]] = [
    [],
    ["month"],
    ["source", "month"],
    ["role"],
    ["province"],
    ["incident_type"],
    ["channel"],
    ["incident_type", "channel"],
    ["police_status"],
    ["reason_not_reported"],
    ["pool"],
    ["role", "province"],
    ["organisation"],
]
FILTERS = {
    "everything": {},
    "one province": {"province_code": ["PV26"]},
    "a role and a source": {"role": ["mayor", "councillor"], "source": ["crisis_line"]},
    "one incident type": {"incident_type": ["threat"]},
    "one organisation (not summarised)": {"organisation_code": ["GM0363"]},
    "whole months": {
        "from": datetime(2025, 3, 1, tzinfo=AMSTERDAM),
        "to": datetime(2025, 9, 1, tzinfo=AMSTERDAM),
    },
    "cut months": {
        "from": datetime(2025, 3, 15, 12, tzinfo=AMSTERDAM),
        "to": datetime(2026, 2, 10, tzinfo=AMSTERDAM),
    },
    "within one month": {
        "from": datetime(2025, 6, 3, tzinfo=AMSTERDAM),
        "to": datetime(2025, 6, 20, tzinfo=AMSTERDAM),
    },
    "a year and a province": {
        "from": datetime(2025, 1, 1, tzinfo=AMSTERDAM),
        "to": datetime(2026, 1, 1, tzinfo=AMSTERDAM),
        "province_code": ["PV27", "PV28"],
    },
}


@pytest.fixture
async def registry(registry_database_url: str) -> Any:
    rng = random.Random(20261203)
    orgs = Organisations(rng)
    events = []
    for n in range(INCIDENTS):
        at = START + timedelta(days=rng.uniform(0, 730))
        events += incident_events(rng, orgs, n, at)
    async with open_registry(registry_database_url) as opened:
        for start in range(0, len(events), 500):
            await opened.projector.write(events[start : start + 500])
        yield opened


async def assert_the_same(registry: Any) -> None:
    plain = Statistics(registry.engine, summary=False)
    for name, given in FILTERS.items():
        filters = StatsFilters(**given)
        expected = await plain.many(filters, GROUPINGS)
        assert await registry.statistics.many(filters, GROUPINGS) == expected, name
        for grouping, cells in zip(GROUPINGS, expected, strict=True):
            assert await registry.statistics.cells(filters, grouping) == cells, (name, grouping)


async def scalar(registry: Any, query: Any) -> int:
    async with registry.engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def test_the_summary_answers_as_the_cases_do(registry: Any) -> None:
    dirty = select(func.count(func.distinct(STATS_DIRTY.c.month)))
    assert await scalar(registry, dirty) >= 24  # every month written, none summarised
    await assert_the_same(registry)

    assert await refresh(registry.engine) >= 24
    assert await scalar(registry, dirty) == 0
    assert await scalar(registry, select(func.count()).select_from(STATS_SUMMARY)) > 0
    await assert_the_same(registry)

    # a late aangifte for an old case: its month is dirty, and read from the cases
    update = details_updated(
        at=datetime(2026, 12, 1, tzinfo=AMSTERDAM),
        n=1,
        incident_id=derive_id("bench-incident", 0),
    )
    await registry.projector.write([update])
    assert await scalar(registry, dirty) == 1
    await assert_the_same(registry)
    assert await refresh(registry.engine) == 1
    await assert_the_same(registry)


async def test_a_mark_written_while_a_month_is_summarised_keeps_it_dirty(registry: Any) -> None:
    await refresh(registry.engine)
    async with registry.engine.begin() as connection:
        mark = insert(STATS_DIRTY).values(month=202506).returning(STATS_DIRTY.c.id)
        first = (await connection.execute(mark)).scalar_one()
        await connection.execute(insert(STATS_DIRTY).values(month=202506))
    await summarise(registry.engine, 202506, int(first))
    months = select(func.count()).select_from(STATS_DIRTY).where(STATS_DIRTY.c.month == 202506)
    assert await scalar(registry, months) == 1
    await assert_the_same(registry)


async def test_whole_clean_months_are_read_from_the_summary(registry: Any) -> None:
    await refresh(registry.engine)
    total = (await registry.statistics.cells(StatsFilters(), []))[0].count
    async with registry.engine.begin() as connection:  # a summary that no longer adds up
        await connection.execute(
            STATS_SUMMARY.update().where(STATS_SUMMARY.c.month == 202506).values(n=0)
        )
    assert (await registry.statistics.cells(StatsFilters(), []))[0].count < total
    plain = Statistics(registry.engine, summary=False)
    assert (await plain.cells(StatsFilters(), []))[0].count == total
