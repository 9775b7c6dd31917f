"""The events routing publishes, built from the state that records them. No I/O.

Every id is derived from the incident and the escalation level (or the request and
the assignment it supersedes), so the same decision always publishes the same events:
a redelivery, a crash between publishing and recording, or a second routing process
publishes them again, and JetStream and every consumer drop the repeat."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, cast

from contracts.events import (
    AckDeadlineShortened,
    AdviserAssigned,
    AssignmentEscalated,
    AssignmentRejected,
    AssignmentRequested,
    EscalationReason,
    IncidentDetailsUpdated,
    IncidentReported,
    IncidentUnroutable,
    ReminderDue,
    derive_id,
)
from contracts.vocabulary import Pool, Urgency
from routing.domain.casework import Rejection
from routing.domain.state import IncidentRouting, Step
from routing.domain.timers import ack_deadline

PRODUCER = "routing"


def assigned(
    state: IncidentRouting, *, causation: uuid.UUID | None, event_id: uuid.UUID | None = None
) -> AdviserAssigned:
    """The page of the current assignment."""
    step = state.step
    return AdviserAssigned(
        event_id=event_id or derive_id("adviser.assigned", state.incident_id, state.level),
        incident_id=state.incident_id,
        occurred_at=state.assigned_at,
        causation_id=causation,
        producer=PRODUCER,
        assignment_id=state.assignment_id,
        adviser_id=step.adviser_id,
        pool=step.pool,
        urgency=state.urgency,
        ack_deadline=ack_deadline(state),
        escalation_level=state.level,
        role=state.role,
        organisation_code=state.organisation_code,
        incident_types=state.incident_types,
        contacts=step.contacts,
        request_id=state.request_id,
    )


def unroutable(
    reported: IncidentReported, *, pool: Pool, reason: str, at: datetime
) -> IncidentUnroutable:
    """Nobody could be assigned to a reported incident."""
    return IncidentUnroutable(
        event_id=derive_id("incident.unroutable", reported.incident_id, 0),
        incident_id=reported.incident_id,
        occurred_at=at,
        causation_id=reported.event_id,
        producer=PRODUCER,
        pool=pool,
        reason=reason,
    )


def exhausted(state: IncidentRouting, *, at: datetime) -> IncidentUnroutable:
    """The escalation chain ran out: nobody acknowledged."""
    return IncidentUnroutable(
        event_id=derive_id("incident.unroutable", state.incident_id, state.level + 1),
        incident_id=state.incident_id,
        occurred_at=at,
        producer=PRODUCER,
        pool=state.step.pool,
        reason="escalation chain exhausted: nobody acknowledged",
    )


def escalated(moved: IncidentRouting) -> AssignmentEscalated | None:
    """The previous adviser's notice of an escalation, as the claimed state records it
    (None: the state records no move)."""
    previous = moved.moved_from_step
    if moved.moved_from is None or previous is None:
        return None
    return AssignmentEscalated(
        event_id=derive_id("assignment.escalated", moved.incident_id, moved.level),
        incident_id=moved.incident_id,
        occurred_at=moved.assigned_at,
        producer=PRODUCER,
        previous_assignment_id=moved.moved_from,
        previous_adviser_id=previous.adviser_id,
        previous_contacts=previous.contacts,
        next_adviser_id=moved.step.adviser_id,
        reason=cast(EscalationReason, moved.moved_reason),
        escalation_level=moved.level,
    )


def reassigned(event: AssignmentRequested, moved: IncidentRouting) -> AssignmentEscalated | None:
    """The previous adviser's notice of a hand assignment (None: nobody had the case)."""
    previous = moved.moved_from_step
    if moved.moved_from is None or previous is None:
        return None
    return AssignmentEscalated(
        event_id=derive_id(
            "assignment.escalated", event.incident_id, event.request_id, moved.moved_from
        ),
        incident_id=event.incident_id,
        occurred_at=event.occurred_at,
        causation_id=event.event_id,
        producer=PRODUCER,
        previous_assignment_id=moved.moved_from,
        previous_adviser_id=previous.adviser_id,
        previous_contacts=previous.contacts,
        next_adviser_id=moved.step.adviser_id,
        reason="reassigned",
        escalation_level=moved.level,
    )


def assigned_by_hand(event: AssignmentRequested, moved: IncidentRouting) -> AdviserAssigned:
    """The page of a hand assignment."""
    return assigned(
        moved,
        causation=event.event_id,
        event_id=derive_id(
            "adviser.assigned", event.incident_id, event.request_id, moved.moved_from
        ),
    )


def rejected(
    event: AssignmentRequested, rejection: Rejection, *, at: datetime
) -> AssignmentRejected:
    """Why a hand assignment was refused."""
    return AssignmentRejected(
        event_id=derive_id("assignment.rejected", event.incident_id, event.request_id),
        incident_id=event.incident_id,
        occurred_at=at,
        causation_id=event.event_id,
        producer=PRODUCER,
        request_id=event.request_id,
        adviser_id=event.adviser_id,
        reason=rejection.reason,
        detail=rejection.detail,
    )


def deadline_shortened(
    event: IncidentDetailsUpdated, state: IncidentRouting, *, urgency: Urgency, due: datetime
) -> AckDeadlineShortened:
    """The earlier deadline a raised urgency gives an unacknowledged assignment."""
    return AckDeadlineShortened(
        event_id=derive_id("assignment.deadline_shortened", state.assignment_id, urgency.value),
        incident_id=state.incident_id,
        occurred_at=event.occurred_at,
        causation_id=event.event_id,
        producer=PRODUCER,
        assignment_id=state.assignment_id,
        urgency=urgency,
        ack_deadline=due,
    )


def reminder_due(
    state: IncidentRouting,
    *,
    recipient: Literal["adviser", "coordinator"],
    target: Step,
    stage: int,
    idle_since: datetime,
    at: datetime,
) -> ReminderDue:
    """A reminder of an idle case to the adviser (stage 1) or the coordinator (stage 2)."""
    return ReminderDue(
        event_id=derive_id("assignment.reminder_due", state.assignment_id, stage),
        incident_id=state.incident_id,
        occurred_at=at,
        producer=PRODUCER,
        assignment_id=state.assignment_id,
        adviser_id=target.adviser_id,
        recipient=recipient,
        stage=stage,
        contacts=target.contacts,
        role=state.role,
        organisation_code=state.organisation_code,
        idle_since=idle_since,
    )
