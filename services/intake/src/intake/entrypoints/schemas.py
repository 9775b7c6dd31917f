"""What clients send and receive over HTTP beside the commands themselves."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Path
from pydantic import BaseModel, Field


class Accepted(BaseModel):
    """The command was stored in JetStream and will be processed."""

    incident_id: uuid.UUID
    status_url: str
    event_id: uuid.UUID


class RegistrationAccepted(BaseModel):
    """The registration was stored; `incident_id` is set when contact was wanted."""

    registration_id: uuid.UUID
    incident_id: uuid.UUID | None
    status_url: str | None


IdempotencyKey = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Same key and body → the same result, never a second incident",
    ),
]

Key = Annotated[IdempotencyKey, Header(alias="Idempotency-Key")]
IncidentId = Annotated[uuid.UUID, Path(description="The incident id")]
AckToken = Annotated[str, Path(min_length=10, max_length=400, description="Signed token")]
