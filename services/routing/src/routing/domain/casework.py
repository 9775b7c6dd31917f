"""Case work after the first assignment: hand assignments and urgency changes. No I/O.

A hand assignment is checked against the roster (the adviser exists, is active and
is not conflicted with the organisation) and, when it stands, becomes a new
assignment at the next escalation level: the requested adviser first, then the
escalation snapshot from where it stood, so the case still escalates when nobody
acknowledges. Its ids are derived from the request and the assignment it
supersedes: a redelivered request, or a second routing process, decides the same.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.events import AssignmentRequested, RejectionReason, derive_id
from routing.domain.assignment import Request, conflicted, escalation_ring, request_for
from routing.domain.roster import Adviser, Roster
from routing.domain.state import IncidentRouting, Step


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: RejectionReason
    detail: str


def request_of(event: AssignmentRequested) -> Request:
    """The policy's view of the case a hand assignment is for."""
    return request_for(
        role=event.role,
        organisation_code=event.organisation_code,
        urgency=event.urgency,
        types=event.incident_types,
        source=event.source,
    )


def check(
    roster: Roster, event: AssignmentRequested, state: IncidentRouting | None
) -> Adviser | Rejection:
    """The adviser the case may be assigned to, or why not."""
    adviser = roster.adviser(event.adviser_id)
    if adviser is None:
        return Rejection("unknown_adviser", f"{event.adviser_id} is not in the roster")
    if not adviser.active:
        return Rejection("inactive_adviser", f"{adviser.id} is not active in the roster")
    if conflicted(adviser, request_of(event)):
        return Rejection(
            "conflict_of_interest",
            f"{adviser.id} is linked to organisation {event.organisation_code}: a conflict "
            "of interest",
        )
    if state is not None and state.closed:
        return Rejection("incident_closed", "the case is closed; reopen it first")
    if state is not None and not state.exhausted and state.step.adviser_id == adviser.id:
        return Rejection("already_assigned", f"the case is assigned to {adviser.id} already")
    return adviser


def assignment_id_for(event: AssignmentRequested, state: IncidentRouting | None) -> uuid.UUID:
    """The id of the assignment a request makes of this state."""
    superseded = state.assignment_id if state is not None else None
    return derive_id("assignment", event.incident_id, "request", event.request_id, superseded)


def assign_by_hand(
    event: AssignmentRequested,
    state: IncidentRouting | None,
    adviser: Adviser,
    *,
    roster: Roster,
    deadline_s: float,
    rounds: int,
    at: datetime,
) -> IncidentRouting:
    """The routing state after a hand assignment to `adviser`. The new deadline counts
    from the request; `deadline_s` is for a case routing had no state of (unroutable)."""
    first = Step(adviser_id=adviser.id, pool=adviser.pool, contacts=adviser.contacts)
    if state is None:
        others = escalation_ring(roster, adviser.pool, request_of(event), at=at, first=adviser)
        rest = [Step(adviser_id=a.id, pool=a.pool, contacts=a.contacts) for a in others[1:]]
        level = 0
    else:
        position = (state.level - state.base_level) % len(state.ring)
        snapshot = state.ring[position:] + state.ring[:position]
        rest = [s for s in snapshot if s.adviser_id != adviser.id]
        level = state.level + 1
    ring = [first, *rest]
    common = {
        "ring": ring,
        "level": level,
        "base_level": level,
        "max_level": level + len(ring) * rounds - 1,
        "assignment_id": assignment_id_for(event, state),
        "assigned_at": event.occurred_at,
        "deadline_s": deadline_s if state is None else state.deadline_s,
        "request_id": event.request_id,
        "acknowledged_at": None,
        "reminders": 0,
        "exhausted": False,
    }
    if state is None:
        return IncidentRouting(
            incident_id=event.incident_id,
            role=event.role,
            organisation_code=event.organisation_code,
            urgency=event.urgency,
            incident_types=list(event.incident_types),
            **common,
        )
    return state.model_copy(update=common)


def shortened_deadline(state: IncidentRouting, deadline_s: float) -> datetime | None:
    """The earlier acknowledgement deadline a raised urgency gives, or None when it
    does not shorten it (acknowledged, closed, exhausted, or not shorter). The first
    assignment's deadline counts from the report, a later one from when it was made."""
    if (
        state.acknowledged_at is not None
        or state.closed
        or state.exhausted
        or deadline_s >= state.deadline_s
    ):
        return None
    start = state.reported_at if state.level == 0 and state.reported_at else state.assigned_at
    return start + timedelta(seconds=deadline_s)
