"""What a registration from an organisation's own protocol becomes."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime

from contracts.events import IncidentReported, Official, RegistrationReceived, derive_id
from contracts.vocabulary import Source, Urgency
from intake.domain.case import PRODUCER
from intake.domain.commands import RegisterIncident


def registration_id(request: RegisterIncident, *, key: bytes) -> uuid.UUID:
    """The registration's incident id: keyed (HMAC-SHA256 with `REGISTRATION_ID_KEY`) on
    the organisation and its external id, so a repeat is the same registration while
    nobody without the key can compute the id of a registration from its public facts."""
    message = f"registration\x1f{request.organisation_code}\x1f{request.external_id}"
    mac = hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
    return derive_id("registration", "keyed", mac)


def public_registration_id(request: RegisterIncident) -> uuid.UUID:
    """The id registrations stored before the keyed ids had (computable by anyone): a
    repeat of one of them keeps it."""
    return derive_id("registration", request.organisation_code, request.external_id)


def registration_events(
    request: RegisterIncident, *, registration_id: uuid.UUID, now: datetime
) -> tuple[RegistrationReceived, IncidentReported | None]:
    """The registration, for the statistics only (no name, contact or description), and
    when contact is wanted an outreach incident with them. Both ids derive from
    `registration_id`, so a repeat is the same registration."""
    incident = request.incident
    registration = RegistrationReceived(
        event_id=derive_id("registration.received", registration_id),
        incident_id=registration_id,
        occurred_at=now,
        producer=PRODUCER,
        external_id=request.external_id,
        organisation_code=request.organisation_code,
        role=request.official.role,
        incident=incident.model_copy(update={"description": None}),
        police=request.police,
        perpetrator_kind=request.perpetrator_kind,
        family_targeted=request.family_targeted,
        wants_contact=request.wants_contact,
    )
    if not request.wants_contact:
        return registration, None
    outreach = IncidentReported(
        event_id=derive_id("incident.reported", registration_id),
        incident_id=registration_id,
        occurred_at=now,
        causation_id=registration.event_id,
        producer=PRODUCER,
        source=Source.MUNICIPAL_REGISTRATION,
        official=Official(
            role=request.official.role,
            organisation_code=request.organisation_code,
            name=request.official.name,
            phone=request.official.phone,
            email=request.official.email,
        ),
        incident=incident,
        urgency=Urgency.NORMAL,
        police=request.police,
        perpetrator_kind=request.perpetrator_kind,
        family_targeted=request.family_targeted,
        registration_id=registration_id,
    )
    return registration, outreach
