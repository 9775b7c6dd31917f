"""Events of paging: assignment, acknowledgement, escalation, reminders, notifications."""

from __future__ import annotations

import uuid
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    Field,
)

from contracts.events.base import (
    ContactPoint,
    Event,
    Identifier,
    SealedLongText,
    SealedShortText,
    ShortText,
)
from contracts.organisations import OrganisationCode
from contracts.vocabulary import (
    IncidentType,
    NotificationChannel,
    Pool,
    Role,
    Source,
    Urgency,
)


class AdviserAssigned(Event):
    """Routing chose an adviser who must acknowledge before `ack_deadline`."""

    TYPE: ClassVar[str] = "adviser.assigned"
    type: Literal["adviser.assigned"] = "adviser.assigned"
    assignment_id: uuid.UUID
    adviser_id: Identifier
    pool: Pool
    urgency: Urgency
    ack_deadline: AwareDatetime
    escalation_level: int = Field(default=0, ge=0, le=100)
    role: Role
    organisation_code: OrganisationCode
    incident_types: list[IncidentType] = Field(default_factory=list, max_length=10)
    contacts: list[ContactPoint] = Field(
        min_length=1, max_length=10, description="The adviser's own channels, in order"
    )
    request_id: uuid.UUID | None = Field(
        default=None, description="The hand assignment request this assignment follows"
    )


class AssignmentAcknowledged(Event):
    """An adviser took the case."""

    TYPE: ClassVar[str] = "assignment.acknowledged"
    type: Literal["assignment.acknowledged"] = "assignment.acknowledged"
    assignment_id: uuid.UUID | None = None
    adviser_id: Identifier | None = None


EscalationReason = Literal["ack_deadline_passed", "notification_failed", "declined", "reassigned"]


class AssignmentEscalated(Event):
    """Nobody acknowledged in time: the case moves to the next adviser, and the
    previous adviser is told (through `previous_contacts`)."""

    TYPE: ClassVar[str] = "assignment.escalated"
    type: Literal["assignment.escalated"] = "assignment.escalated"
    previous_assignment_id: uuid.UUID
    previous_adviser_id: Identifier
    previous_contacts: list[ContactPoint] = Field(default_factory=list, max_length=10)
    next_adviser_id: Identifier | None = None
    reason: EscalationReason = Field(
        default="ack_deadline_passed",
        description="ack_deadline_passed, notification_failed, declined (the adviser said "
        "'not me'), or reassigned (assigned by hand to someone else)",
    )
    escalation_level: int = Field(ge=1, le=100)


class ReminderDue(Event):
    """An acknowledged case has had no action for too long: remind someone."""

    TYPE: ClassVar[str] = "assignment.reminder_due"
    type: Literal["assignment.reminder_due"] = "assignment.reminder_due"
    assignment_id: uuid.UUID
    adviser_id: Identifier = Field(description="Who is reminded")
    recipient: Literal["adviser", "coordinator"]
    stage: int = Field(ge=1, le=100)
    contacts: list[ContactPoint] = Field(min_length=1, max_length=10)
    role: Role
    organisation_code: OrganisationCode
    idle_since: AwareDatetime


class IncidentUnroutable(Event):
    """Nobody at all could be assigned: operators must act by hand."""

    TYPE: ClassVar[str] = "incident.unroutable"
    type: Literal["incident.unroutable"] = "incident.unroutable"
    pool: Pool | None = None
    reason: ShortText


NotificationPurpose = Literal["page", "escalation_notice", "reminder"]


class NotificationSent(Event):
    """A notification was accepted by the channel's server."""

    TYPE: ClassVar[str] = "notification.sent"
    type: Literal["notification.sent"] = "notification.sent"
    notification_id: uuid.UUID
    assignment_id: uuid.UUID
    adviser_id: Identifier
    channel: NotificationChannel
    attempt: int = Field(ge=1, le=1000)
    purpose: NotificationPurpose = "page"
    provider: Annotated[str, Field(max_length=40)] | None = None


class NotificationFailed(Event):
    """A notification could not be delivered after every attempt."""

    TYPE: ClassVar[str] = "notification.failed"
    type: Literal["notification.failed"] = "notification.failed"
    notification_id: uuid.UUID
    assignment_id: uuid.UUID
    adviser_id: Identifier
    channel: NotificationChannel
    attempts: int = Field(ge=1, le=1000)
    error: Annotated[str, Field(max_length=80)] = Field(
        description="The kind of error, never its message (which may carry personal data)"
    )
    purpose: NotificationPurpose = "page"


class AssignmentRequested(Event):
    """An operator or coordinator asks routing to assign the case to this adviser: an
    unroutable case, a handover, or an override. Routing decides (and is the only
    producer of `adviser.assigned`)."""

    TYPE: ClassVar[str] = "assignment.requested"
    type: Literal["assignment.requested"] = "assignment.requested"
    request_id: uuid.UUID
    adviser_id: Identifier = Field(description="Who should take the case")
    reason: SealedShortText | None = Field(default=None, description="Free text; personal data")
    requested_by: Literal["operator", "coordinator"]
    role: Role = Field(description="The official's office, for the conflict check")
    organisation_code: OrganisationCode
    urgency: Urgency = Field(description="The case's current urgency")
    incident_types: list[IncidentType] = Field(default_factory=list, max_length=10)
    source: Source = Source.CRISIS_LINE


RejectionReason = Literal[
    "unknown_adviser",
    "inactive_adviser",
    "conflict_of_interest",
    "already_assigned",
    "incident_closed",
]


class AssignmentRejected(Event):
    """Routing refused a hand assignment: nothing was assigned or paged."""

    TYPE: ClassVar[str] = "assignment.rejected"
    type: Literal["assignment.rejected"] = "assignment.rejected"
    request_id: uuid.UUID
    adviser_id: Identifier
    reason: RejectionReason
    detail: ShortText = Field(description="Why, in words (no personal data)")


class AssignmentDeclined(Event):
    """The adviser of the current assignment cannot take the case: routing escalates at
    once to the next adviser, without waiting for the deadline."""

    TYPE: ClassVar[str] = "assignment.declined"
    type: Literal["assignment.declined"] = "assignment.declined"
    assignment_id: uuid.UUID
    adviser_id: Identifier = Field(description="Who declined")
    reason: SealedLongText | None = Field(default=None, description="Free text; personal data")
    declined_by: Literal["adviser", "link", "operator", "coordinator"] = Field(
        description="adviser (signed in), link (the button on the acknowledge page), or an "
        "operator or coordinator on the adviser's behalf"
    )


class AckDeadlineShortened(Event):
    """The urgency of a case nobody acknowledged yet was raised: its deadline is now
    the new urgency's."""

    TYPE: ClassVar[str] = "assignment.deadline_shortened"
    type: Literal["assignment.deadline_shortened"] = "assignment.deadline_shortened"
    assignment_id: uuid.UUID
    urgency: Urgency
    ack_deadline: AwareDatetime
