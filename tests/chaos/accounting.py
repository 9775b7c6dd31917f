"""What happened to every report of one fault: read from JetStream (the events
stored), the registry (what it shows) and the mailbox (what reached the adviser)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import nats
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import ServiceUnavailableError

from contracts.events import derive_id
from contracts.subjects import DEAD_LETTER_STREAM, EVENTS_STREAM
from tests.chaos.traffic import Report
from tests.support.auth import OPERATOR
from tests.support.system import System


@dataclass
class Row:
    """One line of the table."""

    fault: str
    target: str
    accepted: int = 0
    gave_up: int = 0
    lost: int = 0
    twice: int = 0
    unassigned: int = 0
    unpaged: int = 0
    paged_twice_same_id: int = 0
    paged_twice_other_id: int = 0
    due: int = 0
    fired: int = 0
    latest_s: float = 0.0
    latest_back_s: float | None = None
    """The latest escalation's lateness counted from when the system could store one
    again, else None: after every nats-server was down, from when they answered; after
    a member leading the events or timers stream, routing's bucket or its timers durable
    was killed or frozen, from when each had a new leader (nats-server's Raft campaigns
    only after 4-9 s without a leader, so nothing is stored in that window)."""
    in_flight: int | None = None
    """Pages notify held unacknowledged at the fault: the most it may repeat."""
    other_5xx: int = 0
    refused_503: int = 0
    stall_s: float = 0.0
    recovery_s: float | None = None
    dead_letters: int = 0
    notes: list[str] = field(default_factory=list)

    def holds(self) -> bool:
        """The promises of the issue: nothing lost, doubled, unassigned or unpaged, every
        due escalation fired no more than 5 s late (counted from when it could be stored
        again, after an outage or a re-election), no page repeated but one in flight, no
        5xx but 503."""
        late = self.latest_s if self.latest_back_s is None else self.latest_back_s
        return (
            self.lost == self.twice == self.unassigned == self.unpaged == 0
            and self.paged_twice_other_id == 0
            and self.paged_twice_same_id <= (self.in_flight or 0)
            and self.gave_up == 0
            and self.fired == self.due
            and late <= 5.0
            and self.other_5xx == 0
        )


def seconds(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def stream_sequence(system: System, stream: str = EVENTS_STREAM) -> int:
    """The last sequence a stream holds now."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.servers)
    try:
        return int((await nc.jetstream().stream_info(stream)).state.last_seq)
    finally:
        await nc.close()


async def events_since(system: System, first_seq: int) -> list[dict[str, Any]]:
    """Every event stored after `first_seq`, read through an ephemeral consumer."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.servers)
    found: list[dict[str, Any]] = []
    try:
        js = nc.jetstream()
        last = int((await js.stream_info(EVENTS_STREAM)).state.last_seq)
        if last <= first_seq:
            return found
        sub = await js.pull_subscribe(
            "weerbaar.events.>",
            stream=EVENTS_STREAM,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=first_seq + 1,
                inactive_threshold=60,
                mem_storage=True,
                num_replicas=1,
            ),
        )
        seen, tries = first_seq, 0
        while seen < last:
            try:
                batch = await sub.fetch(500, timeout=10)
            except (ServiceUnavailableError, nats.errors.TimeoutError):
                # a new consumer in a cluster answers once its leader is elected
                tries += 1
                if tries > 20:
                    raise
                await asyncio.sleep(0.5)
                continue
            for message in batch:
                seen = max(seen, message.metadata.sequence.stream)
                with contextlib.suppress(ValueError):  # a poison message the suite sent
                    found.append(json.loads(message.data))
                await message.ack()
        await sub.unsubscribe()
    finally:
        await nc.close()
    return found


async def dead_letters(system: System) -> int:
    assert system.nats is not None
    nc = await nats.connect(system.nats.servers)
    try:
        return int((await nc.jetstream().stream_info(DEAD_LETTER_STREAM)).state.messages)
    finally:
        await nc.close()


async def in_registry(system: System, incident_ids: list[str]) -> set[str]:
    shown: set[str] = set()
    gate = asyncio.Semaphore(8)

    async def one(client: httpx.AsyncClient, incident_id: str) -> None:
        async with gate:
            for _ in range(3):
                try:
                    got = await client.get(f"{system.registry}/v1/incidents/{incident_id}")
                except httpx.TransportError:
                    await asyncio.sleep(1)
                    continue
                if got.status_code == 200:
                    shown.add(incident_id)
                return

    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        await asyncio.gather(*(one(client, i) for i in incident_ids))
    return shown


def page_id(assignment_id: str) -> str:
    """The notification id (and Message-ID) of an assignment's e-mail page."""
    return str(derive_id("notification", assignment_id, "page", "email"))


