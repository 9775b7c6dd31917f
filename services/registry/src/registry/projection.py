"""Folding an incident's events into its current state: pure, so order cannot matter.

The registry stores every event once (by event id) and recomputes the state of each
incident it touches from all of that incident's events, sorted by when they happened.
A duplicate changes nothing; an event that arrives late lands in its place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.events import (
    ActionRecorded,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentEscalated,
    Event,
    IncidentClosed,
    IncidentReopened,
    IncidentReported,
    IncidentUnroutable,
    NotificationFailed,
    NotificationSent,
    RegistrationReceived,
    ReminderDue,
)
from contracts.organisations import lookup
from contracts.vocabulary import Status

TIMELINE_TYPES: dict[str, str] = {
    IncidentReported.TYPE: "reported",
    AdviserAssigned.TYPE: "assigned",
    NotificationSent.TYPE: "notification_sent",
    NotificationFailed.TYPE: "notification_failed",
    AssignmentAcknowledged.TYPE: "acknowledged",
    AssignmentEscalated.TYPE: "escalated",
    ActionRecorded.TYPE: "action_recorded",
    IncidentClosed.TYPE: "closed",
    IncidentReopened.TYPE: "reopened",
    IncidentUnroutable.TYPE: "unroutable",
    ReminderDue.TYPE: "reminder_due",
    RegistrationReceived.TYPE: "registration_received",
}


def sort_key(event: Event) -> tuple[datetime, int, str]:
    """Events in the order they happened; the lifecycle order breaks exact ties."""
    rank = list(TIMELINE_TYPES).index(event.type) if event.type in TIMELINE_TYPES else 99
    return (event.occurred_at, rank, str(event.event_id))


@dataclass
class IncidentState:
    """The current state of one incident, as the registry stores it."""

    incident_id: str
    reported: bool = False
    status: Status = Status.REPORTED
    values: dict[str, Any] = field(default_factory=dict)


def fold(incident_id: str, events: Iterable[Event]) -> IncidentState:
    """The state after all of `events` (any order, duplicates allowed).

    The status is derived from facts rather than from the order of the producers'
    clocks: an acknowledgement counts for the assignment it names (or, naming none,
    for every assignment up to the escalation level current when it was given), so a
    slightly early clock on one service cannot undo an acknowledgement."""
    unique = {e.event_id: e for e in events}
    state = IncidentState(incident_id=incident_id)
    v = state.values
    v.update(
        assignment_id=None,
        adviser_id=None,
        pool=None,
        ack_deadline=None,
        acknowledged_at=None,
        closed_at=None,
        escalations=0,
        actions=0,
    )
    current: AdviserAssigned | None = None
    acks_by_assignment: dict[str, datetime] = {}
    unnamed_acks: list[tuple[int, datetime]] = []  # (level current then, when)
    closed = False
    for event in sorted(unique.values(), key=sort_key):
        if isinstance(event, IncidentReported):
            state.reported = True
            v.update(_reported_values(event))
        elif isinstance(event, AdviserAssigned):
            if current is None or event.escalation_level >= current.escalation_level:
                current = event
        elif isinstance(event, AssignmentEscalated):
            v["escalations"] += 1
        elif isinstance(event, AssignmentAcknowledged):
            if event.assignment_id is not None:
                acks_by_assignment.setdefault(str(event.assignment_id), event.occurred_at)
            else:
                level = current.escalation_level if current else 0
                unnamed_acks.append((level, event.occurred_at))
        elif isinstance(event, ActionRecorded):
            v["actions"] += 1
        elif isinstance(event, IncidentClosed):
            closed = True
            v["closed_at"] = event.occurred_at
        elif isinstance(event, IncidentReopened) and closed:
            closed = False
            v["closed_at"] = None
    if current is not None:
        v.update(
            assignment_id=str(current.assignment_id),
            adviser_id=current.adviser_id,
            pool=current.pool.value,
            ack_deadline=current.ack_deadline,
        )
        times = [t for level, t in unnamed_acks if level >= current.escalation_level]
        named = acks_by_assignment.get(str(current.assignment_id))
        if named is not None:
            times.append(named)
        v["acknowledged_at"] = min(times) if times else None
    if closed:
        state.status = Status.CLOSED
    elif v["actions"]:
        state.status = Status.IN_PROGRESS
    elif v["acknowledged_at"] is not None:
        state.status = Status.ACKNOWLEDGED
    elif current is not None:
        state.status = Status.ASSIGNED
    else:
        state.status = Status.REPORTED
    return state


def _reported_values(event: IncidentReported) -> dict[str, Any]:
    official = event.official
    police = event.police
    return {
        "source": event.source.value,
        "role": official.role.value,
        "organisation_code": official.organisation_code,
        "province_code": lookup(official.organisation_code).province_code,
        "urgency": event.urgency.value,
        "reported_at": event.occurred_at,
        "occurred_at": event.incident.occurred_at,
        "types": [t.value for t in event.incident.types],
        "channels": [c.value for c in event.incident.channels],
        "needs": [n.value for n in event.needs],
        "police_status": police.status.value,
        "reason_not_reported": (
            police.reason_not_reported.value if police.reason_not_reported else None
        ),
        "perpetrator_kind": event.perpetrator_kind.value if event.perpetrator_kind else None,
        "family_targeted": event.family_targeted,
        "registration_id": str(event.registration_id) if event.registration_id else None,
        "official_name": official.name,
        "official_phone": official.phone,
        "official_email": official.email,
        "description": event.incident.description,
    }


def timeline_entry(event: Event) -> dict[str, Any]:
    """One timeline item of the case record: `{type, at, ...}` without personal data
    beyond what the record itself holds."""
    entry: dict[str, Any] = {
        "type": TIMELINE_TYPES.get(event.type, event.type),
        "at": event.occurred_at.isoformat(),
        "event_id": str(event.event_id),
        "producer": event.producer,
    }
    if isinstance(event, IncidentReported):
        entry.update(source=event.source.value, urgency=event.urgency.value)
    elif isinstance(event, AdviserAssigned):
        entry.update(
            assignment_id=str(event.assignment_id),
            adviser_id=event.adviser_id,
            pool=event.pool.value,
            ack_deadline=event.ack_deadline.isoformat(),
            escalation_level=event.escalation_level,
        )
    elif isinstance(event, NotificationSent | NotificationFailed):
        entry.update(
            purpose=event.purpose,
            notification_id=str(event.notification_id),
            assignment_id=str(event.assignment_id),
            adviser_id=event.adviser_id,
            channel=event.channel.value,
        )
        if isinstance(event, NotificationSent):
            entry["attempt"] = event.attempt
        else:
            entry.update(attempts=event.attempts, error=event.error)
    elif isinstance(event, AssignmentAcknowledged):
        entry.update(
            assignment_id=str(event.assignment_id) if event.assignment_id else None,
            adviser_id=event.adviser_id,
        )
    elif isinstance(event, AssignmentEscalated):
        entry.update(
            previous_assignment_id=str(event.previous_assignment_id),
            previous_adviser_id=event.previous_adviser_id,
            reason=event.reason,
            escalation_level=event.escalation_level,
        )
    elif isinstance(event, ActionRecorded):
        entry.update(
            action_id=str(event.action_id),
            kind=event.kind,
            note=event.note,
            adviser_id=event.adviser_id,
        )
    elif isinstance(event, IncidentClosed):
        entry.update(summary=event.summary, adviser_id=event.adviser_id)
    elif isinstance(event, ReminderDue):
        entry.update(
            assignment_id=str(event.assignment_id),
            adviser_id=event.adviser_id,
            recipient=event.recipient,
            stage=event.stage,
        )
    elif isinstance(event, (IncidentReopened, IncidentUnroutable)):
        entry.update(reason=event.reason)
    return entry
