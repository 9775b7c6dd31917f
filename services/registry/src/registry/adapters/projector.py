"""The projector: writes events in group commits and refreshes every incident,
registration and statistics row they touch. Events are stored as they arrived, sealed
under their case's data key; what arrived in the clear is sealed with that key first,
and the key is kept (wrapped) in `case_keys`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events import AdviserAssigned, Event, RegistrationReceived, parse_event
from contracts.feed import RecordChanged
from registry.adapters.case_keys import CaseKeys
from registry.adapters.crypto import at_rest, at_rest_state
from registry.adapters.group_commit import GroupCommit, OnCommit
from registry.adapters.sql_rows import fact_row, incident_row, registration_row
from registry.adapters.sql_sqlite import SqliteWriter
from registry.adapters.sql_writes import Writes, transaction
from registry.domain.case_facts import incident_fact, registration_fact
from registry.domain.disclosure import record_key
from registry.domain.fold import fold
from registry.domain.memo import FoldMemo
from registry.domain.scrub import is_erased, scrub
from weerbaar_runtime.sealing import CaseKey


class Projector:
    """Writes events in group commits (`GroupCommit`): every event waiting when a
    transaction starts goes into it, and each caller returns only after its event is
    committed. PostgreSQL gets two lanes by default, SQLite one.

    It keeps what refreshing a case again would otherwise recompute: parsed events and
    the fold's memo. The consumer offers the key store's data key of a case whose event
    it submits (`offer`); the projector keeps it with the case, or makes one of its own
    for a case the key store has none for and whose event arrived in the clear.

    On a SQLite file it writes on a connection of its own (`SqliteWriter`), on the
    event loop: a group commit is three calls into SQLite, not a dozen thread hops."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        keys: CaseKeys,
        stats_key: bytes,
        batch_max: int = 500,
        parsed_cache: int = 20000,
        lanes: int | None = None,
        on_commit: OnCommit | None = None,
        own_sqlite_connection: bool = True,
    ) -> None:
        self.engine = engine
        self._keys = keys
        self._offered: dict[str, CaseKey] = {}
        self._stats_key = stats_key  # the record keys of the statistics
        if lanes is None:
            lanes = 2 if engine.dialect.name == "postgresql" else 1
        self._commits = GroupCommit(
            self.write, lanes=lanes, batch_max=batch_max, on_commit=on_commit
        )
        # Parsed events by id, with the payload they were parsed from: refreshing a case
        # re-reads all its events, and parsing them again would cost more than the SQL.
        self._parsed: OrderedDict[str, tuple[str, Event]] = OrderedDict()
        self._parsed_max = parsed_cache
        self._memo = FoldMemo()
        # a SQLite file gets a connection of the projector's own (`SqliteWriter`);
        # `own_sqlite_connection=False` writes through the engine as any database does
        database = engine.url.database
        self._writer = (
            SqliteWriter(database)
            if own_sqlite_connection
            and engine.dialect.name == "sqlite"
            and database
            and database != ":memory:"
            else None
        )

    def start(self) -> None:
        self._commits.start()

    async def stop(self) -> None:
        await self._commits.stop()
        if self._writer is not None:
            await self._writer.close()

    def offer(self, key: CaseKey) -> None:
        """The key store's data key of a case an event is about to be submitted for."""
        self._offered[key.incident_id] = key

    async def submit(self, event: Event, attempt: int = 1) -> None:
        """Project one event; returns once it is committed."""
        await self._commits.submit(event, attempt)

    def _parse(self, event_id: str, payload: str) -> Event:
        cached = self._parsed.get(event_id)
        if cached is not None and cached[0] == payload:
            self._parsed.move_to_end(event_id)
            return cached[1]
        event = parse_event(payload)
        self._remember(event_id, payload, event)
        return event

    def _remember(self, event_id: str, payload: str, event: Event) -> None:
        self._parsed[event_id] = (payload, event)
        self._parsed.move_to_end(event_id)
        while len(self._parsed) > self._parsed_max:
            self._parsed.popitem(last=False)

    async def write(self, events: Sequence[Event]) -> list[RecordChanged]:
        """Store the events (once each) and refresh every incident, registration and
        statistics row they touch, in one transaction; what changed, for the feed."""
        unique = {str(e.event_id): e for e in events}
        states = {event_id: at_rest_state(e) for event_id, e in unique.items()}
        case_ids = {str(e.incident_id) for e in unique.values()}
        # the cases whose key is needed: to seal a value, or to keep the offered key
        keyed = {
            str(e.incident_id)
            for event_id, e in unique.items()
            if states[event_id][1] or str(e.incident_id) in self._offered
        }
        plain_cases = {str(e.incident_id) for i, e in unique.items() if states[i][1]}
        try:
            async with (
                self._writer.transaction() if self._writer else transaction(self.engine)
            ) as writes:
                keys, new_keys = await self._case_keys(writes, keyed, plain_cases)
                stored: dict[str, tuple[Event, str]] = {
                    event_id: at_rest(e, keys.get(str(e.incident_id)), plain=states[event_id][1])
                    for event_id, e in unique.items()
                }
                await writes.run(
                    "events",
                    [
                        {
                            "event_id": event_id,
                            "incident_id": str(e.incident_id),
                            "type": e.type,
                            "occurred_at": e.occurred_at,
                            "stream_sequence": None,
                            "payload": stored[event_id][1],
                        }
                        for event_id, e in unique.items()
                    ],
                )
                if new_keys:
                    await writes.run("keys", new_keys)
                return await self._refresh(
                    writes,
                    case_ids,
                    {event_id: at_rest_[0] for event_id, at_rest_ in stored.items()},
                    {event_id: at_rest_[1] for event_id, at_rest_ in stored.items()},
                )
        finally:
            for case_id in case_ids:
                self._offered.pop(case_id, None)

    async def _case_keys(
        self, writes: Writes, keyed: set[str], plain_cases: set[str]
    ) -> tuple[dict[str, CaseKey], list[dict[str, Any]]]:
        """The data keys of the cases (the stored one, else the offered one, else a new
        one for a case with values to seal), and the rows of those not stored yet."""
        if not keyed:
            return {}, []
        stored = await writes.case_keys(keyed)
        keys: dict[str, CaseKey] = {}
        new: list[dict[str, Any]] = []
        for case_id in keyed:
            if case_id in stored:
                keys[case_id] = self._keys.unwrap(case_id, stored[case_id])
                continue
            key = self._offered.get(case_id)
            if key is None and case_id in plain_cases:
                key = CaseKey.new(case_id)
            if key is not None:
                keys[case_id] = key
                new.append({"incident_id": case_id, "wrapped": self._keys.wrap(key)})
        return keys, new

    async def _refresh(
        self,
        writes: Writes,
        case_ids: set[str],
        batch: dict[str, Event],
        payloads: dict[str, str],
    ) -> list[RecordChanged]:
        by_case: dict[str, list[Event]] = {case_id: [] for case_id in case_ids}
        projected: dict[str, list[str]] = {case_id: [] for case_id in case_ids}
        for event in batch.values():
            projected[str(event.incident_id)].append(event.type)
        changes: list[RecordChanged] = []
        stored: dict[str, str] = {}
        for event_id, case_id, payload in await writes.case_events(case_ids):
            # An event of this batch is used as it came: if its stored copy was scrubbed
            # since, the erasure event is among the case's events and scrubs it again.
            by_case[case_id].append(batch.get(event_id) or self._parse(event_id, payload))
            stored[event_id] = payload
        incidents: list[dict[str, Any]] = []
        registrations: list[dict[str, Any]] = []
        facts: list[dict[str, Any]] = []
        scrubbed: list[dict[str, Any]] = []
        erased: list[dict[str, str]] = []
        advisers: list[dict[str, str]] = []
        moved: set[int] = set()  # months a case's row leaves (see `dirty` below)
        for case_id, case_events in by_case.items():
            if is_erased(case_events):
                for e in case_events:
                    event_id = str(e.event_id)
                    as_stored = (
                        e
                        if stored[event_id] == payloads.get(event_id)
                        else self._parse(event_id, stored[event_id])
                    )
                    clean = scrub(as_stored)
                    if clean != as_stored:  # the stored copy still holds personal data
                        scrubbed.append(
                            {"b_event_id": event_id, "b_payload": clean.model_dump_json()}
                        )
                case_events = [scrub(e) for e in case_events]
                erased.append({"b_incident_id": case_id})
            advisers.extend(
                {"adviser_id": e.adviser_id, "incident_id": case_id}
                for e in case_events
                if isinstance(e, AdviserAssigned) and str(e.event_id) in batch
            )
            registration = next(
                (e for e in case_events if isinstance(e, RegistrationReceived)), None
            )
            incident_events = [e for e in case_events if not isinstance(e, RegistrationReceived)]
            reported = False
            if incident_events:
                state = fold(case_id, incident_events, memo=self._memo)
                reported = state.reported
                values = incident_row(state, version=len({e.event_id for e in incident_events}))
                incidents.append(values)
                if reported:
                    facts.append(
                        fact_row(
                            incident_fact(state, memo=self._memo),
                            cell_key=record_key(self._stats_key, case_id),
                        )
                    )
                    types = [t for t in projected[case_id] if t != RegistrationReceived.TYPE]
                    if types:
                        changes.append(_changed("incident", case_id, types, values["version"]))
            if registration is not None:
                registrations.append(registration_row(registration))
                if reported:  # the outreach incident replaces the registration's row
                    moved.add(registration_fact(registration).dimensions.month)
                else:
                    facts.append(
                        fact_row(
                            registration_fact(registration),
                            cell_key=record_key(self._stats_key, case_id),
                        )
                    )
                if RegistrationReceived.TYPE in projected[case_id]:
                    changes.append(
                        _changed("registration", case_id, [RegistrationReceived.TYPE], 1)
                    )
        for event_id, event in batch.items():
            # Only an event stored as it came (not a copy scrubbed before) stands for
            # its payload in the cache.
            if stored.get(event_id) == payloads[event_id]:
                self._remember(event_id, payloads[event_id], event)
        if scrubbed:
            await writes.run("scrub", scrubbed)
        if erased:  # the case's data key goes with its personal data
            await writes.run("forget_keys", erased)
        if incidents:
            await writes.run("incidents", incidents)
        if registrations:
            await writes.run("registrations", registrations)
        if facts:
            await writes.run("facts", facts)
        if advisers:
            await writes.run("advisers", advisers)
        if facts:  # the months of the statistics' summary to compute again (insert only)
            months = sorted({row["month"] for row in facts} | moved)
            await writes.run("dirty", [{"b_month": m} for m in months])
        return changes


def _changed(kind: str, case_id: str, types: list[str], version: int) -> RecordChanged:
    return RecordChanged.model_validate(
        {"kind": kind, "id": case_id, "event_types": sorted(set(types)), "version": version}
    )
