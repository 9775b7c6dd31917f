"""Where an incident stands in routing: its escalation snapshot and its progress. No I/O."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts.events import ContactPoint
from contracts.vocabulary import IncidentType, Pool, Role, Urgency


class Step(BaseModel):
    """One adviser of the escalation ring, as the roster had them when routing began."""

    model_config = ConfigDict(frozen=True)

    adviser_id: str
    pool: Pool
    contacts: list[ContactPoint]


class IncidentRouting(BaseModel):
    """Where an incident stands in routing: its escalation snapshot and progress."""

    model_config = ConfigDict(frozen=True)

    incident_id: uuid.UUID
    role: Role
    organisation_code: str
    urgency: Urgency
    incident_types: list[IncidentType] = Field(default_factory=list)
    deadline_s: float
    ring: list[Step] = Field(min_length=1, description="The escalation snapshot")
    max_level: int
    level: int = 0
    base_level: int = Field(default=0, description="The level the ring's first step has")
    assignment_id: uuid.UUID
    assigned_at: datetime
    reported_at: datetime | None = None
    request_id: uuid.UUID | None = Field(
        default=None, description="The hand assignment request the current assignment follows"
    )
    moved_from: uuid.UUID | None = Field(
        default=None, description="The assignment the current one superseded"
    )
    moved_from_step: Step | None = Field(default=None, description="Who had that assignment")
    moved_reason: str | None = Field(
        default=None,
        description="Why it moved (an escalation reason, or `reassigned` by hand): with the "
        "two above, what is needed to publish the move again after a crash",
    )
    acknowledged_at: datetime | None = None
    last_activity_at: datetime | None = None
    reminders: int = 0
    failed_pages: int = Field(
        default=0,
        description="Escalations for a failed page since routing began, none delivered "
        "between (a deadline does not reset it): at the size of the ring, every adviser's "
        "page failed, and a failed page waits for the deadline instead",
    )
    closed: bool = False
    exhausted: bool = False

    @property
    def step(self) -> Step:
        return self.ring[(self.level - self.base_level) % len(self.ring)]


class Conflict(Exception):
    """Someone else changed the record first."""


def changed(state: IncidentRouting, **changes: object) -> IncidentRouting:
    """A copy of `state` with these fields changed."""
    return state.model_copy(update=changes)


def escalates_from(state: IncidentRouting, assignment_id: uuid.UUID) -> bool:
    """Whether `assignment_id` is the current, open, unacknowledged assignment."""
    return (
        state.assignment_id == assignment_id
        and state.acknowledged_at is None
        and not state.closed
        and not state.exhausted
    )


def active(state: IncidentRouting, at: datetime) -> IncidentRouting | None:
    """The state after activity at `at` (None: it knew of later activity already)."""
    if state.last_activity_at is not None and state.last_activity_at >= at:
        return None
    return changed(state, last_activity_at=at)


def closed(state: IncidentRouting) -> IncidentRouting | None:
    return None if state.closed else changed(state, closed=True)


def reopened(state: IncidentRouting, at: datetime) -> IncidentRouting | None:
    return changed(state, closed=False, last_activity_at=at) if state.closed else None


def exhausted(state: IncidentRouting) -> IncidentRouting | None:
    return None if state.exhausted else changed(state, exhausted=True)


def acknowledged(
    state: IncidentRouting, *, assignment_id: uuid.UUID | None, at: datetime
) -> IncidentRouting | None:
    """The state once acknowledged at `at`; None when there is nothing to acknowledge (done
    before, closed, or another assignment than the current one is named)."""
    if state.acknowledged_at is not None or state.closed:
        return None
    if assignment_id is not None and assignment_id != state.assignment_id:
        return None
    return changed(state, acknowledged_at=at)
