"""A case's details: the facts of its report, as later updates changed them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from contracts.events import IncidentDetailsUpdated, IncidentReported
from contracts.organisations import lookup
from registry.domain.facts import CHANNEL_BITS, TYPE_BITS, to_mask

PERSONAL_VALUES = ("official_name", "official_phone", "official_email", "description")
"""The details that are personal data, nulled by an erasure."""


@dataclass(frozen=True, slots=True)
class CaseDetails:
    """What the report says (codes as their text values), with the updates applied."""

    source: str
    role: str
    organisation_code: str
    province_code: str | None
    urgency: str
    reported_at: datetime
    occurred_at: datetime | None
    types: tuple[str, ...]
    channels: tuple[str, ...]
    types_mask: int
    channels_mask: int
    needs: tuple[str, ...]
    police_status: str
    reason_not_reported: str | None
    police_vpt_flag: bool | None
    police_organisation_address_used: bool | None
    police_reported_by_organisation: bool | None
    perpetrator_kind: str | None
    family_targeted: bool | None
    registration_id: str | None
    related_incident_id: str | None
    official_name: str | None
    official_phone: str | None
    official_email: str | None
    description: str | None


def details_of_report(event: IncidentReported) -> CaseDetails:
    official = event.official
    police = event.police
    return CaseDetails(
        source=event.source.value,
        role=official.role.value,
        organisation_code=official.organisation_code,
        province_code=lookup(official.organisation_code).province_code,
        urgency=event.urgency.value,
        reported_at=event.occurred_at,
        occurred_at=event.incident.occurred_at,
        types=tuple(t.value for t in event.incident.types),
        channels=tuple(c.value for c in event.incident.channels),
        types_mask=to_mask(event.incident.types, TYPE_BITS),
        channels_mask=to_mask(event.incident.channels, CHANNEL_BITS),
        needs=tuple(n.value for n in event.needs),
        police_status=police.status.value,
        reason_not_reported=(
            police.reason_not_reported.value if police.reason_not_reported else None
        ),
        police_vpt_flag=police.vpt_flag,
        police_organisation_address_used=police.organisation_address_used,
        police_reported_by_organisation=police.reported_by_organisation,
        perpetrator_kind=event.perpetrator_kind.value if event.perpetrator_kind else None,
        family_targeted=event.family_targeted,
        registration_id=str(event.registration_id) if event.registration_id else None,
        related_incident_id=(str(event.related_incident_id) if event.related_incident_id else None),
        official_name=official.name,
        official_phone=official.phone,
        official_email=official.email,
        description=event.incident.description,
    )


def updated(details: CaseDetails, update: IncidentDetailsUpdated) -> CaseDetails:
    """The details with the facts an update changes written over them."""
    changes: dict[str, Any] = {}
    police = update.police
    if police is not None:
        changes.update(
            police_status=police.status.value,
            reason_not_reported=(
                police.reason_not_reported.value if police.reason_not_reported else None
            ),
            police_vpt_flag=police.vpt_flag,
            police_organisation_address_used=police.organisation_address_used,
            police_reported_by_organisation=police.reported_by_organisation,
        )
    if update.types is not None:
        changes["types"] = tuple(t.value for t in update.types)
        changes["types_mask"] = to_mask(update.types, TYPE_BITS)
    if update.channels is not None:
        changes["channels"] = tuple(c.value for c in update.channels)
        changes["channels_mask"] = to_mask(update.channels, CHANNEL_BITS)
    if update.needs is not None:
        changes["needs"] = tuple(n.value for n in update.needs)
    if update.perpetrator_kind is not None:
        changes["perpetrator_kind"] = update.perpetrator_kind.value
    if update.family_targeted is not None:
        changes["family_targeted"] = update.family_targeted
    if update.urgency is not None:
        changes["urgency"] = update.urgency.value
    return replace(details, **changes)


def without_personal_data(details: CaseDetails) -> CaseDetails:
    """The details as an erasure leaves them: every one of `PERSONAL_VALUES` null."""
    return replace(
        details, official_name=None, official_phone=None, official_email=None, description=None
    )
