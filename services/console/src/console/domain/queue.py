"""The coordinators' queue: what needs a person now, and why.

From the registry's case list (and, for the few cases it cannot tell from the list,
the case's timeline): cases routing could not place, pages that failed on every
channel, cases escalated more than once, and acknowledged cases with no action for
long. Pure: records in, reasons out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from console.domain.cases import parse_moment

IDLE_AFTER = timedelta(hours=4)
REASONS = ("unroutable", "paging_failed", "escalated", "idle")
REASON_NL = {
    "unroutable": "Niet te routeren: niemand toegewezen",
    "paging_failed": "Pagen mislukt op elk kanaal",
    "escalated": "Meer dan eens geëscaleerd",
    "idle": "Bevestigd, maar lang geen actie",
}
REASON_EN = {
    "unroutable": "Unroutable: nobody assigned",
    "paging_failed": "Paging failed on every channel",
    "escalated": "Escalated more than once",
    "idle": "Acknowledged, no action for long",
}


def needs_timeline(item: Mapping[str, Any]) -> bool:
    """Whether the list alone cannot tell: an open case with nobody on it (unroutable,
    or routing not done yet), or an unacknowledged case that escalated (a failed page
    escalates at once)."""
    if item.get("status") == "closed":
        return False
    assignment = item.get("assignment")
    if not assignment:
        return True
    return not assignment.get("acknowledged_at") and int(item.get("escalations") or 0) >= 1


def failed_pages(record: Mapping[str, Any]) -> list[str]:
    """The advisers whose page failed on every channel tried, with none delivered."""
    sent: set[str] = set()
    failed: dict[str, str] = {}
    for entry in record.get("timeline") or []:
        if entry.get("purpose", "page") != "page":
            continue
        assignment = str(entry.get("assignment_id"))
        if entry.get("type") == "notification_sent":
            sent.add(assignment)
        elif entry.get("type") == "notification_failed":
            failed.setdefault(assignment, str(entry.get("adviser_id") or "?"))
    return [adviser for assignment, adviser in failed.items() if assignment not in sent]


@dataclass(frozen=True, slots=True)
class QueueItem:
    record: Mapping[str, Any]
    reasons: tuple[str, ...]
    failed: tuple[str, ...] = ()
    idle_hours: int | None = None

    @property
    def incident_id(self) -> str:
        return str(self.record["incident_id"])

    @property
    def needs_assignment(self) -> bool:
        return "unroutable" in self.reasons or "paging_failed" in self.reasons


def classify(
    item: Mapping[str, Any], timeline: Mapping[str, Any] | None, *, now: datetime
) -> QueueItem | None:
    """Why this case is in the queue, or None when it is not."""
    if item.get("status") == "closed":
        return None
    reasons: list[str] = []
    assignment = item.get("assignment") or {}
    entries = (timeline or {}).get("timeline") or []
    if not assignment and any(e.get("type") == "unroutable" for e in entries):
        reasons.append("unroutable")
    failed = tuple(failed_pages(timeline)) if timeline else ()
    if failed and not assignment.get("acknowledged_at"):
        reasons.append("paging_failed")
    if int(item.get("escalations") or 0) >= 2:
        reasons.append("escalated")
    idle_hours = None
    acknowledged = parse_moment(assignment.get("acknowledged_at"))
    if item.get("status") == "acknowledged" and acknowledged and now - acknowledged > IDLE_AFTER:
        reasons.append("idle")
        idle_hours = int((now - acknowledged).total_seconds() // 3600)
    if not reasons:
        return None
    return QueueItem(item, tuple(reasons), failed, idle_hours)


def queue(
    items: Sequence[Mapping[str, Any]],
    timelines: Mapping[str, Mapping[str, Any]],
    *,
    now: datetime,
) -> list[QueueItem]:
    """The queue, most pressing first: by reason, then oldest report first."""
    found = [
        q
        for item in items
        if (q := classify(item, timelines.get(str(item["incident_id"])), now=now)) is not None
    ]
    return sorted(
        found,
        key=lambda q: (REASONS.index(q.reasons[0]), str(q.record.get("reported_at") or "")),
    )


def counts(found: Sequence[QueueItem]) -> dict[str, int]:
    """How many cases have each reason (a case may have several)."""
    return {reason: sum(1 for q in found if reason in q.reasons) for reason in REASONS}


def reason_text(reason: str, language: str = "nl") -> str:
    return (REASON_NL if language == "nl" else REASON_EN).get(reason, reason)