def account(
    row: Row,
    reports: list[Report],
    events: list[dict[str, Any]],
    registry: set[str],
    mails: list[tuple[str, str]],
    *,
    now: float,
    back: float | None = None,
) -> Row:
    """Fill `row` from the reports, the stored events and the mails (purpose, id);
    `back`: when an escalation could be stored again (every server answering after all
    were down, or new leaders elected after a member was killed or frozen)."""
    accepted = {r.incident_id for r in reports if r.incident_id is not None}
    row.accepted = len(accepted)
    row.gave_up = sum(1 for r in reports if r.incident_id is None)
    statuses = Counter(a.status for r in reports for a in r.attempts)
    row.refused_503 = statuses[503]
    row.other_5xx = sum(n for s, n in statuses.items() if s is not None and s >= 500 and s != 503)
    by_type: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        if "incident_id" in event and "type" in event:
            by_type[event["type"]][str(event["incident_id"])].append(event)
    reported = by_type["incident.reported"]
    row.lost = len({i for i in accepted if i not in reported or i not in registry})
    row.twice = sum(len({e["event_id"] for e in es}) - 1 for es in reported.values())
    orphans = len(set(reported) - accepted)  # stored under a key whose 202 named another
    if row.gave_up:
        row.notes.append(f"{orphans} stored but not accepted (clients gave up)")
    else:
        row.twice += orphans
    assigned = by_type["adviser.assigned"]
    routed = set(assigned) | set(by_type["incident.unroutable"])
    row.unassigned = len(accepted - routed)
    paged = Counter(mid for purpose, mid in mails if purpose == "page")
    row.paged_twice_same_id = sum(n - 1 for n in paged.values() if n > 1)
    escalated = {
        str(e["previous_assignment_id"]): e
        for es in by_type["assignment.escalated"].values()
        for e in es
    }
    worst = worst_back = 0.0
    for incident_id in accepted & set(assigned):
        events_ = assigned[incident_id]
        first = {str(e["assignment_id"]) for e in events_ if not e.get("escalation_level")}
        reached = [a for a in first if page_id(a) in paged]
        row.unpaged += not reached
        row.paged_twice_other_id += max(0, len(reached) - 1)
        for event in assigned[incident_id]:
            if event.get("escalation_level") or event.get("urgency") != "acute":
                continue
            deadline = seconds(event["ack_deadline"])
            if deadline > now - 1:
                continue
            row.due += 1
            fired = escalated.get(str(event["assignment_id"]))
            if fired is not None:
                row.fired += 1
                at = seconds(fired["occurred_at"])
                worst = max(worst, at - deadline)
                worst_back = max(worst_back, at - max(deadline, back or deadline))
    row.latest_s = worst
    row.latest_back_s = worst_back if back is not None else None
    return row


def mails_of(system: System) -> list[tuple[str, str]]:
    """(purpose, Message-ID) of every mail the SMTP server accepted."""
    with system.mailbox._lock:
        messages = list(system.mailbox.messages)
    return [
        (m.get("X-Weerbaar-Purpose", ""), m.get("X-Weerbaar-Notification-Id", "")) for m in messages
    ]
