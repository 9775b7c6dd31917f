"""Folding an incident's events into its current state: pure, so order cannot matter.

The registry stores every event once (by event id) and recomputes the state of each
incident it touches from all of that incident's events, sorted by when they happened.
A duplicate changes nothing; an event that arrives late lands in its place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

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
from contracts.organisations import lookup
from contracts.vocabulary import PoliceStatus, Source, Status
from registry.facts import CHANNEL_BITS, TYPE_BITS, encode, month_of, to_mask

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

PERSONAL_VALUES = ("official_name", "official_phone", "official_email", "description")
"""The incident's values that are personal data, nulled by an erasure."""


def sort_key(event: Event) -> tuple[datetime, int, uuid.UUID]:
    """Events in the order they happened; the lifecycle order breaks exact ties, then
    the event id (UUIDs order as their text does)."""
    return (event.occurred_at, _RANK.get(event.type, 99), event.event_id)


_E = TypeVar("_E", bound=Event)
_R = TypeVar("_R")


class _ByIdentity(Generic[_E, _R]):
    """A pure function of a (frozen) event, remembered for the last `size` event
    objects: refreshing a case folds the same parsed events again and again. Kept by
    the object's identity, and holding the object, so an id is never reused while
    remembered; a scrubbed copy is another object."""

    def __init__(self, function: Callable[[_E], _R], size: int = 50_000) -> None:
        self._function = function
        self._size = size
        self._seen: dict[int, tuple[_E, _R]] = {}

    def __call__(self, event: _E) -> _R:
        hit = self._seen.get(id(event))
        if hit is not None and hit[0] is event:
            return hit[1]
        result = self._function(event)
        self._seen[id(event)] = (event, result)
        if len(self._seen) > self._size:
            del self._seen[next(iter(self._seen))]
        return result


@dataclass
class IncidentState:
    """The current state of one incident, as the registry stores it."""

    incident_id: str
    status: Status = Status.REPORTED
    values: dict[str, Any] = field(default_factory=dict)
    report: IncidentReported | None = None
    """The report the values come from."""
    updated: bool = False
    """Whether facts of the report were changed since (`incident.details_updated`)."""

    @property
    def reported(self) -> bool:
        return self.report is not None


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
        erased_at=None,
    )
    current: AdviserAssigned | None = None
    updates: list[IncidentDetailsUpdated] = []
    shortened: dict[str, datetime] = {}
    acks_by_assignment: dict[str, datetime] = {}
    unnamed_acks: list[tuple[int, datetime]] = []  # (level current then, when)
    closed = False
    for event in sorted(unique.values(), key=sort_key):
        if isinstance(event, IncidentReported):
            state.report = event
            v.update(_reported(event))
        elif isinstance(event, AdviserAssigned):
            if current is None or event.escalation_level >= current.escalation_level:
                current = event
        elif isinstance(event, AssignmentEscalated):
            if event.reason != "reassigned":  # a handover is no escalation
                v["escalations"] += 1
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
            v["actions"] += 1
        elif isinstance(event, IncidentClosed):
            closed = True
            v["closed_at"] = event.occurred_at
        elif isinstance(event, IncidentReopened) and closed:
            closed = False
            v["closed_at"] = None
        elif isinstance(event, PersonalDataErased) and v["erased_at"] is None:
            v["erased_at"] = event.occurred_at
    if state.report is not None:
        for update in updates:
            _apply(v, update)
        state.updated = bool(updates)
    if v["erased_at"] is not None:
        v.update(dict.fromkeys(PERSONAL_VALUES))
    if current is not None:
        v.update(
            assignment_id=str(current.assignment_id),
            adviser_id=current.adviser_id,
            pool=current.pool.value,
            ack_deadline=min(
                current.ack_deadline,
                shortened.get(str(current.assignment_id), current.ack_deadline),
            ),
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
        "types_mask": to_mask(event.incident.types, TYPE_BITS),
        "channels_mask": to_mask(event.incident.channels, CHANNEL_BITS),
        "needs": [n.value for n in event.needs],
        "police_status": police.status.value,
        "reason_not_reported": (
            police.reason_not_reported.value if police.reason_not_reported else None
        ),
        "police_vpt_flag": police.vpt_flag,
        "police_organisation_address_used": police.organisation_address_used,
        "police_reported_by_organisation": police.reported_by_organisation,
        "perpetrator_kind": event.perpetrator_kind.value if event.perpetrator_kind else None,
        "family_targeted": event.family_targeted,
        "registration_id": str(event.registration_id) if event.registration_id else None,
        "related_incident_id": (
            str(event.related_incident_id) if event.related_incident_id else None
        ),
        "official_name": official.name,
        "official_phone": official.phone,
        "official_email": official.email,
        "description": event.incident.description,
    }


_reported = _ByIdentity(_reported_values)


def _apply(values: dict[str, Any], update: IncidentDetailsUpdated) -> None:
    """The facts an update changes, written over the values (a copy of the report's)."""
    police = update.police
    if police is not None:
        values.update(
            police_status=police.status.value,
            reason_not_reported=(
                police.reason_not_reported.value if police.reason_not_reported else None
            ),
            police_vpt_flag=police.vpt_flag,
            police_organisation_address_used=police.organisation_address_used,
            police_reported_by_organisation=police.reported_by_organisation,
        )
    if update.types is not None:
        values["types"] = [t.value for t in update.types]
        values["types_mask"] = to_mask(update.types, TYPE_BITS)
    if update.channels is not None:
        values["channels"] = [c.value for c in update.channels]
        values["channels_mask"] = to_mask(update.channels, CHANNEL_BITS)
    if update.needs is not None:
        values["needs"] = [n.value for n in update.needs]
    if update.perpetrator_kind is not None:
        values["perpetrator_kind"] = update.perpetrator_kind.value
    if update.family_targeted is not None:
        values["family_targeted"] = update.family_targeted
    if update.urgency is not None:
        values["urgency"] = update.urgency.value


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


