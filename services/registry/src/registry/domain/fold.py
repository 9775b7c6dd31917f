"""Folding an incident's events into its current state: pure, so order cannot matter.

The registry stores every event once (by event id) and recomputes the state of each
incident it touches from all of that incident's events, sorted by when they happened.
A duplicate changes nothing; an event that arrives late lands in its place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from contracts.events import (
    AckDeadlineShortened,
    ActionRecorded,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentEscalated,
    Event,
    IncidentClosed,
    IncidentDetailsUpdated,
    IncidentReopened,
    IncidentReported,
    PersonalDataErased,
)
from contracts.vocabulary import Status
from registry.domain.details import (
    PERSONAL_VALUES,
    CaseDetails,
    details_of_report,
    updated,
    without_personal_data,
)
from registry.domain.memo import FoldMemo
from registry.domain.queue_facts import TYPES, QueueFacts, Step, queue_facts
from registry.domain.timeline import sort_key

__all__ = ["PERSONAL_VALUES", "FoldMemo", "IncidentState", "fold"]


@dataclass
class IncidentState:
    """The current state of one incident."""

    incident_id: str
    status: Status = Status.REPORTED
    details: CaseDetails | None = None
    """The report's facts as they stand now (None before the report)."""
    report: IncidentReported | None = None
    """The report the details come from."""
    updated: bool = False
    """Whether facts of the report were changed since (`incident.details_updated`)."""
    assignment_id: str | None = None
    adviser_id: str | None = None
    pool: str | None = None
    ack_deadline: datetime | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    escalations: int = 0
    actions: int = 0
    erased_at: datetime | None = None
    queue: QueueFacts = field(default_factory=QueueFacts)
    """What the coordinators' queue filters on."""

    @property
    def reported(self) -> bool:
        return self.report is not None


def fold(
    incident_id: str, events: Iterable[Event], *, memo: FoldMemo | None = None
) -> IncidentState:
    """The state after all of `events` (any order, duplicates allowed).

    The status is derived from facts rather than from the order of the producers'
    clocks: an acknowledgement counts for the assignment it names (or, naming none,
    for every assignment up to the escalation level current when it was given), so a
    slightly early clock on one service cannot undo an acknowledgement."""
    unique = {e.event_id: e for e in events}
    state = IncidentState(incident_id=incident_id)
    current: AdviserAssigned | None = None
    updates: list[IncidentDetailsUpdated] = []
    shortened: dict[str, datetime] = {}
    acks_by_assignment: dict[str, datetime] = {}
    unnamed_acks: list[tuple[int, datetime]] = []  # (level current then, when)
    closed = False
    steps: list[Step] = []
    for event in sorted(unique.values(), key=sort_key):
        if event.type in TYPES:
            steps.append(_step(event))
        if isinstance(event, IncidentReported):
            state.report = event
        elif isinstance(event, AdviserAssigned):
            if current is None or event.escalation_level >= current.escalation_level:
                current = event
        elif isinstance(event, AssignmentEscalated):
            if event.reason != "reassigned":  # a handover is no escalation
                state.escalations += 1
        elif isinstance(event, IncidentDetailsUpdated):
            updates.append(event)
        elif isinstance(event, AckDeadlineShortened):
            key = str(event.assignment_id)
            shortened[key] = min(shortened.get(key, event.ack_deadline), event.ack_deadline)
        elif isinstance(event, AssignmentAcknowledged):
            if event.assignment_id is not None:
                acks_by_assignment.setdefault(str(event.assignment_id), event.occurred_at)
            else:
                level = current.escalation_level if current else 0
                unnamed_acks.append((level, event.occurred_at))
        elif isinstance(event, ActionRecorded):
            state.actions += 1
        elif isinstance(event, IncidentClosed):
            closed = True
            state.closed_at = event.occurred_at
        elif isinstance(event, IncidentReopened) and closed:
            closed = False
            state.closed_at = None
        elif isinstance(event, PersonalDataErased) and state.erased_at is None:
            state.erased_at = event.occurred_at
    if state.report is not None:
        details = (memo.details if memo else details_of_report)(state.report)
        for update in updates:
            details = updated(details, update)
        state.updated = bool(updates)
        if state.erased_at is not None:
            details = without_personal_data(details)
        state.details = details
    if current is not None:
        state.assignment_id = str(current.assignment_id)
        state.adviser_id = current.adviser_id
        state.pool = current.pool.value
        state.ack_deadline = min(
            current.ack_deadline, shortened.get(str(current.assignment_id), current.ack_deadline)
        )
        times = [t for level, t in unnamed_acks if level >= current.escalation_level]
        named = acks_by_assignment.get(str(current.assignment_id))
        if named is not None:
            times.append(named)
        state.acknowledged_at = min(times) if times else None
    state.status = _status(state, closed=closed, assigned=current is not None)
    state.queue = queue_facts(steps)
    return state


def _step(event: Event) -> Step:
    assignment = getattr(event, "assignment_id", None)
    return Step(
        type=event.type,
        at=event.occurred_at,
        event_id=str(event.event_id),
        assignment_id=str(assignment) if assignment is not None else None,
        adviser_id=getattr(event, "adviser_id", None),
        purpose=getattr(event, "purpose", None),
    )


def _status(state: IncidentState, *, closed: bool, assigned: bool) -> Status:
    if closed:
        return Status.CLOSED
    if state.actions:
        return Status.IN_PROGRESS
    if state.acknowledged_at is not None:
        return Status.ACKNOWLEDGED
    if assigned:
        return Status.ASSIGNED
    return Status.REPORTED
