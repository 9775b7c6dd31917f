"""An incident's timeline: its events in the order they happened, each as a
`{type, at, ...}` item without personal data beyond what the record itself holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from contracts.events import (
    AckDeadlineShortened,
    ActionRecorded,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentDeclined,
    AssignmentEscalated,
    AssignmentRejected,
    AssignmentRequested,
    Event,
    IncidentClosed,
    IncidentDetailsUpdated,
    IncidentReopened,
    IncidentReported,
    IncidentUnroutable,
    NotificationFailed,
    NotificationSent,
    PersonalDataErased,
    RegistrationReceived,
    ReminderDue,
)

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
    PersonalDataErased.TYPE: "personal_data_erased",
    IncidentDetailsUpdated.TYPE: "details_updated",
    AssignmentRequested.TYPE: "assignment_requested",
    AssignmentRejected.TYPE: "assignment_rejected",
    AssignmentDeclined.TYPE: "declined",
    AckDeadlineShortened.TYPE: "deadline_shortened",
}

_RANK = {event_type: rank for rank, event_type in enumerate(TIMELINE_TYPES)}


def rank(event_type: str) -> int:
    """The lifecycle order of a type, which breaks ties of time."""
    return _RANK.get(event_type, 99)


def sort_key(event: Event) -> tuple[datetime, int, uuid.UUID]:
    """Events in the order they happened; the lifecycle order breaks exact ties, then
    the event id (UUIDs order as their text does)."""
    return (event.occurred_at, _RANK.get(event.type, 99), event.event_id)


def _facts_of_report(event: IncidentReported) -> dict[str, Any]:
    """The report's facts as an update would name them (JSON values)."""
    return {
        "police": event.police.model_dump(mode="json"),
        "types": [t.value for t in event.incident.types],
        "channels": [c.value for c in event.incident.channels],
        "needs": [n.value for n in event.needs],
        "perpetrator_kind": event.perpetrator_kind.value if event.perpetrator_kind else None,
        "family_targeted": event.family_targeted,
        "urgency": event.urgency.value,
    }


def timeline(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The case's timeline, oldest first; an update of the facts shows the facts it
    changed, with their new values."""
    entries = []
    facts: dict[str, Any] = {}
    for event in sorted(events, key=sort_key):
        entry = timeline_entry(event)
        if isinstance(event, IncidentReported):
            facts = _facts_of_report(event)
        elif isinstance(event, IncidentDetailsUpdated):
            given = changes_of(event)
            entry["changes"] = {k: v for k, v in given.items() if facts.get(k) != v}
            facts.update(given)
        entries.append(entry)
    return entries


def changes_of(event: IncidentDetailsUpdated) -> dict[str, Any]:
    """The facts an update sets, as JSON values."""
    return {
        name: value.model_dump(mode="json") if name == "police" else _json(value)
        for name, value in event.changes().items()
    }


def _json(value: Any) -> Any:
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value) if not isinstance(value, bool) else value


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
        entry.update(
            source=event.source.value,
            urgency=event.urgency.value,
            related_incident_id=(
                str(event.related_incident_id) if event.related_incident_id else None
            ),
        )
    elif isinstance(event, AdviserAssigned):
        entry.update(
            assignment_id=str(event.assignment_id),
            adviser_id=event.adviser_id,
            pool=event.pool.value,
            ack_deadline=event.ack_deadline.isoformat(),
            escalation_level=event.escalation_level,
            by_hand=event.request_id is not None,
            request_id=str(event.request_id) if event.request_id else None,
        )
    elif isinstance(event, IncidentDetailsUpdated):
        entry.update(
            updated_by=event.updated_by,
            adviser_id=event.adviser_id,
            changes=changes_of(event),
        )
    elif isinstance(event, AssignmentRequested):
        entry.update(
            request_id=str(event.request_id),
            adviser_id=event.adviser_id,
            requested_by=event.requested_by,
            reason=event.reason,
        )
    elif isinstance(event, AssignmentRejected):
        entry.update(
            request_id=str(event.request_id),
            adviser_id=event.adviser_id,
            reason=event.reason,
            detail=event.detail,
        )
    elif isinstance(event, AssignmentDeclined):
        entry.update(
            assignment_id=str(event.assignment_id),
            adviser_id=event.adviser_id,
            declined_by=event.declined_by,
            reason=event.reason,
        )
    elif isinstance(event, AckDeadlineShortened):
        entry.update(
            assignment_id=str(event.assignment_id),
            urgency=event.urgency.value,
            ack_deadline=event.ack_deadline.isoformat(),
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
            next_adviser_id=event.next_adviser_id,
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
    elif isinstance(event, PersonalDataErased):
        entry.update(requested_by=event.requested_by, reason=event.reason)
    return entry
