"""The SQL column mapping of the domain's typed state: an incident's state, a
registration and a case's statistics fact as rows of `incidents`, `registrations`
and `case_facts`."""

from __future__ import annotations

from typing import Any

from contracts.events import RegistrationReceived
from contracts.organisations import lookup
from registry.domain.case_facts import CaseFact
from registry.domain.facts import CHANNEL_BITS, TYPE_BITS, to_mask
from registry.domain.fold import IncidentState

_NO_DETAILS: dict[str, Any] = {
    "source": None,
    "role": None,
    "organisation_code": None,
    "province_code": None,
    "urgency": None,
    "reported_at": None,
    "occurred_at": None,
    "types": [],
    "channels": [],
    "types_mask": 0,
    "channels_mask": 0,
    "needs": [],
    "police_status": None,
    "reason_not_reported": None,
    "police_vpt_flag": None,
    "police_organisation_address_used": None,
    "police_reported_by_organisation": None,
    "perpetrator_kind": None,
    "family_targeted": None,
    "registration_id": None,
    "related_incident_id": None,
    "official_name": None,
    "official_phone": None,
    "official_email": None,
    "description": None,
}
"""The columns of an incident without a report (yet)."""


def incident_row(state: IncidentState, *, version: int) -> dict[str, Any]:
    """The `incidents` row of an incident's state, personal values still plain;
    `version` is the number of its distinct events."""
    row: dict[str, Any] = {
        "incident_id": state.incident_id,
        "reported": state.reported,
        "status": state.status.value,
        "version": version,
        "assignment_id": state.assignment_id,
        "adviser_id": state.adviser_id,
        "pool": state.pool,
        "ack_deadline": state.ack_deadline,
        "acknowledged_at": state.acknowledged_at,
        "closed_at": state.closed_at,
        "escalations": state.escalations,
        "actions": state.actions,
        "erased_at": state.erased_at,
        "unroutable": state.queue.unroutable,
        "page_failed": state.queue.page_failed,
        "failed_advisers": list(state.queue.failed_advisers),
        "last_activity_at": state.queue.last_activity_at,
    }
    d = state.details
    if d is None:
        row.update(_NO_DETAILS)
        return row
    row.update(
        source=d.source,
        role=d.role,
        organisation_code=d.organisation_code,
        province_code=d.province_code,
        urgency=d.urgency,
        reported_at=d.reported_at,
        occurred_at=d.occurred_at,
        types=list(d.types),
        channels=list(d.channels),
        types_mask=d.types_mask,
        channels_mask=d.channels_mask,
        needs=list(d.needs),
        police_status=d.police_status,
        reason_not_reported=d.reason_not_reported,
        police_vpt_flag=d.police_vpt_flag,
        police_organisation_address_used=d.police_organisation_address_used,
        police_reported_by_organisation=d.police_reported_by_organisation,
        perpetrator_kind=d.perpetrator_kind,
        family_targeted=d.family_targeted,
        registration_id=d.registration_id,
        related_incident_id=d.related_incident_id,
        official_name=d.official_name,
        official_phone=d.official_phone,
        official_email=d.official_email,
        description=d.description,
    )
    return row


def fact_row(fact: CaseFact, *, cell_key: int) -> dict[str, Any]:
    """The `case_facts` row of a case, with its record key."""
    d = fact.dimensions
    return {
        "case_id": fact.case_id,
        "cell_key": cell_key,
        "reported_at": d.reported_at,
        "month": d.month,
        "types_mask": d.types_mask,
        "channels_mask": d.channels_mask,
        "organisation": d.organisation,
        "province": d.province,
        "role": d.role,
        "source": d.source,
        "police_status": d.police_status,
        "urgency": d.urgency,
        "reason_not_reported": d.reason_not_reported,
        "perpetrator_kind": d.perpetrator_kind,
        "family_targeted": d.family_targeted,
        "aangifte": d.aangifte,
        "police_report": d.police_report,
        "repeat": d.repeat,
        "pool": fact.pool,
        "assigned": fact.assigned,
        "escalated": fact.escalated,
        "ack_seconds": fact.ack_seconds,
    }


def registration_row(event: RegistrationReceived) -> dict[str, Any]:
    """The `registrations` row of a registration."""
    police = event.police
    return {
        "registration_id": str(event.incident_id),
        "external_id": event.external_id,
        "organisation_code": event.organisation_code,
        "province_code": lookup(event.organisation_code).province_code,
        "role": event.role.value,
        "received_at": event.occurred_at,
        "occurred_at": event.incident.occurred_at,
        "types": [t.value for t in event.incident.types],
        "channels": [c.value for c in event.incident.channels],
        "types_mask": to_mask(event.incident.types, TYPE_BITS),
        "channels_mask": to_mask(event.incident.channels, CHANNEL_BITS),
        "police_status": police.status.value,
        "reason_not_reported": (
            police.reason_not_reported.value if police.reason_not_reported else None
        ),
        "perpetrator_kind": event.perpetrator_kind.value if event.perpetrator_kind else None,
        "family_targeted": event.family_targeted,
        "wants_contact": event.wants_contact,
    }
