"""Event builders shared by the unit tests: ids, canaries, the first minutes of a case."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.events import (
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentEscalated,
    ContactPoint,
    IncidentFacts,
    IncidentReported,
    NotificationFailed,
    NotificationSent,
    Official,
    Police,
    ReminderDue,
    derive_id,
)
from contracts.vocabulary import (
    Channel,
    IncidentType,
    NotificationChannel,
    PerpetratorKind,
    PoliceStatus,
    Pool,
    ReasonNotReported,
    Role,
    Source,
    SupportNeed,
    Urgency,
)

T0 = datetime(2026, 11, 20, 20, 15, tzinfo=UTC)
"""A fixed moment; every builder counts from it so tests are deterministic."""

INCIDENT_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
ASSIGNMENT_ID = uuid.UUID("00000000-0000-4000-8000-000000000002")

# Personal data that must never travel past intake and the registry.
CANARY_NAME = "Canary Naamsvermelding"
CANARY_PHONE = "+31699887766"
CANARY_EMAIL = "canary.official@example.nl"
CANARY_DESCRIPTION = "Canary: doodsbedreiging onder de livestream van de raad."

MINIMAL_INCIDENT_BODY: dict[str, Any] = {
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
"""The minimum report of docs/domain.md, verbatim: the contract clients are written against."""


def incident_body(**overrides: Any) -> dict[str, Any]:
    """A deep copy of the §6 body with top-level keys replaced."""
    body = copy.deepcopy(MINIMAL_INCIDENT_BODY)
    body.update(overrides)
    return body


def envelope(
    kind: str,
    *,
    at: datetime = T0,
    incident_id: uuid.UUID = INCIDENT_ID,
    producer: str = "test",
    n: int = 0,
) -> dict[str, Any]:
    """Envelope fields with an event id derived from the kind, so it is stable."""
    return {
        "event_id": derive_id("test-event", kind, incident_id, n),
        "occurred_at": at,
        "incident_id": incident_id,
        "producer": producer,
    }


def reported(
    *,
    role: Role = Role.MAYOR,
    organisation_code: str = "GM0363",
    urgency: Urgency = Urgency.HIGH,
    at: datetime = T0,
    incident_id: uuid.UUID = INCIDENT_ID,
    with_canaries: bool = True,
) -> IncidentReported:
    return IncidentReported(
        **envelope("reported", at=at, incident_id=incident_id, producer="intake"),
        source=Source.CRISIS_LINE,
        official=Official(
            role=role,
            organisation_code=organisation_code,
            name=CANARY_NAME if with_canaries else None,
            phone=CANARY_PHONE if with_canaries else None,
            email=CANARY_EMAIL if with_canaries else None,
        ),
        incident=IncidentFacts(
            types=[IncidentType.THREAT, IncidentType.ONLINE_HARASSMENT],
            channels=[Channel.SOCIAL_MEDIA],
            occurred_at=at - timedelta(hours=1),
            description=CANARY_DESCRIPTION if with_canaries else None,
        ),
        urgency=urgency,
        needs=[SupportNeed.SECURITY, SupportNeed.REPORTING_ADVICE],
        police=Police(
            status=PoliceStatus.NONE, reason_not_reported=ReasonNotReported.PART_OF_THE_JOB
        ),
        perpetrator_kind=PerpetratorKind.UNKNOWN,
        family_targeted=False,
    )


def assigned(
    *,
    at: datetime = T0,
    adviser_id: str = "ngb-01",
    pool: Pool = Pool.NGB,
    role: Role = Role.MAYOR,
    urgency: Urgency = Urgency.HIGH,
    organisation_code: str = "GM0363",
    assignment_id: uuid.UUID = ASSIGNMENT_ID,
    contacts: list[ContactPoint] | None = None,
    n: int = 0,
) -> AdviserAssigned:
    return AdviserAssigned(
        **envelope("assigned", at=at, producer="routing", n=n),
        assignment_id=assignment_id,
        adviser_id=adviser_id,
        pool=pool,
        urgency=urgency,
        ack_deadline=at + timedelta(minutes=15),
        role=role,
        organisation_code=organisation_code,
        incident_types=[IncidentType.THREAT, IncidentType.ONLINE_HARASSMENT],
        contacts=contacts
        if contacts is not None
        else [ContactPoint(channel=NotificationChannel.EMAIL, address=f"{adviser_id}@ngb.example")],
    )


def notification_sent(*, at: datetime = T0) -> NotificationSent:
    return NotificationSent(
        **envelope("notification_sent", at=at, producer="notify"),
        notification_id=derive_id("notification", ASSIGNMENT_ID, "email"),
        assignment_id=ASSIGNMENT_ID,
        adviser_id="ngb-01",
        channel=NotificationChannel.EMAIL,
        attempt=1,
    )


def notification_failed(*, at: datetime = T0) -> NotificationFailed:
    return NotificationFailed(
        **envelope("notification_failed", at=at, producer="notify"),
        notification_id=derive_id("notification", ASSIGNMENT_ID, "email"),
        assignment_id=ASSIGNMENT_ID,
        adviser_id="ngb-01",
        channel=NotificationChannel.EMAIL,
        attempts=8,
        error="SMTPConnectError",
    )


def acknowledged(*, at: datetime = T0) -> AssignmentAcknowledged:
    return AssignmentAcknowledged(
        **envelope("acknowledged", at=at, producer="intake"),
        assignment_id=ASSIGNMENT_ID,
        adviser_id="ngb-01",
    )


def escalated(*, at: datetime = T0) -> AssignmentEscalated:
    return AssignmentEscalated(
        **envelope("escalated", at=at, producer="routing"),
        previous_assignment_id=ASSIGNMENT_ID,
        previous_adviser_id="ngb-01",
        escalation_level=1,
    )


def reminder_due(*, at: datetime = T0) -> ReminderDue:
    return ReminderDue(
        **envelope("reminder", at=at, producer="routing"),
        assignment_id=ASSIGNMENT_ID,
        adviser_id="ngb-01",
        recipient="adviser",
        stage=1,
        contacts=[ContactPoint(channel=NotificationChannel.EMAIL, address="ngb-01@ngb.example")],
        role=Role.MAYOR,
        organisation_code="GM0363",
        idle_since=at - timedelta(hours=4),
    )
