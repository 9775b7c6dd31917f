"""Every event on the wire, each with the envelope described in docs/domain.md.

An event is immutable and carries its own identity: `event_id` is derived from
what caused it wherever a redelivery could produce it twice, so a repeat has the
same id and every consumer can drop it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    TypeAdapter,
    model_validator,
)

from contracts.organisations import OrganisationCode
from contracts.vocabulary import (
    Channel,
    IncidentType,
    NotificationChannel,
    PerpetratorKind,
    PoliceStatus,
    Pool,
    ReasonNotReported,
    Role,
    Source,
    SupportNeed,
    Urgency,
)

SCHEMA_VERSION = 1
"""The schema version every event of this package carries."""

_NAMESPACE = uuid.UUID("6f1f7f3e-52c1-4c55-9a43-2f0b1c9e7a10")


def derive_id(*parts: object) -> uuid.UUID:
    """A stable UUID from its parts, so a repeated cause gives the same id."""
    return uuid.uuid5(_NAMESPACE, "\x1f".join(str(part) for part in parts))


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]
Phone = Annotated[
    str,
    Field(pattern=r"^\+?[0-9 ()-]{6,20}$", max_length=20, examples=["+31612345678"]),
]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class Model(BaseModel):
    """Base of every contract model: unknown fields are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Official(Model):
    """The threatened official. Name and contact details are personal data."""

    role: Role = Field(description="The office the official holds", examples=["mayor"])
    organisation_code: OrganisationCode
    name: ShortText | None = Field(
        default=None, description="Personal data", examples=["A. de Vries"]
    )
    phone: Phone | None = Field(default=None, description="Personal data")
    email: EmailStr | None = Field(
        default=None, max_length=254, description="Personal data", examples=["a@example.nl"]
    )


class IncidentFacts(Model):
    """What happened, where and when."""

    types: list[IncidentType] = Field(min_length=1, max_length=10, examples=[["threat"]])
    channels: list[Channel] = Field(default_factory=list, max_length=7)
    occurred_at: AwareDatetime | None = Field(default=None, description="When it happened")
    description: LongText | None = Field(
        default=None, description="Free text; personal data, never sent in a notification"
    )


class Police(Model):
    """Whether and how the police were involved (the monitor asks exactly this)."""

    status: PoliceStatus = PoliceStatus.NONE
    reason_not_reported: ReasonNotReported | None = Field(
        default=None, description="Only when status is none"
    )
    vpt_flag: bool | None = Field(default=None, description="Reported with the VPT flag")
    organisation_address_used: bool | None = Field(
        default=None, description="Domicilie gekozen: the organisation's address was used"
    )
    reported_by_organisation: bool | None = Field(
        default=None, description="The organisation reported on the official's behalf"
    )

    @model_validator(mode="after")
    def _reason_only_without_report(self) -> Self:
        if self.reason_not_reported is not None and self.status is not PoliceStatus.NONE:
            raise ValueError("reason_not_reported is only allowed when status is 'none'")
        return self


class ContactPoint(Model):
    """One way to reach an adviser, in the adviser's order of preference."""

    channel: NotificationChannel
    address: Annotated[str, Field(min_length=1, max_length=500)]


class Event(Model):
    """The envelope every event carries."""

    TYPE: ClassVar[str]

    event_id: uuid.UUID = Field(description="Unique id; a redelivered event keeps it")
    type: str
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1)
    occurred_at: AwareDatetime = Field(description="When the producer recorded the event")
    incident_id: uuid.UUID = Field(description="The correlation id: the incident it concerns")
    causation_id: uuid.UUID | None = Field(
        default=None, description="The event or request that caused this one"
    )
    producer: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="The service that produced the event", examples=["intake"]
    )

    def subject(self) -> str:
        """The NATS subject this event is published on."""
        from contracts.subjects import event_subject

        return event_subject(self.TYPE, self.incident_id)

    def msg_id(self) -> str:
        """The Nats-Msg-Id that lets JetStream drop a repeated publish."""
        return str(self.event_id)


class IncidentReported(Event):
    """A new incident: a call to the crisis line, an outreach after a media report,
    or a municipal registration whose official wants contact."""

    TYPE: ClassVar[str] = "incident.reported"
    type: Literal["incident.reported"] = "incident.reported"
    source: Source
    official: Official
    incident: IncidentFacts
    urgency: Urgency = Urgency.NORMAL
    needs: list[SupportNeed] = Field(default_factory=list, max_length=9)
    police: Police = Field(default_factory=Police)
    perpetrator_kind: PerpetratorKind | None = None
    family_targeted: bool | None = None
    registration_id: uuid.UUID | None = Field(
        default=None, description="The registration this outreach incident came from"
    )
    related_incident_id: uuid.UUID | None = Field(
        default=None,
        description="An earlier case this one follows (repeated threats by the same person, "
        "a new call about an old case)",
    )


