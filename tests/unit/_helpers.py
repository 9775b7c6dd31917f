"""Builders and in-memory fakes shared by the unit tests (imported, never via conftest)."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.events import (
    AckDeadlineShortened,
    ActionRecorded,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentDeclined,
    AssignmentEscalated,
    AssignmentRejected,
    AssignmentRequested,
    ContactPoint,
    Event,
    IncidentClosed,
    IncidentDetailsUpdated,
    IncidentFacts,
    IncidentReopened,
    IncidentReported,
    IncidentUnroutable,
    NotificationFailed,
    NotificationSent,
    Official,
    PersonalDataErased,
    Police,
    RegistrationReceived,
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
from intake.ports import IdempotencyConflictError

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


class RecordingPublisher:
    """Collects every published event; usable as an object port and as a callable port."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.events.append(event)

    async def __call__(self, event: Event) -> None:
        self.events.append(event)


class MemoryIdempotencyStore:
    """The KV adapter's semantics in memory: first claim wins, seed is the key."""

    def __init__(self) -> None:
        self.records: dict[str, tuple[str, str]] = {}

    async def claim(self, key: str, fingerprint: str) -> str:
        if key not in self.records:
            self.records[key] = (fingerprint, key)
        stored_fingerprint, seed = self.records[key]
        if stored_fingerprint != fingerprint:
            raise IdempotencyConflictError(key)
        return seed


class ConflictingIdempotencyStore:
    """A store whose every key was already used for another request."""

    async def claim(self, key: str, fingerprint: str) -> str:
        raise IdempotencyConflictError(key)


class MemoryStateStore:
    """Routing's StateStore in memory, with the same compare-and-set behaviour."""

    def __init__(self) -> None:
        from routing.state import IncidentRouting

        self.records: dict[uuid.UUID, tuple[IncidentRouting, int]] = {}

    async def get(self, incident_id: uuid.UUID) -> Any:
        return self.records.get(incident_id)

    async def create(self, state: Any) -> Any:
        if state.incident_id in self.records:
            return self.records[state.incident_id][0]
        self.records[state.incident_id] = (state, 1)
        return state

    async def update(self, incident_id: uuid.UUID, change: Any, *, attempts: int = 20) -> Any:
        found = self.records.get(incident_id)
        if found is None:
            return None
        changed = change(found[0])
        if changed is None:
            return found[0]
        self.records[incident_id] = (changed, found[1] + 1)
        return changed

    async def all(self) -> list[Any]:
        return [state for state, _ in self.records.values()]


class RecordingScheduler:
    """Collects every timer routing schedules."""

    def __init__(self) -> None:
        self.timers: list[Any] = []

    async def __call__(self, timer: Any) -> None:
        self.timers.append(timer)
