"""Routing's use cases: assign, watch the acknowledgement deadline, escalate, remind.

Every effect is published before the state that records it is written, and every
published event and timer has an id derived from the incident and the escalation
level. A crash between the two, a redelivery, or a second routing process doing
the same work therefore publishes the very same events again, which JetStream and
every consumer drop; the compare-and-set on the state decides who moves on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal, Protocol, cast

from prometheus_client import Counter, Gauge, Histogram
from pydantic import AwareDatetime, BaseModel, ConfigDict

from contracts.events import (
    AckDeadlineShortened,
    ActionRecorded,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentDeclined,
    AssignmentEscalated,
    AssignmentRejected,
    AssignmentRequested,
    EscalationReason,
    Event,
    IncidentClosed,
    IncidentDetailsUpdated,
    IncidentReopened,
    IncidentReported,
    IncidentUnroutable,
    NotificationFailed,
    ReminderDue,
    derive_id,
    utcnow,
)
from contracts.subjects import TIMER_DUE_PREFIX, TIMER_SCHEDULE_PREFIX
from contracts.vocabulary import FALLBACK_POOL, Source
from routing import casework
from routing.domain import Choice, Request, RoundRobin, choose, escalation_ring, request_for
from routing.oncall import Preview, preview
from routing.roster import Roster
from routing.settings import RoutingSettings
from routing.state import Conflict, IncidentRouting, StateStore, Step
from weerbaar_runtime.logging import get_logger

PRODUCER = "routing"
_log = get_logger("routing")

ASSIGNMENTS = Counter(
    "weerbaar_routing_assignments_total",
    "First assignments: fallback is true when the role's own pool had nobody and the "
    "fallback pool (BZK) took it; relaxed says which rule was relaxed (capacity, "
    "coordinator) or no",
    ["pool", "urgency", "fallback", "relaxed"],
)
UNROUTABLE = Counter("weerbaar_routing_unroutable_total", "Incidents nobody could be assigned to")
ESCALATIONS = Counter(
    "weerbaar_routing_escalations_total", "Assignments escalated", ["pool", "reason"]
)
HAND_ASSIGNMENTS = Counter(
    "weerbaar_routing_hand_assignments_total", "Hand assignments by outcome", ["outcome"]
)
DEADLINES_SHORTENED = Counter(
    "weerbaar_routing_deadlines_shortened_total", "Deadlines shortened by a raised urgency"
)
REMINDERS = Counter("weerbaar_routing_reminders_total", "Idle-case reminders", ["recipient"])
TIME_TO_ACK = Histogram(
    "weerbaar_routing_time_to_acknowledge_seconds",
    "From first assignment to acknowledgement",
    ["pool", "urgency"],
    buckets=(5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200),
)
OPEN_UNACKNOWLEDGED = Gauge(
    "weerbaar_routing_open_unacknowledged", "Assigned incidents nobody has acknowledged yet"
)


class Timer(BaseModel):
    """A deadline or reminder, kept by a JetStream message schedule until it is due."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["ack", "idle"]
    incident_id: uuid.UUID
    assignment_id: uuid.UUID
    due_at: AwareDatetime
    stage: int = 1

    @property
    def subject(self) -> str:
        """Where the server publishes the timer when it is due."""
        return f"{TIMER_DUE_PREFIX}.{self.kind}.{self.incident_id}"

    @property
    def schedule_subject(self) -> str:
        """The pending timer's identity: one schedule per assignment, kind and stage, so
        scheduling it again (a later reminder, an earlier deadline) replaces it."""
        return f"{TIMER_SCHEDULE_PREFIX}.{self.kind}.{self.assignment_id}.{self.stage}"

    @property
    def msg_id(self) -> str:
        # The due time is part of the id: a deadline moved earlier is another timer.
        due_ms = int(self.due_at.timestamp() * 1000)
        return f"timer:{self.kind}:{self.assignment_id}:{self.stage}:{due_ms}"


class Publisher(Protocol):
    async def __call__(self, event: Event) -> None: ...


class Scheduler(Protocol):
    async def __call__(self, timer: Timer) -> None: ...


