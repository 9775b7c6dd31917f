"""The escalation rule: what a passed deadline, a failed page or a decline does to an
assignment. No I/O: a decision over the incident's snapshot.

The snapshot was taken when routing began (Grafana OnCall's lesson: a later roster
edit does not change who is paged next), so the decision needs no roster. Whatever
the decision, the state it makes carries everything the events say: a redelivery
after a crash publishes them again, the same."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts.events import EscalationReason, derive_id
from routing.domain.state import IncidentRouting, changed, escalates_from


@dataclass(frozen=True, slots=True)
class Escalate:
    """Page the next adviser of the snapshot: `moved` is the state to claim."""

    moved: IncidentRouting


@dataclass(frozen=True, slots=True)
class PublishAgain:
    """Moved on from this assignment by an escalation claimed before (perhaps by a
    process that crashed before publishing): publish its events again."""

    moved: IncidentRouting


@dataclass(frozen=True, slots=True)
class Exhausted:
    """Every round of the snapshot was paged and nobody acknowledged: unroutable."""

    state: IncidentRouting


@dataclass(frozen=True, slots=True)
class NoEscalation:
    """Acknowledged, closed, exhausted or moved on by hand: nothing to do. Or a failed
    page after every adviser of the ring had one in a row: delivery itself is failing
    (the mail server or the gateways down), and paging the next at once would only run
    through every round of the chain, a dead letter each retry window; the deadline
    escalates instead, and the coordinators' queue shows the case (page failed)."""


EscalationDecision = Escalate | PublishAgain | Exhausted | NoEscalation


def escalated_from(state: IncidentRouting, assignment_id: uuid.UUID) -> bool:
    """Whether `state` is an escalation away from `assignment_id` (not a hand move)."""
    return state.moved_from == assignment_id and state.moved_reason != "reassigned"


def decide(
    state: IncidentRouting,
    *,
    assignment_id: uuid.UUID,
    reason: EscalationReason,
    at: datetime,
) -> EscalationDecision:
    """What to do when `assignment_id` is to be escalated for `reason` at `at`."""
    if not escalates_from(state, assignment_id):
        if escalated_from(state, assignment_id):
            return PublishAgain(state)
        return NoEscalation()
    failed = state.failed_pages + (1 if reason == "notification_failed" else 0)
    if reason == "notification_failed" and failed >= len(state.ring):
        return NoEscalation()  # the ack timer still runs: the deadline moves it on
    if state.level + 1 > state.max_level:
        return Exhausted(state)
    level = state.level + 1
    return Escalate(
        changed(
            state,
            level=level,
            assignment_id=derive_id("assignment", state.incident_id, level),
            assigned_at=at,
            moved_from=state.assignment_id,
            moved_from_step=state.step,
            moved_reason=reason,
            failed_pages=failed,
        )
    )
