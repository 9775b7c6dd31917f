"""The reminder rule: an acknowledged case nobody has worked on for `idle_reminder_s`
reminds its adviser; as long again, the pool's coordinator (or BZK's). No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from contracts.vocabulary import FALLBACK_POOL
from routing.domain.roster import Roster
from routing.domain.state import IncidentRouting, Step
from routing.domain.timers import Timer

# A reminder fired this much early (the server's clock, rounding) is on time.
EARLY = timedelta(seconds=0.05)


@dataclass(frozen=True, slots=True)
class Remind:
    """Remind `target` now; then `next_timer`, if any, is the coordinator's reminder."""

    recipient: Literal["adviser", "coordinator"]
    target: Step
    stage: int
    idle_since: datetime
    next_timer: Timer | None


@dataclass(frozen=True, slots=True)
class RemindLater:
    """There was activity since the timer was set: try again at `due`."""

    due: datetime


@dataclass(frozen=True, slots=True)
class NoReminder:
    """A stale reminder (closed, moved on, not acknowledged, sent already), or nobody
    to send it to."""


ReminderDecision = Remind | RemindLater | NoReminder


def decide(
    state: IncidentRouting,
    timer: Timer,
    *,
    roster: Roster,
    idle_reminder_s: float,
    now: datetime,
) -> ReminderDecision:
    """What the reminder `timer` does to `state` at `now`."""
    if (
        state.closed
        or state.assignment_id != timer.assignment_id
        or state.acknowledged_at is None
        or state.reminders != timer.stage - 1
    ):
        return NoReminder()
    idle_since = max(t for t in (state.acknowledged_at, state.last_activity_at) if t is not None)
    due = idle_since + timedelta(seconds=idle_reminder_s * timer.stage)
    if due > now + EARLY:
        return RemindLater(due)
    if timer.stage == 1:
        recipient: Literal["adviser", "coordinator"] = "adviser"
        target = state.step
    else:
        recipient = "coordinator"
        coordinator = roster.coordinator(state.step.pool) or roster.coordinator(FALLBACK_POOL)
        if coordinator is None:
            return NoReminder()
        target = Step(
            adviser_id=coordinator.id, pool=coordinator.pool, contacts=coordinator.contacts
        )
    next_timer = None
    if timer.stage < 2:
        next_timer = timer.model_copy(
            update={
                "stage": timer.stage + 1,
                "due_at": idle_since + timedelta(seconds=idle_reminder_s * 2),
            }
        )
    return Remind(
        recipient=recipient,
        target=target,
        stage=timer.stage,
        idle_since=idle_since,
        next_timer=next_timer,
    )


def sent(state: IncidentRouting, stage: int) -> IncidentRouting | None:
    """The state once reminder `stage` is out (None: it was recorded before)."""
    return state.model_copy(update={"reminders": stage}) if state.reminders < stage else None
