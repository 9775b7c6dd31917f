"""The projection on a real database (SQLite and PostgreSQL): migrations, idempotency,
order tolerance, group commit. Redelivered, duplicated and out-of-order events give the
state of the clean sequence, row for row."""

from __future__ import annotations

import random
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from contracts.events import IncidentReported, RegistrationReceived
from registry.adapters.db import Base, EventRecord
from registry.domain.filters import StatsFilters
from tests.support.registry import (
    mixed_sequence,
    open_registry,
    project_in_batches,
    recorded_events,
    snapshot,
)


async def test_migrations_produce_exactly_the_models(registry_database_url: str) -> None:
    async with open_registry(registry_database_url) as registry, registry.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert diff == []


async def test_migrating_twice_changes_nothing(registry_database_url: str) -> None:
    async with open_registry(registry_database_url):
        pass
    async with open_registry(registry_database_url) as registry:
        assert await snapshot(registry.engine) == {
            "events": [],
            "incidents": [],
            "registrations": [],
            "case_facts": [],
            "case_advisers": [],
            "case_keys": [],
        }


async def test_shuffled_and_repeated_sequence_gives_the_clean_state(
    registry_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    events = mixed_sequence()
    async with open_registry(registry_database_url) as registry:
        for i in range(0, len(events), 25):
            await registry.projector.write(events[i : i + 25])
        clean = await snapshot(registry.engine)
        assert len(clean["events"]) == len({e.event_id for e in events})
        assert len(clean["case_facts"]) > 60
        # The same database again: a redelivery of everything, in a different order.
        rng = random.Random(1)
        again = [*events, *rng.sample(events, len(events) // 2)]
        rng.shuffle(again)
        await project_in_batches(registry.projector, again, rng)
        assert await snapshot(registry.engine) == clean
    # A fresh database fed a shuffled sequence with repeats gives the same rows.
    if registry_database_url.startswith("sqlite"):
        other = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('shuffled') / 'r.db'}"
    else:
        other = registry_database_url.rsplit("/", 1)[0] + "/" + _fresh_pg_name()
        await _create_pg(other)
    try:
        for seed in (2, 3):
            rng = random.Random(seed)
            shuffled = [*events, *(rng.choice(events) for _ in range(len(events) // 3))]
            rng.shuffle(shuffled)
            async with open_registry(other) as fresh:
                if seed == 3:
                    await _empty(fresh.engine)
                await project_in_batches(fresh.projector, shuffled, rng)
                assert await snapshot(fresh.engine) == clean, f"seed {seed}"
    finally:
        if not registry_database_url.startswith("sqlite"):
            await _drop_pg(other)


def _fresh_pg_name() -> str:
    return f"weerbaar_test_{uuid.uuid4().hex[:12]}"


async def _create_pg(url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    conn = await asyncpg.connect(
        parsed.set(drivername="postgresql", database="postgres").render_as_string(False)
    )
    try:
        await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


async def _drop_pg(url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    conn = await asyncpg.connect(
        parsed.set(drivername="postgresql", database="postgres").render_as_string(False)
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await conn.close()


async def _empty(engine: object) -> None:
    from registry.entrypoints.rebuild import reset

    await reset(engine)  # type: ignore[arg-type]


async def test_a_batch_redelivered_after_its_commit_changes_nothing(
    registry_database_url: str,
) -> None:
    events = recorded_events()
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write(events)
        before = await snapshot(registry.engine)
        await registry.projector.write(events)
        await registry.projector.write(events[:7] + events[:7])
        assert await snapshot(registry.engine) == before


async def test_group_commit_acknowledges_each_event_after_its_batch(
    registry_database_url: str,
) -> None:
    import asyncio

    events = recorded_events()
    async with open_registry(registry_database_url) as registry:
        registry.projector.start()
        try:
            await asyncio.gather(*(registry.projector.submit(e) for e in events))
        finally:
            await registry.projector.stop()
        async with registry.engine.connect() as conn:
            stored = set((await conn.execute(select(EventRecord.event_id))).scalars())
        assert stored == {str(e.event_id) for e in events}


async def test_a_registration_and_its_outreach_incident_are_one_case(
    registry_database_url: str,
) -> None:
    events = recorded_events()
    wanted = next(e for e in events if isinstance(e, RegistrationReceived) and e.wants_contact)
    outreach = next(
        e for e in events if isinstance(e, IncidentReported) and e.incident_id == wanted.incident_id
    )
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write([wanted])
        cells = await registry.statistics.cells(StatsFilters(), ["source"])
        assert [(c.key, c.count) for c in cells] == [(("municipal_registration",), 1)]
        await registry.projector.write([outreach])
        cells = await registry.statistics.cells(StatsFilters(), ["source"])
        assert [(c.key, c.count) for c in cells] == [(("municipal_registration",), 1)]
        record = await registry.queries.registration(wanted.incident_id)
        assert record is not None and record.wants_contact
