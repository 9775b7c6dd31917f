"""Event builders for case work after the page, and one of each event."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from contracts.events import (
    AckDeadlineShortened,
    ActionRecorded,
    AssignmentDeclined,
    AssignmentRejected,
    AssignmentRequested,
    Event,
    IncidentClosed,
    IncidentDetailsUpdated,
    IncidentFacts,
    IncidentReopened,
    IncidentUnroutable,
    PersonalDataErased,
    RegistrationReceived,
    derive_id,
)
from contracts.vocabulary import (
    IncidentType,
    PerpetratorKind,
    Pool,
    Role,
    SupportNeed,
    Urgency,
)
from tests.support.events import (
    ASSIGNMENT_ID,
    INCIDENT_ID,
    T0,
    acknowledged,
    assigned,
    envelope,
    escalated,
    notification_failed,
    notification_sent,
    reminder_due,
    reported,
)


def action(*, at: datetime = T0, n: int = 0) -> ActionRecorded:
    return ActionRecorded(
        **envelope("action", at=at, producer="intake", n=n),
        action_id=derive_id("action", INCIDENT_ID, n),
        kind=SupportNeed.SECURITY,
        note="Woningscan aangevraagd.",
        adviser_id="ngb-01",
    )


def closed(*, at: datetime = T0, n: int = 0) -> IncidentClosed:
    return IncidentClosed(
        **envelope("closed", at=at, producer="intake", n=n),
        summary="Afgerond.",
        adviser_id="ngb-01",
    )


def reopened(*, at: datetime = T0, n: int = 0) -> IncidentReopened:
    return IncidentReopened(
        **envelope("reopened", at=at, producer="intake", n=n), reason="Nieuwe dreiging."
    )


def unroutable(*, at: datetime = T0) -> IncidentUnroutable:
    return IncidentUnroutable(
        **envelope("unroutable", at=at, producer="routing"),
        pool=Pool.NGB,
        reason="no active adviser in the role's pool or the fallback pool",
    )


def registration_received(*, at: datetime = T0) -> RegistrationReceived:
    return RegistrationReceived(
        **envelope("registration", at=at, producer="intake"),
        external_id="AGR-2026-0042",
        organisation_code="GM0363",
        role=Role.ALDERMAN,
        incident=IncidentFacts(types=[IncidentType.VERBAL_AGGRESSION]),
        perpetrator_kind=PerpetratorKind.INDIVIDUAL_CITIZEN,
        family_targeted=True,
        wants_contact=False,
    )


def personal_data_erased(
    *, at: datetime = T0, reason: str = "request", requested_by: str = "operator-01", n: int = 0
) -> PersonalDataErased:
    return PersonalDataErased.model_validate(
        {
            **envelope("erased", at=at, producer="registry", n=n),
            "requested_by": requested_by,
            "reason": reason,
        }
    )


def details_updated(
    *, at: datetime = T0, n: int = 0, incident_id: uuid.UUID = INCIDENT_ID, **facts: Any
) -> IncidentDetailsUpdated:
    return IncidentDetailsUpdated.model_validate(
        {
            **envelope("details", at=at, producer="intake", n=n, incident_id=incident_id),
            "updated_by": "operator",
            **(facts or {"police": {"status": "aangifte", "vpt_flag": True}}),
        }
    )


def assignment_requested(
    *, at: datetime = T0, adviser_id: str = "ngb-02", n: int = 0, **overrides: Any
) -> AssignmentRequested:
    return AssignmentRequested.model_validate(
        {
            **envelope("requested", at=at, producer="intake", n=n),
            "request_id": derive_id("test-request", n),
            "adviser_id": adviser_id,
            "reason": "Collega neemt het over.",
            "requested_by": "operator",
            "role": "mayor",
            "organisation_code": "GM0363",
            "urgency": "high",
            "incident_types": ["threat"],
            **overrides,
        }
    )


def assignment_rejected(*, at: datetime = T0) -> AssignmentRejected:
    return AssignmentRejected(
        **envelope("rejected", at=at, producer="routing"),
        request_id=derive_id("test-request", 0),
        adviser_id="ngb-02",
        reason="conflict_of_interest",
        detail="ngb-02 is linked to organisation GM0363: a conflict of interest",
    )


def declined(*, at: datetime = T0) -> AssignmentDeclined:
    return AssignmentDeclined(
        **envelope("declined", at=at, producer="intake"),
        assignment_id=ASSIGNMENT_ID,
        adviser_id="ngb-01",
        reason="Ik zit in de auto.",
        declined_by="adviser",
    )


def deadline_shortened(*, at: datetime = T0) -> AckDeadlineShortened:
    return AckDeadlineShortened(
        **envelope("shortened", at=at, producer="routing"),
        assignment_id=ASSIGNMENT_ID,
        urgency=Urgency.ACUTE,
        ack_deadline=at + timedelta(minutes=5),
    )


def one_of_each_event() -> list[Event]:
    """One example of every event type, at distinct moments."""
    return [
        reported(at=T0),
        registration_received(at=T0),
        assigned(at=T0 + timedelta(seconds=1)),
        acknowledged(at=T0 + timedelta(seconds=3)),
        escalated(at=T0 + timedelta(seconds=2)),
        reminder_due(at=T0 + timedelta(seconds=7)),
        unroutable(at=T0),
        notification_sent(at=T0 + timedelta(seconds=2)),
        notification_failed(at=T0 + timedelta(seconds=2)),
        action(at=T0 + timedelta(seconds=4)),
        closed(at=T0 + timedelta(seconds=5)),
        reopened(at=T0 + timedelta(seconds=6)),
        personal_data_erased(at=T0 + timedelta(seconds=8)),
        details_updated(at=T0 + timedelta(seconds=4)),
        assignment_requested(at=T0 + timedelta(seconds=4)),
        assignment_rejected(at=T0 + timedelta(seconds=4)),
        declined(at=T0 + timedelta(seconds=2)),
        deadline_shortened(at=T0 + timedelta(seconds=1)),
    ]