class Router:
    def __init__(
        self,
        *,
        roster: Roster,
        settings: RoutingSettings,
        state: StateStore,
        publish: Publisher,
        schedule: Scheduler,
    ) -> None:
        self.roster = roster
        self._settings = settings
        self._state = state
        self._publish = publish
        self._schedule = schedule
        self._turns = RoundRobin()
        self._load: dict[str, int] = {}
        self._unacknowledged: set[uuid.UUID] = set()

    # --- bookkeeping -----------------------------------------------------------------

    async def warm_up(self) -> None:
        """Count open cases per adviser from the durable state."""
        self._load.clear()
        self._unacknowledged.clear()
        for state in await self._state.all():
            self._track(state)
        OPEN_UNACKNOWLEDGED.set(len(self._unacknowledged))

    def _track(self, state: IncidentRouting, previous: IncidentRouting | None = None) -> None:
        if previous is not None and not previous.closed:
            who = previous.step.adviser_id
            self._load[who] = max(0, self._load.get(who, 0) - 1)
        if not state.closed:
            self._load[state.step.adviser_id] = self._load.get(state.step.adviser_id, 0) + 1
        if state.closed or state.acknowledged_at is not None or state.exhausted:
            self._unacknowledged.discard(state.incident_id)
        else:
            self._unacknowledged.add(state.incident_id)
        OPEN_UNACKNOWLEDGED.set(len(self._unacknowledged))

    def open_cases(self) -> dict[str, int]:
        return dict(self._load)

    def preview(self, request: Request, *, at: datetime) -> Preview:
        """Who would be paged for these facts now, taking nothing."""
        return preview(self.roster, request, at=at, load=self._load, turns=self._turns)

    # --- events ----------------------------------------------------------------------

    async def handle(self, event: Event, attempt: int) -> None:
        if isinstance(event, IncidentReported):
            await self.assign(event)
        elif isinstance(event, AssignmentAcknowledged):
            await self._acknowledged(event)
        elif isinstance(event, ActionRecorded):
            await self._change(event.incident_id, lambda s: _active(s, event.occurred_at))
        elif isinstance(event, IncidentClosed):
            await self._change(
                event.incident_id, lambda s: None if s.closed else _with(s, closed=True)
            )
        elif isinstance(event, IncidentReopened):
            await self._change(
                event.incident_id,
                lambda s: (
                    _with(s, closed=False, last_activity_at=event.occurred_at) if s.closed else None
                ),
            )
        elif isinstance(event, NotificationFailed) and event.purpose == "page":
            await self._escalate(
                event.incident_id, event.assignment_id, reason="notification_failed"
            )
        elif isinstance(event, AssignmentDeclined):
            await self._escalate(event.incident_id, event.assignment_id, reason="declined")
        elif isinstance(event, AssignmentRequested):
            await self.assign_by_hand(event)
        elif isinstance(event, IncidentDetailsUpdated):
            await self._details(event)

    async def _change(
        self, incident_id: uuid.UUID, change: Callable[[IncidentRouting], IncidentRouting | None]
    ) -> IncidentRouting | None:
        before = await self._state.get(incident_id)
        after = await self._state.update(incident_id, change)
        if before is not None and after is not None and after != before[0]:
            self._track(after, before[0])
        return after

    def _deadline_s(self, reported: IncidentReported | AssignmentRequested) -> float:
        if reported.source is Source.MEDIA_REPORT:
            return self._settings.outreach_deadline_s
        return self._settings.ack_deadline_s(reported.urgency)

    async def assign(self, reported: IncidentReported) -> None:
        found = await self._state.get(reported.incident_id)
        state = found[0] if found else None
        if state is None:
            decided = self._decide(reported)
            if decided is None:
                await self._unroutable(
                    reported, "no adviser in the role's pool or the fallback pool"
                )
                return
            state, choice = decided
            recorded = await self._state.create(state)
            if recorded == state:
                self._track(state)
                ASSIGNMENTS.labels(
                    choice.pool.value,
                    state.urgency.value,
                    "true" if choice.fallback else "false",
                    choice.relaxed or "no",
                ).inc()
            state = recorded
        # A redelivered report finds its assignment recorded and publishes the same
        # events again: same ids, dropped by JetStream and by every consumer.
        await self._publish(self._assigned_event(state, causation=reported.event_id))
        await self._schedule(self._ack_timer(state))

    def _decide(self, reported: IncidentReported) -> tuple[IncidentRouting, Choice] | None:
        official = reported.official
        request = request_for(
            role=official.role,
            organisation_code=official.organisation_code,
            urgency=reported.urgency,
            types=reported.incident.types,
            source=reported.source,
        )
        now = utcnow()
        choice = choose(self.roster, request, at=now, load=self._load, turns=self._turns)
        if choice is None:
            return None
        if choice.relaxed:
            _log.warning(
                "assignment relaxed: nobody fully available",
                incident_id=str(reported.incident_id),
                pool=choice.pool.value,
                reason=choice.relaxed,
            )
        ring = escalation_ring(self.roster, choice.pool, request, at=now, first=choice.adviser)
        steps = [Step(adviser_id=a.id, pool=a.pool, contacts=a.contacts) for a in ring]
        state = IncidentRouting(
            incident_id=reported.incident_id,
            role=official.role,
            organisation_code=official.organisation_code,
            urgency=reported.urgency,
            incident_types=list(reported.incident.types),
            deadline_s=self._deadline_s(reported),
            ring=steps,
            max_level=max(0, len(steps) * self._settings.escalation_rounds - 1),
            level=0,
            assignment_id=derive_id("assignment", reported.incident_id, 0),
            assigned_at=now,
            reported_at=reported.occurred_at,
        )
        return state, choice

    def _assigned_event(
        self,
        state: IncidentRouting,
        *,
        causation: uuid.UUID | None,
        event_id: uuid.UUID | None = None,
    ) -> AdviserAssigned:
        step = state.step
        return AdviserAssigned(
            event_id=event_id or derive_id("adviser.assigned", state.incident_id, state.level),
            incident_id=state.incident_id,
            occurred_at=state.assigned_at,
            causation_id=causation,
            producer=PRODUCER,
            assignment_id=state.assignment_id,
            adviser_id=step.adviser_id,
            pool=step.pool,
            urgency=state.urgency,
            ack_deadline=state.assigned_at + timedelta(seconds=state.deadline_s),
            escalation_level=state.level,
            role=state.role,
            organisation_code=state.organisation_code,
            incident_types=state.incident_types,
            contacts=step.contacts,
            request_id=state.request_id,
        )

    def _ack_timer(self, state: IncidentRouting) -> Timer:
        return Timer(
            kind="ack",
            incident_id=state.incident_id,
            assignment_id=state.assignment_id,
            due_at=state.assigned_at + timedelta(seconds=state.deadline_s),
        )

    async def _unroutable(self, reported: IncidentReported, reason: str, level: int = 0) -> None:
        UNROUTABLE.inc()
        _log.error(
            "incident unroutable: nobody can take it",
            incident_id=str(reported.incident_id),
            role=reported.official.role.value,
            reason=reason,
        )
        await self._publish(
            IncidentUnroutable(
                event_id=derive_id("incident.unroutable", reported.incident_id, level),
                incident_id=reported.incident_id,
                occurred_at=utcnow(),
                causation_id=reported.event_id,
                producer=PRODUCER,
                pool=self.roster.default_pool(reported.official.role),
                reason=reason,
            )
        )

    async def _acknowledged(self, event: AssignmentAcknowledged) -> None:
        def acknowledge(state: IncidentRouting) -> IncidentRouting | None:
            if state.acknowledged_at is not None or state.closed:
                return None
            if event.assignment_id is not None and event.assignment_id != state.assignment_id:
                return None
            return _with(state, acknowledged_at=event.occurred_at)

        state = await self._change(event.incident_id, acknowledge)
        if state is None or state.acknowledged_at != event.occurred_at:
            return
        first = state.ring[0]
        waited = (
            event.occurred_at - state.assigned_at
        ).total_seconds() + state.level * state.deadline_s
        TIME_TO_ACK.labels(first.pool.value, state.urgency.value).observe(max(0.0, waited))
        await self._schedule(
            Timer(
                kind="idle",
                incident_id=state.incident_id,
                assignment_id=state.assignment_id,
                due_at=event.occurred_at + timedelta(seconds=self._settings.idle_reminder_s),
                stage=1,
            )
        )

    # --- case work -------------------------------------------------------------------

    async def assign_by_hand(self, event: AssignmentRequested) -> None:
        """Check and carry out a hand assignment: the new adviser is paged and the
        previous one told, or the request is rejected with the reason. As with an
        escalation, the move is claimed by compare-and-set before it is published."""
        found = await self._state.get(event.incident_id)
        state = found[0] if found else None
        if state is not None and state.request_id == event.request_id:
            # Carried out already (a redelivery, or the other routing process): make sure
            # its events are out, as the claimed state records them.
            if state.moved_reason is not None:
                await self._publish_hand_assignment(event, state)
            return
        checked = casework.check(self.roster, event, state)
        if isinstance(checked, casework.Rejection):
            await self._reject(event, checked)
            return
        moved = casework.assign_by_hand(
            event,
            state,
            checked,
            roster=self.roster,
            deadline_s=self._deadline_s(event),
            rounds=self._settings.escalation_rounds,
            at=utcnow(),
        ).model_copy(
            update={
                "moved_from": state.assignment_id if state else None,
                "moved_from_step": state.step if state else None,
                "moved_reason": "reassigned" if state else "assigned",
            }
        )
        if state is None:
            recorded = await self._state.create(moved)
            won = recorded == moved
            if not won and recorded.request_id != event.request_id:
                # routing assigned the report meanwhile: decide again on redelivery
                raise Conflict(str(event.incident_id))
        else:
            superseded = state.assignment_id

            def supersede(current: IncidentRouting) -> IncidentRouting | None:
                if current.request_id == event.request_id:
                    return None
                if current.assignment_id != superseded:
                    # moved on since this was decided: decide again on redelivery
                    raise Conflict(str(event.incident_id))
                return moved

            won = await self._state.update(event.incident_id, supersede) is moved
        if won:
            self._track(moved, state)
            HAND_ASSIGNMENTS.labels("assigned").inc()
            _log.info(
                "assigned by hand",
                incident_id=str(event.incident_id),
                pool=moved.step.pool.value,
                escalation_level=moved.level,
            )
        await self._publish_hand_assignment(event, moved)

    async def _publish_hand_assignment(
        self, event: AssignmentRequested, moved: IncidentRouting
    ) -> None:
        """The events of a hand assignment as the claimed state records them."""
        key = (event.request_id, moved.moved_from)
        previous = moved.moved_from_step
        if moved.moved_from is not None and previous is not None:
            await self._publish(
                AssignmentEscalated(
                    event_id=derive_id("assignment.escalated", event.incident_id, *key),
                    incident_id=event.incident_id,
                    occurred_at=event.occurred_at,
                    causation_id=event.event_id,
                    producer=PRODUCER,
                    previous_assignment_id=moved.moved_from,
                    previous_adviser_id=previous.adviser_id,
                    previous_contacts=previous.contacts,
                    next_adviser_id=moved.step.adviser_id,
                    reason="reassigned",
                    escalation_level=moved.level,
                )
            )
        await self._publish(
            self._assigned_event(
                moved,
                causation=event.event_id,
                event_id=derive_id("adviser.assigned", event.incident_id, *key),
            )
        )
        await self._schedule(self._ack_timer(moved))

    async def _reject(self, event: AssignmentRequested, rejection: casework.Rejection) -> None:
        HAND_ASSIGNMENTS.labels(rejection.reason).inc()
        _log.warning(
            "hand assignment refused", incident_id=str(event.incident_id), reason=rejection.reason
        )
        await self._publish(
            AssignmentRejected(
                event_id=derive_id("assignment.rejected", event.incident_id, event.request_id),
                incident_id=event.incident_id,
                occurred_at=utcnow(),
                causation_id=event.event_id,
                producer=PRODUCER,
                request_id=event.request_id,
                adviser_id=event.adviser_id,
                reason=rejection.reason,
                detail=rejection.detail,
            )
        )

    async def _details(self, event: IncidentDetailsUpdated) -> None:
        """Facts that changed: later pages carry them; a raised urgency of a case
        nobody acknowledged shortens its deadline (a timer that is due at once when the
        new deadline has passed already)."""
        if event.urgency is None and event.types is None:
            return
        found = await self._state.get(event.incident_id)
        if found is None:
            return
        state = found[0]
        urgency = event.urgency or state.urgency
        deadline_s = self._settings.ack_deadline_s(urgency)
        due = casework.shortened_deadline(state, deadline_s) if event.urgency else None
        if due is not None:
            await self._publish(
                AckDeadlineShortened(
                    event_id=derive_id(
                        "assignment.deadline_shortened", state.assignment_id, urgency.value
                    ),
                    incident_id=state.incident_id,
                    occurred_at=event.occurred_at,
                    causation_id=event.event_id,
                    producer=PRODUCER,
                    assignment_id=state.assignment_id,
                    urgency=urgency,
                    ack_deadline=due,
                )
            )
            await self._schedule(
                Timer(
                    kind="ack",
                    incident_id=state.incident_id,
                    assignment_id=state.assignment_id,
                    due_at=due,
                )
            )
        types = list(event.types) if event.types is not None else state.incident_types

        def update(current: IncidentRouting) -> IncidentRouting | None:
            shorter = due is not None and current.assignment_id == state.assignment_id
            changed = _with(
                current,
                urgency=urgency,
                incident_types=types,
                deadline_s=min(current.deadline_s, deadline_s) if shorter else current.deadline_s,
            )
            return None if changed == current else changed

        after = await self._change(event.incident_id, update)
        if due is not None and after is not None and after.deadline_s == deadline_s:
            DEADLINES_SHORTENED.inc()

    # --- timers ----------------------------------------------------------------------

    async def fire(self, timer: Timer) -> datetime | None:
        """A timer that is due. Stale timers (acknowledged, re-assigned, closed) do
        nothing; a reminder whose case saw activity since returns its new due time."""
        if timer.kind == "ack":
            await self._escalate(
                timer.incident_id, timer.assignment_id, reason="ack_deadline_passed"
            )
            return None
        return await self._remind(timer)

    async def _escalate(
        self,
        incident_id: uuid.UUID,
        assignment_id: uuid.UUID,
        *,
        reason: EscalationReason,
    ) -> None:
        """Move an unacknowledged assignment on to the next adviser of the snapshot.

        The move is claimed by compare-and-set before anything is published, so of two
        decisions made on the same state (this one and a hand assignment, say) only the
        one that claimed it pages anybody. Its events have ids derived from the incident
        and the level, and everything they say is in the claimed state: a redelivery after
        a crash between the claim and the publishing publishes them again, the same."""
        found = await self._state.get(incident_id)
        if found is None:
            return
        state = found[0]
        if not _escalates_from(state, assignment_id):
            if state.moved_from == assignment_id and state.moved_reason != "reassigned":
                await self._publish_escalation(state)  # claimed before: make sure it is out
            return
        if state.level + 1 > state.max_level:
            await self._exhausted(state)
            return
        claimed: list[IncidentRouting] = []

        def advance(current: IncidentRouting) -> IncidentRouting | None:
            if not _escalates_from(current, assignment_id) or current.level + 1 > current.max_level:
                return None
            level = current.level + 1
            moved = _with(
                current,
                level=level,
                assignment_id=derive_id("assignment", incident_id, level),
                assigned_at=utcnow(),
                moved_from=current.assignment_id,
                moved_from_step=current.step,
                moved_reason=reason,
            )
            claimed[:] = [moved]
            return moved

        after = await self._state.update(incident_id, advance)
        if after is None or after.moved_from != assignment_id or after.moved_reason == "reassigned":
            return  # moved on by another decision first: it pages, this one does not
        if claimed and after is claimed[0]:
            # Only the process whose compare-and-set won counts the escalation.
            self._track(after, state)
            ESCALATIONS.labels(state.step.pool.value, reason).inc()
            _log.warning(
                "assignment escalated",
                incident_id=str(incident_id),
                escalation_level=after.level,
                reason=reason,
                pool=after.step.pool.value,
            )
        await self._publish_escalation(after)

    async def _publish_escalation(self, moved: IncidentRouting) -> None:
        """The events of an escalation as the claimed state records it (same ids again)."""
        previous = moved.moved_from_step
        if moved.moved_from is None or previous is None:
            return
        await self._publish(
            AssignmentEscalated(
                event_id=derive_id("assignment.escalated", moved.incident_id, moved.level),
                incident_id=moved.incident_id,
                occurred_at=moved.assigned_at,
                producer=PRODUCER,
                previous_assignment_id=moved.moved_from,
                previous_adviser_id=previous.adviser_id,
                previous_contacts=previous.contacts,
                next_adviser_id=moved.step.adviser_id,
                reason=cast(EscalationReason, moved.moved_reason),
                escalation_level=moved.level,
            )
        )
        await self._publish(self._assigned_event(moved, causation=None))
        await self._schedule(self._ack_timer(moved))

    async def _exhausted(self, state: IncidentRouting) -> None:
        UNROUTABLE.inc()
        _log.error(
            "escalation chain exhausted: nobody acknowledged",
            incident_id=str(state.incident_id),
            escalation_level=state.level,
        )
        await self._publish(
            IncidentUnroutable(
                event_id=derive_id("incident.unroutable", state.incident_id, state.level + 1),
                incident_id=state.incident_id,
                occurred_at=utcnow(),
                producer=PRODUCER,
                pool=state.step.pool,
                reason="escalation chain exhausted: nobody acknowledged",
            )
        )
        await self._change(
            state.incident_id, lambda s: None if s.exhausted else _with(s, exhausted=True)
        )

    async def _remind(self, timer: Timer) -> datetime | None:
        found = await self._state.get(timer.incident_id)
        if found is None:
            return None
        state = found[0]
        if (
            state.closed
            or state.assignment_id != timer.assignment_id
            or state.acknowledged_at is None
            or state.reminders != timer.stage - 1
        ):
            return None
        idle_since = max(
            t for t in (state.acknowledged_at, state.last_activity_at) if t is not None
        )
        due = idle_since + timedelta(seconds=self._settings.idle_reminder_s * timer.stage)
        if due > utcnow() + timedelta(seconds=0.05):
            return due  # there was activity since: try again then
        recipient: Literal["adviser", "coordinator"] = (
            "adviser" if timer.stage == 1 else "coordinator"
        )
        step = state.step
        if recipient == "coordinator":
            coordinator = self.roster.coordinator(step.pool) or self.roster.coordinator(
                FALLBACK_POOL
            )
            if coordinator is None:
                return None
            target = Step(
                adviser_id=coordinator.id, pool=coordinator.pool, contacts=coordinator.contacts
            )
        else:
            target = step
        await self._publish(
            ReminderDue(
                event_id=derive_id("assignment.reminder_due", state.assignment_id, timer.stage),
                incident_id=state.incident_id,
                occurred_at=utcnow(),
                producer=PRODUCER,
                assignment_id=state.assignment_id,
                adviser_id=target.adviser_id,
                recipient=recipient,
                stage=timer.stage,
                contacts=target.contacts,
                role=state.role,
                organisation_code=state.organisation_code,
                idle_since=idle_since,
            )
        )
        if timer.stage < 2:
            await self._schedule(
                timer.model_copy(
                    update={
                        "stage": timer.stage + 1,
                        "due_at": idle_since
                        + timedelta(seconds=self._settings.idle_reminder_s * 2),
                    }
                )
            )
        after = await self._state.update(
            state.incident_id,
            lambda s: _with(s, reminders=timer.stage) if s.reminders < timer.stage else None,
        )
        if after is not None and after.reminders == timer.stage:
            REMINDERS.labels(recipient).inc()
        return None


def _escalates_from(state: IncidentRouting, assignment_id: uuid.UUID) -> bool:
    """Whether `assignment_id` is the current, open, unacknowledged assignment."""
    return (
        state.assignment_id == assignment_id
        and state.acknowledged_at is None
        and not state.closed
        and not state.exhausted
    )


def _with(state: IncidentRouting, **changes: object) -> IncidentRouting:
    return state.model_copy(update=changes)


def _active(state: IncidentRouting, at: datetime) -> IncidentRouting | None:
    if state.last_activity_at is not None and state.last_activity_at >= at:
        return None
    return _with(state, last_activity_at=at)
