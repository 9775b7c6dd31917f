"""The commands intake takes, as clients send them; they refuse unknown fields."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, model_validator

from contracts.events import (
    DETAIL_FIELDS,
    FactChanges,
    Identifier,
    IncidentFacts,
    LongText,
    Official,
    Phone,
    Police,
    ShortText,
)
from contracts.organisations import OrganisationCode
from contracts.vocabulary import (
    PerpetratorKind,
    Role,
    Source,
    SupportNeed,
    Urgency,
)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReportIncident(Input):
    """A call to the crisis line, or an outreach after a media report."""

    source: Literal[Source.CRISIS_LINE, Source.MEDIA_REPORT] = Source.CRISIS_LINE
    official: Official
    incident: IncidentFacts
    urgency: Urgency = Urgency.NORMAL
    needs: list[SupportNeed] = Field(default_factory=list, max_length=9)
    police: Police = Field(default_factory=Police)
    perpetrator_kind: PerpetratorKind | None = None
    family_targeted: StrictBool | None = None
    related_incident_id: uuid.UUID | None = Field(
        default=None,
        description="An earlier case this call follows (the same perpetrator again, a new "
        "call about an old case); unknown or erased cases are refused",
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "crisis_line",
                    "official": {
                        "role": "mayor",
                        "organisation_code": "GM0363",
                        "name": "A. de Vries",
                        "phone": "+31612345678",
                        "email": "a@example.nl",
                    },
                    "incident": {
                        "types": ["threat", "online_harassment"],
                        "channels": ["social_media"],
                        "occurred_at": "2026-11-20T21:15:00+01:00",
                        "description": "Death threat posted under the council livestream.",
                    },
                    "urgency": "high",
                    "needs": ["security", "reporting_advice"],
                    "police": {"status": "none", "reason_not_reported": "part_of_the_job"},
                }
            ]
        },
    )


class RegisteringOfficial(Input):
    """The official in a registration; name and contact only with `wants_contact`."""

    role: Role
    name: ShortText | None = None
    phone: Phone | None = None
    email: EmailStr | None = Field(default=None, max_length=254)


_CONTACT_RULES: dict[str, Any] = {
    # the cross-field rules of `RegisterIncident` as JSON Schema: with `wants_contact` a
    # phone number or an e-mail address; without it no name, contact or description
    "anyOf": [
        {
            "required": ["wants_contact"],
            "properties": {
                "wants_contact": {"const": True},
                "official": {
                    "anyOf": [
                        {"required": ["phone"], "properties": {"phone": {"type": "string"}}},
                        {"required": ["email"], "properties": {"email": {"type": "string"}}},
                    ]
                },
            },
        },
        {
            "properties": {
                "wants_contact": {"const": False},
                "official": {
                    "properties": {
                        "name": {"type": "null"},
                        "phone": {"type": "null"},
                        "email": {"type": "null"},
                    }
                },
                "incident": {"properties": {"description": {"type": "null"}}},
            }
        },
    ]
}


class RegisterIncident(Input):
    """An incident registered by a municipal, provincial or water-board system. With
    `wants_contact` it needs a phone number or an e-mail address; without it no name,
    contact details or description are accepted."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_CONTACT_RULES)

    external_id: Identifier = Field(description="The posting system's own registration id")
    organisation_code: OrganisationCode
    official: RegisteringOfficial
    incident: IncidentFacts
    police: Police = Field(default_factory=Police)
    perpetrator_kind: PerpetratorKind | None = None
    family_targeted: StrictBool | None = None
    wants_contact: StrictBool = False

    @model_validator(mode="after")
    def _contact_only_when_wanted(self) -> Self:
        given = [f for f in ("name", "phone", "email") if getattr(self.official, f) is not None]
        if given and not self.wants_contact:
            raise ValueError(
                f"official.{given[0]}: name and contact details are accepted only when "
                "wants_contact is true"
            )
        if self.wants_contact and self.official.phone is None and self.official.email is None:
            raise ValueError("official: wants_contact needs a phone number or an e-mail address")
        if self.incident.description is not None and not self.wants_contact:
            raise ValueError(
                "incident.description: a description is accepted only when wants_contact is true"
            )
        return self


class Acknowledge(Input):
    """Which assignment is acknowledged. An adviser's page carries a signed `token`
    naming the assignment; an operator may leave everything out to acknowledge the
    current assignment. Who acknowledged comes from the credential."""

    adviser_id: Identifier | None = Field(
        default=None,
        description="Ignored: who acted comes from the credential (the signed-in adviser, "
        "or the link's assignment), never from the body",
    )
    assignment_id: uuid.UUID | None = None
    token: Annotated[str, Field(min_length=10, max_length=400)] | None = Field(
        default=None, description="The signed token from the acknowledge link in the page"
    )


class RecordAction(Input):
    """A follow-up action on a case."""

    kind: SupportNeed | Literal["contact", "other"]
    note: LongText | None = None
    adviser_id: Identifier | None = Field(
        default=None,
        description="Ignored: who acted comes from the credential (the signed-in adviser, "
        "or the link's assignment), never from the body",
    )


class CloseIncident(Input):
    """Close a case."""

    summary: LongText | None = None
    adviser_id: Identifier | None = Field(
        default=None,
        description="Ignored: who acted comes from the credential (the signed-in adviser, "
        "or the link's assignment), never from the body",
    )


class ReopenIncident(Input):
    """Reopen a closed case."""

    reason: LongText | None = None


class UpdateDetails(FactChanges):
    """Facts recorded or corrected after the call; only the fields given change.
    `police`, when given, replaces the police facts as a whole (a melding or aangifte
    made later, the VPT flag, domicile chosen, reported by the organisation, or why
    there was no report)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            # at least one fact to change, and not null (null means "not given")
            "minProperties": 1,
            "anyOf": [
                {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
                for name in DETAIL_FIELDS
            ],
            "examples": [
                {"police": {"status": "aangifte", "vpt_flag": True}},
                {"urgency": "acute", "types": ["threat", "stalking"]},
            ],
        },
    )


class AssignByHand(Input):
    """Assign the case to this adviser: an unroutable case, a handover ("my colleague
    takes it") or a coordinator's override. Routing checks the adviser (exists, active,
    no conflict with the organisation) and pages them, or records why not."""

    adviser_id: Identifier = Field(examples=["ngb-02"])
    reason: ShortText | None = Field(
        default=None, description="Why; free text", examples=["Collega neemt het over."]
    )


class Decline(Input):
    """The adviser of the current assignment cannot take it: the next adviser is paged
    at once."""

    reason: LongText | None = Field(default=None, examples=["Ik zit in de auto."])