def scrub(event: Event) -> Event:
    """The event without its personal data (what an erasure leaves in the registry)."""
    if isinstance(event, IncidentReported):
        return event.model_copy(
            update={
                "official": event.official.model_copy(
                    update={"name": None, "phone": None, "email": None}
                ),
                "incident": event.incident.model_copy(update={"description": None}),
            }
        )
    if isinstance(event, RegistrationReceived):
        return event.model_copy(
            update={"incident": event.incident.model_copy(update={"description": None})}
        )
    if isinstance(event, ActionRecorded):
        return event.model_copy(update={"note": None})
    if isinstance(event, IncidentClosed):
        return event.model_copy(update={"summary": None})
    if isinstance(event, IncidentReopened | AssignmentRequested | AssignmentDeclined):
        return event.model_copy(update={"reason": None})
    return event


def is_erased(events: Iterable[Event]) -> bool:
    """Whether any of the events erases the case's personal data."""
    return any(isinstance(e, PersonalDataErased) for e in events)


def _dimensions(values: dict[str, Any]) -> dict[str, Any]:
    """The dimensions of a `case_facts` row as stored numbers, and the police flags:
    what the report (or registration) alone decides."""
    police = values["police_status"]
    reported_at: datetime = values["reported_at"]
    return {
        "reported_at": reported_at,
        "month": encode("month", month_of(reported_at)),
        "types_mask": values["types_mask"],
        "channels_mask": values["channels_mask"],
        "organisation": encode("organisation", values["organisation_code"]),
        "province": encode("province", values["province_code"]),
        **{
            dimension: encode(dimension, values[dimension])
            for dimension in (
                "role",
                "source",
                "police_status",
                "urgency",
                "reason_not_reported",
                "perpetrator_kind",
                "family_targeted",
            )
        },
        "aangifte": int(police == PoliceStatus.AANGIFTE.value),
        "police_report": int(police != PoliceStatus.NONE.value),
        "repeat": int(values.get("related_incident_id") is not None),
    }


def _dimensions_of_report(event: IncidentReported) -> dict[str, Any]:
    return _dimensions(_reported(event))


_report_dimensions = _ByIdentity(_dimensions_of_report)


def _fact(case_id: str, dimensions: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A `case_facts` row: the dimensions, the pool, and the flags summed."""
    return {
        "case_id": case_id,
        **dimensions,
        "pool": encode("pool", values["pool"]),
        "assigned": values["assigned"],
        "escalated": values["escalated"],
        "ack_seconds": values["ack_seconds"],
    }


def incident_fact(state: IncidentState) -> dict[str, Any]:
    """The statistics row of a reported incident: no personal data."""
    if state.report is None:
        raise ValueError(f"incident {state.incident_id} has no report")
    v = state.values
    acknowledged_at: datetime | None = v["acknowledged_at"]
    ack_seconds = None
    if acknowledged_at is not None:
        ack_seconds = max(0, round((acknowledged_at - v["reported_at"]).total_seconds()))
    # the report's dimensions are remembered; facts changed since are the current ones
    dimensions = _dimensions(v) if state.updated else _report_dimensions(state.report)
    return _fact(
        state.incident_id,
        dimensions,
        {
            "pool": v["pool"],
            "assigned": int(v["assignment_id"] is not None),
            "escalated": int(v["escalations"] > 0),
            "ack_seconds": ack_seconds,
        },
    )


def registration_values(event: RegistrationReceived) -> dict[str, Any]:
    """The registrations row of a registration."""
    police = event.police
    return {
        "registration_id": str(event.incident_id),
        "external_id": event.external_id,
        "organisation_code": event.organisation_code,
        "province_code": lookup(event.organisation_code).province_code,
        "role": event.role.value,
        "received_at": event.occurred_at,
        "occurred_at": event.incident.occurred_at,
        "types": [t.value for t in event.incident.types],
        "channels": [c.value for c in event.incident.channels],
        "types_mask": to_mask(event.incident.types, TYPE_BITS),
        "channels_mask": to_mask(event.incident.channels, CHANNEL_BITS),
        "police_status": police.status.value,
        "reason_not_reported": (
            police.reason_not_reported.value if police.reason_not_reported else None
        ),
        "perpetrator_kind": event.perpetrator_kind.value if event.perpetrator_kind else None,
        "family_targeted": event.family_targeted,
        "wants_contact": event.wants_contact,
    }


def registration_fact(event: RegistrationReceived) -> dict[str, Any]:
    """The statistics row of a registration that did not become an incident."""
    v = registration_values(event)
    dimensions = _dimensions(
        {
            **v,
            "source": Source.MUNICIPAL_REGISTRATION.value,
            "reported_at": event.occurred_at,
            "urgency": None,
        }
    )
    return _fact(
        v["registration_id"],
        dimensions,
        {"pool": None, "assigned": 0, "escalated": 0, "ack_seconds": None},
    )
