"""Records of the read model as the API shows them."""

from __future__ import annotations

from typing import Any

from contracts.events import Event
from contracts.vocabulary import Role, Status
from registry.adapters.db import IncidentRecord, RegistrationRecord
from registry.domain.timeline import timeline
from registry.entrypoints.http.schemas import (
    AssignmentOut,
    IncidentDetail,
    OfficialOut,
    OfficialSummaryOut,
    RegistrationOut,
    RelatedOut,
)


def officials(r: IncidentRecord, personal: dict[str, str | None]) -> OfficialOut:
    return OfficialOut(
        role=Role(r.role) if r.role else None,
        organisation_code=r.organisation_code,
        province_code=r.province_code,
        name=personal["official_name"],
        phone=personal["official_phone"],
        email=personal["official_email"],
    )


def official_summary(r: IncidentRecord) -> OfficialSummaryOut:
    return OfficialSummaryOut(
        role=Role(r.role) if r.role else None,
        organisation_code=r.organisation_code,
        province_code=r.province_code,
    )


def summary_fields(r: IncidentRecord, personal: dict[str, str | None] | None) -> dict[str, Any]:
    """The fields of a list item (`personal` None: without the official's personal
    data, as every list gives it) or of the record."""
    assignment = None
    if r.assignment_id and r.adviser_id and r.pool:
        assignment = AssignmentOut(
            assignment_id=r.assignment_id,
            adviser_id=r.adviser_id,
            pool=r.pool,
            ack_deadline=r.ack_deadline,
            acknowledged_at=r.acknowledged_at,
        )
    return {
        "incident_id": r.incident_id,
        "status": Status(r.status),
        "source": r.source,
        "urgency": r.urgency,
        "reported_at": r.reported_at,
        "official": official_summary(r) if personal is None else officials(r, personal),
        "types": list(r.types or []),
        "assignment": assignment,
        "escalations": r.escalations or 0,
        "unroutable": bool(r.unroutable),
        "page_failed": bool(r.page_failed),
        "failed_advisers": list(r.failed_advisers or []),
        "last_activity_at": r.last_activity_at,
    }


def detail(
    r: IncidentRecord,
    events: list[Event],
    personal: dict[str, str | None],
    related: list[tuple[str, IncidentRecord]],
) -> IncidentDetail:
    return IncidentDetail(
        **summary_fields(r, personal),
        occurred_at=r.occurred_at,
        channels=list(r.channels or []),
        needs=list(r.needs or []),
        police={
            "status": r.police_status,
            "reason_not_reported": r.reason_not_reported,
            "vpt_flag": r.police_vpt_flag,
            "organisation_address_used": r.police_organisation_address_used,
            "reported_by_organisation": r.police_reported_by_organisation,
        },
        perpetrator_kind=r.perpetrator_kind,
        family_targeted=r.family_targeted,
        description=personal["description"],
        registration_id=r.registration_id,
        related_incident_id=r.related_incident_id,
        related=[
            RelatedOut(
                incident_id=other.incident_id,
                relation=relation,
                status=Status(other.status),
                reported_at=other.reported_at,
                types=list(other.types or []),
            )
            for relation, other in related
        ],
        closed_at=r.closed_at,
        actions=r.actions,
        personal_data_erased_at=r.erased_at,
        version=r.version,
        timeline=timeline(events),
    )


def registration(r: RegistrationRecord) -> RegistrationOut:
    return RegistrationOut(
        registration_id=r.registration_id,
        external_id=r.external_id,
        organisation_code=r.organisation_code,
        province_code=r.province_code,
        role=Role(r.role),
        received_at=r.received_at,
        occurred_at=r.occurred_at,
        types=list(r.types or []),
        channels=list(r.channels or []),
        police_status=r.police_status,
        reason_not_reported=r.reason_not_reported,
        perpetrator_kind=r.perpetrator_kind,
        family_targeted=r.family_targeted,
        wants_contact=r.wants_contact,
    )
