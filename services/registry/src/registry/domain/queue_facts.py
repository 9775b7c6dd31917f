"""What the coordinators' queue asks of a case, kept in its row so a list can filter
on it: whether routing could not place it, whether its last page failed on every
channel, and when a person last did something on it. Pure.

Computed from a few fields of the case's events (`Step`), which the stored payloads
hold in plain text: the fold gives them from parsed events, a migration from rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from registry.domain.timeline import rank

ACTIVITY: Final = frozenset(
    {
        "incident.reported",
        "assignment.acknowledged",
        "action.recorded",
        "incident.details_updated",
        "incident.closed",
        "incident.reopened",
        "assignment.requested",
    }
)
"""What a person does on a case (a page, an escalation or a reminder is no activity; a
reopen of a case that is open is nothing, as in the fold)."""
TYPES: Final = (
    ACTIVITY
    | {"adviser.assigned", "incident.unroutable", "notification.sent"}
    | {"notification.failed"}
)
"""The event types the queue's facts depend on."""
FAILED_ADVISERS_AT_MOST: Final = 10


@dataclass(frozen=True, slots=True)
class Step:
    type: str
    at: datetime
    event_id: str
    assignment_id: str | None = None
    adviser_id: str | None = None
    purpose: str | None = None


@dataclass(frozen=True, slots=True)
class QueueFacts:
    unroutable: bool = False
    """Routing's last word was that nobody could take it (no assignment since)."""
    page_failed: bool = False
    """The latest assignment with a page outcome got failures on every channel and no
    delivery (assignments in the order they were made)."""
    failed_advisers: tuple[str, ...] = ()
    """The advisers whose page failed on every channel, in order (at most 10)."""
    last_activity_at: datetime | None = None
    """When a person last did something on the case (`ACTIVITY`)."""


def queue_facts(steps: Iterable[Step]) -> QueueFacts:
    """The facts after these steps (any order: they are sorted as the timeline is)."""
    unroutable = False
    last_activity: datetime | None = None
    delivered: set[str] = set()
    failed: dict[str, str] = {}
    order: dict[str, int] = {}  # assignment → when it was made (or first paged)
    closed = False
    for step in sorted(steps, key=lambda s: (s.at, rank(s.type), s.event_id)):
        if step.type == "incident.reopened" and not closed:
            continue
        closed = step.type == "incident.closed" or (closed and step.type != "incident.reopened")
        if step.type in ACTIVITY:
            last_activity = step.at if last_activity is None else max(last_activity, step.at)
        if step.type == "incident.unroutable":
            unroutable = True
        elif step.type == "adviser.assigned":
            unroutable = False
            if step.assignment_id is not None:
                order.setdefault(step.assignment_id, len(order))
        elif step.type in ("notification.sent", "notification.failed"):
            if (step.purpose or "page") != "page" or step.assignment_id is None:
                continue
            order.setdefault(step.assignment_id, len(order))
            if step.type == "notification.sent":
                delivered.add(step.assignment_id)
            else:
                failed.setdefault(step.assignment_id, step.adviser_id or "?")
    failed_only = [a for a in failed if a not in delivered]
    paged = [a for a in order if a in delivered or a in failed]
    last_paged = paged[-1] if paged else None
    return QueueFacts(
        unroutable=unroutable,
        page_failed=last_paged is not None and last_paged in failed_only,
        failed_advisers=tuple(failed[a] for a in failed_only)[:FAILED_ADVISERS_AT_MOST],
        last_activity_at=last_activity,
    )
