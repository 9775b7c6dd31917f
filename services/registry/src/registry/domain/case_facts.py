"""The statistics' facts of a case: its dimensions as stored numbers, the police flags
and what happened to it. No personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from contracts.events import RegistrationReceived
from contracts.organisations import lookup
from contracts.vocabulary import PoliceStatus, Source
from registry.domain.details import CaseDetails
from registry.domain.facts import CHANNEL_BITS, TYPE_BITS, encode, month_of, to_mask

if TYPE_CHECKING:
    from registry.domain.fold import IncidentState
    from registry.domain.memo import FoldMemo


@dataclass(frozen=True, slots=True)
class Dimensions:
    """What the report (or registration) alone decides, coded as `encode` stores it."""

    reported_at: datetime
    month: int
    types_mask: int
    channels_mask: int
    organisation: int
    province: int | None
    role: int
    source: int
    police_status: int
    urgency: int | None
    reason_not_reported: int | None
    perpetrator_kind: int | None
    family_targeted: int | None
    aangifte: int
    police_report: int
    repeat: int


@dataclass(frozen=True, slots=True)
class CaseFact:
    """One counted case: its dimensions, the pool and the flags the statistics sum."""

    case_id: str
    dimensions: Dimensions
    pool: int | None
    assigned: int
    escalated: int
    ack_seconds: int | None


def _coded(dimension: str, value: object) -> int:
    number = encode(dimension, value)
    if number is None:
        raise ValueError(f"{dimension} is missing")
    return number


def _dimensions(
    *,
    reported_at: datetime,
    types_mask: int,
    channels_mask: int,
    organisation_code: str,
    province_code: str | None,
    role: str,
    source: str,
    police_status: str,
    urgency: str | None,
    reason_not_reported: str | None,
    perpetrator_kind: str | None,
    family_targeted: bool | None,
    repeat: bool,
) -> Dimensions:
    return Dimensions(
        reported_at=reported_at,
        month=_coded("month", month_of(reported_at)),
        types_mask=types_mask,
        channels_mask=channels_mask,
        organisation=_coded("organisation", organisation_code),
        province=encode("province", province_code),
        role=_coded("role", role),
        source=_coded("source", source),
        police_status=_coded("police_status", police_status),
        urgency=encode("urgency", urgency),
        reason_not_reported=encode("reason_not_reported", reason_not_reported),
        perpetrator_kind=encode("perpetrator_kind", perpetrator_kind),
        family_targeted=encode("family_targeted", family_targeted),
        aangifte=int(police_status == PoliceStatus.AANGIFTE.value),
        police_report=int(police_status != PoliceStatus.NONE.value),
        repeat=int(repeat),
    )


def dimensions_of(details: CaseDetails) -> Dimensions:
    """The dimensions of an incident's details."""
    return _dimensions(
        reported_at=details.reported_at,
        types_mask=details.types_mask,
        channels_mask=details.channels_mask,
        organisation_code=details.organisation_code,
        province_code=details.province_code,
        role=details.role,
        source=details.source,
        police_status=details.police_status,
        urgency=details.urgency,
        reason_not_reported=details.reason_not_reported,
        perpetrator_kind=details.perpetrator_kind,
        family_targeted=details.family_targeted,
        repeat=details.related_incident_id is not None,
    )


def incident_fact(state: IncidentState, *, memo: FoldMemo | None = None) -> CaseFact:
    """The statistics fact of a reported incident."""
    if state.report is None or state.details is None:
        raise ValueError(f"incident {state.incident_id} has no report")
    details = state.details
    ack_seconds = None
    if state.acknowledged_at is not None:
        ack_seconds = max(0, round((state.acknowledged_at - details.reported_at).total_seconds()))
    # the report's dimensions are remembered; facts changed since are the current ones
    if state.updated or memo is None:
        dimensions = dimensions_of(details)
    else:
        dimensions = memo.dimensions(state.report)
    return CaseFact(
        case_id=state.incident_id,
        dimensions=dimensions,
        pool=encode("pool", state.pool),
        assigned=int(state.assignment_id is not None),
        escalated=int(state.escalations > 0),
        ack_seconds=ack_seconds,
    )


def registration_fact(event: RegistrationReceived) -> CaseFact:
    """The statistics fact of a registration that did not become an incident."""
    police = event.police
    dimensions = _dimensions(
        reported_at=event.occurred_at,
        types_mask=to_mask(event.incident.types, TYPE_BITS),
        channels_mask=to_mask(event.incident.channels, CHANNEL_BITS),
        organisation_code=event.organisation_code,
        province_code=lookup(event.organisation_code).province_code,
        role=event.role.value,
        source=Source.MUNICIPAL_REGISTRATION.value,
        police_status=police.status.value,
        urgency=None,
        reason_not_reported=(
            police.reason_not_reported.value if police.reason_not_reported else None
        ),
        perpetrator_kind=event.perpetrator_kind.value if event.perpetrator_kind else None,
        family_targeted=event.family_targeted,
        repeat=False,
    )
    return CaseFact(
        case_id=str(event.incident_id),
        dimensions=dimensions,
        pool=None,
        assigned=0,
        escalated=0,
        ack_seconds=None,
    )
