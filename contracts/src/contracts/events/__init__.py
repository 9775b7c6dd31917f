"""Every event on the wire, each with the envelope described in docs/domain.md.

An event is immutable and carries its own identity: `event_id` is derived from
what caused it wherever a redelivery could produce it twice, so a repeat has the
same id and every consumer can drop it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from contracts.events.assignment import (
    AckDeadlineShortened,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentDeclined,
    AssignmentEscalated,
    AssignmentRejected,
    AssignmentRequested,
    EscalationReason,
    IncidentUnroutable,
    NotificationFailed,
    NotificationPurpose,
    NotificationSent,
    RejectionReason,
    ReminderDue,
)
from contracts.events.base import (
    SCHEMA_VERSION,
    ContactPoint,
    Event,
    Identifier,
    IncidentFacts,
    LongText,
    Model,
    Official,
    Phone,
    Police,
    ShortText,
    derive_id,
    utcnow,
)
from contracts.events.incident import (
    DETAIL_FIELDS,
    ActionRecorded,
    FactChanges,
    IncidentClosed,
    IncidentDetailsUpdated,
    IncidentReopened,
    IncidentReported,
    PersonalDataErased,
    RegistrationReceived,
)

__all__ = [
    "ANY_EVENT",
    "DETAIL_FIELDS",
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "AckDeadlineShortened",
    "ActionRecorded",
    "AdviserAssigned",
    "AnyEvent",
    "AssignmentAcknowledged",
    "AssignmentDeclined",
    "AssignmentEscalated",
    "AssignmentRejected",
    "AssignmentRequested",
    "ContactPoint",
    "EscalationReason",
    "Event",
    "FactChanges",
    "Identifier",
    "IncidentClosed",
    "IncidentDetailsUpdated",
    "IncidentFacts",
    "IncidentReopened",
    "IncidentReported",
    "IncidentUnroutable",
    "LongText",
    "Model",
    "NotificationFailed",
    "NotificationPurpose",
    "NotificationSent",
    "Official",
    "PersonalDataErased",
    "Phone",
    "Police",
    "RegistrationReceived",
    "RejectionReason",
    "ReminderDue",
    "ShortText",
    "derive_id",
    "parse_event",
    "utcnow",
]

EVENT_TYPES: tuple[type[Event], ...] = (
    IncidentReported,
    RegistrationReceived,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentEscalated,
    ReminderDue,
    IncidentUnroutable,
    NotificationSent,
    NotificationFailed,
    ActionRecorded,
    IncidentClosed,
    IncidentReopened,
    PersonalDataErased,
    IncidentDetailsUpdated,
    AssignmentRequested,
    AssignmentRejected,
    AssignmentDeclined,
    AckDeadlineShortened,
)

AnyEvent = Annotated[
    IncidentReported
    | RegistrationReceived
    | AdviserAssigned
    | AssignmentAcknowledged
    | AssignmentEscalated
    | ReminderDue
    | IncidentUnroutable
    | NotificationSent
    | NotificationFailed
    | ActionRecorded
    | IncidentClosed
    | IncidentReopened
    | PersonalDataErased
    | IncidentDetailsUpdated
    | AssignmentRequested
    | AssignmentRejected
    | AssignmentDeclined
    | AckDeadlineShortened,
    Field(discriminator="type"),
]
"""Any event, told apart by its `type`."""

ANY_EVENT: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def parse_event(data: bytes | str | dict[str, Any]) -> Event:
    """Validate raw JSON (or a dict) into the event model its `type` names."""
    if isinstance(data, dict):
        return ANY_EVENT.validate_python(data)
    return ANY_EVENT.validate_json(data)
