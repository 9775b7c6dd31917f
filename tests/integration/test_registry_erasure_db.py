"""Erasure in the projection on a real database (SQLite and PostgreSQL): the case is
scrubbed, the statistics stay as they were, a read is one consistent picture."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.event import listen
from sqlalchemy.util import await_only

from contracts.events import Event, IncidentReported, PersonalDataErased
from registry.domain.erasure import erasure
from registry.domain.filters import StatsFilters
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
from tests.support.registry import (
    mixed_sequence,
    open_registry,
    opened_events,
    recorded_events,
    snapshot,
    stored_keys,
)

CANARIES = (CANARY_NAME, CANARY_PHONE, CANARY_EMAIL, CANARY_DESCRIPTION)


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
            assert found[2]["official_name"] == CANARY_NAME
            await registry.projector.write([erase])
            assert await statistics_of(registry) == before
        record, timeline, personal = await registry.queries.incident(case[0].incident_id)  # type: ignore[misc]
        assert set(personal.values()) == {None}
        assert (record.official_name, record.official_phone, record.official_email) == (
            None,
            None,
            None,
        )
        assert record.description is None
        assert record.erased_at == T0 + timedelta(days=3)
        assert record.status == "closed" and record.role == "mayor"
        # opened: sealed values never show a canary, the question is whether anything is
        # left to open (the case's key is gone with the erasure)
        assert str(case[0].incident_id) not in await stored_keys(registry.engine)
        text = "".join(
            e.model_dump_json()
            for e in await opened_events(registry.engine, str(case[0].incident_id))
        )
        for canary in CANARIES:
            assert canary not in text
        assert "Woningscan" not in text and "Afgerond" not in text
        erased = [e for e in timeline if e.type == "incident.personal_data_erased"]
        assert len(erased) == 1
        # redelivering the original events after the erasure leaves them scrubbed
        await registry.projector.write(case)
        text = "".join(
            e.model_dump_json()
            for e in await opened_events(registry.engine, str(case[0].incident_id))
        )
        assert CANARY_NAME not in text
        assert str(case[0].incident_id) not in await stored_keys(registry.engine)


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
        _, timeline, personal = found
        assert personal["official_name"] == CANARY_NAME
        assert not any(isinstance(e, PersonalDataErased) for e in timeline)
        found = await registry.queries.incident(case[0].incident_id)
        assert found is not None
        _, timeline, personal = found
        assert personal["official_name"] is None
        assert any(isinstance(e, PersonalDataErased) for e in timeline)
