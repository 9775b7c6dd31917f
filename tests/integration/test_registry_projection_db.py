"""The projection on a real database (SQLite and PostgreSQL): migrations, idempotency,
order tolerance, erasure. Redelivered, duplicated and out-of-order events give the
state of the clean sequence, row for row."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.event import listen
from sqlalchemy.util import await_only

from contracts.events import Event, IncidentReported, PersonalDataErased, RegistrationReceived
from registry.adapters.crypto import open_event
from registry.adapters.db import Base, EventRecord
from registry.domain.erasure import erasure
from registry.domain.filters import StatsFilters
from tests.bench.registry_bench import event_stream
from tests.support.casework_events import action, closed
from tests.support.events import (
    CANARY_DESCRIPTION,
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    T0,
    assigned,
    reported,
)
from tests.support.registry import open_registry, recorded_events, snapshot

CANARIES = (CANARY_NAME, CANARY_PHONE, CANARY_EMAIL, CANARY_DESCRIPTION)


def mixed_sequence() -> list[Event]:
    """The recorded run, and a generated one with failures and escalations."""
    generated = [e for window in event_stream(60, seed=7, window=30) for e in window]
    return recorded_events() + generated


async def project_in_batches(projector: object, events: list[Event], rng: random.Random) -> None:
    write = projector.write  # type: ignore[attr-defined]
    i = 0
    while i < len(events):
        size = rng.randint(1, 40)
        await write(events[i : i + size])
        i += size


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


# --- erasure ----------------------------------------------------------------------------


def canary_case() -> list[Event]:
    return [
        reported(at=T0),
        assigned(at=T0 + timedelta(seconds=1)),
        action(at=T0 + timedelta(seconds=60)),
        closed(at=T0 + timedelta(days=2)),
    ]


async def statistics_of(registry: object) -> list[object]:
    stats = registry.statistics  # type: ignore[attr-defined]
    groupings = [[], ["role"], ["incident_type", "channel"], ["month", "province"], ["pool"]]
    found: list[object] = [await stats.cells(StatsFilters(), g) for g in groupings]
    found.append(await stats.acknowledgement(StatsFilters(), suppressed=False))
    return found


@pytest.mark.parametrize("erasure_first", [False, True])
async def test_erasure_scrubs_the_case_and_keeps_the_statistics(
    registry_database_url: str, erasure_first: bool
) -> None:
    case = canary_case()
    erase = erasure(
        case[0].incident_id,
        requested_by="operator-01",
        reason="request",
        key="k1",
        now=T0 + timedelta(days=3),
    )
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write(recorded_events())
        if erasure_first:
            # out of order: the erasure arrives before the events it erases
            await registry.projector.write([erase])
            await registry.projector.write(case)
        else:
            await registry.projector.write(case)
            before = await statistics_of(registry)
            found = await registry.queries.incident(case[0].incident_id)
            assert found is not None
            assert registry.queries.personal(found[0])["official_name"] == CANARY_NAME
            await registry.projector.write([erase])
            assert await statistics_of(registry) == before
        record, timeline = await registry.queries.incident(case[0].incident_id)  # type: ignore[misc]
        assert (record.official_name, record.official_phone, record.official_email) == (
            None,
            None,
            None,
        )
        assert record.description is None
        assert record.erased_at == T0 + timedelta(days=3)
        assert record.status == "closed" and record.role == "mayor"
        async with registry.engine.connect() as conn:
            payloads = (
                await conn.execute(
                    select(EventRecord.payload).where(
                        EventRecord.incident_id == str(case[0].incident_id)
                    )
                )
            ).scalars()
            # opened: sealed values never show a canary, the question is whether
            # anything is left to open
            text = "".join(open_event(p, registry.keyring).model_dump_json() for p in payloads)
        for canary in CANARIES:
            assert canary not in text
        assert "Woningscan" not in text and "Afgerond" not in text
        erased = [e for e in timeline if e.type == "incident.personal_data_erased"]
        assert len(erased) == 1
        # redelivering the original events after the erasure leaves them scrubbed
        await registry.projector.write(case)
        async with registry.engine.connect() as conn:
            text = "".join(
                open_event(p, registry.keyring).model_dump_json()
                for p in (
                    await conn.execute(
                        select(EventRecord.payload).where(
                            EventRecord.incident_id == str(case[0].incident_id)
                        )
                    )
                ).scalars()
            )
        assert CANARY_NAME not in text


async def test_statistics_are_the_same_with_and_without_erasure(
    registry_database_url: str, tmp_path: object
) -> None:
    events = mixed_sequence()
    reported_ids = sorted({str(e.incident_id) for e in events if isinstance(e, IncidentReported)})
    erasures = [
        erasure(i, requested_by="registry-retention", reason="retention", now=T0)
        for i in reported_ids[::2]
    ]
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write(events)
        before = await statistics_of(registry)
        facts_before = (await snapshot(registry.engine))["case_facts"]
        await registry.projector.write(erasures)
        assert await statistics_of(registry) == before
        assert (await snapshot(registry.engine))["case_facts"] == facts_before


async def test_a_case_read_while_it_is_erased_is_one_consistent_picture(
    registry_database_url: str,
) -> None:
    """The record and its timeline come from one snapshot: the erasure committed
    between reading the record and reading its events shows in neither, never in the
    timeline beside personal data the record still holds."""
    case = canary_case()
    erase = erasure(case[0].incident_id, requested_by="operator-01", reason="request")
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write(case)
        pending = [erase]

        def erase_after_the_record(_c: object, _cur: object, statement: str, *_: object) -> None:
            # runs in the reader's greenlet: commit the erasure before it reads the events
            if pending and "FROM incidents" in statement:
                await_only(registry.projector.write([pending.pop()]))

        listen(registry.engine.sync_engine, "after_cursor_execute", erase_after_the_record)
        found = await registry.queries.incident(case[0].incident_id)
        assert not pending, "the erasure was committed between the two reads"
        assert found is not None
        record, timeline = found
        assert registry.queries.personal(record)["official_name"] == CANARY_NAME
        assert not any(isinstance(e, PersonalDataErased) for e in timeline)
        found = await registry.queries.incident(case[0].incident_id)
        assert found is not None
        record, timeline = found
        assert registry.queries.personal(record)["official_name"] is None
        assert any(isinstance(e, PersonalDataErased) for e in timeline)
