"""Events of a case's record: reported, registered, actions, details, closing, erasure."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal, Self

from pydantic import (
    Field,
    StrictBool,
    model_validator,
)

from contracts.events.base import (
    Event,
    Identifier,
    IncidentFacts,
    Model,
    Official,
    Police,
    SealedLongText,
)
from contracts.organisations import OrganisationCode
from contracts.vocabulary import (
    Channel,
    IncidentType,
    PerpetratorKind,
    Role,
    Source,
    SupportNeed,
    Urgency,
)


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
    family_targeted: StrictBool | None = None
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
    family_targeted: StrictBool | None = None
    wants_contact: StrictBool = False


class ActionRecorded(Event):
    """An adviser recorded a follow-up action."""

    TYPE: ClassVar[str] = "action.recorded"
    type: Literal["action.recorded"] = "action.recorded"
    action_id: uuid.UUID
    kind: SupportNeed | Literal["contact", "other"] = Field(examples=["security"])
    note: SealedLongText | None = Field(default=None, description="Personal data")
    adviser_id: Identifier | None = None


class IncidentClosed(Event):
    """The case is done."""

    TYPE: ClassVar[str] = "incident.closed"
    type: Literal["incident.closed"] = "incident.closed"
    summary: SealedLongText | None = Field(default=None, description="Personal data")
    adviser_id: Identifier | None = None


class IncidentReopened(Event):
    """A closed case needs work again."""

    TYPE: ClassVar[str] = "incident.reopened"
    type: Literal["incident.reopened"] = "incident.reopened"
    reason: SealedLongText | None = Field(default=None, description="Personal data")


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
    family_targeted: StrictBool | None = None
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
