"""The envelope every event carries, and the value types events share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    model_validator,
)

from contracts.organisations import OrganisationCode
from contracts.vocabulary import (
    Channel,
    IncidentType,
    NotificationChannel,
    PoliceStatus,
    ReasonNotReported,
    Role,
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

SEALED_PATTERN = r"^s1:[A-Za-z0-9+/]+={0,2}$"
Sealed = Annotated[
    str,
    Field(
        pattern=SEALED_PATTERN,
        max_length=8192,
        description="A personal field sealed with its case's data key (docs/privacy.md): "
        "`s1:` and the base64 of a nonce and the AES-256-GCM ciphertext",
        examples=["s1:3q2+7w=="],
    ),
]
"""A personal field as it travels the bus: only the producer and the registry, which
hold the case's data key, read it (`weerbaar_runtime.sealing`)."""
SealedShortText = ShortText | Sealed
SealedLongText = LongText | Sealed


class Model(BaseModel):
    """Base of every contract model: unknown fields are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Official(Model):
    """The threatened official. Name and contact details are personal data."""

    role: Role = Field(description="The office the official holds", examples=["mayor"])
    organisation_code: OrganisationCode
    name: SealedShortText | None = Field(
        default=None, description="Personal data", examples=["A. de Vries"]
    )
    phone: Phone | Sealed | None = Field(default=None, description="Personal data")
    email: Annotated[EmailStr, Field(max_length=254)] | Sealed | None = Field(
        default=None, description="Personal data", examples=["a@example.nl"]
    )


class IncidentFacts(Model):
    """What happened, where and when."""

    types: list[IncidentType] = Field(min_length=1, max_length=10, examples=[["threat"]])
    channels: list[Channel] = Field(default_factory=list, max_length=7)
    occurred_at: AwareDatetime | None = Field(default=None, description="When it happened")
    description: SealedLongText | None = Field(
        default=None, description="Free text; personal data, never sent in a notification"
    )


class Police(Model):
    """Whether and how the police were involved (the monitor asks exactly this)."""

    model_config = ConfigDict(
        # the rule of `_reason_only_without_report`, stated in the schema as well
        json_schema_extra={
            "anyOf": [
                {"properties": {"reason_not_reported": {"type": "null"}}},
                {"properties": {"status": {"const": "none"}}},
            ]
        }
    )

    status: PoliceStatus = PoliceStatus.NONE
    reason_not_reported: ReasonNotReported | None = Field(
        default=None, description="Only when status is none"
    )
    vpt_flag: StrictBool | None = Field(default=None, description="Reported with the VPT flag")
    organisation_address_used: StrictBool | None = Field(
        default=None, description="Domicilie gekozen: the organisation's address was used"
    )
    reported_by_organisation: StrictBool | None = Field(
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