class RegistrationReceived(Event):
    """A municipal, provincial or water-board system registered an incident.
    `incident_id` is the registration's own id."""

    TYPE: ClassVar[str] = "registration.received"
    type: Literal["registration.received"] = "registration.received"
    external_id: Identifier = Field(description="The posting system's own registration id")
    organisation_code: OrganisationCode
    role: Role
    incident: IncidentFacts
    police: Police = Field(default_factory=Police)
    perpetrator_kind: PerpetratorKind | None = None
    family_targeted: bool | None = None
    wants_contact: bool = False


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


class ActionRecorded(Event):
    """An adviser recorded a follow-up action."""

    TYPE: ClassVar[str] = "action.recorded"
    type: Literal["action.recorded"] = "action.recorded"
    action_id: uuid.UUID
    kind: SupportNeed | Literal["contact", "other"] = Field(examples=["security"])
    note: LongText | None = Field(default=None, description="Personal data")
    adviser_id: Identifier | None = None


class IncidentClosed(Event):
    """The case is done."""

    TYPE: ClassVar[str] = "incident.closed"
    type: Literal["incident.closed"] = "incident.closed"
    summary: LongText | None = Field(default=None, description="Personal data")
    adviser_id: Identifier | None = None


class IncidentReopened(Event):
    """A closed case needs work again."""

    TYPE: ClassVar[str] = "incident.reopened"
    type: Literal["incident.reopened"] = "incident.reopened"
    reason: LongText | None = Field(default=None, description="Personal data")


class FactChanges(Model):
    """Facts of a case recorded or corrected after the call; only the fields given
    change. `police`, when given, is the whole new police record (a melding or
    aangifte made later, the VPT flag, domicile chosen, reported by the organisation,
    or why there was no report)."""

    police: Police | None = None
    types: list[IncidentType] | None = Field(default=None, min_length=1, max_length=10)
    channels: list[Channel] | None = Field(default=None, max_length=7)
    needs: list[SupportNeed] | None = Field(default=None, max_length=9)
    perpetrator_kind: PerpetratorKind | None = None
    family_targeted: bool | None = None
    urgency: Urgency | None = Field(
        default=None,
        description="Raising it before anyone acknowledged shortens the deadline to the "
        "new urgency's",
    )

    @model_validator(mode="after")
    def _something_changes(self) -> Self:
        if not self.changes():
            raise ValueError("body: give at least one fact to change")
        return self

    def changes(self) -> dict[str, Any]:
        """The facts this sets, by name."""
        values = {name: getattr(self, name) for name in DETAIL_FIELDS}
        return {name: value for name, value in values.items() if value is not None}


DETAIL_FIELDS: tuple[str, ...] = tuple(FactChanges.model_fields)
"""The facts `incident.details_updated` may change."""


class IncidentDetailsUpdated(Event, FactChanges):
    """Facts of the case recorded or corrected after the call: a later melding or
    aangifte, the types, channels, needs, perpetrator, whether family was targeted,
    the urgency. Only the fields given change; `police`, when given, is the whole new
    police record (status and its further facts)."""

    TYPE: ClassVar[str] = "incident.details_updated"
    type: Literal["incident.details_updated"] = "incident.details_updated"
    updated_by: Literal["operator", "coordinator", "adviser"] = Field(
        description="The role of who recorded the change"
    )
    adviser_id: Identifier | None = Field(default=None, description="Set when an adviser did")


class AssignmentRequested(Event):
    """An operator or coordinator asks routing to assign the case to this adviser: an
    unroutable case, a handover, or an override. Routing decides (and is the only
    producer of `adviser.assigned`)."""

    TYPE: ClassVar[str] = "assignment.requested"
    type: Literal["assignment.requested"] = "assignment.requested"
    request_id: uuid.UUID
    adviser_id: Identifier = Field(description="Who should take the case")
    reason: ShortText | None = Field(default=None, description="Free text; personal data")
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
    reason: LongText | None = Field(default=None, description="Free text; personal data")
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


class PersonalDataErased(Event):
    """The personal data of one case was erased; its statistics stay.

    Published after the retention period of a closed case, or on an erasure request;
    it records who asked and why, never the erased data."""

    TYPE: ClassVar[str] = "incident.personal_data_erased"
    type: Literal["incident.personal_data_erased"] = "incident.personal_data_erased"
    requested_by: Identifier = Field(
        description="Who asked for the erasure (a user id, or the retention job)",
        examples=["registry-retention"],
    )
    reason: Literal["retention", "request"] = Field(
        description="retention: closed longer than the retention period; request: an "
        "erasure request for this case"
    )


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
