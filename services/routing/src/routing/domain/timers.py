"""Routing's timers: an acknowledgement deadline or an idle reminder, as a value. No I/O.

`routing.adapters.timers` hands them to JetStream message schedules, which publish each
one to its `subject` when it is due."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from contracts.subjects import TIMER_DUE_PREFIX, TIMER_SCHEDULE_PREFIX
from routing.domain.state import IncidentRouting


class Timer(BaseModel):
    """A deadline or reminder, kept by a JetStream message schedule until it is due."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["ack", "idle"]
    incident_id: uuid.UUID
    assignment_id: uuid.UUID
    due_at: AwareDatetime
    stage: int = 1

    @property
    def subject(self) -> str:
        """Where the server publishes the timer when it is due."""
        return f"{TIMER_DUE_PREFIX}.{self.kind}.{self.incident_id}"

    @property
    def schedule_subject(self) -> str:
        """The pending timer's identity: one schedule per assignment, kind and stage, so
        scheduling it again (a later reminder, an earlier deadline) replaces it."""
        return f"{TIMER_SCHEDULE_PREFIX}.{self.kind}.{self.assignment_id}.{self.stage}"

    @property
    def msg_id(self) -> str:
        # The due time is part of the id: a deadline moved earlier is another timer.
        due_ms = int(self.due_at.timestamp() * 1000)
        return f"timer:{self.kind}:{self.assignment_id}:{self.stage}:{due_ms}"


def ack_deadline(state: IncidentRouting) -> datetime:
    """When the current assignment's acknowledgement is due."""
    return state.assigned_at + timedelta(seconds=state.deadline_s)


def ack_timer(state: IncidentRouting, *, due_at: datetime | None = None) -> Timer:
    """The current assignment's deadline (at `due_at` when it was moved earlier)."""
    return Timer(
        kind="ack",
        incident_id=state.incident_id,
        assignment_id=state.assignment_id,
        due_at=due_at or ack_deadline(state),
    )


def idle_timer(state: IncidentRouting, *, due_at: datetime, stage: int = 1) -> Timer:
    """The reminder of an acknowledged case nobody has worked on since."""
    return Timer(
        kind="idle",
        incident_id=state.incident_id,
        assignment_id=state.assignment_id,
        due_at=due_at,
        stage=stage,
    )
